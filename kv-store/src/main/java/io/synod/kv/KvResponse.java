package io.synod.kv;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over the response {@link KeyValueStateMachine} writes for one command. Little-endian.
 *
 * <pre>
 *  0               1               2               3
 *  +---------------+---------------+-------------------------------+
 *  |  status code  | reserved (0)  |         reserved (0)          | 0
 *  +---------------+---------------+-------------------------------+
 *  |                      value length (i32)                       | 4
 *  +---------------------------------------------------------------+
 *  |                         version (i64)                         | 8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  value bytes ...                                              | 16
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <table>
 *   <caption>status and version per op</caption>
 *   <tr><th>op</th><th>status</th><th>version</th><th>value</th></tr>
 *   <tr><td>PUT</td><td>OK</td><td>the new version</td><td>none</td></tr>
 *   <tr><td>GET</td><td>OK / NOT_FOUND</td><td>the current version / 0</td><td>the value / none</td></tr>
 *   <tr><td>DELETE</td><td>OK / NOT_FOUND</td><td>the version the key had / 0</td><td>none</td></tr>
 *   <tr><td>COMPARE_AND_SET</td><td>OK / VERSION_MISMATCH</td><td>the new version / the current
 *   version (0 if absent)</td><td>none</td></tr>
 *   <tr><td>any malformed</td><td>BAD_REQUEST</td><td>0</td><td>none</td></tr>
 * </table>
 */
public final class KvResponse
{
    /** The operation took effect (or, for GET, found the key). */
    public static final int OK = 0;
    /** GET or DELETE of a key that is absent. */
    public static final int NOT_FOUND = 1;
    /** COMPARE_AND_SET whose expected version was not the key's version; nothing changed. */
    public static final int VERSION_MISMATCH = 2;
    /** The command was malformed or too large (see {@link KvCommand}); nothing changed. */
    public static final int BAD_REQUEST = 3;

    /** Bytes before the value. */
    public static final int HEADER_LENGTH = 16;
    /** Longest response in bytes. */
    public static final int MAX_LENGTH = HEADER_LENGTH + KvCommand.MAX_VALUE_LENGTH;

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final int STATUS_OFFSET = 0;
    static final int VALUE_LENGTH_OFFSET = 4;
    static final int VERSION_OFFSET = 8;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @return this flyweight over the response starting at {@code offset}.
     */
    public KvResponse wrap(final DirectBuffer buffer, final int offset)
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

    public int status()
    {
        return buffer.getByte(offset + STATUS_OFFSET) & 0xFF;
    }

    public KvResponse status(final int value)
    {
        final MutableDirectBuffer mutable = (MutableDirectBuffer)buffer;
        mutable.putByte(offset + STATUS_OFFSET, (byte)value);
        mutable.putByte(offset + STATUS_OFFSET + 1, (byte)0);
        mutable.putShort(offset + STATUS_OFFSET + 2, (short)0, ORDER);
        return this;
    }

    public int valueLength()
    {
        return buffer.getInt(offset + VALUE_LENGTH_OFFSET, ORDER);
    }

    public KvResponse valueLength(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + VALUE_LENGTH_OFFSET, value, ORDER);
        return this;
    }

    public long version()
    {
        return buffer.getLong(offset + VERSION_OFFSET, ORDER);
    }

    public KvResponse version(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + VERSION_OFFSET, value, ORDER);
        return this;
    }

    /** @return offset of the value bytes in {@link #buffer()}. */
    public int valueOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /**
     * Writes the header; the caller writes {@code valueLength} value bytes at {@link #valueOffset()}.
     *
     * @return the length of the whole response.
     */
    public int encode(final int status, final long version, final int valueLength)
    {
        status(status).valueLength(valueLength).version(version);
        return HEADER_LENGTH + valueLength;
    }

    /**
     * Checks a received response of {@code length} bytes: a known status, zero reserved bytes, and a
     * value length that fills the frame exactly (and is 0 unless the status is OK).
     *
     * @return true if the response may be read.
     */
    public boolean validate(final int length)
    {
        return KvClientCodec.isValidResponse(buffer, offset, length);
    }

    /**
     * @return the name of a status code, for messages and logs.
     */
    public static String statusName(final int status)
    {
        switch (status)
        {
            case OK:
                return "OK";
            case NOT_FOUND:
                return "NOT_FOUND";
            case VERSION_MISMATCH:
                return "VERSION_MISMATCH";
            case BAD_REQUEST:
                return "BAD_REQUEST";
            default:
                return "UNKNOWN(" + status + ")";
        }
    }
}
