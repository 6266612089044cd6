package io.synod.raft;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Seeds for seed-driven tests ({@code @ParameterizedTest @MethodSource}): seeds {@code 1..count} or drawn from a
 * fixed seed of seeds, the same in every run, or only the one seed named by {@code -Dsynod.test.seed=S} to replay a failure (the
 * failure message of a test with {@link ReplaySeed} prints the command). Shared with other modules' tests through
 * raft-core's test jar.
 */
public final class Seeds
{
    /** System property: run only this seed. */
    public static final String SEED_PROPERTY = "synod.test.seed";

    private Seeds()
    {
    }

    /**
     * @param count the cases of a full run.
     * @return seeds {@code 1..count}, or the single seed of {@value #SEED_PROPERTY}.
     */
    public static LongStream upTo(final int count)
    {
        final String only = System.getProperty(SEED_PROPERTY, "").trim();
        return only.isEmpty() ? LongStream.rangeClosed(1, count) : LongStream.of(Long.parseLong(only));
    }

    /**
     * @param seedOfSeeds seeds the generator the seeds are drawn from (the same cases in every run).
     * @param count       seeds in a full run.
     * @return {@code count} seeds drawn from {@code seedOfSeeds}, or the single seed of {@value #SEED_PROPERTY}.
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

    /** @return whether this run replays one seed rather than running them all. */
    public static boolean replayingOne()
    {
        return !System.getProperty(SEED_PROPERTY, "").trim().isEmpty();
    }
}
