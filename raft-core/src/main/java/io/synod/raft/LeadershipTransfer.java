package io.synod.raft;

import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;

/**
 * A leader handing over to a chosen voter (Raft dissertation §3.10): while it runs, proposals pause;
 * once the target's log matches the leader's, one TimeoutNow tells it to campaign at once. It ends when
 * the leader steps down (handed over if the target's higher term reached it) or at its deadline.
 *
 * <p>Leader only. {@link RaftNode} starts it, asks {@link #maybeSendTimeoutNow} in each send, and settles
 * it on a role change or at the deadline.
 */
final class LeadershipTransfer
{
    private final MessageHeader outHeader = new MessageHeader();
    private final Outbox outbox;
    private final int clusterId;
    private final int groupId;
    private final int memberId;
    /** 0 when no transfer runs. */
    private int target;
    private long correlationId;
    private long deadlineNs;
    private boolean timeoutNowSent;
    private boolean handedOver;

    LeadershipTransfer(final RaftConfig config, final Outbox outbox)
    {
        this.outbox = outbox;
        this.clusterId = config.clusterId();
        this.groupId = config.groupId();
        this.memberId = config.memberId();
    }

    boolean isActive()
    {
        return target != 0;
    }

    int target()
    {
        return target;
    }

    long correlationId()
    {
        return correlationId;
    }

    void start(final int target, final long correlationId, final long deadlineNs)
    {
        this.target = target;
        this.correlationId = correlationId;
        this.deadlineNs = deadlineNs;
        this.timeoutNowSent = false;
    }

    /** A frame of a higher term came from {@code from}: if it is the target, it took over. */
    void onHigherTerm(final int from)
    {
        if (target != 0 && from == target)
        {
            handedOver = true;
        }
    }

    boolean isDue(final long nowNs)
    {
        return target != 0 && nowNs - deadlineNs >= 0;
    }

    /** @return true if the target had taken over; the transfer is over either way. */
    boolean finish()
    {
        final boolean result = handedOver;
        target = 0;
        handedOver = false;
        return result;
    }

    /**
     * Queues TimeoutNow once, when the target's log matches the leader's.
     *
     * @param targetMatchIndex the target's match index, or -1 if it is not a peer.
     */
    void maybeSendTimeoutNow(final long targetMatchIndex, final long lastIndex, final long term)
    {
        if (target == 0 || timeoutNowSent || targetMatchIndex != lastIndex)
        {
            return;
        }
        final int offset = outbox.reserve(target, MessageHeader.LENGTH + 8);
        if (offset >= 0)
        {
            outHeader.wrap(outbox.buffer, offset).encode(MessageType.TIMEOUT_NOW, 0, clusterId, groupId, memberId, target, term, 8);
            outbox.buffer.putLong(offset + MessageHeader.LENGTH, 0);
            timeoutNowSent = true;
        }
    }
}
