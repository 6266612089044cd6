package io.synod.raft.testkit;

import io.synod.raft.Seeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * The main correctness test of the core: one test over the seed. Each seed derives a cluster (3, 5 or 7
 * members), its fault rates and its workload; the run checks every Raft invariant after every step of a
 * faulty safety phase, then requires progress in a healed liveness phase. A failure prints the seed and
 * the command that replays it ({@link SimulationFailure}).
 *
 * <p>Default run: 2,000 seeds of {@code synod.sim.steps} (2,000) steps, drawn from a generator seeded with
 * a fixed seed of seeds, so every build checks the same seeds. {@code -Dsynod.sim.seedOfSeeds=S} checks
 * 2,000 others and {@code -Dsynod.sim.seeds=N} runs N; {@code -Psoak} runs {@code synod.sim.soak.seeds}
 * (100,000) more in {@link SimulationSoakTest}.
 */
class SimulationProperties
{
    private static final long STEPS = Long.getLong("synod.sim.steps", 2000);
    private static final int SEEDS_PER_RUN = Integer.getInteger("synod.sim.seeds", 2000);
    private static final long SEED_OF_SEEDS = Long.getLong("synod.sim.seedOfSeeds", 0x5EED_51A1L);
    private static final AtomicLong SEEDS = new AtomicLong();
    private static final AtomicLong STEPS_RUN = new AtomicLong();

    static LongStream seeds()
    {
        return Seeds.drawn(SEED_OF_SEEDS, SEEDS_PER_RUN);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldHoldRaftInvariantsUnderFaultsForAnySeed(final long seed)
    {
        final Simulation.Result result;
        try
        {
            result = Simulation.run(seed, STEPS);
        }
        catch (final SimulationFailure ex)
        {
            throw ex;
        }
        catch (final RuntimeException | AssertionError ex)
        {
            throw new SimulationFailure(seed, STEPS, "unexpected " + ex, ex);
        }
        SEEDS.incrementAndGet();
        STEPS_RUN.addAndGet(result.steps());
        if (SEEDS.get() % 500 == 0)
        {
            System.out.println("simulation: " + SEEDS.get() + " seeds (seed of seeds " + SEED_OF_SEEDS + "), " +
                STEPS_RUN.get() + " steps (safety " + STEPS + " per seed + liveness), last " + result);
        }
    }
}
