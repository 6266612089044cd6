package io.synod.raft.testkit;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftRole;
import io.synod.raft.ReadMode;
import io.synod.raft.StateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads: ReadIndex on the leader and on followers sees every acknowledged write; a deposed leader
 * cannot serve a linearizable read; lease reads skip the round trip only while the lease holds;
 * stale reads are served at once and may be stale. Each test runs twice: frames sent one by one, and coalesced
 * ({@link io.synod.raft.FrameBatcher}: a heartbeat travels in a batch with the other small frames of its cycle),
 * which must change none of it.
 */
class ReadIndexTest
{
    private static final long MS = 1_000_000L;
    private static final StateMachine NOOP = (index, term, command, offset, length, response) -> 0;

    @ParameterizedTest(name = "coalesced frames: {0}")
    @ValueSource(booleans = {false, true})
    void shouldServeLinearizableReadsAtOrAfterEveryAcknowledgedWrite(final boolean coalesce)
    {
        final LoopbackCluster cluster = cluster(coalesce, 3, 1, config -> {});
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        final int follower = leader % 3 + 1;
        for (int i = 1; i <= 20; i++)
        {
            assertTrue(cluster.propose(leader, i, bytes("w" + i)));
        }
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(20) != 0);
        final long written = cluster.committedIndex(20);

        assertTrue(cluster.read(leader, 100, ReadMode.LINEARIZABLE));
        assertTrue(cluster.read(follower, 101, ReadMode.LINEARIZABLE));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.readIndex(100) >= 0 && cluster.readIndex(101) >= 0);
        assertTrue(cluster.readIndex(100) >= written, "leader read index " + cluster.readIndex(100) + " < " + written);
        assertTrue(cluster.readIndex(101) >= written, "follower read index " + cluster.readIndex(101) + " < " + written);
    }

    @ParameterizedTest(name = "coalesced frames: {0}")
    @ValueSource(booleans = {false, true})
    void shouldNotServeLinearizableReadOnDeposedLeader(final boolean coalesce)
    {
        final LoopbackCluster cluster = cluster(coalesce, 5, 2, config -> config.checkQuorum(false));
        cluster.recordOutcomes(true);
        final int old = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        cluster.isolate(old);
        awaitTrue(cluster, 3_000 * MS, () -> cluster.leader() != 0 && cluster.leader() != old);
        final int current = cluster.leader();
        assertTrue(cluster.propose(current, 7, bytes("new")));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(7) != 0);

        assertTrue(cluster.read(old, 200, ReadMode.LINEARIZABLE));
        assertTrue(cluster.read(old, 201, ReadMode.STALE));
        cluster.runFor(cluster.node(old).config().electionTimeoutNs() + 10 * MS);
        assertEquals(-1, cluster.readIndex(200), "an isolated leader served a linearizable read");
        assertEquals(ProposalHandler.TIMEOUT, cluster.readRejectedReason(200));
        assertTrue(cluster.readIndex(201) >= 0 && cluster.readIndex(201) < cluster.committedIndex(7),
            "the stale read is served at once, from old state");
    }

    @ParameterizedTest(name = "coalesced frames: {0}")
    @ValueSource(booleans = {false, true})
    void shouldServeLeaseReadWithoutRoundTripOnlyWhileLeaseHolds(final boolean coalesce)
    {
        final LoopbackCluster cluster = cluster(coalesce, 3, 3, config -> config.leaseReads(true));
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);

        assertTrue(cluster.read(leader, 300, ReadMode.LEASE));
        cluster.tick();
        assertTrue(cluster.readIndex(300) >= 0, "a lease read needs no round trip");
        assertTrue(cluster.read(leader, 301, ReadMode.LINEARIZABLE));
        cluster.tick();
        assertEquals(-1, cluster.readIndex(301), "a ReadIndex read waits for a quorum round");
        awaitTrue(cluster, 100 * MS, () -> cluster.readIndex(301) >= 0);

        // Cut off, the leader's lease lapses before any other member could be elected.
        cluster.isolate(leader);
        final long electionTimeoutNs = cluster.node(leader).config().electionTimeoutNs();
        cluster.runFor(electionTimeoutNs);
        assertTrue(cluster.read(leader, 302, ReadMode.LEASE));
        cluster.tick();
        cluster.tick();
        assertEquals(-1, cluster.readIndex(302), "lease read served after the lease lapsed");
    }

    /**
     * A leader's thread paused after the duty cycle read the clock, and a lease read taken in after the pause:
     * the lease is judged by a time read after the read arrived, so a lease that ran out during the pause does
     * not serve it (it waits for a heartbeat round, which a cut-off leader never completes).
     */
    @Test
    void shouldJudgeLeaseReadByClockReadAfterItArrived()
    {
        final LoopbackCluster cluster = cluster(false, 3, 5, config -> config.leaseReads(true));
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        cluster.isolate(leader);
        final long electionTimeoutNs = cluster.node(leader).config().electionTimeoutNs();

        assertTrue(cluster.read(leader, 400, ReadMode.LEASE));
        cluster.clock().pauseAfterNextReading(2 * electionTimeoutNs);
        cluster.agent(leader).doWork();
        assertEquals(-1, cluster.readIndex(400), "lease read served on a lease that ran out while the leader was paused");

        cluster.runFor(2 * electionTimeoutNs);
        assertEquals(-1, cluster.readIndex(400), "a cut-off leader confirmed a read");
        assertTrue(cluster.readRejectedReason(400) > 0, "the read is refused once the leader gives up");
    }

    /**
     * CheckQuorum under coalescing: a leader cut off from the others steps down within an election timeout or
     * two, and the rest elect a new one, while batches carry the heartbeats and their answers.
     */
    @ParameterizedTest(name = "coalesced frames: {0}")
    @ValueSource(booleans = {false, true})
    void shouldStepDownAnIsolatedLeaderByCheckQuorum(final boolean coalesce)
    {
        final LoopbackCluster cluster = cluster(coalesce, 3, 4, config -> config.checkQuorum(true));
        final int old = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(200 * MS);
        cluster.isolate(old);
        final long electionTimeoutNs = cluster.node(old).config().electionTimeoutNs();
        awaitTrue(cluster, 4 * electionTimeoutNs, () -> cluster.node(old).role() != RaftRole.LEADER);
        awaitTrue(cluster, 4 * electionTimeoutNs, () -> cluster.leader() != 0 && cluster.leader() != old);
        if (coalesce)
        {
            assertTrue(cluster.batchesSent() > 0, "coalescing on, yet no batch was sent");
        }
    }

    private static LoopbackCluster cluster(
        final boolean coalesce, final int size, final long seed, final Consumer<RaftConfig> configurer)
    {
        return coalesce ? LoopbackCluster.coalescing(size, seed, true, id -> NOOP, configurer) :
            new LoopbackCluster(size, seed, true, id -> NOOP, configurer);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
