package io.synod.kv.sim;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client-visible correctness test of the replicated key-value store: every seed derives a cluster,
 * its faults and 3 to 8 concurrent clients with retries, timeouts and sessions (see
 * {@link KvClusterSimulation}), and the recorded history must be proved linearizable. A check that runs
 * out of budget (verdict UNKNOWN) fails like an illegal history. A failure prints the seed and the
 * command that replays it ({@link KvClusterReplayTest}).
 *
 * <p>Default run: 500 histories from the seeds of a fixed generator, so every build checks the same
 * histories; {@code -Dsynod.kv.histories=N} runs more and {@code -Dsynod.kv.seedOfSeeds=S} explores others.
 */
class KvClusterLinearizabilityTest
{
    private static final int HISTORIES = Integer.getInteger("synod.kv.histories", 500);
    private static final long SEED_OF_SEEDS = Long.getLong("synod.kv.seedOfSeeds", 0x5EED_CAFEL);

    @Test
    void shouldRecordOnlyLinearizableHistoriesWhileClientsRetryThroughPartitionsAndCrashes()
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long startCpuNs = threads.getCurrentThreadCpuTime();
        final long startNs = System.nanoTime();
        final SplittableRandom seeds = new SplittableRandom(SEED_OF_SEEDS);
        long operations = 0;
        long unknown = 0;
        long retries = 0;
        long faults = 0;
        long maxCheckNs = 0;
        long maxCheckSeed = 0;
        for (int i = 0; i < HISTORIES; i++)
        {
            final long seed = seeds.nextLong();
            final KvClusterSimulation.Result result = KvClusterSimulation.run(seed);
            result.assertLinearizable();
            operations += result.history().size();
            unknown += result.unknown();
            retries += result.retries();
            faults += result.faults();
            if (result.check().elapsedNs() > maxCheckNs)
            {
                maxCheckNs = result.check().elapsedNs();
                maxCheckSeed = seed;
            }
        }
        System.out.println("kv linearizability: " + HISTORIES + " histories, " + operations + " operations checked, " +
            unknown + " unknown outcomes, " + retries + " retries, " + faults + " faults; max check " +
            TimeUnit.NANOSECONDS.toMillis(maxCheckNs) + "ms (seed " + maxCheckSeed + "); wall " +
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) + "ms, cpu " +
            TimeUnit.NANOSECONDS.toMillis(threads.getCurrentThreadCpuTime() - startCpuNs) + "ms");
        assertTrue(operations >= 100L * HISTORIES, "too few operations to mean anything: " + operations);
    }
}
