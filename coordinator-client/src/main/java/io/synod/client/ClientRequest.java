package io.synod.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over one client request (client to member), the body of a {@code MESSAGE} frame for
 * {@link ClientProtocol#SERVICE_ID}. Little-endian.
 *
 * <pre>
 *  0               1               2               3
 *  +---------------+---------------+---------------+---------------+
 *  | version (1)   |      op       |  read mode    | reserved (0)  | 0
 *  +---------------+---------------+---------------+---------------+
 *  |                        reserved (0)                           | 4
 *  +---------------------------------------------------------------+
 *  |                      request id (i64)                         | 8
 *  +---------------------------------------------------------------+
 *  |       session (i64): the session id; OPEN: the nonce          | 16
 *  +---------------------------------------------------------------+
 *  |  argument (i64): KV_WRITE, LOCK: sequence; OPEN: TTL ns;      | 24
 *  |  LIST, LOCK_QUERY: limit; EVENT_ACK: the event id             |
 *  +---------------------------------------------------------------+
 *  |  body ...  KV_WRITE: KvCommand; KV_GET: key;                  | 32
 *  |            KV_LIST: prefix length (u16), after length (u16),  |
 *  |                     prefix, after                             |
 *  |            LOCK: LockCommand; LOCK_QUERY: exact (u8), name    |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * {@link #validate} checks everything a member relies on; a frame that fails is dropped and counted,
 * never answered and never thrown about.
 */
public final class ClientRequest
{
    /** Bytes before the body. */
    public static final int HEADER_LENGTH = 32;
    /** Bytes of a list body before the prefix. */
    public static final int LIST_HEADER_LENGTH = 4;
    /** Longest key in bytes (as the KV store's). */
    public static final int MAX_KEY_LENGTH = io.synod.kv.KvCommand.MAX_KEY_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    /** @return this flyweight over the request at {@code offset}. */
    public ClientRequest wrap(final DirectBuffer buffer, final int offset)
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

    /** @return the operation ({@link ClientProtocol} op codes). */
    public int op()
    {
        return buffer.getByte(offset + 1) & 0xFF;
    }

    /** @return the read mode's ordinal ({@code io.synod.raft.ReadMode}). */
    public int readMode()
    {
        return buffer.getByte(offset + 2) & 0xFF;
    }

    /** @return the client's request id, echoed in the answer. */
    public long requestId()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    /** @return the session id (OPEN: the nonce). */
    public long session()
    {
        return buffer.getLong(offset + 16, ORDER);
    }

    /** @return KV_WRITE: the sequence; OPEN: the TTL in ns; KV_LIST: the limit; else 0. */
    public long argument()
    {
        return buffer.getLong(offset + 24, ORDER);
    }

    /** @return where the body starts. */
    public int bodyOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /** List body: the prefix's length. */
    public int listPrefixLength()
    {
        return buffer.getShort(offset + HEADER_LENGTH, ORDER) & 0xFFFF;
    }

    /** List body: the continuation key's length (0: from the start of the prefix). */
    public int listAfterLength()
    {
        return buffer.getShort(offset + HEADER_LENGTH + 2, ORDER) & 0xFFFF;
    }

    /** List body: where the prefix starts (the continuation key follows it). */
    public int listPrefixOffset()
    {
        return offset + HEADER_LENGTH + LIST_HEADER_LENGTH;
    }

    /**
     * Writes the header.
     *
     * @return {@link #HEADER_LENGTH}.
     */
    public int encodeHeader(final int op, final int readMode, final long requestId, final long session, final long argument)
    {
        final MutableDirectBuffer out = (MutableDirectBuffer)buffer;
        out.putByte(offset, (byte)ClientProtocol.VERSION);
        out.putByte(offset + 1, (byte)op);
        out.putByte(offset + 2, (byte)readMode);
        out.putByte(offset + 3, (byte)0);
        out.putInt(offset + 4, 0, ORDER);
        out.putLong(offset + 8, requestId, ORDER);
        out.putLong(offset + 16, session, ORDER);
        out.putLong(offset + 24, argument, ORDER);
        return HEADER_LENGTH;
    }

    /**
     * Writes a list body after the header.
     *
     * @return the whole request's length.
     */
    public int encodeList(final byte[] prefix, final byte[] after)
    {
        final MutableDirectBuffer out = (MutableDirectBuffer)buffer;
        out.putShort(offset + HEADER_LENGTH, (short)prefix.length, ORDER);
        out.putShort(offset + HEADER_LENGTH + 2, (short)after.length, ORDER);
        out.putBytes(listPrefixOffset(), prefix);
        out.putBytes(listPrefixOffset() + prefix.length, after);
        return HEADER_LENGTH + LIST_HEADER_LENGTH + prefix.length + after.length;
    }

    /**
     * Checks a received request of {@code length} bytes, reading nothing outside it: version, op, zero
     * reserved bytes, a read mode that exists, and a body that is exactly what the op allows (a KV
     * write's command is checked again by the store).
     *
     * @param readModes the number of read modes.
     * @return true if a member may act on it.
     */
    public boolean validate(final int length, final int readModes)
    {
        if (length < HEADER_LENGTH || offset < 0 || (long)offset + length > buffer.capacity())
        {
            return false;
        }
        if (version() != ClientProtocol.VERSION || (buffer.getByte(offset + 3)) != 0 || buffer.getInt(offset + 4, ORDER) != 0)
        {
            return false;
        }
        final int body = length - HEADER_LENGTH;
        switch (op())
        {
            case ClientProtocol.OPEN_SESSION:
                return body == 0 && argument() > 0;
            case ClientProtocol.KEEP_ALIVE:
            case ClientProtocol.CLOSE_SESSION:
                return body == 0 && session() > 0;
            case ClientProtocol.STATUS:
                return body == 0;
            case ClientProtocol.KV_WRITE:
            case ClientProtocol.LOCK:
                return session() > 0 && argument() > 0 && body > 0;
            case ClientProtocol.EVENT_ACK:
                return session() > 0 && body == 0;
            case ClientProtocol.LOCK_QUERY:
                return body >= 1 && body <= 1 + io.synod.lock.LockCommand.MAX_NAME_LENGTH && readMode() < readModes &&
                    argument() >= 1 && argument() <= ClientProtocol.LIST_LIMIT_MAX && buffer.getByte(offset + HEADER_LENGTH) <= 1 &&
                    buffer.getByte(offset + HEADER_LENGTH) >= 0;
            case ClientProtocol.KV_GET:
                return body <= MAX_KEY_LENGTH && readMode() < readModes;
            case ClientProtocol.KV_LIST:
                return body >= LIST_HEADER_LENGTH && readMode() < readModes &&
                    argument() >= 1 && argument() <= ClientProtocol.LIST_LIMIT_MAX &&
                    listPrefixLength() <= MAX_KEY_LENGTH && listAfterLength() <= MAX_KEY_LENGTH &&
                    LIST_HEADER_LENGTH + listPrefixLength() + listAfterLength() == body;
            default:
                return false;
        }
    }
}
