package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The long sweep, run by {@code -Psoak} and skipped otherwise: seeds {@code [base, base + seeds)} of
 * {@code steps} safety steps each, on {@code threads} threads. It does not stop at a failure: every
 * seed runs, and the end of the run lists every failing seed with the command that replays it.
 *
 * <p>Properties (all {@code -D}): {@code synod.sim.soak.base} (default 1,000,000),
 * {@code synod.sim.soak.seeds} (the profile sets 100,000; 0 skips), {@code synod.sim.soak.steps}
 * (default 5,000), {@code synod.sim.soak.threads} (default: every core).
 */
class SimulationSoakTest
{
    @Test
    void shouldHoldRaftInvariantsForEverySoakSeed() throws InterruptedException
    {
        final long seeds = Long.getLong("synod.sim.soak.seeds", 0);
        assumeTrue(seeds > 0, "soak runs only with -Psoak");
        SeedSweep.run("soak", Long.getLong("synod.sim.soak.base", 1_000_000), seeds,
            Long.getLong("synod.sim.soak.steps", 5_000),
            Integer.getInteger("synod.sim.soak.threads", Runtime.getRuntime().availableProcessors()));
    }
}
