package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The simulator runs a user's state machine, workload and invariant (issue 12 §2): a replicated register
 * ({@link RegisterStateMachine}) under the seeded faults, its invariant ({@link RegisterModel}: replicas
 * at the same applied index hold the same state, which is also what clients were answered) checked after
 * every step beside the Raft invariants. A register with a planted snapshot bug shows the invariant hook
 * firing: the run fails with the seed and the line that replays it.
 */
class UserStateMachineSimulationTest
{
    private static final String TEST = "UserStateMachineSimulationTest";

    static LongStream seeds()
    {
        return UserSimulationSeeds.seeds(40);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldKeepReplicasAtTheSameIndexInTheSameStateUnderFaults(final long seed)
    {
        final RegisterModel model = new RegisterModel(0);
        final Simulation.Result result = register(seed, model, false).run();

        assertTrue(model.committed > 0, () -> "nothing committed: " + model);
        assertEquals(model.committed, result.acknowledged(), "every acknowledgement reaches the workload");
        model.assertEveryCommandAnswered();
    }

    @Test
    void shouldCatchAStateMachineThatForgetsPartOfItsSnapshot()
    {
        final SimulationFailure caught = firstFailure(30);
        System.out.println("caught as planned:\n" + caught.getMessage().lines().limit(3).reduce((a, b) -> a + "\n" + b).orElse(""));
        final String replay = SimulationFailure.replayCommand("raft-testkit", TEST, caught.seed(), UserSimulationSeeds.STEPS);
        assertTrue(caught.getMessage().startsWith("SIMULATION FAILED seed=" + caught.seed()), caught.getMessage());
        assertTrue(caught.getMessage().contains("replay: " + replay), caught.getMessage());
        assertTrue(caught.getCause() instanceof AssertionError && caught.getCause().getMessage().contains("holds value"),
            () -> "the user's invariant fired: " + caught.getCause());

        // Same seed, same failure.
        try
        {
            register(caught.seed(), new RegisterModel(0), true).run();
            fail("seed " + caught.seed() + " passed on replay");
        }
        catch (final SimulationFailure replayed)
        {
            assertEquals(caught.getMessage(), replayed.getMessage());
        }
    }

    /** @return the first failure of the broken register over seeds {@code 1..seeds}. */
    private static SimulationFailure firstFailure(final long seeds)
    {
        for (long seed = 1; seed <= seeds; seed++)
        {
            try
            {
                register(seed, new RegisterModel(0), true).run();
            }
            catch (final SimulationFailure failure)
            {
                return failure;
            }
        }
        return fail("no seed in 1.." + seeds + " caught a register that restores its snapshot wrongly");
    }

    private static SimulationBuilder register(final long seed, final RegisterModel model, final boolean forgetsValueOnRestore)
    {
        return Simulation.builder(seed)
            .steps(UserSimulationSeeds.STEPS)
            .stateMachines((memberId, groupId) -> new RegisterStateMachine(groupId, forgetsValueOnRestore))
            .workload(model)
            .invariant(model)
            .replay(UserSimulationSeeds.replay(TEST));
    }
}
