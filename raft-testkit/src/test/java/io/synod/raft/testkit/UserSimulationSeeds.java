package io.synod.raft.testkit;

import java.util.stream.LongStream;

/**
 * Seeds for the tests of simulations with the user's parts: {@code -Dsynod.sim.seed=N} replays one seed
 * (the command a failure prints), otherwise a test runs its own range. {@code -Dsynod.sim.steps} sets the
 * safety steps (default 2,000).
 */
final class UserSimulationSeeds
{
    static final long STEPS = Long.getLong("synod.sim.steps", 2000);

    private UserSimulationSeeds()
    {
    }

    /** @return the seed given on the command line, or {@code 1..count}. */
    static LongStream seeds(final long count)
    {
        final String seed = System.getProperty("synod.sim.seed");
        return seed != null && !seed.isEmpty() ? LongStream.of(Long.parseLong(seed)) : LongStream.rangeClosed(1, count);
    }

    /** @return how a failure of {@code test} in raft-testkit replays. */
    static Simulation.ReplayCommand replay(final String test)
    {
        return (seed, steps) -> SimulationFailure.replayCommand("raft-testkit", test, seed, steps);
    }
}
