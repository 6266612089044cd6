package io.synod.kv.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Replays one seed given on the command line ({@code -Dsynod.kv.seed=N}, or a range with
 * {@code -Dsynod.kv.seeds=N}); the command is printed by every failing run. Skipped when no seed is given.
 */
class KvClusterReplayTest
{
    @Test
    void shouldReplayTheGivenSeed()
    {
        final String seed = System.getProperty("synod.kv.seed");
        assumeTrue(seed != null && !seed.isEmpty(), "no -Dsynod.kv.seed given");
        final int count = Integer.getInteger("synod.kv.seeds", 1);
        long maxCheckNs = 0;
        long operations = 0;
        final long startNs = System.nanoTime();
        for (int i = 0; i < count; i++)
        {
            final KvClusterSimulation.Result result = KvClusterSimulation.run(Long.parseLong(seed) + i);
            operations += result.history().size();
            maxCheckNs = Math.max(maxCheckNs, result.check().elapsedNs());
            if (count == 1 || Boolean.getBoolean("synod.kv.verbose"))
            {
                System.out.println("replayed " + result);
            }
            result.assertLinearizable();
        }
        System.out.println("kv replay: " + count + " seeds, " + operations + " ops, max check " + maxCheckNs / 1_000_000 +
            "ms, wall " + (System.nanoTime() - startNs) / 1_000_000 + "ms");
    }
}
