package io.synod.transport.aeron;

import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.ChronicleStores;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.raft.ProposalFutures;
import io.synod.raft.ProposalHandler;
import io.synod.raft.ProposalRejectedException;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.raft.ReadMode;
import io.synod.raft.StateMachine;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding API of {@link AeronRaftNode} over loopback UDP: waiting for a leader, futures beside a
 * custom handler, linearizable reads (future and zero-allocation twin), several groups on one node, the
 * terminal state after a failure, and the identity check of the stores at build time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronRaftNodeApiTest
{
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);
    private final List<AeronRaftNode> nodes = new ArrayList<>();
    private AeronRuntime shared;

    @TempDir
    Path dir;

    /** Adds the little-endian long of each command; a command of -1 throws (a broken state machine). */
    static final class Counter implements StateMachine
    {
        volatile long value;

        @Override
        public int apply(
            final long index, final long term, final DirectBuffer command, final int offset, final int length,
            final ExpandableArrayBuffer response)
        {
            if (length != Long.BYTES)
            {
                return 0; // the leader's no-op and anything else
            }
            final long delta = command.getLong(offset);
            if (delta == -1)
            {
                throw new IllegalStateException("counter refuses -1");
            }
            value += delta;
            response.putLong(0, value);
            return Long.BYTES;
        }
    }

    /** Records what reaches the custom handler. */
    static final class Recorder implements ProposalHandler
    {
        final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset,
            final int length)
        {
            seen.add("committed " + correlationId);
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            seen.add("rejected " + correlationId + " " + ProposalRejectedException.class.getSimpleName());
        }

        @Override
        public void onReadReady(final int groupId, final long correlationId, final long readIndex)
        {
            seen.add("read " + correlationId);
        }
    }

    @AfterEach
    void closeAll()
    {
        CloseHelper.quietCloseAll(nodes);
        CloseHelper.quietClose(shared);
    }

    private static byte[] delta(final long delta)
    {
        final byte[] bytes = new byte[Long.BYTES];
        new UnsafeBuffer(bytes).putLong(0, delta);
        return bytes;
    }

    private static RaftConfig fastConfig()
    {
        return new RaftConfig()
            // Long enough that a loaded 2-core machine does not depose leaders mid-test (300 ms did, once).
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(1_000))
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
            .observer(RaftObserver.NONE);
    }

    private AeronRaftNode.Builder member(final int member, final int size, final StateMachine stateMachine)
    {
        if (shared == null)
        {
            shared = AeronRuntime.embedded();
        }
        final AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(7).memberId(member).runtime(shared).ipc(members(size))
            .raftConfig(fastConfig()).randomSeed(member)
            .log(new InMemoryRaftLog()).hardState(new InMemoryHardState()).stateMachine(stateMachine);
        return builder;
    }

    private static int[] members(final int size)
    {
        final int[] members = new int[size];
        for (int i = 0; i < size; i++)
        {
            members[i] = i + 1;
        }
        return members;
    }

    /** Commits {@code command} to {@code groupId} through whichever member leads, again if leadership moved first. */
    private ProposalFutures.Committed commit(final int groupId, final byte[] command)
    {
        final long deadlineNs = System.nanoTime() + LEADER_TIMEOUT.toNanos();
        while (true)
        {
            final AeronRaftGroup leader = leaderOf(nodes.get(0).group(groupId).awaitLeader(LEADER_TIMEOUT)).group(groupId);
            try
            {
                return leader.propose(command).join();
            }
            catch (final CompletionException ex)
            {
                final boolean notApplied = ex.getCause() instanceof ProposalRejectedException &&
                    (((ProposalRejectedException)ex.getCause()).reason() == ProposalHandler.NOT_LEADER ||
                    ((ProposalRejectedException)ex.getCause()).reason() == ProposalHandler.LEADERSHIP_LOST);
                if (!notApplied || System.nanoTime() > deadlineNs)
                {
                    throw ex;
                }
            }
        }
    }

    private AeronRaftNode leaderOf(final int leaderId)
    {
        return nodes.stream().filter((n) -> n.memberId() == leaderId).findFirst().orElseThrow();
    }

    @Test
    void shouldAwaitLeaderThenProposeAndReadWithFuturesBesideACustomHandler()
    {
        final Counter[] counters = new Counter[4];
        final Recorder recorder = new Recorder();
        for (int m = 1; m <= 3; m++)
        {
            counters[m] = new Counter();
            nodes.add(member(m, 3, counters[m]).proposalHandler(recorder).build());
        }
        final int leaderId = nodes.get(0).awaitLeader(LEADER_TIMEOUT);
        assertEquals(leaderId, nodes.get(1).awaitLeader(LEADER_TIMEOUT), "both see the same leader");
        final AeronRaftNode leader = leaderOf(leaderId);
        assertTrue(leader.isLeader());

        final ProposalFutures.Committed five = leader.propose(delta(5)).join();
        assertEquals(5L, new UnsafeBuffer(five.response()).getLong(0), "the state machine's response");
        assertTrue(leader.propose(42, new UnsafeBuffer(delta(2)), 0, Long.BYTES), "zero-allocation twin");
        final AeronRaftNode follower = nodes.stream().filter((n) -> n.memberId() != leaderId).findFirst().orElseThrow();
        final Counter followerCounter = counters[follower.memberId()];

        // A linearizable read on a follower sees every write acknowledged before it started.
        TestSupport.await(LEADER_TIMEOUT, () -> "custom handler saw its commit: " + recorder.seen,
            () -> recorder.seen.contains("committed 42"));
        final long read = follower.read(ReadMode.LINEARIZABLE, () -> followerCounter.value).join();
        assertEquals(7, read);
        assertTrue(follower.read(ReadMode.LINEARIZABLE).join() >= 3, "the read index covers both commands");

        assertTrue(leader.read(43, ReadMode.LINEARIZABLE));
        TestSupport.await(LEADER_TIMEOUT, () -> "custom handler saw its read: " + recorder.seen,
            () -> recorder.seen.contains("read 43"));
        assertFalse(recorder.seen.stream().anyMatch((s) -> !s.endsWith(" 42") && !s.endsWith(" 43")),
            "only the caller's own ids reach its handler: " + recorder.seen);

        final CompletionException notLeader = assertThrows(CompletionException.class, () -> follower.propose(delta(1)).join());
        final ProposalRejectedException rejected = assertInstanceOf(ProposalRejectedException.class, notLeader.getCause());
        assertEquals(ProposalHandler.NOT_LEADER, rejected.reason());
        assertEquals(leaderId, rejected.leaderHint());
    }

    @Test
    void shouldRunTwoGroupsWithTheirOwnStateMachinesOnOneNode()
    {
        final Counter[] app = new Counter[4];
        final Counter[] other = new Counter[4];
        for (int m = 1; m <= 3; m++)
        {
            app[m] = new Counter();
            other[m] = new Counter();
            nodes.add(member(m, 3, app[m])
                .group(new GroupSpec(1).raftConfig(fastConfig()).log(new InMemoryRaftLog()).hardState(new InMemoryHardState())
                    .stateMachine(other[m]))
                .build());
        }
        commit(1, delta(11));
        commit(0, delta(3));

        for (final AeronRaftNode node : nodes)
        {
            final Counter otherCounter = other[node.memberId()];
            final Counter appCounter = app[node.memberId()];
            assertEquals(11L, node.group(1).read(ReadMode.LINEARIZABLE, () -> otherCounter.value).join());
            assertEquals(3L, node.read(ReadMode.LINEARIZABLE, () -> appCounter.value).join());
            assertSame(node.group(), node.group(0));
        }
        assertThrows(IllegalArgumentException.class, () -> nodes.get(0).group(2));
        assertThrows(IllegalArgumentException.class, () -> member(1, 3, new Counter())
            .group(new GroupSpec(0).log(new InMemoryRaftLog()).hardState(new InMemoryHardState()).stateMachine(new Counter()))
            .build(), "a duplicate group id");
    }

    @Test
    void shouldJoinALearnerThatAppliesWhatTheLeaderCommits()
    {
        final Counter[] counters = new Counter[5];
        for (int m = 1; m <= 3; m++)
        {
            counters[m] = new Counter();
            nodes.add(member(m, 3, counters[m]).build());
        }
        commit(0, delta(4));

        counters[4] = new Counter();
        final AeronRaftNode learner = member(4, 4, counters[4]).raftConfig(fastConfig().joining(true)).build();
        final List<AeronRaftNode> members = List.copyOf(nodes);
        nodes.add(learner);
        assertTrue(Learners.join(learner, 0, null, members, LEADER_TIMEOUT) > 0);

        commit(0, delta(5));
        learner.awaitLeader(LEADER_TIMEOUT);       // a read needs a known leader: the learner hears of it from its AppendEntries
        assertEquals(9L, learner.read(ReadMode.LINEARIZABLE, () -> counters[4].value).join(),
            "the learner applied the entries from before and after it joined");
        assertFalse(learner.isLeader());
        assertTrue(leaderOf(nodes.get(0).awaitLeader(LEADER_TIMEOUT)).raftNode().membership().isLearner(4));
    }

    @Test
    void shouldReportFailedAndNotLeaderOnceTheStateMachineThrew()
    {
        final AeronRaftNode node = member(1, 1, new Counter()).build();
        nodes.add(node);
        assertEquals(1, node.awaitLeader(LEADER_TIMEOUT));
        assertEquals(AeronRaftNode.State.RUNNING, node.state());

        final CompletableFuture<ProposalFutures.Committed> boom = node.propose(delta(-1));
        final CompletionException closed = assertThrows(CompletionException.class, boom::join);
        assertEquals(ProposalHandler.CLOSED, ((ProposalRejectedException)closed.getCause()).reason(),
            "a pending future fails once the agent stops");
        TestSupport.await(LEADER_TIMEOUT, () -> "the node stopped: " + node.state(), () -> node.state() != AeronRaftNode.State.RUNNING);

        assertEquals(AeronRaftNode.State.FAILED, node.state());
        assertNotNull(node.failure());
        assertFalse(node.isLeader(), "a stopped member leads nothing");
        assertEquals(RaftRole.FOLLOWER, node.role());
        assertEquals(0, node.leaderId());
        assertThrows(CompletionException.class, () -> node.propose(delta(1)).join());
        assertThrows(IllegalStateException.class, () -> node.awaitLeader(Duration.ofSeconds(1)));
        node.close();
        assertEquals(AeronRaftNode.State.FAILED, node.state(), "closing keeps the cause");
    }

    @Test
    void shouldReportClosedAfterClose()
    {
        final AeronRaftNode node = member(1, 1, new Counter()).build();
        nodes.add(node);
        node.awaitLeader(LEADER_TIMEOUT);
        node.close();
        assertEquals(AeronRaftNode.State.CLOSED, node.state());
        assertFalse(node.isLeader());
        assertEquals(null, node.failure());
    }

    @Test
    void shouldRefuseAtBuildALogOrHardStateOpenedForAnotherMember() throws Exception
    {
        java.nio.file.Files.createDirectories(dir.resolve("m2"));
        final ChronicleRaftLog otherLog = ChronicleRaftLog.open(dir.resolve("m2/log"), Durability.PAGE_CACHE, 7, 2);
        final IllegalArgumentException wrongLog = assertThrows(IllegalArgumentException.class,
            () -> member(1, 3, new Counter()).log(otherLog).build());
        assertTrue(wrongLog.getMessage().contains("memberId=2"), wrongLog.getMessage());
        otherLog.close();

        final FileHardState otherHardState = FileHardState.open(dir.resolve("m2/hard-state"), 8, 1);
        final IllegalArgumentException wrongCluster = assertThrows(IllegalArgumentException.class,
            () -> member(1, 3, new Counter()).hardState(otherHardState).build());
        assertTrue(wrongCluster.getMessage().contains("clusterId=8"), wrongCluster.getMessage());
        otherHardState.close();
    }

    @Test
    void shouldOpenStoresFromFactoriesWithTheBuildersIdentityGivenOnce() throws Exception
    {
        // Issue 13 §3.6: the ids go to the builder only; it hands them to every store it opens.
        final AeronRaftNode node = member(1, 1, new Counter())
            .log(ChronicleStores.log(dir.resolve("m1/log"), Durability.PAGE_CACHE))
            .hardState(ChronicleStores.hardState(java.nio.file.Files.createDirectories(dir.resolve("m1")).resolve("hard-state")))
            .snapshotStore(ChronicleStores.snapshots(dir.resolve("m1/snapshots"), Durability.PAGE_CACHE))
            .build();
        nodes.add(node);
        node.awaitLeader(LEADER_TIMEOUT);
        assertTrue(node.propose(delta(1)).get(30, TimeUnit.SECONDS).index() > 0);
        node.close();
        // The log now records member 1 of cluster 7: a builder for member 2 on the same directory is refused by
        // the store itself, and build() closes what it had opened before (the hard state) so the files stay usable.
        final List<String> closed = new ArrayList<>();
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> member(2, 3, new Counter())
            .hardState((clusterId, memberId) -> closeRecorded(closed, "hard state of " + memberId))
            .log(ChronicleStores.log(dir.resolve("m1/log"), Durability.PAGE_CACHE))
            .build());
        assertTrue(refused.getMessage().contains("member"), refused.getMessage());
        assertEquals(List.of(), closed, "the log is opened first; nothing else was open yet");
        final IllegalStateException refusedLater = assertThrows(IllegalStateException.class, () -> member(2, 3, new Counter())
            .log((clusterId, memberId) -> new InMemoryRaftLog())
            .hardState((clusterId, memberId) -> closeRecorded(closed, "hard state of " + memberId))
            .snapshotStore((clusterId, memberId) ->
            {
                throw new IllegalStateException("snapshots of member " + memberId + " refused");
            })
            .build());
        assertEquals("snapshots of member 2 refused", refusedLater.getMessage());
        assertEquals(List.of("hard state of 2"), closed, "what build() opened from factories is closed on failure");
    }

    /** A hard state in memory that records its close. */
    private static io.synod.raft.HardState closeRecorded(final List<String> closed, final String name)
    {
        final InMemoryHardState inner = new InMemoryHardState();
        return new io.synod.raft.HardState()
        {
            @Override
            public long term()
            {
                return inner.term();
            }

            @Override
            public int votedFor()
            {
                return inner.votedFor();
            }

            @Override
            public void store(final long term, final int votedFor)
            {
                inner.store(term, votedFor);
            }

            @Override
            public void close()
            {
                closed.add(name);
            }
        };
    }
}
