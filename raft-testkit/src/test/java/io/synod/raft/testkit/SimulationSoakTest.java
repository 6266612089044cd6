package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The long sweep, run by {@code -Psoak} and skipped otherwise: seeds {@code [base, base + seeds)} of
 * {@code steps} safety steps each, on {@code threads} threads. It does not stop at a failure: every
 * seed runs, and the end of the run lists every failing seed with the command that replays it.
 *
 * <p>Properties (all {@code -D}): {@code synod.sim.soak.base} (default 1,000,000),
 * {@code synod.sim.soak.seeds} (the profile sets 100,000; 0 skips), {@code synod.sim.soak.steps}
 * (the profile sets 5,000), {@code synod.sim.soak.threads} (default: every core).
 */
class SimulationSoakTest
{
    @Test
    void shouldHoldRaftInvariantsForEverySoakSeed() throws InterruptedException
    {
        final long seeds = Long.getLong("synod.sim.soak.seeds", 0);
        assumeTrue(seeds > 0, "soak runs only with -Psoak");
        final long base = Long.getLong("synod.sim.soak.base", 1_000_000);
        final long steps = Long.getLong("synod.sim.soak.steps", 5_000);
        final int threads = Integer.getInteger("synod.sim.soak.threads", Runtime.getRuntime().availableProcessors());

        final AtomicLong next = new AtomicLong(base);
        final AtomicLong done = new AtomicLong();
        final AtomicLong stepsRun = new AtomicLong();
        final Map<Long, String> failures = new ConcurrentSkipListMap<>();
        final long end = base + seeds;
        final long start = System.nanoTime();
        final long reportEvery = Math.max(1, Math.min(10_000, seeds / 20));
        System.out.println("soak: seeds [" + base + ", " + end + ") x " + steps + " steps on " + threads + " threads");

        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++)
        {
            pool.execute(() ->
            {
                for (long seed = next.getAndIncrement(); seed < end; seed = next.getAndIncrement())
                {
                    try
                    {
                        stepsRun.addAndGet(Simulation.run(seed, steps).steps());
                    }
                    catch (final RuntimeException | AssertionError ex)
                    {
                        // SimulationFailure carries the seed, the replay command and the members' state;
                        // anything else escaped the simulator itself and is kept with its seed too.
                        final String message = ex instanceof SimulationFailure ? ex.getMessage() :
                            "seed=" + seed + " " + ex + "\n  replay: " + SimulationFailure.replayCommand(seed, steps);
                        failures.put(seed, message);
                        System.out.println(message);
                    }
                    final long count = done.incrementAndGet();
                    if (count % reportEvery == 0)
                    {
                        System.out.println("soak: " + count + " of " + seeds + " seeds, " + failures.size() + " failing, " +
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s");
                    }
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(365, TimeUnit.DAYS));

        final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        System.out.println("soak: seeds [" + base + ", " + end + ") x " + steps + " steps: " + seeds + " seeds, " +
            stepsRun + " steps, " + failures.size() + " failing, " + seconds + " s on " + threads + " threads");
        assertEquals(seeds, done.get());
        if (!failures.isEmpty())
        {
            final StringBuilder report = new StringBuilder()
                .append(failures.size()).append(" of ").append(seeds).append(" seeds failed in [").append(base).append(", ")
                .append(end).append(") at ").append(steps).append(" steps: ").append(failures.keySet());
            for (final Map.Entry<Long, String> failure : failures.entrySet())
            {
                report.append("\n\n").append(failure.getValue().lines().limit(4).reduce((a, b) -> a + "\n" + b).orElse(""));
            }
            fail(report.toString());
        }
    }
}
