package io.synod.raft.testkit;

import io.synod.raft.Membership;
import io.synod.raft.ProposalHandler;
import io.synod.raft.StateMachine;
import org.junit.jupiter.api.Test;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A learner that has not acknowledged the configuration in force is not promoted (LEARNER_BEHIND, however
 * short the log): as a voter that does not know it is one, it would drop the vote requests of members it
 * does not know and could stall elections (found by the simulator: a crashed spare added and promoted in a
 * 30-entry log, then the other voters removed). The other guard, votes heard from outside a lagging
 * configuration, is in {@code VoteFromOutsideConfigurationTest}.
 */
class PromotedEmptyVoterTest
{
    private static final long MS = 1_000_000L;
    private static final StateMachine NOOP = (index, term, command, offset, length, response) -> 0;

    @Test
    void shouldNotPromoteALearnerThatHasAcknowledgedNothing()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 1, true, id -> NOOP, config -> {});
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(200 * MS);
        final int spare = cluster.addSpare();
        cluster.crash(spare);
        assertTrue(cluster.proposeMembershipChange(leader, -10, Membership.ADD_LEARNER, spare));
        awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(-10) != 0);
        assertTrue(cluster.proposeMembershipChange(leader, -11, Membership.PROMOTE, spare));
        awaitTrue(cluster, 2_000 * MS, () -> cluster.rejectedReason(-11) != 0 || cluster.committedIndex(-11) != 0);
        assertEquals(ProposalHandler.LEARNER_BEHIND, cluster.rejectedReason(-11), cluster.describe());

        cluster.restart(spare);
        cluster.runFor(500 * MS);
        assertTrue(cluster.proposeMembershipChange(leader, -12, Membership.PROMOTE, spare));
        awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(-12) != 0);
    }
}
