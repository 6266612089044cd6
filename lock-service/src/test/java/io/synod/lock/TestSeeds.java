package io.synod.lock;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Seeds for seed-driven tests ({@code @ParameterizedTest @MethodSource}): {@code count} seeds drawn from a
 * {@link SplittableRandom} seeded with a fixed seed of seeds, so every run checks the same cases; or only
 * the seed named by {@code -Dsynod.test.seed=S}, to replay a failure.
 */
final class TestSeeds
{
    /** System property: run only this seed. */
    static final String SEED_PROPERTY = "synod.test.seed";
    /** System property: another seed of seeds, to check other cases than the default run's. */
    static final String SEED_OF_SEEDS_PROPERTY = "synod.lock.seedOfSeeds";

    private TestSeeds()
    {
    }

    /**
     * @param defaultSeedOfSeeds seeds the generator the seeds are drawn from, unless {@value #SEED_OF_SEEDS_PROPERTY} is set.
     * @param count              seeds in a full run.
     * @return the seeds, or the single seed of {@value #SEED_PROPERTY}.
     */
    static LongStream drawn(final long defaultSeedOfSeeds, final int count)
    {
        final String only = System.getProperty(SEED_PROPERTY, "").trim();
        if (!only.isEmpty())
        {
            return LongStream.of(Long.parseLong(only));
        }
        final SplittableRandom seeds = new SplittableRandom(Long.getLong(SEED_OF_SEEDS_PROPERTY, defaultSeedOfSeeds));
        final long[] drawn = new long[count];
        for (int i = 0; i < count; i++)
        {
            drawn[i] = seeds.nextLong();
        }
        return LongStream.of(drawn);
    }

    /** @return "seed S" and the command line that runs only that seed of {@code test} ({@code Class#method}). */
    static String replay(final String test, final long seed)
    {
        return "seed " + seed + " (replay: mvn -q -pl lock-service -am test -Dtest='" + test +
            "' -Dsurefire.failIfNoSpecifiedTests=false -D" + SEED_PROPERTY + "=" + seed + ")";
    }
}
