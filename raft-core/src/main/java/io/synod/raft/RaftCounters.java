package io.synod.raft;

import io.synod.raft.codec.FrameCheck;

/**
 * Frame counters of one node. Written only on the node's thread; other threads may read them for
 * monitoring (values may be slightly stale).
 */
public final class RaftCounters
{
    long framesReceived;
    long framesSent;
    long sendFailures;
    long forwardsSent;
    long forwardsAppended;
    long forwardsDropped;
    final long[] framesDropped = new long[FrameCheck.REASON_COUNT];

    /** @return frames accepted for processing. */
    public long framesReceived()
    {
        return framesReceived;
    }

    /** @return frames handed to the transport. */
    public long framesSent()
    {
        return framesSent;
    }

    /** @return frames the transport refused (back-pressure, not connected). */
    public long sendFailures()
    {
        return sendFailures;
    }

    /** @return frames dropped for {@code reason}, one of the {@link FrameCheck} codes. */
    public long framesDropped(final int reason)
    {
        return framesDropped[reason];
    }

    /** @return frames dropped for any reason. */
    public long framesDropped()
    {
        long total = 0;
        for (final long count : framesDropped)
        {
            total += count;
        }
        return total;
    }

    /** @return commands this member forwarded to the leader it knew ({@link io.synod.raft.codec.MessageType#FORWARD}). */
    public long forwardsSent()
    {
        return forwardsSent;
    }

    /** @return forwarded commands this member appended as leader (its own {@code forward} calls included). */
    public long forwardsAppended()
    {
        return forwardsAppended;
    }

    /**
     * @return forwarded commands dropped here: no leader known, not the leader any more, leadership in
     * transfer, too large, or no room in the outbox. Forwarding is at most once; callers retry.
     */
    public long forwardsDropped()
    {
        return forwardsDropped;
    }

    void drop(final int reason)
    {
        framesDropped[reason]++;
    }
}
