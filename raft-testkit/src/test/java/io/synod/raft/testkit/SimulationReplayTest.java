package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Replays one seed given on the command line ({@code -Dsynod.sim.seed=N}); the command is printed by
 * every failing simulation. Skipped when no seed is given.
 */
class SimulationReplayTest
{
    @Test
    void shouldReplayTheGivenSeed()
    {
        final String seed = System.getProperty("synod.sim.seed");
        assumeTrue(seed != null && !seed.isEmpty(), "no -Dsynod.sim.seed given");
        final long steps = Long.getLong("synod.sim.steps", 2000);
        final Simulation.Result result = Simulation.run(Long.parseLong(seed), steps);
        System.out.println("replayed " + result);
    }
}
