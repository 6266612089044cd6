package io.synod.raft;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Quorum#value} against a naive oracle: the largest value that at least a quorum of the values
 * reach, found by trying every value and counting. 2,000 seeded cases (member counts 0 to 9, values
 * with many ties); a failure names the seed.
 */
class QuorumTest
{
    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 2_000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldAgreeWithTheNaiveQuorumValue(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int n = random.nextInt(10);
        final int quorum = 1 + random.nextInt(6);
        final long[] values = new long[n + random.nextInt(3)];
        for (int i = 0; i < n; i++)
        {
            values[i] = random.nextInt(random.nextBoolean() ? 4 : 1_000);
        }
        final long[] original = values.clone();

        long expected = 0;
        if (n >= quorum)
        {
            for (int i = 0; i < n; i++)
            {
                int reaching = 0;
                for (int j = 0; j < n; j++)
                {
                    reaching += original[j] >= original[i] ? 1 : 0;
                }
                if (reaching >= quorum)
                {
                    expected = Math.max(expected, original[i]);
                }
            }
        }
        assertEquals(expected, Quorum.value(values, n, quorum), () -> "seed " + seed + ": quorum " + quorum + " of " +
            java.util.Arrays.toString(java.util.Arrays.copyOf(original, n)));
        for (int i = n; i < values.length; i++)
        {
            assertEquals(original[i], values[i], "seed " + seed + ": values past n untouched");
        }
    }
}
