package io.synod.raft;

import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * Frame coalescing: a {@link Transport} in front of another that holds back the small frames a duty cycle sends
 * to each member and sends them as one {@link MessageType#BATCH} frame when the agent calls {@link #flush()}.
 * An agent that leads many groups sends each follower one heartbeat per group per interval; through a batcher
 * those heartbeats (and the followers' answers, and the votes of many groups) cost one network message per
 * member and cycle instead of one per group. Each inner frame is the group's own, unchanged (its term, round and
 * commit index), so ReadIndex, lease reads and CheckQuorum see exactly what they see without coalescing.
 *
 * <p><b>Which frames.</b> Frames of at most {@code smallFrameMax} bytes are held back. A larger frame (a full
 * AppendEntries, a snapshot chunk) goes out at once, after what is held back for the same member, so the order
 * of the frames to one member never changes. A member with a single frame held back gets it as it is, without a
 * batch around it.
 *
 * <p><b>When.</b> {@link RaftAgent} calls {@link #flush()} after its groups' send phase and at the end of each
 * duty cycle, so nothing waits past the cycle it was sent in.
 *
 * <p><b>Receiving.</b> Every {@link RaftAgent} unpacks batches, with or without a batcher of its own, so
 * members can turn coalescing on one at a time. All members must run a version that knows
 * {@link MessageType#BATCH} before any turns it on.
 *
 * <p><b>Failure.</b> A batch the transport refuses (back-pressure) is lost like any dropped datagram and counted
 * ({@link #batchesRefused()}); Raft retries what matters. {@link #send} answers true for a frame it holds back.
 *
 * <p><b>Threading and allocation.</b> The agent's thread only. Memory for a member is allocated the first time
 * a frame goes to it; nothing after that.
 */
public final class FrameBatcher implements Transport
{
    /** Default largest frame that is held back: a heartbeat, a response, a vote, a read-index message. */
    public static final int SMALL_FRAME_MAX_DEFAULT = 256;
    /** Default largest batch: a few network datagrams at the default MTU. */
    public static final int BATCH_LENGTH_DEFAULT = 4 * 1024;

    private final Transport transport;
    private final int clusterId;
    private final int memberId;
    private final int smallFrameMax;
    private final int batchLength;
    private final Int2ObjectHashMap<Pending> byMember = new Int2ObjectHashMap<>();
    private final MessageHeader header = new MessageHeader();
    /** Members with frames held back, in the order they got their first. */
    private Pending[] dirty = new Pending[4];
    private int dirtyCount;

    private long framesHeld;
    private long batchesSent;
    private long batchesRefused;

    /**
     * A batcher with {@link #SMALL_FRAME_MAX_DEFAULT} and {@link #BATCH_LENGTH_DEFAULT}.
     *
     * @param transport the transport that sends and receives.
     * @param clusterId written in each batch's header.
     * @param memberId  this member, the batches' sender.
     */
    public FrameBatcher(final Transport transport, final int clusterId, final int memberId)
    {
        this(transport, clusterId, memberId, SMALL_FRAME_MAX_DEFAULT, BATCH_LENGTH_DEFAULT);
    }

    /**
     * @param transport     the transport that sends and receives.
     * @param clusterId     written in each batch's header.
     * @param memberId      this member, the batches' sender.
     * @param smallFrameMax largest frame held back, in bytes; larger ones go out at once.
     * @param batchLength   largest batch frame, header included; at least a header and one small frame.
     */
    public FrameBatcher(
        final Transport transport, final int clusterId, final int memberId, final int smallFrameMax, final int batchLength)
    {
        if (smallFrameMax < MessageHeader.LENGTH || batchLength < MessageHeader.LENGTH + smallFrameMax)
        {
            throw new IllegalArgumentException(
                "need smallFrameMax >= " + MessageHeader.LENGTH + " and batchLength >= header + smallFrameMax: smallFrameMax=" +
                smallFrameMax + " batchLength=" + batchLength);
        }
        this.transport = transport;
        this.clusterId = clusterId;
        this.memberId = memberId;
        this.smallFrameMax = smallFrameMax;
        this.batchLength = batchLength;
    }

    @Override
    public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Pending pending = byMember.get(memberId);
        if (length > smallFrameMax)
        {
            if (pending != null && pending.frames > 0)
            {
                sendPending(pending); // what went before goes first
            }
            return transport.send(memberId, buffer, offset, length);
        }
        final Pending target = pending != null ? pending : newPending(memberId);
        if (target.length + length > batchLength)
        {
            sendPending(target);
        }
        if (!target.queued)
        {
            target.queued = true;
            if (dirtyCount == dirty.length)
            {
                dirty = Arrays.copyOf(dirty, dirty.length * 2);
            }
            dirty[dirtyCount++] = target;
        }
        buffer.getBytes(offset, target.buffer, target.length, length);
        target.length += length;
        target.frames++;
        framesHeld++;
        return true;
    }

    /**
     * Sends what is held back: one frame per member (a batch, or the single frame held for it).
     *
     * @return network frames sent.
     */
    @Override
    public int flush()
    {
        int sent = 0;
        for (int i = 0; i < dirtyCount; i++)
        {
            final Pending pending = dirty[i];
            dirty[i] = null;
            pending.queued = false;
            if (pending.frames > 0)
            {
                sendPending(pending);
                sent++;
            }
        }
        dirtyCount = 0;
        return sent;
    }

    @Override
    public int poll(final FrameHandler handler, final int fragmentLimit)
    {
        return transport.poll(handler, fragmentLimit);
    }

    @Override
    public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
    {
        return transport.sendToClient(clientId, buffer, offset, length);
    }

    /** @return frames held back and sent inside a batch or alone at a flush. */
    public long framesHeld()
    {
        return framesHeld;
    }

    /** @return batch frames (two or more inner frames) handed to the transport. */
    public long batchesSent()
    {
        return batchesSent;
    }

    /** @return batches or held-back frames the transport refused (lost, as a dropped datagram is). */
    public long batchesRefused()
    {
        return batchesRefused;
    }

    /** Flushes, then closes the transport underneath. */
    @Override
    public void close()
    {
        flush();
        transport.close();
    }

    private Pending newPending(final int to)
    {
        final Pending pending = new Pending(to, batchLength);
        byMember.put(to, pending);
        return pending;
    }

    private void sendPending(final Pending pending)
    {
        final boolean sent;
        if (pending.frames == 1)
        {
            sent = transport.send(pending.to, pending.buffer, MessageHeader.LENGTH, pending.length - MessageHeader.LENGTH);
        }
        else
        {
            header.wrap(pending.buffer, 0);
            header.encode(MessageType.BATCH, 0, clusterId, 0, memberId, pending.to, 0, pending.length - MessageHeader.LENGTH);
            sent = transport.send(pending.to, pending.buffer, 0, pending.length);
            batchesSent++;
        }
        if (!sent)
        {
            batchesRefused++;
        }
        pending.length = MessageHeader.LENGTH;
        pending.frames = 0;
    }

    /** The frames held back for one member, after room for the batch header. */
    private static final class Pending
    {
        final int to;
        final UnsafeBuffer buffer;
        int length = MessageHeader.LENGTH;
        int frames;
        boolean queued;

        Pending(final int to, final int capacity)
        {
            this.to = to;
            this.buffer = new UnsafeBuffer(new byte[capacity]);
        }
    }
}
