package io.synod.raft;

/**
 * Quorum arithmetic, as pure functions. Synod changes membership one server at a time (no joint
 * consensus), so a quorum is always a majority of one configuration's voters.
 */
final class Quorum
{
    private Quorum()
    {
    }

    /**
     * The largest value that at least {@code quorum} of the first {@code n} values reach: the
     * {@code quorum}-th largest. Used for the commit index (values are match indexes, §5.3) and for the
     * heartbeat round a quorum has answered (ReadIndex, §6.4). Allocation-free: sorts the first
     * {@code n} values in place, descending.
     *
     * @return that value, or 0 if fewer than {@code quorum} values are given.
     */
    static long value(final long[] values, final int n, final int quorum)
    {
        if (n < quorum || quorum <= 0)
        {
            return 0;
        }
        // Insertion sort, descending: member counts are small.
        for (int i = 1; i < n; i++)
        {
            final long value = values[i];
            int j = i - 1;
            while (j >= 0 && values[j] < value)
            {
                values[j + 1] = values[j];
                j--;
            }
            values[j + 1] = value;
        }
        return values[quorum - 1];
    }
}
