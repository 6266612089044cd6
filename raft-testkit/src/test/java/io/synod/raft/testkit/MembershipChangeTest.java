package io.synod.raft.testkit;

import io.synod.raft.Membership;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftRole;
import io.synod.raft.StateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Membership at run time: single-server changes through learners, removal of the leader, a removed
 * member that cannot disturb, leadership transfer, and clear errors for illegal requests. Every tick
 * checks the Raft invariants.
 */
class MembershipChangeTest
{
    private static final long MS = 1_000_000L;
    private static final StateMachine NOOP = (index, term, command, offset, length, response) -> 0;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldReplaceEveryMemberOneAtATimeUnderLoad(final long seed)
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, seed, true, id -> NOOP, config -> config.promotionLagMax(16));
        cluster.recordOutcomes(true);
        cluster.awaitLeader(2_000 * MS);
        final long[] nextId = {1};
        final int[] proposed = {0};
        for (int original = 1; original <= 3; original++)
        {
            final int spare = cluster.addSpare();
            // A spare starts without recording outcomes, and once it leads, the changes it commits must be seen.
            cluster.recordOutcomes(true);
            change(cluster, nextId, Membership.ADD_LEARNER, spare, proposed);
            awaitTrue(cluster, 3_000 * MS, () -> promoteWhenCaughtUp(cluster, nextId, spare, proposed));
            change(cluster, nextId, Membership.REMOVE, original, proposed);
            final int removed = original;
            awaitTrue(cluster, 3_000 * MS, () -> cluster.leader() != 0 && cluster.leader() != removed &&
                !cluster.node(cluster.leader()).membership().isMember(removed));
        }
        final int leader = cluster.awaitLeader(3_000 * MS);
        assertEquals(Membership.of(new int[]{4, 5, 6}, new int[0]), cluster.node(leader).membership());
        // Nothing acknowledged was lost: every acknowledged command is in the new members' logs.
        for (long id = 1; id < nextId[0]; id++)
        {
            final long index = cluster.committedIndex(id);
            if (index != 0)
            {
                for (int member = 4; member <= 6; member++)
                {
                    final int m = member;
                    awaitTrue(cluster, 2_000 * MS, () -> cluster.node(m).commitIndex() >= index);
                    assertTrue(cluster.log(member).termAt(index) > 0 || cluster.log(member).snapshotIndex() >= index);
                }
            }
        }
        assertTrue(cluster.acknowledgedCount() > 50, "load kept flowing: " + cluster.acknowledgedCount());
    }

    /** Proposes a change at the current leader, feeding commands meanwhile, until it commits. */
    private static void change(
        final LoopbackCluster cluster, final long[] nextId, final int change, final int target, final int[] proposed)
    {
        awaitTrue(cluster, 5_000 * MS, () ->
        {
            final int leader = cluster.leader();
            if (leader == 0)
            {
                return false;
            }
            feed(cluster, leader, nextId, proposed);
            final long id = nextId[0]++;
            cluster.proposeMembershipChange(leader, id, change, target);
            final long end = cluster.clock().nanoTime() + 300 * MS;
            while (cluster.clock().nanoTime() < end && cluster.committedIndex(id) == 0 && cluster.rejectedReason(id) == 0)
            {
                cluster.tick();
            }
            return cluster.committedIndex(id) != 0;
        });
    }

    private static boolean promoteWhenCaughtUp(
        final LoopbackCluster cluster, final long[] nextId, final int learner, final int[] proposed)
    {
        final int leader = cluster.leader();
        if (leader == 0)
        {
            return false;
        }
        feed(cluster, leader, nextId, proposed);
        final long id = nextId[0]++;
        cluster.proposeMembershipChange(leader, id, Membership.PROMOTE, learner);
        for (int i = 0; i < 50 && cluster.committedIndex(id) == 0 && cluster.rejectedReason(id) == 0; i++)
        {
            cluster.tick();
        }
        return cluster.committedIndex(id) != 0;
    }

    private static void feed(final LoopbackCluster cluster, final int leader, final long[] nextId, final int[] proposed)
    {
        for (int i = 0; i < 5; i++)
        {
            cluster.propose(leader, nextId[0]++, ("cmd-" + proposed[0]++).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldKeepLeadingUntilItsRemovalCommitsThenStepDown()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 7, true, id -> NOOP, config -> {});
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        assertTrue(cluster.proposeMembershipChange(leader, 1, Membership.REMOVE, leader));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(1) != 0);
        cluster.tick();
        assertNotEquals(RaftRole.LEADER, cluster.node(leader).role(), "the removed leader steps down once the change commits");
        final int next = cluster.awaitLeader(3_000 * MS);
        assertNotEquals(leader, next);
        assertEquals(2, cluster.node(next).membership().voterCount());
        assertTrue(cluster.propose(next, 2, "after".getBytes(StandardCharsets.UTF_8)));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(2) != 0);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldNotLetRemovedMemberDisturbTheCluster(final boolean preVote)
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 8, true, id -> NOOP, config -> config.preVote(preVote));
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        final int removed = leader % 3 + 1;
        // Cut the member off first so it never learns of its removal and keeps campaigning.
        cluster.isolate(removed);
        assertTrue(cluster.proposeMembershipChange(leader, 1, Membership.REMOVE, removed));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(1) != 0);
        final long term = cluster.node(leader).term();
        cluster.runFor(1_000 * MS);
        cluster.heal();
        cluster.runFor(2_000 * MS);
        assertEquals(leader, cluster.leader(), "the leader is undisturbed");
        assertEquals(term, cluster.node(leader).term(), "the removed member raised no term here");
        assertFalse(cluster.node(leader).membership().isMember(removed));
    }

    @Test
    void shouldTransferLeadershipAndPauseProposalsMeanwhile()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 9, true, id -> NOOP, config -> {});
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        final int target = leader % 3 + 1;
        assertTrue(cluster.transferLeadership(leader, 1, target));
        assertTrue(cluster.propose(leader, 2, "during".getBytes(StandardCharsets.UTF_8)));
        cluster.tick();
        assertEquals(ProposalHandler.TRANSFER_IN_PROGRESS, cluster.rejectedReason(2));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.leader() == target);
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(1) != 0 || cluster.rejectedReason(1) != 0);
        assertEquals(0, cluster.rejectedReason(1), "the transfer reports success");

        // A transfer to a member that cannot take over gives up after an election timeout.
        final int unreachable = target % 3 + 1;
        cluster.isolate(unreachable);
        assertTrue(cluster.transferLeadership(target, 3, unreachable));
        cluster.runFor(cluster.node(target).config().electionTimeoutNs() + 10 * MS);
        assertEquals(ProposalHandler.TIMEOUT, cluster.rejectedReason(3));
        assertEquals(target, cluster.leader());
        assertTrue(cluster.propose(target, 4, "resumed".getBytes(StandardCharsets.UTF_8)));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(4) != 0);
    }

    @Test
    void shouldRejectIllegalChangesWithClearReasons()
    {
        final LoopbackCluster single = new LoopbackCluster(1, 10, true, id -> NOOP, config -> {});
        single.recordOutcomes(true);
        final int only = single.awaitLeader(2_000 * MS);
        single.runFor(10 * MS);
        single.proposeMembershipChange(only, 1, Membership.REMOVE, only);
        single.tick();
        assertEquals(ProposalHandler.LAST_VOTER, single.rejectedReason(1));

        final LoopbackCluster cluster = new LoopbackCluster(3, 11, true, id -> NOOP, config -> config.promotionLagMax(0));
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        final int follower = leader % 3 + 1;
        cluster.proposeMembershipChange(follower, 2, Membership.REMOVE, leader);
        cluster.proposeMembershipChange(leader, 3, Membership.REMOVE, 42);
        cluster.proposeMembershipChange(leader, 4, Membership.ADD_LEARNER, follower);
        cluster.proposeMembershipChange(leader, 5, Membership.PROMOTE, follower);
        final int spare = cluster.addSpare();
        cluster.isolate(spare);
        cluster.proposeMembershipChange(leader, 6, Membership.ADD_LEARNER, spare);
        cluster.proposeMembershipChange(leader, 7, Membership.ADD_LEARNER, 77);
        cluster.tick();
        assertEquals(ProposalHandler.NOT_LEADER, cluster.rejectedReason(2));
        assertEquals(ProposalHandler.UNKNOWN_MEMBER_ID, cluster.rejectedReason(3));
        assertEquals(ProposalHandler.ALREADY_MEMBER, cluster.rejectedReason(4));
        assertEquals(ProposalHandler.ALREADY_MEMBER, cluster.rejectedReason(5));
        assertEquals(ProposalHandler.CHANGE_IN_PROGRESS, cluster.rejectedReason(7), "one change at a time");
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(6) != 0);
        cluster.proposeMembershipChange(leader, 8, Membership.PROMOTE, spare);
        cluster.tick();
        assertEquals(ProposalHandler.LEARNER_BEHIND, cluster.rejectedReason(8), "the isolated learner is not caught up");
    }

    @Test
    void shouldRestoreMembershipOnRestart()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 12, true, id -> NOOP, config -> {});
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        final int spare = cluster.addSpare();
        cluster.proposeMembershipChange(leader, 1, Membership.ADD_LEARNER, spare);
        awaitTrue(cluster, 1_000 * MS, () -> cluster.committedIndex(1) != 0);
        final Membership expected = cluster.node(leader).membership();
        for (int member = 1; member <= 4; member++)
        {
            cluster.crash(member);
        }
        for (int member = 1; member <= 4; member++)
        {
            cluster.restart(member);
        }
        for (int member = 1; member <= 3; member++)
        {
            assertEquals(expected, cluster.node(member).membership(), "member " + member + " after restart");
        }
        cluster.awaitLeader(3_000 * MS);
    }
}
