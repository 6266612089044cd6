package io.synod.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Test support for seed-driven tests: every value of one case comes from one {@link SplittableRandom}
 * seeded with the case's seed, so the seed alone replays the case (see {@link Seeds} and {@link ReplaySeed}).
 *
 * <p>Like the generators of a property-testing library, draws are not uniform only: one draw in
 * {@value #EDGE_ONE_IN} is an edge value (the bounds of a range, zero, one, minus one, the extremes of the
 * type), and unbounded numbers are often small, so that the cases that break code (empty, zero, overflow)
 * come up in every run rather than once in 2<sup>64</sup>.
 */
public final class Gen
{
    /** One draw in this many is an edge value. */
    public static final int EDGE_ONE_IN = 16;

    private static final int[] INT_EDGES = {
        0, 1, -1, 2, -2, Integer.MIN_VALUE, Integer.MIN_VALUE + 1, Integer.MAX_VALUE, Integer.MAX_VALUE - 1};
    private static final long[] LONG_EDGES = {
        0, 1, -1, 2, -2, Integer.MIN_VALUE, Integer.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE, Long.MAX_VALUE - 1};
    /** Magnitudes of "small" unbounded numbers. */
    private static final long[] SMALL = {10, 100, 1000, 100_000};

    private final SplittableRandom random;

    public Gen(final long seed)
    {
        this.random = new SplittableRandom(seed);
    }

    /** @return the source of every draw, for drawing directly. */
    public SplittableRandom random()
    {
        return random;
    }

    private boolean edge()
    {
        return random.nextInt(EDGE_ONE_IN) == 0;
    }

    public boolean bool()
    {
        return random.nextBoolean();
    }

    public byte anyByte()
    {
        return edge() ? (byte)pick(new long[]{0, 1, -1, Byte.MIN_VALUE, Byte.MAX_VALUE}) : (byte)random.nextInt();
    }

    /** Any int: edge values, small values of either sign, or any of the 2<sup>32</sup>. */
    public int anyInt()
    {
        final int dice = random.nextInt(EDGE_ONE_IN);
        if (dice == 0)
        {
            return INT_EDGES[random.nextInt(INT_EDGES.length)];
        }
        if (dice < 6)
        {
            final long bound = SMALL[random.nextInt(SMALL.length)];
            return (int)random.nextLong(-bound, bound + 1);
        }
        return random.nextInt();
    }

    /** Any long: edge values, small values of either sign, or any of the 2<sup>64</sup>. */
    public long anyLong()
    {
        final int dice = random.nextInt(EDGE_ONE_IN);
        if (dice == 0)
        {
            return LONG_EDGES[random.nextInt(LONG_EDGES.length)];
        }
        if (dice < 6)
        {
            final long bound = SMALL[random.nextInt(SMALL.length)];
            return random.nextLong(-bound, bound + 1);
        }
        return random.nextLong();
    }

    /** @return an int in {@code [min, max]}, its bounds (and zero, if inside) more often than the rest. */
    public int intBetween(final int min, final int max)
    {
        return (int)longBetween(min, max);
    }

    /** @return a long in {@code [min, max]}, its bounds (and zero, if inside) more often than the rest. */
    public long longBetween(final long min, final long max)
    {
        if (min > max)
        {
            throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
        }
        if (edge())
        {
            final long[] edges = min <= 0 && 0 <= max ?
                new long[]{min, max, 0, min + (min < max ? 1 : 0), max - (min < max ? 1 : 0)} :
                new long[]{min, max, min + (min < max ? 1 : 0), max - (min < max ? 1 : 0)};
            return pick(edges);
        }
        if (max == Long.MAX_VALUE)
        {
            return min == Long.MIN_VALUE ? random.nextLong() : random.nextLong(min - 1, max) + 1;
        }
        return random.nextLong(min, max + 1);
    }

    /** @return a long {@code >= 0}: edge values, small values, or any of the 2<sup>63</sup>. */
    public long natural()
    {
        final int dice = random.nextInt(EDGE_ONE_IN);
        if (dice == 0)
        {
            return pick(new long[]{0, 1, 2, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 1});
        }
        if (dice < 6)
        {
            return random.nextLong(SMALL[random.nextInt(SMALL.length)] + 1);
        }
        return random.nextLong() & Long.MAX_VALUE;
    }

    /** @return a size in {@code [min, max]}: the bounds more often than the rest, otherwise uniform. */
    public int size(final int min, final int max)
    {
        return intBetween(min, max);
    }

    /** @return random bytes, {@code 0} to {@code maxSize} of them. */
    public byte[] bytes(final int maxSize)
    {
        final byte[] bytes = new byte[size(0, maxSize)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** @return {@code min} to {@code max} elements, each drawn by {@code element}. */
    public <T> List<T> list(final int min, final int max, final Function<Gen, T> element)
    {
        final int size = size(min, max);
        final List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++)
        {
            list.add(element.apply(this));
        }
        return list;
    }

    /** @return one of the values, uniformly. */
    @SafeVarargs
    public final <T> T of(final T... values)
    {
        return values[random.nextInt(values.length)];
    }

    /** @return one of the values, uniformly. */
    public <T> T of(final List<T> values)
    {
        return values.get(random.nextInt(values.size()));
    }

    /** @return one of the values, uniformly. */
    public int ofInts(final int... values)
    {
        return values[random.nextInt(values.length)];
    }

    /** @return one of the values, uniformly. */
    public long pick(final long... values)
    {
        return values[random.nextInt(values.length)];
    }

    /**
     * Weighted choice.
     *
     * @param weights a positive weight per choice.
     * @return the index of the choice drawn, {@code i} with probability {@code weights[i] / sum(weights)}.
     */
    public int weighted(final int... weights)
    {
        int total = 0;
        for (final int weight : weights)
        {
            total += weight;
        }
        int draw = random.nextInt(total);
        for (int i = 0; i < weights.length; i++)
        {
            draw -= weights[i];
            if (draw < 0)
            {
                return i;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * Weighted choice of a value.
     *
     * @param weightsAndValues pairs {@code {weight, value}}.
     * @return a value, drawn with probability proportional to its weight.
     */
    public int frequency(final int[]... weightsAndValues)
    {
        final int[] weights = new int[weightsAndValues.length];
        for (int i = 0; i < weights.length; i++)
        {
            weights[i] = weightsAndValues[i][0];
        }
        return weightsAndValues[weighted(weights)][1];
    }
}
