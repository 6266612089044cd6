package io.synod.quorum;

/**
 * A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", OPODIS 2014) for the
 * last-writer-wins mode: timestamps that follow physical time (microseconds since the epoch), never go
 * backwards on one member, and are above every timestamp the member has received, so a write made after
 * seeing another is ordered after it.
 *
 * <p>Packed into a {@code long}: {@code l << 12 | c}, {@code l} the physical part in microseconds and {@code c}
 * the logical counter (when {@code c} would pass 4,095, {@code l} moves on by one microsecond instead).
 * Send or local event: {@code l' = max(l, pt)}, {@code c = l' == l ? c + 1 : 0}. Receive {@code m}: {@code l' =
 * max(l, l_m, pt)}, {@code c} = {@code max(c, c_m) + 1} if {@code l' = l = l_m}, {@code c + 1} if only
 * {@code l' = l}, {@code c_m + 1} if only {@code l' = l_m}, else 0.
 *
 * <p>Not thread-safe: the node's agent thread. Allocation-free.
 */
final class HybridLogicalClock
{
    static final int LOGICAL_BITS = 12;
    static final long LOGICAL_MAX = (1L << LOGICAL_BITS) - 1;

    /** Invariant: never decreases. */
    private long l;
    private long c;

    /** @return the physical part (microseconds) of a packed timestamp. */
    static long physical(final long packed)
    {
        return packed >>> LOGICAL_BITS;
    }

    static long pack(final long l, final long c)
    {
        return l << LOGICAL_BITS | c;
    }

    /** A local event (a write) at physical time {@code ptMicros}: @return its timestamp, above every earlier one. */
    long now(final long ptMicros)
    {
        final long next = Math.max(l, ptMicros);
        c = next == l ? c + 1 : 0;
        l = next;
        carry();
        return pack(l, c);
    }

    /** A timestamp received from another member at physical time {@code ptMicros}. */
    void observe(final long ptMicros, final long packed)
    {
        final long lm = physical(packed);
        final long cm = packed & LOGICAL_MAX;
        final long next = Math.max(Math.max(l, lm), ptMicros);
        if (next == l && next == lm)
        {
            c = Math.max(c, cm) + 1;
        }
        else if (next == l)
        {
            c = c + 1;
        }
        else if (next == lm)
        {
            c = cm + 1;
        }
        else
        {
            c = 0;
        }
        l = next;
        carry();
    }

    private void carry()
    {
        if (c > LOGICAL_MAX)
        {
            l++;
            c = 0;
        }
    }

    /** @return the current timestamp, packed (without ticking). */
    long current()
    {
        return pack(l, c);
    }
}
