package io.synod.transport.aeron;

import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.log.chronicle.FileSnapshotStore;
import io.synod.raft.Membership;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvClientCodec;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import static io.synod.transport.aeron.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6 over Aeron (loopback UDP) with Chronicle logs, file hard state and {@link FileSnapshotStore}: a
 * fourth member joins a running cluster whose logs are compacted, so it can only catch up by InstallSnapshot;
 * it is promoted, an original member is removed and stopped, and leadership moves to the newcomer. The
 * transports follow the configuration: the host hands member 4's endpoint to every member before
 * {@code ADD_LEARNER}, and the removed member is forgotten without the host's help.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronMembershipChangeTest
{
    private static final int CLUSTER_ID = 12;
    private static final int ORIGINALS = 3;
    private static final int NEWCOMER = 4;
    private static final int KEYS = 5_000;
    private static final int KEYS_AFTER = 200;
    private static final int KEY_LENGTH = 8;
    private static final int VALUE_LENGTH = 16;
    private static final int WINDOW = 1024;
    /** Control correlation ids start here, well above the key ids used for puts. */
    private static final long CONTROL_ID_BASE = 1L << 40;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path root;

    private final String[] endpoints = new String[NEWCOMER + 1];
    private final AeronRaftNode[] nodes = new AeronRaftNode[NEWCOMER + 1];
    private final AeronRaftNode[] stopped = new AeronRaftNode[NEWCOMER + 1];
    private final KeyValueStateMachine[] stateMachines = new KeyValueStateMachine[NEWCOMER + 1];
    private final Outcomes outcomes = new Outcomes();
    private long nextControlId = CONTROL_ID_BASE;

    /** Outcomes by correlation id, from whichever member answered. */
    private static final class Outcomes implements ProposalHandler
    {
        final Map<Long, Long> committed = new ConcurrentHashMap<>();
        final Map<Long, Integer> rejected = new ConcurrentHashMap<>();

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset,
            final int length)
        {
            committed.put(correlationId, index);
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            rejected.put(correlationId, reason);
        }

        boolean done(final long correlationId)
        {
            return committed.containsKey(correlationId) || rejected.containsKey(correlationId);
        }
    }

    @Test
    void shouldAddANewMemberBySnapshotPromoteItRemoveAnOriginalAndTransferLeadershipToIt()
    {
        final long startNs = System.nanoTime();
        try
        {
            for (int m = 1; m <= NEWCOMER; m++)
            {
                endpoints[m] = TestSupport.freeEndpoint();
            }
            for (int m = 1; m <= ORIGINALS; m++)
            {
                start(m, false);
            }
            final AeronRaftNode firstLeader = awaitLeader();
            put(0, KEYS);
            // Every original compacts its log behind a snapshot: index 1 is gone, so a newcomer needs InstallSnapshot.
            await(TIMEOUT, this::describe, () -> allLive((n) -> n.raftNode().lastSnapshotIndex() >= KEYS / 2));
            final long leaderSnapshotIndex = awaitLeader().raftNode().lastSnapshotIndex();

            // The newcomer starts with no configuration; the host makes it reachable, then adds it as a learner.
            final AeronRaftNode newcomer = start(NEWCOMER, true);
            for (int m = 1; m <= ORIGINALS; m++)
            {
                assertTrue(nodes[m].addEndpoint(NEWCOMER, endpoints[NEWCOMER]));
            }
            change(Membership.ADD_LEARNER, NEWCOMER);
            await(TIMEOUT, this::describe, () ->
                newcomer.raftNode().lastSnapshotIndex() >= leaderSnapshotIndex && newcomer.lastApplied() >= KEYS);
            change(Membership.PROMOTE, NEWCOMER); // retried while LEARNER_BEHIND

            // Remove an original follower, then stop it: the others forget its endpoint by themselves.
            final int removed = awaitLeader().memberId() % ORIGINALS + 1;
            change(Membership.REMOVE, removed); // returns once the removal committed
            stop(removed);

            // Hand leadership to the newcomer.
            await(TIMEOUT, this::describe, () ->
            {
                final AeronRaftNode leader = awaitLeader();
                if (leader.memberId() == NEWCOMER)
                {
                    return true;
                }
                final long id = nextControlId++;
                assertTrue(leader.transferLeadership(id, NEWCOMER));
                await(TIMEOUT, this::describe, () -> outcomes.done(id));
                return false;
            });
            await(TIMEOUT, this::describe, newcomer::isLeader);
            assertEquals(
                Membership.of(voters(removed), new int[0]), newcomer.raftNode().membership(), "configuration in force");

            // Commands still commit, through the new leader.
            put(KEYS, KEYS + KEYS_AFTER);
            final long commit = newcomer.commitIndex();
            await(TIMEOUT, this::describe, () -> allLive((n) -> n.lastApplied() >= commit));
            assertNoFailures();
            System.out.printf(
                "membership over Aeron: %,d keys, newcomer installed snapshot %,d, removed member %d, %d ms in all%n",
                KEYS + KEYS_AFTER, newcomer.raftNode().lastSnapshotIndex(), removed,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));

            final int[] live = liveMembers();
            for (final int m : live)
            {
                stop(m); // joins each agent thread: state machines and transports may now be read here
            }
            assertTrue(stopped[NEWCOMER].raftNode().lastSnapshotIndex() > 0, "the newcomer caught up by InstallSnapshot");
            final KeyValueStateMachine reference = stateMachines[NEWCOMER];
            assertEquals(KEYS + KEYS_AFTER, reference.size(), "every acknowledged put is there");
            final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
            for (final Map.Entry<Long, Long> acknowledged : outcomes.committed.entrySet())
            {
                if (acknowledged.getKey() < CONTROL_ID_BASE)
                {
                    key.putLong(0, acknowledged.getKey(), ByteOrder.BIG_ENDIAN);
                    for (final int m : live)
                    {
                        assertTrue(stateMachines[m].version(key, 0, KEY_LENGTH) > 0, "key " + acknowledged.getKey() + " on " + m);
                    }
                }
            }
            for (final int m : live)
            {
                assertEquals(reference.digest(), stateMachines[m].digest(), "digest of member " + m);
                assertTrue(reference.contentEquals(stateMachines[m]), "content of member " + m);
                assertFalse(stopped[m].transport().hasPeer(removed), "member " + m + " forgot member " + removed);
                assertEquals(live.length - 1, stopped[m].transport().peerCount(), "peers of member " + m);
            }
            assertEquals(0, firstLeader.endpointsRefused());
        }
        finally
        {
            for (int m = 1; m <= NEWCOMER; m++)
            {
                CloseHelper.quietClose(nodes[m]);
            }
        }
    }

    /** Proposes a membership change at the leader until it commits, retrying transient rejections. */
    private void change(final int change, final int member)
    {
        await(TIMEOUT, this::describe, () ->
        {
            final long id = nextControlId++;
            assertTrue(awaitLeader().proposeMembershipChange(id, change, member));
            await(TIMEOUT, this::describe, () -> outcomes.done(id));
            final Integer reason = outcomes.rejected.get(id);
            if (reason != null && reason != ProposalHandler.NOT_LEADER && reason != ProposalHandler.NOT_READY &&
                reason != ProposalHandler.CHANGE_IN_PROGRESS && reason != ProposalHandler.LEARNER_BEHIND &&
                reason != ProposalHandler.LEADERSHIP_LOST && reason != ProposalHandler.BACK_PRESSURE)
            {
                throw new AssertionError("change " + change + " of " + member + " rejected: " + reason + " " + describe());
            }
            return reason == null;
        });
    }

    /** Puts keys {@code [from, to)} through the leader with at most {@link #WINDOW} outstanding, resending rejections. */
    private void put(final long from, final long to)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[VALUE_LENGTH]);
        final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
        long next = from;
        while (true)
        {
            long outstanding = 0;
            long acknowledged = 0;
            for (long id = from; id < next; id++)
            {
                final Long id0 = id;
                if (outcomes.committed.containsKey(id0))
                {
                    acknowledged++;
                }
                else if (outcomes.rejected.remove(id0) != null)
                {
                    send(awaitLeader(), id, key, value, command); // resend: the leader may have changed
                    outstanding++;
                }
                else
                {
                    outstanding++;
                }
            }
            if (acknowledged == to - from)
            {
                return;
            }
            final AeronRaftNode leader = awaitLeader();
            while (next < to && outstanding < WINDOW)
            {
                send(leader, next++, key, value, command);
                outstanding++;
            }
            assertNoFailures();
            Thread.yield();
        }
    }

    private void send(
        final AeronRaftNode leader, final long id, final UnsafeBuffer key, final UnsafeBuffer value, final UnsafeBuffer command)
    {
        key.putLong(0, id, ByteOrder.BIG_ENDIAN);
        value.putLong(0, id * 31, ByteOrder.LITTLE_ENDIAN);
        value.putLong(8, ~id, ByteOrder.LITTLE_ENDIAN);
        final int length = KvClientCodec.encodePut(command, 0, key, 0, KEY_LENGTH, value, 0, VALUE_LENGTH);
        await(TIMEOUT, this::describe, () -> leader.propose(id, command, 0, length)); // ring full: back-pressure
    }

    private AeronRaftNode start(final int member, final boolean joining)
    {
        final Path dir = TestSupport.createDirectories(root.resolve("member-" + member));
        final ChronicleRaftLog log = ChronicleRaftLog.open(dir.resolve("log"), Durability.PAGE_CACHE, CLUSTER_ID, member);
        final FileHardState hardState = FileHardState.open(dir.resolve("hard-state"), CLUSTER_ID, member);
        final FileSnapshotStore snapshots = FileSnapshotStore.open(dir.resolve("snapshots"), CLUSTER_ID, member);
        stateMachines[member] = new KeyValueStateMachine(KEYS + KEYS_AFTER);
        final AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(CLUSTER_ID)
            .memberId(member)
            .raftConfig(new RaftConfig()
                .joining(joining)
                .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
                .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                .snapshotEntriesThreshold(1_000) // snapshots every thousand entries, so the log is compacted
                .snapshotTrailingEntries(100)
                .snapshotChunkBytes(16 * 1024)
                .promotionLagMax(256)
                .observer(RaftObserver.NONE))
            .log(log)
            .hardState(hardState)
            .snapshotStore(snapshots)
            .stateMachine(stateMachines[member])
            .proposalHandler(outcomes)
            .randomSeed(member * 7919L);
        // The originals know only each other; the newcomer knows them and itself.
        for (int m = 1; m <= (joining ? NEWCOMER : ORIGINALS); m++)
        {
            builder.endpoint(m, endpoints[m]);
        }
        nodes[member] = builder.build();
        return nodes[member];
    }

    private void stop(final int member)
    {
        final AeronRaftNode node = nodes[member];
        nodes[member] = null;
        stopped[member] = node;
        CloseHelper.close(node);
    }

    private int[] liveMembers()
    {
        int count = 0;
        final int[] live = new int[NEWCOMER];
        for (int m = 1; m <= NEWCOMER; m++)
        {
            if (nodes[m] != null)
            {
                live[count++] = m;
            }
        }
        return java.util.Arrays.copyOf(live, count);
    }

    private static int[] voters(final int removed)
    {
        final int[] voters = new int[ORIGINALS];
        int count = 0;
        for (int m = 1; m <= NEWCOMER; m++)
        {
            if (m != removed)
            {
                voters[count++] = m;
            }
        }
        return voters;
    }

    private boolean allLive(final java.util.function.Predicate<AeronRaftNode> condition)
    {
        for (int m = 1; m <= NEWCOMER; m++)
        {
            if (nodes[m] != null && !condition.test(nodes[m]))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the single live member that leads in the highest term. */
    private AeronRaftNode awaitLeader()
    {
        final AeronRaftNode[] leader = new AeronRaftNode[1];
        await(TIMEOUT, this::describe, () ->
        {
            leader[0] = null;
            for (int m = 1; m <= NEWCOMER; m++)
            {
                if (nodes[m] != null && nodes[m].isLeader() && (leader[0] == null || nodes[m].term() > leader[0].term()))
                {
                    leader[0] = nodes[m];
                }
            }
            return leader[0] != null;
        });
        return leader[0];
    }

    private void assertNoFailures()
    {
        for (int m = 1; m <= NEWCOMER; m++)
        {
            if (nodes[m] != null && nodes[m].failure() != null)
            {
                throw new AssertionError("member " + m + " failed", nodes[m].failure());
            }
        }
    }

    private String describe()
    {
        final StringBuilder sb = new StringBuilder("committed=").append(outcomes.committed.size())
            .append(" rejected=").append(outcomes.rejected);
        for (int m = 1; m <= NEWCOMER; m++)
        {
            final AeronRaftNode node = nodes[m];
            sb.append(" | ").append(m).append(':');
            if (node == null)
            {
                sb.append("down");
                continue;
            }
            sb.append(node.role()).append(" t=").append(node.term()).append(" commit=").append(node.commitIndex())
                .append(" applied=").append(node.lastApplied())
                .append(" snapshot=").append(node.raftNode().lastSnapshotIndex())
                .append(" config=").append(node.raftNode().membership())
                .append(" sendFail=").append(node.raftNode().counters().sendFailures());
            if (node.failure() != null)
            {
                sb.append(" FAILED ").append(node.failure());
            }
        }
        return sb.toString();
    }
}
