package io.synod.raft.testkit;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Seeds for seed-driven tests ({@code @ParameterizedTest @MethodSource}): {@code count} seeds drawn from a
 * {@link SplittableRandom} seeded with a fixed seed of seeds, so every run checks the same cases; or only
 * the seed named by {@code -Dsynod.test.seed=S}, to replay a failure.
 */
public final class TestSeeds
{
    /** System property: run only this seed. */
    public static final String SEED_PROPERTY = "synod.test.seed";

    private TestSeeds()
    {
    }

    /**
     * @param seedOfSeeds seeds the generator the seeds are drawn from.
     * @param count       seeds in a full run.
     * @return the seeds, or the single seed of {@value #SEED_PROPERTY}.
     */
    public static LongStream drawn(final long seedOfSeeds, final int count)
    {
        final String only = System.getProperty(SEED_PROPERTY, "").trim();
        if (!only.isEmpty())
        {
            return LongStream.of(Long.parseLong(only));
        }
        final SplittableRandom seeds = new SplittableRandom(seedOfSeeds);
        final long[] drawn = new long[count];
        for (int i = 0; i < count; i++)
        {
            drawn[i] = seeds.nextLong();
        }
        return LongStream.of(drawn);
    }

    /** @return the command line that runs only {@code seed} of {@code test} ({@code Class#method}) in raft-testkit. */
    public static String replayCommand(final String test, final long seed)
    {
        return "mvn -q -pl raft-testkit -am test -Dtest='" + test + "' -Dsurefire.failIfNoSpecifiedTests=false -D" +
            SEED_PROPERTY + "=" + seed;
    }
}
