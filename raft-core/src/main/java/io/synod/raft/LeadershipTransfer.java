package io.synod.raft;

import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A leader handing over to a chosen voter (Raft dissertation §3.10): while it runs, proposals pause;
 * once the target's log matches the leader's, one TimeoutNow tells it to campaign at once. It ends when
 * the leader steps down (handed over if the target's higher term reached it) or at its deadline.
 *
 * <p>Leader only. {@link RaftNode} starts it, asks {@link #maybeSendTimeoutNow} in each send, and settles
 * it on a role change ({@link #onStepDown}) or at the deadline ({@link #maybeExpire}); either reports the
 * outcome to the proposal handler under the correlation id the transfer was requested with.
 */
final class LeadershipTransfer
{
    private final MessageHeader outHeader = new MessageHeader();
    private final Outbox outbox;
    private final ProposalHandler handler;
    /** The empty response of a completed transfer. */
    private final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
    private final int clusterId;
    private final int groupId;
    private final int memberId;
    /** 0 when no transfer runs. */
    private int target;
    private long correlationId;
    private long deadlineNs;
    private boolean timeoutNowSent;
    private boolean handedOver;

    LeadershipTransfer(final RaftConfig config, final Outbox outbox, final ProposalHandler handler)
    {
        this.outbox = outbox;
        this.handler = handler;
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

    /**
     * At the deadline the transfer gives up: proposals resume and the request is rejected with
     * {@link ProposalHandler#TIMEOUT}.
     *
     * @return true if the transfer timed out now.
     */
    boolean maybeExpire(final long nowNs)
    {
        if (target == 0 || nowNs - deadlineNs < 0)
        {
            return false;
        }
        target = 0;
        handedOver = false;
        handler.onRejected(groupId, correlationId, ProposalHandler.TIMEOUT, memberId);
        return true;
    }

    /**
     * The leader stepped down: the transfer completed if the target's higher term caused it (committed
     * with this member's commit index and an empty response), else it failed with NOT_LEADER.
     */
    void onStepDown(final long commitIndex)
    {
        if (target == 0)
        {
            return;
        }
        final boolean completed = handedOver;
        target = 0;
        handedOver = false;
        if (completed)
        {
            handler.onCommitted(groupId, correlationId, commitIndex, empty, 0, 0);
        }
        else
        {
            handler.onRejected(groupId, correlationId, ProposalHandler.NOT_LEADER, 0);
        }
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
