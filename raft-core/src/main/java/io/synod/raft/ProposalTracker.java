package io.synod.raft;

import org.agrona.DirectBuffer;

/**
 * Proposals this node appended as leader and has not yet resolved, as a bounded ring of
 * {@code (index, term, correlationId)}.
 *
 * <p>Invariant: indexes in the ring strictly increase from head to tail and are all {@code <=} the
 * log's last index. Appends only ever add above the last index, and a truncation of the log from
 * {@code i} resolves (as lost) every tracked proposal at or above {@code i} from the tail, which keeps
 * the ring ordered even when this node leads again later at lower indexes.
 *
 * <p>Resolution is exact (Log Matching): when index {@code i} is applied, the proposal tracked at
 * {@code i} committed if and only if the applied entry has the proposal's term.
 */
final class ProposalTracker
{
    private final int groupId;
    private final ProposalHandler handler;
    private final long[] indexes;
    private final long[] terms;
    private final long[] correlationIds;
    private int head;
    private int count;

    ProposalTracker(final int groupId, final int capacity, final ProposalHandler handler)
    {
        this.groupId = groupId;
        this.handler = handler;
        this.indexes = new long[capacity];
        this.terms = new long[capacity];
        this.correlationIds = new long[capacity];
    }

    ProposalHandler handler()
    {
        return handler;
    }

    boolean isFull()
    {
        return count == indexes.length;
    }

    int size()
    {
        return count;
    }

    void add(final long index, final long term, final long correlationId)
    {
        if (isFull())
        {
            throw new IllegalStateException("proposal tracker full");
        }
        if (count > 0 && !(indexes[slot(count - 1)] < index))
        {
            throw new IllegalStateException("proposal index " + index + " not above " + indexes[slot(count - 1)]);
        }
        final int slot = slot(count);
        indexes[slot] = index;
        terms[slot] = term;
        correlationIds[slot] = correlationId;
        count++;
    }

    /**
     * Index {@code index} with {@code term} was applied; the response is what the state machine wrote,
     * unless {@code rejectReason} is non-zero (a session command refused at apply time).
     */
    void onApplied(final long index, final long term, final int rejectReason, final DirectBuffer response, final int length)
    {
        while (count > 0 && indexes[head] <= index)
        {
            final long trackedIndex = indexes[head];
            final long trackedTerm = terms[head];
            final long correlationId = correlationIds[head];
            head = (head + 1) % indexes.length;
            count--;
            if (trackedIndex == index && trackedTerm == term)
            {
                if (rejectReason != 0)
                {
                    handler.onRejected(groupId, correlationId, rejectReason, 0);
                }
                else
                {
                    handler.onCommitted(groupId, correlationId, index, response, 0, length);
                }
            }
            else
            {
                // A different entry holds the index (or it was skipped by a snapshot): ours was replaced.
                handler.onRejected(groupId, correlationId, ProposalHandler.LEADERSHIP_LOST, 0);
            }
        }
    }

    /** The log was truncated from {@code fromIndex}: proposals there can never be applied. */
    void onTruncated(final long fromIndex)
    {
        while (count > 0 && indexes[slot(count - 1)] >= fromIndex)
        {
            count--;
            handler.onRejected(groupId, correlationIds[slot(count)], ProposalHandler.LEADERSHIP_LOST, 0);
        }
    }

    /** A snapshot up to {@code snapshotIndex} replaced the log here: entries up to it were skipped. */
    void onSnapshotInstalled(final long snapshotIndex)
    {
        while (count > 0 && indexes[head] <= snapshotIndex)
        {
            final long correlationId = correlationIds[head];
            head = (head + 1) % indexes.length;
            count--;
            handler.onRejected(groupId, correlationId, ProposalHandler.OUTCOME_UNKNOWN, 0);
        }
    }

    /** Resolves every tracked proposal with {@code reason}. */
    void rejectAll(final int reason)
    {
        while (count > 0)
        {
            final long correlationId = correlationIds[head];
            head = (head + 1) % indexes.length;
            count--;
            handler.onRejected(groupId, correlationId, reason, 0);
        }
    }

    private int slot(final int i)
    {
        return (head + i) % indexes.length;
    }
}
