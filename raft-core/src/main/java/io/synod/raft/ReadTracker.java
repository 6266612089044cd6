package io.synod.raft;

/**
 * Reads in progress, in a fixed table of {@code pendingReadsMax} slots. A slot moves through:
 * <ul>
 *   <li>{@link #LEASE} (leader): a lease read waiting to be judged, in the send phase, by a time read after it
 *   arrived;</li>
 *   <li>{@link #CONFIRM} (leader): waiting until a quorum has answered heartbeat round {@code round};</li>
 *   <li>{@link #REMOTE} (follower): waiting for the leader's READ_INDEX_RESPONSE to request {@code round};</li>
 *   <li>{@link #APPLY}: waiting until the state machine has applied {@code readIndex}.</li>
 * </ul>
 * Per-state counts let the node skip scans when nothing waits. Scans are bounded by the table size.
 */
final class ReadTracker
{
    static final int FREE = 0;
    static final int CONFIRM = 1;
    static final int REMOTE = 2;
    static final int APPLY = 3;
    static final int LEASE = 4;

    final int[] state;
    final long[] correlationIds;
    /** Member the read came from (0 for this member's host). */
    final int[] origins;
    final long[] rounds;
    final long[] readIndexes;
    final long[] deadlinesNs;
    final int[] counts = new int[5];

    ReadTracker(final int capacity)
    {
        state = new int[capacity];
        correlationIds = new long[capacity];
        origins = new int[capacity];
        rounds = new long[capacity];
        readIndexes = new long[capacity];
        deadlinesNs = new long[capacity];
        counts[FREE] = capacity;
    }

    /** @return a free slot, or -1 when full. */
    int allocate()
    {
        if (counts[FREE] == 0)
        {
            return -1;
        }
        for (int i = 0; i < state.length; i++)
        {
            if (state[i] == FREE)
            {
                return i;
            }
        }
        return -1;
    }

    void move(final int slot, final int to)
    {
        counts[state[slot]]--;
        state[slot] = to;
        counts[to]++;
    }

    int capacity()
    {
        return state.length;
    }

    int count(final int ofState)
    {
        return counts[ofState];
    }
}
