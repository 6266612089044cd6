package io.synod.raft.testkit;

import io.synod.raft.Membership;
import io.synod.raft.RaftRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What protects a cluster from a removed member that never learned of its removal and keeps
 * campaigning (Raft dissertation §4.2.3). Members whose configuration is current drop its vote
 * requests: it is not in their configuration and its log is behind theirs. The hazard is a member whose
 * own configuration is stale (here G, restarted with the bootstrap configuration and waiting for a
 * snapshot): it still counts the removed member R as a voter.
 *
 * <ul>
 * <li>PreVote: R's pre-vote can win at most its own and G's grant, never a quorum, so R never raises a
 *     term anywhere.</li>
 * <li>CheckQuorum: followers that heard from the leader within the election timeout ignore vote
 *     requests (the §4.2.3 lease), so G does not take R's term.</li>
 * <li>Neither: nothing stops G from taking R's terms, and G's replies depose each leader. The cluster
 *     still makes progress (the snapshot transfer to G survives the leader changes), and the
 *     disruption ends once G's configuration no longer lists R. We do not apply the lease in this
 *     configuration, for the reason {@link #shouldRecoverFromAnAsymmetricPartitionWithoutTheLease}
 *     shows; PreVote and CheckQuorum are on by default.</li>
 * </ul>
 */
class RemovedMemberDisruptionTest
{
    private static final long MS = 1_000_000L;
    private static final long ELECTION_TIMEOUT_MS = 100;

    enum Protection
    {
        NONE(false, false), PRE_VOTE(true, false), CHECK_QUORUM(false, true);

        final boolean preVote;
        final boolean checkQuorum;

        Protection(final boolean preVote, final boolean checkQuorum)
        {
            this.preVote = preVote;
            this.checkQuorum = checkQuorum;
        }
    }

    @ParameterizedTest
    @EnumSource(Protection.class)
    void shouldKeepMakingProgressWhileARemovedMemberCampaigns(final Protection protection)
    {
        final LoopbackCluster cluster = new LoopbackCluster(5, 23, true, id -> new JournalStateMachine(),
            config -> config.preVote(protection.preVote).checkQuorum(protection.checkQuorum)
                .snapshotEntriesThreshold(20).snapshotTrailingEntries(0).snapshotChunkBytes(64).inflightAppendsMax(1));
        cluster.recordOutcomes(true);
        final int l = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        final int r = l % 5 + 1;
        final int g = r % 5 + 1;

        // G goes down; R is cut off, so it never hears of its removal. The rest remove R and move on,
        // far enough that G will need a snapshot.
        cluster.crash(g);
        cluster.isolate(r);
        assertTrue(cluster.proposeMembershipChange(l, 1, Membership.REMOVE, r));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(1) != 0);
        // 200 commands of 96 bytes: G's snapshot (about 20 KB in 64-byte chunks) outlasts a disrupted leader.
        for (int i = 1; i <= 200; i++)
        {
            final long correlationId = 100 + i;
            assertTrue(cluster.propose(l, correlationId, JournalStateMachine.command(i, 96)));
            awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(correlationId) != 0);
        }
        assertTrue(cluster.log(l).firstIndex() > cluster.log(g).lastIndex() + 1, "G will need a snapshot");

        // G restarts with the bootstrap configuration, which lists R, and hears from the leader.
        cluster.restart(g);
        awaitTrue(cluster, 1_000 * MS, () -> cluster.node(g).leaderId() == l);
        assertTrue(cluster.node(g).membership().isVoter(r), "G's configuration is stale");
        final long term = cluster.node(l).term();
        final long removedTerm = cluster.node(r).term();

        // R can reach everyone again and campaigns.
        cluster.heal();
        final long snapshotIndex = cluster.snapshotStore(l).index();
        awaitTrue(cluster, 10_000 * MS, () -> cluster.node(g).lastSnapshotIndex() >= snapshotIndex);
        final boolean disrupted = cluster.leader() != l || cluster.node(l).term() != term;

        // New commands commit on whoever leads now, retried after a leader change.
        for (int i = 1; i <= 20; i++)
        {
            final long deadline = cluster.clock().nanoTime() + 5_000 * MS;
            final long first = 1000 + 100L * i;
            long correlationId = first;
            while (true)
            {
                final int leader = cluster.awaitLeader(deadline - cluster.clock().nanoTime());
                final long attempt = correlationId++;
                assertTrue(cluster.propose(leader, attempt, JournalStateMachine.command(1000 + i, 16)));
                awaitTrue(cluster, deadline - cluster.clock().nanoTime(),
                    () -> cluster.committedIndex(attempt) != 0 || cluster.rejectedReason(attempt) != 0 || cluster.leader() != leader);
                if (cluster.committedIndex(attempt) != 0)
                {
                    break;
                }
                assertTrue(cluster.clock().nanoTime() < deadline, "command " + i + " not committed in 5 s" + cluster.describe());
            }
        }

        // Once G's configuration no longer lists R, nobody takes R's terms: the leader stays.
        assertFalse(cluster.node(g).membership().isMember(r));
        final int leader = cluster.awaitLeader(1_000 * MS);
        final long settledTerm = cluster.node(leader).term();
        cluster.runFor(50 * ELECTION_TIMEOUT_MS * MS);
        assertEquals(leader, cluster.leader(), "leader after G caught up" + cluster.describe());
        assertEquals(settledTerm, cluster.node(leader).term());
        assertTrue(cluster.node(r).role() != RaftRole.LEADER);

        if (protection == Protection.NONE)
        {
            assertTrue(disrupted, "without PreVote and CheckQuorum, R's terms reach the leader through G");
        }
        else
        {
            assertFalse(disrupted, protection + " keeps the leader of term " + term + cluster.describe());
            if (protection == Protection.PRE_VOTE)
            {
                assertEquals(removedTerm, cluster.node(r).term(), "R's pre-votes never win, so its term never moves");
            }
            else
            {
                assertTrue(cluster.node(r).term() > term, "R campaigned in terms nobody took");
            }
        }
    }

    /**
     * Why followers do not apply the §4.2.3 lease when CheckQuorum is off: the leader L still reaches A
     * and B, but their replies are lost, and C and D cannot reach L at all. L cannot commit and, without
     * CheckQuorum, never steps down; A and B keep hearing from it. With the lease, A and B would ignore C
     * and D's vote requests and no one could win (C and D are two of five). Without it, C or D is elected
     * with A or B's vote and the cluster moves on.
     */
    @Test
    void shouldRecoverFromAnAsymmetricPartitionWithoutTheLease()
    {
        final LoopbackCluster cluster = new LoopbackCluster(5, 5, true, id -> new JournalStateMachine(),
            config -> config.preVote(false).checkQuorum(false));
        cluster.recordOutcomes(true);
        final int l = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        final int a = l % 5 + 1;
        final int b = a % 5 + 1;
        final int c = b % 5 + 1;
        final int d = c % 5 + 1;
        cluster.cutOneWay(a, l);
        cluster.cutOneWay(b, l);
        cluster.cut(c, l);
        cluster.cut(d, l);
        final long term = cluster.node(l).term();

        awaitTrue(cluster, 3_000 * MS, () -> cluster.leader() != 0 && cluster.leader() != l &&
            cluster.node(cluster.leader()).term() > term);
        final int next = cluster.leader();
        assertTrue(cluster.propose(next, 1, JournalStateMachine.command(1, 16)));
        awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(1) != 0);
        assertEquals(RaftRole.LEADER, cluster.node(l).role(), "the old leader cannot tell, and still believes it leads");
    }
}
