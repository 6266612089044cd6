package io.synod.lock;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over one lock-service command, the payload of a Raft {@code COMMAND} entry. Accessor and
 * mutator share a name; {@code wrap} returns {@code this}; lengths are validated by {@link #validate}.
 *
 * <pre>
 * All commands (little-endian):
 *   0  type            i32
 *   4  sessionId       i64   (OPEN: client nonce; TICK: leader timestamp ns)
 *   12 requestId       i64   (OPEN: TTL ns; KEEPALIVE: client send time ns)
 * TICK, OPEN, KEEPALIVE, CLOSE end at 20.
 * ACQUIRE / RELEASE continue:
 *   20 thread          i64   owner thread id inside the session (reentrancy key)
 *   28 waitTimeoutNs   i64   ACQUIRE: -1 wait forever, 0 try once, else log-time wait bound
 *   36 kind            i32   {@link #MUTEX}, {@link #SEMAPHORE}, {@link #RW_LOCK}
 *   40 capacity        i32   permits of the resource (mutex 1, rw {@link #RW_CAPACITY})
 *   44 permits         i32   permits asked for / released (rw write = capacity, rw read = 1)
 *   48 nameLength      i32   1..{@link #MAX_NAME_LENGTH}
 *   52 valueLength     i32   0..{@link #MAX_VALUE_LENGTH} (ACQUIRE only: e.g. an election candidate's value)
 *   56 name bytes, then value bytes
 * </pre>
 */
public final class LockCommand
{
    /** Leader's clock reading; advances log time, renews sessions on a new term, expires sessions and waits. */
    public static final int TICK = 1;
    public static final int OPEN = 2;
    public static final int KEEPALIVE = 3;
    public static final int CLOSE = 4;
    public static final int ACQUIRE = 5;
    public static final int RELEASE = 6;

    public static final int MUTEX = 1;
    public static final int SEMAPHORE = 2;
    public static final int RW_LOCK = 3;

    /** Capacity of a read-write lock: a write takes all of it, a read one permit. */
    public static final int RW_CAPACITY = 1 << 20;
    public static final int MAX_NAME_LENGTH = 256;
    public static final int MAX_VALUE_LENGTH = 1024;
    public static final int SHORT_LENGTH = 20;
    public static final int HEADER_LENGTH = 56;
    public static final int MAX_LENGTH = HEADER_LENGTH + MAX_NAME_LENGTH + MAX_VALUE_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public LockCommand wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutable = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer)buffer : null;
        this.offset = offset;
        return this;
    }

    /** @return the wrapped buffer. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /** @return true if {@code length} bytes hold a well-formed command (never throws). */
    public boolean validate(final int length)
    {
        if (length < SHORT_LENGTH)
        {
            return false;
        }
        final int type = type();
        if (type >= TICK && type <= CLOSE)
        {
            return length == SHORT_LENGTH;
        }
        if (type != ACQUIRE && type != RELEASE)
        {
            return false;
        }
        if (length < HEADER_LENGTH)
        {
            return false;
        }
        final int nameLength = nameLength();
        final int valueLength = valueLength();
        final int kind = kind();
        return nameLength >= 1 && nameLength <= MAX_NAME_LENGTH &&
            valueLength >= 0 && valueLength <= MAX_VALUE_LENGTH &&
            length == HEADER_LENGTH + nameLength + valueLength &&
            kind >= MUTEX && kind <= RW_LOCK && capacity() >= 1 && permits() >= 1 && permits() <= capacity();
    }

    public int type()
    {
        return buffer.getInt(offset, ORDER);
    }

    public LockCommand type(final int type)
    {
        mutable.putInt(offset, type, ORDER);
        return this;
    }

    public long sessionId()
    {
        return buffer.getLong(offset + 4, ORDER);
    }

    public LockCommand sessionId(final long sessionId)
    {
        mutable.putLong(offset + 4, sessionId, ORDER);
        return this;
    }

    public long requestId()
    {
        return buffer.getLong(offset + 12, ORDER);
    }

    public LockCommand requestId(final long requestId)
    {
        mutable.putLong(offset + 12, requestId, ORDER);
        return this;
    }

    public long thread()
    {
        return buffer.getLong(offset + 20, ORDER);
    }

    public LockCommand thread(final long thread)
    {
        mutable.putLong(offset + 20, thread, ORDER);
        return this;
    }

    public long waitTimeoutNs()
    {
        return buffer.getLong(offset + 28, ORDER);
    }

    public LockCommand waitTimeoutNs(final long waitTimeoutNs)
    {
        mutable.putLong(offset + 28, waitTimeoutNs, ORDER);
        return this;
    }

    public int kind()
    {
        return buffer.getInt(offset + 36, ORDER);
    }

    public LockCommand kind(final int kind)
    {
        mutable.putInt(offset + 36, kind, ORDER);
        return this;
    }

    public int capacity()
    {
        return buffer.getInt(offset + 40, ORDER);
    }

    public LockCommand capacity(final int capacity)
    {
        mutable.putInt(offset + 40, capacity, ORDER);
        return this;
    }

    public int permits()
    {
        return buffer.getInt(offset + 44, ORDER);
    }

    public LockCommand permits(final int permits)
    {
        mutable.putInt(offset + 44, permits, ORDER);
        return this;
    }

    public int nameLength()
    {
        return buffer.getInt(offset + 48, ORDER);
    }

    public int valueLength()
    {
        return buffer.getInt(offset + 52, ORDER);
    }

    /** @return offset of the name bytes in the wrapped buffer. */
    public int nameOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /** @return offset of the value bytes in the wrapped buffer. */
    public int valueOffset()
    {
        return offset + HEADER_LENGTH + nameLength();
    }

    /** Writes name and value and their lengths. @return the total command length. */
    public int nameAndValue(
        final DirectBuffer name, final int nameOffset, final int nameLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        if (nameLength < 1 || nameLength > MAX_NAME_LENGTH || valueLength < 0 || valueLength > MAX_VALUE_LENGTH)
        {
            throw new IllegalArgumentException("name 1.." + MAX_NAME_LENGTH + " bytes, value 0.." + MAX_VALUE_LENGTH +
                ": " + nameLength + ", " + valueLength);
        }
        mutable.putInt(offset + 48, nameLength, ORDER);
        mutable.putInt(offset + 52, valueLength, ORDER);
        mutable.putBytes(offset + HEADER_LENGTH, name, nameOffset, nameLength);
        if (valueLength > 0)
        {
            mutable.putBytes(offset + HEADER_LENGTH + nameLength, value, valueOffset, valueLength);
        }
        return HEADER_LENGTH + nameLength + valueLength;
    }

    /** Encodes a TICK. @return its length. */
    public static int tick(final MutableDirectBuffer buffer, final int offset, final long timestampNs)
    {
        return encodeShort(buffer, offset, TICK, timestampNs, 0);
    }

    /** Encodes a short command (TICK, OPEN, KEEPALIVE, CLOSE). @return its length. */
    public static int encodeShort(
        final MutableDirectBuffer buffer, final int offset, final int type, final long first, final long second)
    {
        buffer.putInt(offset, type, ORDER);
        buffer.putLong(offset + 4, first, ORDER);
        buffer.putLong(offset + 12, second, ORDER);
        return SHORT_LENGTH;
    }
}
