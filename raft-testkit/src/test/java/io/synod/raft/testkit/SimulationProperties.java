package io.synod.raft.testkit;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The main correctness test of the core: one property over the seed. Each seed derives a cluster
 * (3, 5 or 7 members), its fault rates and its workload; the run checks every Raft invariant after
 * every step of a faulty safety phase, then requires progress in a healed liveness phase. A failure
 * prints the seed and the command that replays it.
 *
 * <p>Default run: 2,000 seeds of {@code synod.sim.steps} (2,000) steps. {@code -Psoak} runs
 * {@code synod.sim.seeds} (100,000) more in {@link SimulationSoakTest}.
 */
class SimulationProperties
{
    private static final long STEPS = Long.getLong("synod.sim.steps", 2000);
    private static final AtomicLong SEEDS = new AtomicLong();
    private static final AtomicLong STEPS_RUN = new AtomicLong();

    @Property(tries = 2000, shrinking = ShrinkingMode.OFF)
    void shouldHoldRaftInvariantsUnderFaultsForAnySeed(@ForAll final long seed)
    {
        final Simulation.Result result = Simulation.run(seed, STEPS);
        SEEDS.incrementAndGet();
        STEPS_RUN.addAndGet(result.steps());
        if (SEEDS.get() % 500 == 0)
        {
            System.out.println("simulation: " + SEEDS.get() + " seeds, " + STEPS_RUN.get() + " steps (safety " + STEPS +
                " per seed + liveness), last " + result);
        }
    }
}
