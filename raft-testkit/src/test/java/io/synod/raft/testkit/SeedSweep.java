package io.synod.raft.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs simulator seeds {@code [base, base + count)} on several threads without stopping at a failure,
 * then fails listing every failing seed with the command that replays it.
 */
final class SeedSweep
{
    private SeedSweep()
    {
    }

    static void run(final String name, final long base, final long count, final long steps, final int threads)
        throws InterruptedException
    {
        final AtomicLong next = new AtomicLong(base);
        final AtomicLong done = new AtomicLong();
        final AtomicLong stepsRun = new AtomicLong();
        final Map<Long, String> failures = new ConcurrentSkipListMap<>();
        final long end = base + count;
        final long start = System.nanoTime();
        final long reportEvery = Math.max(1, Math.min(10_000, count / 20));
        System.out.println(name + ": seeds [" + base + ", " + end + ") x " + steps + " steps on " + threads + " threads");

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
                    final long finished = done.incrementAndGet();
                    if (finished % reportEvery == 0)
                    {
                        System.out.println(name + ": " + finished + " of " + count + " seeds, " + failures.size() + " failing, " +
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s");
                    }
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(365, TimeUnit.DAYS));

        final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        System.out.println(name + ": seeds [" + base + ", " + end + ") x " + steps + " steps: " + count + " seeds, " +
            stepsRun + " steps, " + failures.size() + " failing, " + seconds + " s on " + threads + " threads");
        assertEquals(count, done.get());
        if (!failures.isEmpty())
        {
            final StringBuilder report = new StringBuilder()
                .append(failures.size()).append(" of ").append(count).append(" seeds failed in [").append(base).append(", ")
                .append(end).append(") at ").append(steps).append(" steps: ").append(failures.keySet());
            for (final String failure : failures.values())
            {
                report.append("\n\n").append(failure.lines().limit(4).reduce((a, b) -> a + "\n" + b).orElse(""));
            }
            fail(report.toString());
        }
    }
}
