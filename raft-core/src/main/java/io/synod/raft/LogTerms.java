package io.synod.raft;

/**
 * Searches over the terms of a log, as pure functions. Terms never decrease along a log, so both are
 * binary searches (the fast backtracking of §5.3 uses them on both sides).
 */
final class LogTerms
{
    private LogTerms()
    {
    }

    /** @return the smallest index in [firstIndex, upTo] whose term is {@code term} (a follower's conflict hint). */
    static long firstIndexOfTerm(final RaftLog log, final long term, final long upTo)
    {
        long low = log.firstIndex();
        long high = upTo;
        while (low < high)
        {
            final long mid = (low + high) >>> 1;
            if (log.termAt(mid) < term)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    /** @return the largest index in [snapshotIndex, upTo] whose term is at most {@code term} (a leader reading the hint). */
    static long lastIndexWithTermAtMost(final RaftLog log, final long term, final long upTo)
    {
        long low = log.snapshotIndex();
        long high = Math.min(upTo, log.lastIndex());
        if (log.termAt(low) > term)
        {
            return low;
        }
        while (low < high)
        {
            final long mid = (low + high + 1) >>> 1;
            if (log.termAt(mid) <= term)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }
}
