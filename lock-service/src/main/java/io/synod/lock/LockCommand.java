package io.synod.lock;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over one lock-service command, the payload of a client-session command entry (the node's
 * session facility supplies the session and the request id, its sequence). Accessor and mutator share a
 * name; {@code wrap} returns {@code this}; lengths are validated by {@link #validate}.
 *
 * <pre>
 * ACQUIRE / RELEASE (little-endian):
 *   0  type            i32   {@link #ACQUIRE}, {@link #RELEASE} or {@link #FORCE_RELEASE}
 *   4  thread          i64   owner thread id inside the session (reentrancy key); FORCE_RELEASE: the holder's thread
 *   12 waitTimeoutNs   i64   ACQUIRE: -1 wait forever, 0 try once, else log-time wait bound;
 *                            FORCE_RELEASE: the holder's session ({@link #targetSession})
 *   20 kind            i32   {@link #MUTEX}, {@link #SEMAPHORE}, {@link #RW_LOCK}
 *   24 capacity        i32   permits of the resource (mutex 1, rw {@link #RW_CAPACITY})
 *   28 permits         i32   permits asked for / released (rw write = capacity, rw read = 1)
 *   32 nameLength      i32   1..{@link #MAX_NAME_LENGTH}
 *   36 valueLength     i32   0..{@link #MAX_VALUE_LENGTH} (ACQUIRE only: e.g. an election candidate's value)
 *   40 name bytes, then value bytes
 * </pre>
 * Sessions are opened, kept alive and closed with the node's session entries, not with lock commands
 * (the types 1 to 4 of the older format are gone and not reused).
 */
public final class LockCommand
{
    public static final int ACQUIRE = 5;
    public static final int RELEASE = 6;
    /**
     * An operator's release of another session's hold (all its reentrant count or permits), named by the holder's
     * session ({@link #targetSession}) and thread: the holder is told it lost the hold, as on expiry, and waiters are
     * granted. Answered {@link LockStatus#RELEASED} with the hold's fence, or {@link LockStatus#NOT_HELD}.
     */
    public static final int FORCE_RELEASE = 7;

    public static final int MUTEX = 1;
    public static final int SEMAPHORE = 2;
    public static final int RW_LOCK = 3;

    /** Capacity of a read-write lock: a write takes all of it, a read one permit. */
    public static final int RW_CAPACITY = 1 << 20;
    public static final int MAX_NAME_LENGTH = 256;
    public static final int MAX_VALUE_LENGTH = 1024;
    public static final int HEADER_LENGTH = 40;
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
        if (length < HEADER_LENGTH || (type() != ACQUIRE && type() != RELEASE && type() != FORCE_RELEASE))
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

    public long thread()
    {
        return buffer.getLong(offset + 4, ORDER);
    }

    public LockCommand thread(final long thread)
    {
        mutable.putLong(offset + 4, thread, ORDER);
        return this;
    }

    public long waitTimeoutNs()
    {
        return buffer.getLong(offset + 12, ORDER);
    }

    public LockCommand waitTimeoutNs(final long waitTimeoutNs)
    {
        mutable.putLong(offset + 12, waitTimeoutNs, ORDER);
        return this;
    }

    /** @return FORCE_RELEASE: the session whose hold is released (the same field as {@link #waitTimeoutNs()}). */
    public long targetSession()
    {
        return buffer.getLong(offset + 12, ORDER);
    }

    /** Sets the session whose hold a FORCE_RELEASE releases. */
    public LockCommand targetSession(final long sessionId)
    {
        mutable.putLong(offset + 12, sessionId, ORDER);
        return this;
    }

    public int kind()
    {
        return buffer.getInt(offset + 20, ORDER);
    }

    public LockCommand kind(final int kind)
    {
        mutable.putInt(offset + 20, kind, ORDER);
        return this;
    }

    public int capacity()
    {
        return buffer.getInt(offset + 24, ORDER);
    }

    public LockCommand capacity(final int capacity)
    {
        mutable.putInt(offset + 24, capacity, ORDER);
        return this;
    }

    public int permits()
    {
        return buffer.getInt(offset + 28, ORDER);
    }

    public LockCommand permits(final int permits)
    {
        mutable.putInt(offset + 28, permits, ORDER);
        return this;
    }

    public int nameLength()
    {
        return buffer.getInt(offset + 32, ORDER);
    }

    public int valueLength()
    {
        return buffer.getInt(offset + 36, ORDER);
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
        mutable.putInt(offset + 32, nameLength, ORDER);
        mutable.putInt(offset + 36, valueLength, ORDER);
        mutable.putBytes(offset + HEADER_LENGTH, name, nameOffset, nameLength);
        if (valueLength > 0)
        {
            mutable.putBytes(offset + HEADER_LENGTH + nameLength, value, valueOffset, valueLength);
        }
        return HEADER_LENGTH + nameLength + valueLength;
    }
}
