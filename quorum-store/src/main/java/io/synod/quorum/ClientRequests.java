package io.synod.quorum;

import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The client side of a keyspace's service: requests from remote clients (a {@code SynodClient}, the daemon's
 * CLI or gateway) that arrive on the application-message path with {@code from} 0 and a client connection id,
 * run like local requests on the member's {@link QuorumNode}, and are answered with
 * {@link ServiceChannel#sendToClient}. Layouts (after the common header of {@link QuorumCodec}, whose
 * request id is the client's correlation id):
 * <pre>
 *  80 CLIENT_PUT        as FORWARD_PUT, but param = w and the r byte are {@link Consistency} levels (signed);
 *                       flags = value flags ({@link DvvSet#TOMBSTONE}: a delete)
 *  81 CLIENT_GET        as GET_REQUEST; param = r, flags = w ({@link Consistency} levels, signed)
 *  82 CLIENT_PUT_REPLY  16 status (i32); flags: 1 = W + R > N, 2 = strict quorum
 *  83 CLIENT_GET_REPLY  16 status (i32) | 20 set ({@link DvvSet} encoding: siblings; its join is the context);
 *                       flags: 1 = W + R > N
 * </pre>
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> None.
 */
final class ClientRequests
{
    static final int CLIENT_PUT = 80;
    static final int CLIENT_GET = 81;
    static final int CLIENT_PUT_REPLY = 82;
    static final int CLIENT_GET_REPLY = 83;
    static final int FLAG_OVERLAPS = 1;
    static final int FLAG_STRICT = 2;

    private final int keyspaceId;
    private final ServiceChannel channel;
    private final UnsafeBuffer out;
    private long requests;
    private long refusals;

    ClientRequests(final QuorumConfig config, final ServiceChannel channel)
    {
        this.keyspaceId = config.keyspaceId();
        this.channel = channel;
        this.out = new UnsafeBuffer(new byte[config.messageLengthMax()]);
    }

    /** A checked client message: start it on {@code node}, or refuse it at once. */
    void onMessage(final QuorumNode node, final long nowNs, final long clientId, final DirectBuffer buffer, final int offset, final int length)
    {
        requests++;
        final long requestId = QuorumCodec.requestId(buffer, offset);
        final int type = QuorumCodec.type(buffer, offset);
        final int status;
        node.startingFor(clientId);
        try
        {
            if (type == CLIENT_PUT)
            {
                final int keyLength = buffer.getShort(offset + QuorumCodec.FORWARD_KEY_LENGTH_OFFSET) & 0xFFFF;
                final int contextLength = buffer.getShort(offset + QuorumCodec.FORWARD_CONTEXT_LENGTH_OFFSET) & 0xFFFF;
                final int valueLength = buffer.getInt(offset + QuorumCodec.FORWARD_VALUE_LENGTH_OFFSET);
                final int keyOffset = offset + QuorumCodec.FORWARD_KEY_OFFSET;
                final byte flags = QuorumCodec.flags(buffer, offset);
                final int w = buffer.getByte(offset + QuorumCodec.PARAM_OFFSET);
                final int r = buffer.getByte(offset + QuorumCodec.FORWARD_R_OFFSET);
                if ((flags & ~DvvSet.TOMBSTONE) != 0)
                {
                    status = QuorumStatus.BAD_REQUEST;
                }
                else if (flags == DvvSet.TOMBSTONE)
                {
                    status = node.delete(nowNs, requestId, buffer, keyOffset, keyLength, buffer, keyOffset + keyLength, contextLength, w, r);
                }
                else
                {
                    status = node.put(nowNs, requestId, buffer, keyOffset, keyLength, buffer, keyOffset + keyLength, contextLength,
                        buffer, keyOffset + keyLength + contextLength, valueLength, w, r);
                }
            }
            else
            {
                status = node.get(nowNs, requestId, buffer, offset + QuorumCodec.KEY_OFFSET, QuorumCodec.keyLength(buffer, offset),
                    buffer.getByte(offset + QuorumCodec.PARAM_OFFSET), QuorumCodec.flags(buffer, offset));
            }
        }
        finally
        {
            node.startingFor(0);
        }
        if (status != QuorumStatus.OK)
        {
            refusals++;
            if (type == CLIENT_PUT)
            {
                onPutComplete(clientId, requestId, status, false, true);
            }
            else
            {
                replyGet(clientId, requestId, status, null, false);
            }
        }
    }

    void onPutComplete(final long clientId, final long requestId, final int status, final boolean overlaps, final boolean strict)
    {
        QuorumCodec.encodeReply(out, CLIENT_PUT_REPLY, keyspaceId, requestId, status);
        out.putByte(QuorumCodec.FLAGS_OFFSET, (byte)((overlaps ? FLAG_OVERLAPS : 0) | (strict ? FLAG_STRICT : 0)));
        channel.sendToClient(clientId, 0, out, 0, QuorumCodec.REPLY_LENGTH);
    }

    void replyGet(final long clientId, final long requestId, final int status, final DvvSet siblings, final boolean overlaps)
    {
        QuorumCodec.encodeHeader(out, CLIENT_GET_REPLY, 0, overlaps ? FLAG_OVERLAPS : 0, keyspaceId, requestId);
        out.putInt(QuorumCodec.STATUS_OFFSET, status);
        int length = QuorumCodec.GET_REPLY_SET_OFFSET;
        if (siblings != null)
        {
            length += siblings.encode(out, length);
        }
        else
        {
            out.putInt(length, 0); // the empty set: no entries, no values
            length += DvvSet.HEADER_LENGTH;
        }
        channel.sendToClient(clientId, 0, out, 0, length);
    }

    /** @return client requests received. */
    long requests()
    {
        return requests;
    }

    /** @return client requests refused at once. */
    long refusals()
    {
        return refusals;
    }
}
