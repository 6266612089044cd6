package io.synod.raft.testkit;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import io.synod.raft.StateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenarios from the Raft paper, scripted on a {@link LoopbackCluster} with crash-aware storage; the
 * cluster checks every Raft invariant after every tick, so each scenario also fails on any safety
 * violation along the way.
 */
class RaftScenariosTest
{
    private static final long MS = 1_000_000L;
    private static final StateMachine ECHO = (index, term, command, offset, length, response) ->
    {
        response.putBytes(0, command, offset, length);
        return length;
    };

    /**
     * Figure 8: a leader must not commit an entry of an earlier term by counting replicas. Old leader L
     * holds X (its term) alone; A leads the next term with Y at the same index and is cut off; L leads
     * again and copies X to B, so X is on a majority — yet it must stay uncommitted, because A can still
     * win and overwrite it with Y, which is what then happens.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void shouldNotCommitPreviousTermEntryByCounting(final long seed)
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, seed, true, id -> ECHO, config -> config.appendEntriesMax(1));
        cluster.recordOutcomes(true);
        final int l = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(200 * MS);
        final int a = l % 3 + 1;
        final int b = a % 3 + 1;
        final long termL = cluster.node(l).term();

        cluster.isolate(l);
        assertTrue(cluster.propose(l, 100, bytes("X")));
        cluster.tick();
        final long indexX = cluster.log(l).lastIndex();
        assertEquals(termL, cluster.log(l).termAt(indexX));

        // A or B becomes leader of a later term; make it A, and cut it off before Y leaves it.
        awaitTrue(cluster, 3_000 * MS, () -> isLeader(cluster, a) || isLeader(cluster, b));
        final int first = isLeader(cluster, a) ? a : b;
        final int other = first == a ? b : a;
        cluster.isolate(first);
        final long termY = cluster.node(first).term();
        assertEquals(termY, cluster.log(first).termAt(indexX), "the new leader's no-op Y sits at X's index");
        assertTrue(cluster.log(other).lastIndex() < indexX, "Y must not have reached " + other);

        // L comes back and wins with the vote of the other member (its log has X, which is newer).
        cluster.heal();
        cluster.isolate(first);
        awaitTrue(cluster, 5_000 * MS, () -> isLeader(cluster, l) && cluster.node(l).term() > termY);
        final long termL2 = cluster.node(l).term();

        // The moment the other member holds X, stop L's later frames to it; its acknowledgement still arrives.
        awaitTrue(cluster, 2_000 * MS, () -> cluster.log(other).termAt(indexX) == termL);
        cluster.cutOneWay(l, other);
        cluster.runFor(50 * MS);
        assertTrue(cluster.node(l).commitIndex() < indexX,
            "X (term " + termL + ") is on a majority but must not commit by counting in term " + termL2 + cluster.describe());
        assertEquals(0, cluster.committedIndex(100));

        // L crashes; the first new leader comes back and overwrites X with Y.
        cluster.crash(l);
        cluster.heal();
        awaitTrue(cluster, 5_000 * MS, () -> cluster.leader() != 0 && cluster.node(cluster.leader()).commitIndex() >= indexX);
        assertEquals(termY, cluster.log(other).termAt(indexX), "Y replaced X" + cluster.describe());
        cluster.restart(l);
        cluster.runFor(500 * MS);
        assertEquals(termY, cluster.log(l).termAt(indexX), "the old leader's X was truncated" + cluster.describe());
    }

    @Test
    void shouldKeepIsolatedLeaderAcceptingProposalsThatNeverCommit()
    {
        final LoopbackCluster cluster = new LoopbackCluster(5, 11, true, id -> ECHO, config -> config.checkQuorum(false));
        cluster.recordOutcomes(true);
        final int old = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(200 * MS);
        final int buddy = old % 5 + 1;
        cluster.partition(old, buddy);
        final long commitBefore = cluster.node(old).commitIndex();
        for (int i = 0; i < 10; i++)
        {
            assertTrue(cluster.propose(old, 1000 + i, bytes("minority-" + i)));
        }
        cluster.runFor(1_000 * MS);
        assertEquals(RaftRole.LEADER, cluster.node(old).role(), "without CheckQuorum the old leader keeps leading");
        assertEquals(commitBefore, cluster.node(old).commitIndex(), "nothing commits without a quorum");
        assertTrue(cluster.log(buddy).lastIndex() > commitBefore, "the minority follower holds the uncommitted suffix");
        for (int i = 0; i < 10; i++)
        {
            assertEquals(0, cluster.committedIndex(1000 + i));
            assertEquals(0, cluster.rejectedReason(1000 + i));
        }

        // The majority side elects and commits its own, conflicting suffix.
        awaitTrue(cluster, 3_000 * MS, () -> cluster.leader() != 0 && cluster.leader() != old && cluster.leader() != buddy &&
            cluster.node(cluster.leader()).term() > cluster.node(old).term());
        final int majorityLeader = cluster.leader();
        for (int i = 0; i < 10; i++)
        {
            assertTrue(cluster.propose(majorityLeader, 2000 + i, bytes("majority-" + i)));
        }
        awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(2009) != 0);

        // Healing: the conflicting uncommitted suffix is replaced, and its proposals learn they were lost.
        cluster.heal();
        awaitTrue(cluster, 3_000 * MS, () -> cluster.rejectedReason(1009) != 0);
        for (int i = 0; i < 10; i++)
        {
            assertEquals(ProposalHandler.LEADERSHIP_LOST, cluster.rejectedReason(1000 + i));
            assertNotEquals(0, cluster.committedIndex(2000 + i));
        }
        cluster.runFor(500 * MS);
        assertLogsIdentical(cluster);
    }

    @Test
    void shouldStepDownIsolatedLeaderWithCheckQuorum()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 5, true, id -> ECHO, config -> {});
        final int old = cluster.awaitLeader(2_000 * MS);
        cluster.isolate(old);
        final long electionTimeoutNs = cluster.node(old).config().electionTimeoutNs();
        cluster.runFor(2 * electionTimeoutNs + cluster.tickNs());
        assertNotEquals(RaftRole.LEADER, cluster.node(old).role(), "CheckQuorum: no contact with a quorum for an election timeout");
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23})
    void shouldSurviveRepeatedLeaderCrashesDuringReplication(final long seed)
    {
        final LoopbackCluster cluster = new LoopbackCluster(5, seed, true, id -> ECHO, config -> {});
        cluster.recordOutcomes(true);
        long correlationId = 1;
        for (int round = 0; round < 10; round++)
        {
            final int leader = cluster.awaitLeader(5_000 * MS);
            for (int i = 0; i < 20; i++)
            {
                cluster.propose(leader, correlationId, bytes("round-" + round + "-" + correlationId));
                correlationId++;
            }
            cluster.tick();
            cluster.tick();
            cluster.crash(leader);
            cluster.awaitLeader(5_000 * MS);
            cluster.restart(leader);
        }
        final int leader = cluster.awaitLeader(5_000 * MS);
        assertTrue(cluster.propose(leader, 0xFFFF, bytes("final")));
        awaitTrue(cluster, 5_000 * MS, () -> cluster.committedIndex(0xFFFF) != 0);
        long maxAcknowledged = 0;
        for (long id = 1; id < correlationId; id++)
        {
            maxAcknowledged = Math.max(maxAcknowledged, cluster.committedIndex(id));
        }
        final long target = cluster.committedIndex(0xFFFF);
        awaitTrue(cluster, 5_000 * MS, () ->
        {
            for (int m = 1; m <= cluster.size(); m++)
            {
                if (cluster.node(m).lastApplied() < target)
                {
                    return false;
                }
            }
            return true;
        });
        assertTrue(target > maxAcknowledged);
        assertLogsIdentical(cluster);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldNeverElectCandidateWithStaleLog(final boolean preVote)
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, preVote ? 31 : 32, true, id -> ECHO, config -> config.preVote(preVote));
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        final int stale = leader % 3 + 1;
        final int upToDate = stale % 3 + 1;
        cluster.isolate(stale);
        for (int i = 0; i < 20; i++)
        {
            cluster.propose(leader, i + 1, bytes("entry-" + i));
        }
        awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(20) != 0);
        assertTrue(cluster.log(stale).lastIndex() < cluster.log(upToDate).lastIndex());

        cluster.crash(leader);
        cluster.heal();
        for (int i = 0; i < 3_000; i++)
        {
            cluster.tick();
            assertNotEquals(RaftRole.LEADER, cluster.node(stale).role(), "a candidate with a stale log won" + cluster.describe());
        }
        assertEquals(upToDate, cluster.leader(), cluster.describe());
    }

    private static boolean isLeader(final LoopbackCluster cluster, final int memberId)
    {
        final RaftNode node = cluster.node(memberId);
        return node != null && node.role() == RaftRole.LEADER;
    }

    static void awaitTrue(final LoopbackCluster cluster, final long timeoutNs, final BooleanSupplier condition)
    {
        final long end = cluster.clock().nanoTime() + timeoutNs;
        while (!condition.getAsBoolean())
        {
            if (cluster.clock().nanoTime() > end)
            {
                throw new AssertionError("condition not met within " + timeoutNs / MS + "ms" + cluster.describe());
            }
            cluster.tick();
        }
    }

    static void assertLogsIdentical(final LoopbackCluster cluster)
    {
        final long last = cluster.log(1).lastIndex();
        for (int m = 2; m <= cluster.size(); m++)
        {
            assertEquals(last, cluster.log(m).lastIndex(), "lastIndex of member " + m + cluster.describe());
            for (long i = 1; i <= last; i++)
            {
                assertEquals(cluster.log(1).termAt(i), cluster.log(m).termAt(i), "term at " + i + " on member " + m);
            }
        }
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
