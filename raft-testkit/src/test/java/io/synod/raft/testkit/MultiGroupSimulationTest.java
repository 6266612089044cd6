package io.synod.raft.testkit;

import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several Raft groups per simulated member, all on the member's one agent (multi-raft; issue 12 §2):
 * three groups, each with its own registers, workload and invariant ({@link RegisterModel}), its own
 * logs, hard state and snapshots on every member and its own Raft invariant checker, under the same
 * seeded faults (a crash takes all of a member's groups down at once). Isolation: no replica applies
 * another group's command, every outcome reaches the workload of the group that was asked, and every
 * group makes progress on its own.
 */
class MultiGroupSimulationTest
{
    private static final String TEST = "MultiGroupSimulationTest";
    private static final int GROUPS = 3;
    /**
     * Three groups make about three times the events per virtual second: three times the steps cover as
     * much time ({@code -Dsynod.sim.steps} stays the single-group figure, so replay lines read as elsewhere).
     */
    private static final long STEPS = GROUPS * UserSimulationSeeds.STEPS;

    static LongStream seeds()
    {
        return UserSimulationSeeds.seeds(25);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldKeepEveryGroupConsistentAndIsolatedUnderFaults(final long seed)
    {
        final RegisterModel[] models = new RegisterModel[GROUPS];
        for (int group = 0; group < GROUPS; group++)
        {
            models[group] = new RegisterModel(group);
        }
        final Simulation.Result result = registers(seed, models, new LeadersSeen()).run();

        long committed = 0;
        for (final RegisterModel model : models)
        {
            assertTrue(model.committed > 0, () -> "a group made no progress: " + model);
            model.assertEveryCommandAnswered();
            committed += model.committed;
        }
        assertEquals(result.acknowledged(), committed, "every acknowledgement reaches its own group's workload");
        System.out.println("multi-group seed " + seed + ": " + result.committed() + " entries committed, " + result.crashes() +
            " crashes, " + result.partitions() + " partitions, " + result.snapshotsInstalled() + " snapshots installed; " +
            models[0] + "; " + models[1] + "; " + models[2]);
    }

    /**
     * The same runs with frame coalescing ({@link SimulationBuilder#coalesceFrames}): each member's heartbeats,
     * answers and votes for the three groups travel as batches, and every invariant, every group's register
     * model and every group's progress hold as they do without.
     */
    @ParameterizedTest
    @MethodSource("coalescedSeeds")
    void shouldKeepEveryGroupConsistentWithCoalescedFrames(final long seed)
    {
        final RegisterModel[] models = {new RegisterModel(0), new RegisterModel(1), new RegisterModel(2)};
        final Simulation.Result result = registers(seed, models, new LeadersSeen()).coalesceFrames(true).run();
        for (final RegisterModel model : models)
        {
            assertTrue(model.committed > 0, () -> "a group made no progress: " + model);
            model.assertEveryCommandAnswered();
        }
        assertTrue(result.batches() > 0, "coalescing on, yet no batch was delivered");
        System.out.println("multi-group coalesced seed " + seed + ": " + result.batches() + " batches, " + result.committed() +
            " entries committed, " + result.crashes() + " crashes, " + result.partitions() + " partitions");
    }

    static LongStream coalescedSeeds()
    {
        return UserSimulationSeeds.seeds(10);
    }

    @Test
    void shouldElectEachGroupsLeaderOnItsOwn()
    {
        boolean seen = false;
        for (long seed = 1; seed <= 10 && !seen; seed++)
        {
            final RegisterModel[] models = {new RegisterModel(0), new RegisterModel(1), new RegisterModel(2)};
            final LeadersSeen leaders = new LeadersSeen();
            registers(seed, models, leaders).run();
            seen = leaders.groupsLedByDifferentMembers;
        }
        assertTrue(seen, "in 10 seeds, no two groups were ever led by different members at once");
    }

    private static SimulationBuilder registers(final long seed, final RegisterModel[] models, final LeadersSeen leaders)
    {
        return Simulation.builder(seed)
            .steps(STEPS)
            .groups(models.length)
            .stateMachines((memberId, groupId) -> new RegisterStateMachine(groupId, false))
            .workload(new PerGroupWorkload(models))
            .invariant(cluster ->
            {
                for (final RegisterModel model : models)
                {
                    model.check(cluster);
                }
                leaders.check(cluster);
            })
            .replay((failed, steps) -> SimulationFailure.replayCommand("raft-testkit", TEST, failed, steps / GROUPS));
    }

    /** Sends each group's commands through that group's model; the model asserts the group of each outcome. */
    private static final class PerGroupWorkload implements SimulationWorkload
    {
        private final RegisterModel[] models;

        PerGroupWorkload(final RegisterModel[] models)
        {
            this.models = models;
        }

        @Override
        public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
        {
            return models[groupId].command(groupId, correlationId, random, command);
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            models[groupId].onCommitted(groupId, correlationId, index, response, offset, length);
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason)
        {
            models[groupId].onRejected(groupId, correlationId, reason);
        }

        @Override
        public void onUnknown(final int groupId, final long correlationId)
        {
            models[groupId].onUnknown(groupId, correlationId);
        }
    }

    /** Notes whether two groups were ever led by different members at once (they would not be if groups shared one election). */
    private static final class LeadersSeen
    {
        boolean groupsLedByDifferentMembers;

        void check(final SimulatedCluster cluster)
        {
            int firstLeader = 0;
            for (int group = 0; group < cluster.groups() && !groupsLedByDifferentMembers; group++)
            {
                for (int memberId = 1; memberId <= cluster.size(); memberId++)
                {
                    final RaftNode node = cluster.node(memberId, group);
                    if (node != null && node.role() == RaftRole.LEADER)
                    {
                        if (firstLeader == 0)
                        {
                            firstLeader = memberId;
                        }
                        else if (firstLeader != memberId)
                        {
                            groupsLedByDifferentMembers = true;
                        }
                        break;
                    }
                }
            }
        }
    }
}
