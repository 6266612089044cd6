package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The long sweep: {@code -Psoak} sets {@code synod.sim.soak.seeds} (100,000) and runs seeds
 * {@code [synod.sim.soak.base, base + seeds)} on every core. Skipped in the default run.
 */
class SimulationSoakTest
{
    @Test
    void shouldHoldRaftInvariantsForEverySoakSeed()
    {
        final long seeds = Long.getLong("synod.sim.soak.seeds", 0);
        assumeTrue(seeds > 0, "soak runs only with -Psoak");
        final long base = Long.getLong("synod.sim.soak.base", 1_000_000);
        final long steps = Long.getLong("synod.sim.steps", 2000);
        final AtomicLong stepsRun = new AtomicLong();
        final long start = System.nanoTime();
        LongStream.range(base, base + seeds).parallel().forEach(seed -> stepsRun.addAndGet(Simulation.run(seed, steps).steps()));
        System.out.println("soak: " + seeds + " seeds from " + base + ", " + stepsRun + " steps, " +
            (System.nanoTime() - start) / 1_000_000_000 + " s");
        assertTrue(stepsRun.get() >= seeds * steps);
    }
}
