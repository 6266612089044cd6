package io.synod.transport.aeron;

import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.log.chronicle.FileSnapshotStore;
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
import java.util.Comparator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.synod.transport.aeron.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5: over Aeron (loopback UDP) with Chronicle logs, file hard state and {@link FileSnapshotStore}, a
 * follower wiped clean rejoins through InstallSnapshot of a {@link KeyValueStateMachine} holding many keys.
 *
 * <p>Three members start; one follower is stopped. The others load {@code synod.install.keys} keys
 * (1,000,000 by default; {@code -Dsynod.install.keys=N} for another size), snapshot once the load is applied and compact their
 * logs behind the snapshot. The follower's directories (log, hard state, snapshots) are deleted and it is
 * started empty: the leader's log no longer reaches back to index 1, so it can only catch up by installing
 * the leader's snapshot. It must end with the leader's snapshot index, checksum and state digest.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class AeronInstallSnapshotTest
{
    private static final int CLUSTER_ID = 11;
    private static final int MEMBERS = 3;
    private static final int KEY_LENGTH = 8;
    private static final int VALUE_LENGTH = 16;
    private static final int WINDOW = 8 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("synod.install.timeout.s", 240));

    @TempDir
    Path root;

    private final String[] endpoints = new String[MEMBERS + 1];
    private final AeronRaftNode[] nodes = new AeronRaftNode[MEMBERS + 1];
    private final KeyValueStateMachine[] stateMachines = new KeyValueStateMachine[MEMBERS + 1];
    private final FileSnapshotStore[] snapshotStores = new FileSnapshotStore[MEMBERS + 1];
    private final Loader loader = new Loader();
    private int keys;

    /** Counts outcomes; rejected proposals are queued for the proposer to send again. */
    private static final class Loader implements ProposalHandler
    {
        final AtomicLong committed = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final ConcurrentLinkedQueue<Long> retries = new ConcurrentLinkedQueue<>();

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset,
            final int length)
        {
            committed.incrementAndGet();
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            rejected.incrementAndGet();
            retries.add(correlationId);
        }
    }

    @Test
    void shouldRejoinAFollowerWipedWhileDownThroughInstallSnapshot()
    {
        keys = Integer.getInteger("synod.install.keys", 1_000_000);
        rejoinWipedFollower(true);
    }

    /**
     * The same with the follower stopped and wiped only after it had acknowledged the whole load. The
     * leader stays in place and still holds the follower's old {@code matchIndex}; the empty follower's
     * rejections report a last index below it, so the leader lowers its view of the follower and moves
     * it to a snapshot transfer. (Smaller load: this case is about the repair, not the size.)
     */
    @Test
    void shouldRejoinAFollowerWipedAfterItAcknowledgedTheLoad()
    {
        keys = Math.min(20_000, Integer.getInteger("synod.install.keys", 1_000_000));
        rejoinWipedFollower(false);
    }

    private void rejoinWipedFollower(final boolean stopBeforeLoad)
    {
        try
        {
            for (int m = 1; m <= MEMBERS; m++)
            {
                endpoints[m] = TestSupport.freeEndpoint();
            }
            for (int m = 1; m <= MEMBERS; m++)
            {
                start(m);
            }
            AeronRaftNode leader = awaitLeader();
            final int follower = leader.memberId() % MEMBERS + 1;
            if (stopBeforeLoad)
            {
                stop(follower);
            }

            final long loadStartNs = System.nanoTime();
            load(leader);
            final long loadNs = System.nanoTime() - loadStartNs;
            leader = awaitLeader();
            final AeronRaftNode finalLeader = leader;
            await(TIMEOUT, this::describe, () ->
            {
                final long commit = finalLeader.commitIndex();
                for (int m = 1; m <= MEMBERS; m++)
                {
                    if (nodes[m] != null && (nodes[m].lastApplied() != commit || nodes[m].raftNode().lastSnapshotIndex() < keys))
                    {
                        return false;
                    }
                }
                return true;
            });
            assertNoFailures();
            final long leaderSnapshotIndex = leader.raftNode().lastSnapshotIndex();
            final long settledNs = System.nanoTime() - loadStartNs;

            // Wipe the follower: stopped, everything it stored deleted, started empty.
            if (!stopBeforeLoad)
            {
                stop(follower);
            }
            deleteRecursively(memberDirectory(follower));
            final long rejoinStartNs = System.nanoTime();
            final AeronRaftNode rejoined = start(follower);
            await(TIMEOUT, this::describe, () ->
                rejoined.raftNode().lastSnapshotIndex() >= leaderSnapshotIndex &&
                rejoined.lastApplied() == finalLeader.commitIndex());
            final long rejoinNs = System.nanoTime() - rejoinStartNs;
            assertNoFailures();
            // Its log starts empty and the leader's is compacted: only an installed snapshot gets it here.
            assertEquals(leaderSnapshotIndex, rejoined.raftNode().lastSnapshotIndex(), describe());

            for (int m = 1; m <= MEMBERS; m++)
            {
                stop(m); // joins each agent thread: its state machine may now be read here
            }
            final long snapshotBytes = snapshotStores[leader.memberId()].length();
            assertEquals(leaderSnapshotIndex, snapshotStores[follower].index(), "installed snapshot index");
            assertEquals(snapshotStores[leader.memberId()].checksum(), snapshotStores[follower].checksum());
            final KeyValueStateMachine leaderState = stateMachines[leader.memberId()];
            assertEquals(keys, leaderState.size());
            for (int m = 1; m <= MEMBERS; m++)
            {
                assertEquals(leaderState.digest(), stateMachines[m].digest(), "digest of member " + m);
                assertTrue(leaderState.contentEquals(stateMachines[m]), "content of member " + m);
            }
            System.out.printf(
                "install-snapshot: %,d keys loaded in %d ms (%,.0f puts/s; settled with snapshots in %d ms); " +
                "snapshot at index %,d is %,d bytes; wiped follower %d installed it and caught up in %d ms%n",
                keys, loadNs / 1_000_000, keys * 1e9 / loadNs, settledNs / 1_000_000,
                leaderSnapshotIndex, snapshotBytes, follower, rejoinNs / 1_000_000);
        }
        finally
        {
            for (int m = 1; m <= MEMBERS; m++)
            {
                CloseHelper.quietClose(nodes[m]);
            }
        }
    }

    /** Proposes put(key i, value i) for every key with at most {@link #WINDOW} outstanding, resending rejections. */
    private void load(final AeronRaftNode leader)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[VALUE_LENGTH]);
        final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
        final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        long next = 0;
        long proposed = 0;
        while (loader.committed.get() < keys)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("load timed out: " + describe());
            }
            if (proposed - loader.committed.get() - loader.rejected.get() >= WINDOW)
            {
                Thread.yield();
                continue;
            }
            final Long retry = loader.retries.poll();
            final long id;
            if (retry != null)
            {
                id = retry;
            }
            else if (next < keys)
            {
                id = next++;
            }
            else
            {
                Thread.yield();
                continue;
            }
            key.putLong(0, id, ByteOrder.BIG_ENDIAN);
            value.putLong(0, id * 31, ByteOrder.LITTLE_ENDIAN);
            value.putLong(8, ~id, ByteOrder.LITTLE_ENDIAN);
            final int length = KvClientCodec.encodePut(command, 0, key, 0, KEY_LENGTH, value, 0, VALUE_LENGTH);
            while (!leader.propose(id, command, 0, length))
            {
                Thread.yield(); // proposal ring full: back-pressure
            }
            proposed++;
        }
        assertEquals(0, loader.rejected.get(), "rejected proposals (a leader change during the load?)");
    }

    private static RaftConfig raftConfig(final long keys)
    {
        return new RaftConfig()
            .electionTimeoutNs(TimeUnit.SECONDS.toNanos(2)) // a member restoring many keys holds its duty cycle
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(100))
            .snapshotEntriesThreshold(keys) // one snapshot, once the load is applied
            .snapshotBytesThreshold(Long.MAX_VALUE)
            .snapshotChunkBytes(64 * 1024)
            .observer(RaftObserver.NONE);
    }

    private Path memberDirectory(final int member)
    {
        return root.resolve("member-" + member);
    }

    private AeronRaftNode start(final int member)
    {
        final Path dir = memberDirectory(member);
        final ChronicleRaftLog log = ChronicleRaftLog.open(dir.resolve("log"), Durability.PAGE_CACHE, CLUSTER_ID, member);
        final FileHardState hardState = FileHardState.open(TestSupport.createDirectories(dir).resolve("hard-state"), CLUSTER_ID, member);
        snapshotStores[member] = FileSnapshotStore.open(dir.resolve("snapshots"), CLUSTER_ID, member);
        stateMachines[member] = new KeyValueStateMachine(keys);
        final AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(CLUSTER_ID)
            .memberId(member)
            .raftConfig(raftConfig(keys))
            .log(log)
            .hardState(hardState)
            .snapshotStore(snapshotStores[member])
            .stateMachine(stateMachines[member])
            .proposalHandler(loader)
            .randomSeed(member * 7919L);
        for (int m = 1; m <= MEMBERS; m++)
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
        CloseHelper.close(node);
    }

    private AeronRaftNode awaitLeader()
    {
        final AeronRaftNode[] leader = new AeronRaftNode[1];
        await(TIMEOUT, this::describe, () ->
        {
            for (int m = 1; m <= MEMBERS; m++)
            {
                if (nodes[m] != null && nodes[m].isLeader())
                {
                    leader[0] = nodes[m];
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    private void assertNoFailures()
    {
        for (int m = 1; m <= MEMBERS; m++)
        {
            if (nodes[m] != null && nodes[m].failure() != null)
            {
                throw new AssertionError("member " + m + " failed", nodes[m].failure());
            }
        }
    }

    private String describe()
    {
        final StringBuilder sb = new StringBuilder("committed=").append(loader.committed.get())
            .append(" rejected=").append(loader.rejected.get());
        for (int m = 1; m <= MEMBERS; m++)
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
                .append(" sent=").append(node.raftNode().counters().framesSent())
                .append(" recv=").append(node.raftNode().counters().framesReceived())
                .append(" dropped=").append(node.raftNode().counters().framesDropped())
                .append(" sendFail=").append(node.raftNode().counters().sendFailures());
            if (node.failure() != null)
            {
                sb.append(" FAILED ").append(node.failure());
            }
        }
        return sb.toString();
    }

    private static void deleteRecursively(final Path dir)
    {
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        assertTrue(!Files.exists(dir), "deleted " + dir);
    }
}
