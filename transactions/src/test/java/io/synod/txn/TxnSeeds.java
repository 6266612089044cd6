package io.synod.txn;

import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationFailure;

import java.util.stream.LongStream;

/**
 * Seeds for this module's simulations: {@code -Dsynod.sim.seed=N} replays one seed (the command a failure
 * prints); otherwise a test runs its pinned range, or with {@code -Dsynod.sim.soak.seeds=N} (set by
 * {@code -Psoak}, capped here at 200) a sweep from {@code synod.sim.soak.base}. {@code -Dsynod.sim.steps}
 * sets the single-group step figure (default 2,000), which a test scales by its groups.
 *
 * <p>Seeds whose simulated cluster has membership changes are skipped: the simulator changes each group's
 * membership on its own, while the transaction driver needs every process to host a replica of every group
 * (it observes votes and acknowledgements in its local replicas); keeping the placement of all groups in
 * step is left for later.
 */
final class TxnSeeds
{
    static final long STEPS = Long.getLong("synod.sim.steps", 2000);
    private static final long SOAK_CAP = 200;

    private TxnSeeds()
    {
    }

    /** @return the seed given on the command line, the soak sweep, or the first {@code count} seeds without membership changes. */
    static LongStream seeds(final long count)
    {
        final String seed = System.getProperty("synod.sim.seed");
        if (seed != null && !seed.isEmpty())
        {
            return LongStream.of(Long.parseLong(seed));
        }
        final long soak = Math.min(SOAK_CAP, Long.getLong("synod.sim.soak.seeds", 0));
        final long base = soak > 0 ? Long.getLong("synod.sim.soak.base", 1_000_000) : 1;
        return LongStream.iterate(base, s -> s + 1).filter(TxnSeeds::fixedPlacement).limit(soak > 0 ? soak : count);
    }

    static boolean fixedPlacement(final long seed)
    {
        return !Simulation.builder(seed).groups(1).build().parameters().membershipChanges;
    }

    static Simulation.ReplayCommand replay(final String test, final long groups)
    {
        return (seed, steps) -> SimulationFailure.replayCommand("transactions", test, seed, steps / groups);
    }
}
