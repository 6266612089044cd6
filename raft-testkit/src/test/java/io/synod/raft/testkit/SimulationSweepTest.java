package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quick sweep used during development; the full seed run is {@link SimulationProperties}.
 */
class SimulationSweepTest
{
    @Test
    void shouldRunSeedsWithoutViolations()
    {
        final long seeds = Long.getLong("synod.sim.sweep", 0);
        if (seeds == 0)
        {
            return;
        }
        final long steps = Long.getLong("synod.sim.steps", 2000);
        final AtomicLong acked = new AtomicLong();
        final long start = System.nanoTime();
        LongStream.range(0, seeds).parallel().forEach(seed ->
        {
            final Simulation.Result result = Simulation.run(seed, steps);
            acked.addAndGet(result.acknowledged());
        });
        System.out.println("seeds=" + seeds + " steps=" + steps + " acked=" + acked + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        assertTrue(acked.get() > 0);
    }
}
