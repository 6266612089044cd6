package io.synod.raft;

import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A service's sending side on the application-message path: frames a message ({@link MessageType#MESSAGE},
 * with the service id in the header's group id field) and hands it to the agent's transport, to a member
 * or to a client that is connected to this member. One per registered service, made by
 * {@link RaftAgent#registerService}.
 *
 * <p><b>Threading.</b> Agent thread only (from the {@link ServiceHandler} or a {@link RaftAgent.Duty}).
 * <p><b>Allocation.</b> None: a message is framed in a buffer sized at registration for
 * {@link #maxMessageLength()} bytes of body.
 * <p><b>Failure.</b> Never throws for the network: a message the transport does not take is reported as
 * {@code false} and counted in {@link #sendFailures()}, and is lost (the service's protocol retries what
 * matters). A body over {@link #maxMessageLength()} is refused the same way.
 */
public final class ServiceChannel
{
    private final int serviceId;
    private final int clusterId;
    private final int memberId;
    private final Transport transport;
    private final ServiceHandler handler;
    private final UnsafeBuffer frame;
    private final MessageHeader header = new MessageHeader();
    private long received;
    private long sent;
    private long sendFailures;

    ServiceChannel(
        final int serviceId, final int clusterId, final int memberId, final Transport transport, final ServiceHandler handler,
        final int maxMessageLength)
    {
        this.serviceId = serviceId;
        this.clusterId = clusterId;
        this.memberId = memberId;
        this.transport = transport;
        this.handler = handler;
        this.frame = new UnsafeBuffer(new byte[MessageHeader.LENGTH + maxMessageLength]);
    }

    /**
     * Sends a message to the same service on another member.
     *
     * @param flags the header's flags (the service's own meaning; 0 if none).
     * @return true if the transport took it.
     */
    public boolean sendToMember(final int memberId, final int flags, final DirectBuffer body, final int offset, final int length)
    {
        if (memberId <= 0 || memberId == this.memberId || length < 0 || length > maxMessageLength())
        {
            sendFailures++;
            return false;
        }
        encode(flags, memberId, 0, body, offset, length);
        return counted(transport.send(memberId, frame, 0, MessageHeader.LENGTH + length));
    }

    /**
     * Sends a message to a client connected to this member (a reply, or a notification it asked for).
     *
     * @param clientId the connection id the client's messages carried.
     * @return true if the transport took it; false if the client is not connected here.
     */
    public boolean sendToClient(final long clientId, final int flags, final DirectBuffer body, final int offset, final int length)
    {
        if (clientId <= 0 || length < 0 || length > maxMessageLength())
        {
            sendFailures++;
            return false;
        }
        encode(flags, 0, clientId, body, offset, length);
        return counted(transport.sendToClient(clientId, frame, 0, MessageHeader.LENGTH + length));
    }

    private void encode(final int flags, final int to, final long clientId, final DirectBuffer body, final int offset, final int length)
    {
        header.wrap(frame, 0).encode(MessageType.MESSAGE, flags, clusterId, serviceId, memberId, to, clientId, length);
        frame.putBytes(MessageHeader.LENGTH, body, offset, length);
    }

    private boolean counted(final boolean accepted)
    {
        if (accepted)
        {
            sent++;
        }
        else
        {
            sendFailures++;
        }
        return accepted;
    }

    void deliver(final long nowNs, final MessageHeader inbound, final DirectBuffer buffer)
    {
        received++;
        handler.onMessage(nowNs, inbound.from(), inbound.term(), inbound.flags(), buffer, inbound.bodyOffset(), inbound.bodyLength());
    }

    /** @return this service's id. */
    public int serviceId()
    {
        return serviceId;
    }

    /** @return this member's id (the {@code from} of what this channel sends). */
    public int memberId()
    {
        return memberId;
    }

    /** @return the largest body this channel frames. */
    public int maxMessageLength()
    {
        return frame.capacity() - MessageHeader.LENGTH;
    }

    /** @return messages delivered to the handler. Agent thread. */
    public long received()
    {
        return received;
    }

    /** @return messages the transport took. Agent thread. */
    public long sent()
    {
        return sent;
    }

    /** @return messages refused (too large, bad address, not taken by the transport). Agent thread. */
    public long sendFailures()
    {
        return sendFailures;
    }
}
