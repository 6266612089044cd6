package io.synod.kv;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over one key-value command, the payload of a log entry applied by
 * {@link KeyValueStateMachine}. Little-endian.
 *
 * <pre>
 *  0               1               2               3
 *  +---------------+---------------+-------------------------------+
 *  |    op code    | reserved (0)  |       key length (u16)        | 0
 *  +---------------+---------------+-------------------------------+
 *  |                      value length (i32)                       | 4
 *  +---------------------------------------------------------------+
 *  |                    expected version (i64)                     | 8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  key bytes ...                                                | 16
 *  +---------------------------------------------------------------+
 *  |  value bytes ...                                              | 16 + key length
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * A command is well formed ({@link #validate}) when all of these hold; anything else is answered
 * with {@link KvResponse#BAD_REQUEST} and changes nothing:
 * <ul>
 *   <li>the frame is exactly {@code HEADER_LENGTH + key length + value length} bytes;</li>
 *   <li>the op code is one of {@link #PUT}, {@link #GET}, {@link #DELETE}, {@link #COMPARE_AND_SET};</li>
 *   <li>the reserved byte is zero;</li>
 *   <li>key length is at most {@link #MAX_KEY_LENGTH} (an empty key is a key like any other);</li>
 *   <li>value length is 0 to {@link #MAX_VALUE_LENGTH}, and 0 for {@code GET} and {@code DELETE};</li>
 *   <li>expected version is 0 for every op but {@code COMPARE_AND_SET}, where it is not negative.</li>
 * </ul>
 *
 * <p>Mutators write what they are given without checking it, so tests can build malformed frames;
 * {@link KvClientCodec} encodes only well-formed commands.
 */
public final class KvCommand
{
    /** Op code: write a value, creating the key or replacing its value. */
    public static final int PUT = 1;
    /** Op code: read a value and its version. */
    public static final int GET = 2;
    /** Op code: remove a key and its version. */
    public static final int DELETE = 3;
    /** Op code: write a value only if the key's version equals the expected one (0: key absent). */
    public static final int COMPARE_AND_SET = 4;

    /** Longest key in bytes. */
    public static final int MAX_KEY_LENGTH = 1024;
    /** Longest value in bytes. */
    public static final int MAX_VALUE_LENGTH = 64 * 1024;
    /** Bytes before the key. */
    public static final int HEADER_LENGTH = 16;
    /** Longest well-formed command in bytes. */
    public static final int MAX_LENGTH = HEADER_LENGTH + MAX_KEY_LENGTH + MAX_VALUE_LENGTH;

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final int OP_CODE_OFFSET = 0;
    static final int RESERVED_OFFSET = 1;
    static final int KEY_LENGTH_OFFSET = 2;
    static final int VALUE_LENGTH_OFFSET = 4;
    static final int EXPECTED_VERSION_OFFSET = 8;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @return this flyweight over the command starting at {@code offset}.
     */
    public KvCommand wrap(final DirectBuffer buffer, final int offset)
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

    /** @return the op code, 0 to 255. */
    public int opCode()
    {
        return buffer.getByte(offset + OP_CODE_OFFSET) & 0xFF;
    }

    public KvCommand opCode(final int value)
    {
        final MutableDirectBuffer mutable = (MutableDirectBuffer)buffer;
        mutable.putByte(offset + OP_CODE_OFFSET, (byte)value);
        mutable.putByte(offset + RESERVED_OFFSET, (byte)0);
        return this;
    }

    /** @return the reserved byte; zero in a well-formed command. */
    public int reserved()
    {
        return buffer.getByte(offset + RESERVED_OFFSET) & 0xFF;
    }

    public KvCommand reserved(final int value)
    {
        ((MutableDirectBuffer)buffer).putByte(offset + RESERVED_OFFSET, (byte)value);
        return this;
    }

    /** @return the key length, 0 to 65535 as encoded (at most {@link #MAX_KEY_LENGTH} when valid). */
    public int keyLength()
    {
        return buffer.getShort(offset + KEY_LENGTH_OFFSET, ORDER) & 0xFFFF;
    }

    public KvCommand keyLength(final int value)
    {
        ((MutableDirectBuffer)buffer).putShort(offset + KEY_LENGTH_OFFSET, (short)value, ORDER);
        return this;
    }

    /** @return the value length as encoded (possibly negative in a malformed frame). */
    public int valueLength()
    {
        return buffer.getInt(offset + VALUE_LENGTH_OFFSET, ORDER);
    }

    public KvCommand valueLength(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + VALUE_LENGTH_OFFSET, value, ORDER);
        return this;
    }

    /** @return the expected version of a compare-and-set; 0 means the key must be absent. */
    public long expectedVersion()
    {
        return buffer.getLong(offset + EXPECTED_VERSION_OFFSET, ORDER);
    }

    public KvCommand expectedVersion(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + EXPECTED_VERSION_OFFSET, value, ORDER);
        return this;
    }

    /** @return offset of the key bytes in {@link #buffer()}. */
    public int keyOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /** @return offset of the value bytes in {@link #buffer()}. */
    public int valueOffset()
    {
        return offset + HEADER_LENGTH + keyLength();
    }

    /**
     * Writes the header of a command; the caller then writes the key at {@link #keyOffset()} and the
     * value at {@link #valueOffset()}.
     *
     * @return the length of the whole command.
     */
    public int encodeHeader(final int opCode, final int keyLength, final int valueLength, final long expectedVersion)
    {
        opCode(opCode).keyLength(keyLength).valueLength(valueLength).expectedVersion(expectedVersion);
        return HEADER_LENGTH + keyLength + valueLength;
    }

    /**
     * Checks that the wrapped command of {@code length} bytes is well formed (see the class javadoc),
     * reading nothing outside the wrapped buffer's capacity.
     *
     * @return true if the command may be applied.
     */
    public boolean validate(final int length)
    {
        if (length < HEADER_LENGTH || offset < 0 || (long)offset + length > buffer.capacity())
        {
            return false;
        }
        final int opCode = opCode();
        final int keyLength = keyLength();
        final int valueLength = valueLength();
        final long expectedVersion = expectedVersion();
        if (reserved() != 0 || keyLength > MAX_KEY_LENGTH || valueLength < 0 || valueLength > MAX_VALUE_LENGTH)
        {
            return false;
        }
        if (HEADER_LENGTH + keyLength + valueLength != length)
        {
            return false;
        }
        switch (opCode)
        {
            case PUT:
                return expectedVersion == 0;
            case GET:
            case DELETE:
                return expectedVersion == 0 && valueLength == 0;
            case COMPARE_AND_SET:
                return expectedVersion >= 0;
            default:
                return false;
        }
    }
}
