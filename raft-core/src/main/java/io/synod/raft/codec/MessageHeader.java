package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over the header that starts every Synod frame. Little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+-------------------------------+
 *  |    version    |     type      |             flags             |  0
 *  +---------------+---------------+-------------------------------+
 *  |                          cluster id                           |  4
 *  +---------------------------------------------------------------+
 *  |                           group id                            |  8
 *  +---------------------------------------------------------------+
 *  |                        from (member id)                       | 12
 *  +---------------------------------------------------------------+
 *  |                         to (member id)                        | 16
 *  +---------------------------------------------------------------+
 *  |                          term (i64)                           | 20
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                          body length                          | 28
 *  +---------------------------------------------------------------+
 *  |                       body (body length bytes)               ... 32
 * </pre>
 */
public final class MessageHeader
{
    public static final int VERSION = 1;
    public static final int LENGTH = 32;

    /** On VOTE_REQUEST / VOTE_RESPONSE: this is the PreVote round (§9.6 of the Raft dissertation). */
    public static final int FLAG_PRE_VOTE = 1;
    /** On VOTE_REQUEST: the election follows the leader's TimeoutNow, so voters skip the leader-lease check. */
    public static final int FLAG_TRANSFER = 2;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int VERSION_OFFSET = 0;
    private static final int TYPE_OFFSET = 1;
    private static final int FLAGS_OFFSET = 2;
    private static final int CLUSTER_ID_OFFSET = 4;
    private static final int GROUP_ID_OFFSET = 8;
    private static final int FROM_OFFSET = 12;
    private static final int TO_OFFSET = 16;
    private static final int TERM_OFFSET = 20;
    private static final int BODY_LENGTH_OFFSET = 28;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    public MessageHeader wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer)buffer : null;
        this.offset = offset;
        return this;
    }

    public int offset()
    {
        return offset;
    }

    /** @return offset of the body in the wrapped buffer. */
    public int bodyOffset()
    {
        return offset + LENGTH;
    }

    public int version()
    {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    public MessageHeader version(final int version)
    {
        mutableBuffer.putByte(offset + VERSION_OFFSET, (byte)version);
        return this;
    }

    public int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public MessageHeader type(final int type)
    {
        mutableBuffer.putByte(offset + TYPE_OFFSET, (byte)type);
        return this;
    }

    public int flags()
    {
        return buffer.getShort(offset + FLAGS_OFFSET, ORDER) & 0xFFFF;
    }

    public MessageHeader flags(final int flags)
    {
        mutableBuffer.putShort(offset + FLAGS_OFFSET, (short)flags, ORDER);
        return this;
    }

    public int clusterId()
    {
        return buffer.getInt(offset + CLUSTER_ID_OFFSET, ORDER);
    }

    public MessageHeader clusterId(final int clusterId)
    {
        mutableBuffer.putInt(offset + CLUSTER_ID_OFFSET, clusterId, ORDER);
        return this;
    }

    public int groupId()
    {
        return buffer.getInt(offset + GROUP_ID_OFFSET, ORDER);
    }

    public MessageHeader groupId(final int groupId)
    {
        mutableBuffer.putInt(offset + GROUP_ID_OFFSET, groupId, ORDER);
        return this;
    }

    public int from()
    {
        return buffer.getInt(offset + FROM_OFFSET, ORDER);
    }

    public MessageHeader from(final int from)
    {
        mutableBuffer.putInt(offset + FROM_OFFSET, from, ORDER);
        return this;
    }

    public int to()
    {
        return buffer.getInt(offset + TO_OFFSET, ORDER);
    }

    public MessageHeader to(final int to)
    {
        mutableBuffer.putInt(offset + TO_OFFSET, to, ORDER);
        return this;
    }

    public long term()
    {
        return buffer.getLong(offset + TERM_OFFSET, ORDER);
    }

    public MessageHeader term(final long term)
    {
        mutableBuffer.putLong(offset + TERM_OFFSET, term, ORDER);
        return this;
    }

    public int bodyLength()
    {
        return buffer.getInt(offset + BODY_LENGTH_OFFSET, ORDER);
    }

    public MessageHeader bodyLength(final int bodyLength)
    {
        mutableBuffer.putInt(offset + BODY_LENGTH_OFFSET, bodyLength, ORDER);
        return this;
    }

    /**
     * Writes a complete header.
     *
     * @return the offset of the body.
     */
    public int encode(
        final int type,
        final int flags,
        final int clusterId,
        final int groupId,
        final int from,
        final int to,
        final long term,
        final int bodyLength)
    {
        version(VERSION).type(type).flags(flags).clusterId(clusterId).groupId(groupId).from(from).to(to).term(term)
            .bodyLength(bodyLength);
        return offset + LENGTH;
    }
}
