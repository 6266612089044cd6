package io.synod.quorum;

import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationFailure;

import java.util.stream.LongStream;

/**
 * Seeds of the quorum store's simulations: {@code -Dsynod.sim.seed=N} replays one (the command a failure
 * prints), otherwise a test runs {@code 1..count}; {@code -Dsynod.sim.steps} sets the safety steps.
 */
final class QuorumSeeds
{
    static final long STEPS = Long.getLong("synod.sim.steps", 2000);

    private QuorumSeeds()
    {
    }

    static LongStream seeds(final long count)
    {
        final String seed = System.getProperty("synod.sim.seed");
        return seed != null && !seed.isEmpty() ? LongStream.of(Long.parseLong(seed)) : LongStream.rangeClosed(1, count);
    }

    static Simulation.ReplayCommand replay(final String test)
    {
        return (seed, steps) -> SimulationFailure.replayCommand("quorum-store", test, seed, steps);
    }
}
