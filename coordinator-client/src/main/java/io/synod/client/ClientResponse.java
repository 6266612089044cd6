package io.synod.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over one answer (member to client), the body of a {@code MESSAGE} frame for
 * {@link ClientProtocol#SERVICE_ID}. Little-endian.
 *
 * <pre>
 *  0               1               2               3
 *  +---------------+---------------+---------------+---------------+
 *  | version (1)   |      op       |    outcome    | reserved (0)  | 0
 *  +---------------+---------------+---------------+---------------+
 *  |    reason (i32): raft-core's ProposalHandler code if REJECTED  | 4
 *  +---------------------------------------------------------------+
 *  |                      request id (i64)                         | 8
 *  +---------------------------------------------------------------+
 *  |   index (i64): a write's log index, a read's read index       | 16
 *  +-------------------------------+-------------------------------+
 *  |  leader hint (i32), 0: none   |        reserved (0)           | 24
 *  +-------------------------------+-------------------------------+
 *  |  body ...  OPEN: session id (i64); KV_WRITE, KV_GET: a        | 32
 *  |  KvResponse; KV_LIST: {@link ListPage}; STATUS: {@link MemberStatus}
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class ClientResponse
{
    /** Bytes before the body. */
    public static final int HEADER_LENGTH = 32;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    /** @return this flyweight over the response at {@code offset}. */
    public ClientResponse wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the wrapped buffer. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /** @return the layout version ({@link ClientProtocol#VERSION}). */
    public int version()
    {
        return buffer.getByte(offset) & 0xFF;
    }

    /** @return the operation answered. */
    public int op()
    {
        return buffer.getByte(offset + 1) & 0xFF;
    }

    /** @return {@link ClientProtocol#OK}, {@link ClientProtocol#REJECTED} or {@link ClientProtocol#BAD_REQUEST}. */
    public int outcome()
    {
        return buffer.getByte(offset + 2) & 0xFF;
    }

    /** @return raft-core's {@code ProposalHandler} reason when REJECTED, else 0. */
    public int reason()
    {
        return buffer.getInt(offset + 4, ORDER);
    }

    /** @return the request id this answers. */
    public long requestId()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    /** @return a write's log index or a read's read index (0 when rejected). */
    public long index()
    {
        return buffer.getLong(offset + 16, ORDER);
    }

    /** @return the leader the member knows, 0 if none. */
    public int leaderHint()
    {
        return buffer.getInt(offset + 24, ORDER);
    }

    /** @return where the body starts. */
    public int bodyOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /**
     * Writes the header; the body follows at {@link #bodyOffset()}.
     *
     * @return {@link #HEADER_LENGTH}.
     */
    public int encodeHeader(
        final int op, final int outcome, final int reason, final long requestId, final long index, final int leaderHint)
    {
        final MutableDirectBuffer out = (MutableDirectBuffer)buffer;
        out.putByte(offset, (byte)ClientProtocol.VERSION);
        out.putByte(offset + 1, (byte)op);
        out.putByte(offset + 2, (byte)outcome);
        out.putByte(offset + 3, (byte)0);
        out.putInt(offset + 4, reason, ORDER);
        out.putLong(offset + 8, requestId, ORDER);
        out.putLong(offset + 16, index, ORDER);
        out.putInt(offset + 24, leaderHint, ORDER);
        out.putInt(offset + 28, 0, ORDER);
        return HEADER_LENGTH;
    }

    /**
     * Checks a received answer of {@code length} bytes: version, a known op and outcome, zero reserved
     * bytes. The body is checked by whoever reads it, against {@code length - HEADER_LENGTH}.
     */
    public boolean validate(final int length)
    {
        return length >= HEADER_LENGTH && offset >= 0 && (long)offset + length <= buffer.capacity() &&
            version() == ClientProtocol.VERSION && op() >= 1 && op() <= ClientProtocol.OP_MAX &&
            outcome() <= ClientProtocol.BAD_REQUEST && buffer.getByte(offset + 3) == 0 && buffer.getInt(offset + 28, ORDER) == 0;
    }
}
