package io.synod.transport.aeron;

import io.synod.raft.Transport;
import io.synod.raft.codec.MessageHeader;
import org.agrona.DirectBuffer;

/**
 * A fault-injection decorator of a node's {@link Transport} for black-box tests: it drops every frame to and from
 * the peers it is told to cut off, as a network partition looks to this member, and passes everything else
 * (frames of other peers, frames from clients, replies to clients) unchanged. A partition of the cluster is made by
 * cutting the same links on every member (each side drops what it would send and what it receives); a member is
 * never cut off from its clients, so a client can still reach an isolated leader and find that it cannot commit.
 *
 * <p>It is for tests only: a member wires it in with {@code AeronRaftNode.Builder.transportDecorator} only when its
 * operator asked for test faults at start (the daemon's {@code --test-faults}); without it nothing is filtered and
 * nothing is checked. Real packet filtering (firewall rules on distinct addresses) is the stronger test where the
 * machine allows it; this filter exists for machines that do not.
 *
 * <p><b>Threading.</b> {@link #cut} and {@link #droppedFrames} from any thread (the cut set is one volatile word);
 * {@link #send} and {@link #poll} on the agent thread. <b>Allocation:</b> none after construction. Member ids
 * from 1 to {@value #MEMBER_ID_MAX} can be cut; frames of higher ids always pass.
 */
public final class PartitionFilter implements Transport
{
    /** The highest member id that can be cut off (one bit of a {@code long} per member). */
    public static final int MEMBER_ID_MAX = 63;

    private final Transport delegate;
    private final MessageHeader header = new MessageHeader();
    private final FrameHandler filter = this::onFrame;
    /** Invariant: bit m set iff frames to and from member m are dropped. */
    private volatile long cutMask;
    private volatile long droppedFrames;
    private FrameHandler handler;

    /**
     * @param delegate the node's transport; frames not cut go through it unchanged.
     */
    public PartitionFilter(final Transport delegate)
    {
        this.delegate = delegate;
    }

    /**
     * Cuts this member off from exactly {@code members} (replacing the previous set); an empty array heals every
     * link. Any thread; takes effect on the agent's next send or poll.
     *
     * @param members peer ids from 1 to {@link #MEMBER_ID_MAX}.
     * @throws IllegalArgumentException for an id out of that range.
     */
    public void cut(final int... members)
    {
        long mask = 0;
        for (final int member : members)
        {
            if (member < 1 || member > MEMBER_ID_MAX)
            {
                throw new IllegalArgumentException("member id out of 1.." + MEMBER_ID_MAX + ": " + member);
            }
            mask |= 1L << member;
        }
        cutMask = mask;
    }

    /** @return the peers this member is cut off from now, in id order. Any thread. */
    public int[] cutMembers()
    {
        final long mask = cutMask;
        final int[] members = new int[Long.bitCount(mask)];
        int i = 0;
        for (int member = 1; member <= MEMBER_ID_MAX; member++)
        {
            if ((mask & (1L << member)) != 0)
            {
                members[i++] = member;
            }
        }
        return members;
    }

    /** @return frames dropped so far, both ways. Any thread. */
    public long droppedFrames()
    {
        return droppedFrames;
    }

    private boolean isCut(final int member)
    {
        return member >= 1 && member <= MEMBER_ID_MAX && (cutMask & (1L << member)) != 0;
    }

    private void countDrop()
    {
        // Written by the agent thread only: a plain increment of a volatile is safe with one writer.
        droppedFrames = droppedFrames + 1;
    }

    /** Drops a frame to a cut-off peer and reports it sent, as a packet lost on the wire would be. */
    @Override
    public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (isCut(memberId))
        {
            countDrop();
            return true;
        }
        return delegate.send(memberId, buffer, offset, length);
    }

    @Override
    public int poll(final FrameHandler handler, final int fragmentLimit)
    {
        this.handler = handler;
        return delegate.poll(cutMask == 0 ? handler : filter, fragmentLimit);
    }

    private void onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length >= MessageHeader.LENGTH && isCut(header.wrap(buffer, offset).from()))
        {
            countDrop();
            return;
        }
        handler.onFrame(buffer, offset, length);
    }

    @Override
    public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
    {
        return delegate.sendToClient(clientId, buffer, offset, length);
    }

    @Override
    public void close()
    {
        delegate.close();
    }
}
