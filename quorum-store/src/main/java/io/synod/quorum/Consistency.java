package io.synod.quorum;

/**
 * Per-request consistency: how many of a key's {@code n} replicas a write waits for ({@code w}) and a read
 * asks ({@code r}), given as {@link #ONE}, {@link #QUORUM}, {@link #ALL} or a number from 1 to {@code n}.
 * With {@code w + r > n} every read quorum meets every write quorum, so a read sees the latest write
 * acknowledged before it started (Dynamo §4.5). A request with {@code w + r <= n} is allowed, and its
 * response says it is not guaranteed to read its own writes ({@link #overlaps}).
 *
 * <p>Strict quorums alone are not linearizable (concurrent writes, partial writes): for that, use the
 * atomic mode ({@link AtomicNode}).
 *
 * <p>Pure functions; allocation-free.
 */
public final class Consistency
{
    /** One replica. */
    public static final int ONE = -1;
    /** A majority of the {@code n} replicas: {@code n / 2 + 1}. */
    public static final int QUORUM = -2;
    /** Every one of the {@code n} replicas. */
    public static final int ALL = -3;

    private Consistency()
    {
    }

    /**
     * @param level {@link #ONE}, {@link #QUORUM}, {@link #ALL} or a count.
     * @param n     replicas per key.
     * @return the count {@code level} stands for, in {@code [1, n]}, or 0 when it is not valid for {@code n}
     * (zero, an unknown symbolic level, or a count above {@code n}): the caller's request fails with
     * {@link QuorumStatus#BAD_CONSISTENCY}.
     */
    public static int resolve(final int level, final int n)
    {
        switch (level)
        {
            case ONE:
                return 1;
            case QUORUM:
                return n / 2 + 1;
            case ALL:
                return n;
            default:
                return level >= 1 && level <= n ? level : 0;
        }
    }

    /**
     * @return {@code level} resolved for {@code n}.
     * @throws IllegalArgumentException with the reason, for configuration (not per request).
     */
    public static int require(final String name, final int level, final int n)
    {
        final int count = resolve(level, n);
        if (count == 0)
        {
            throw new IllegalArgumentException(name + " = " + describe(level) + " is not valid for n = " + n +
                " (use ONE, QUORUM, ALL or a number from 1 to n)");
        }
        return count;
    }

    /** @return whether a read of {@code r} replicas meets every write of {@code w} (both resolved). */
    public static boolean overlaps(final int w, final int r, final int n)
    {
        return w + r > n;
    }

    /** @return {@code level} as a word (ONE, QUORUM, ALL) or its number. */
    public static String describe(final int level)
    {
        switch (level)
        {
            case ONE:
                return "ONE";
            case QUORUM:
                return "QUORUM";
            case ALL:
                return "ALL";
            default:
                return Integer.toString(level);
        }
    }
}
