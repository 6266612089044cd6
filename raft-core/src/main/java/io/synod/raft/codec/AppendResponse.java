package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Body of the reply to AppendEntries.
 *
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  |        success (0 or 1)       |  round echoed from the request | 0
 *  +-------------------------------+-------------------------------+
 *  |   index (i64): on success the last index now known to match;  | 8
 *  |   on rejection the prevLogIndex that did not match            |
 *  +---------------------------------------------------------------+
 *  |   conflict term (i64): on rejection the follower's term at    | 16
 *  |   that index, or -1 when its log is shorter                   |
 *  +---------------------------------------------------------------+
 *  |   conflict index (i64): first index of the conflict term in   | 24
 *  |   the follower's log, or its last index + 1 when shorter      |
 *  +---------------------------------------------------------------+
 *  |   follower last log index (i64)                               | 32
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class AppendResponse
{
    public static final int LENGTH = 40;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public AppendResponse wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public boolean success()
    {
        return buffer.getInt(offset, ORDER) == 1;
    }

    public AppendResponse success(final boolean success)
    {
        ((MutableDirectBuffer)buffer).putInt(offset, success ? 1 : 0, ORDER);
        ((MutableDirectBuffer)buffer).putInt(offset + 4, 0, ORDER);
        return this;
    }

    public int round()
    {
        return buffer.getInt(offset + 4, ORDER);
    }

    /** Sets the echoed round; call after {@link #success(boolean)}, which clears it. */
    public AppendResponse round(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + 4, value, ORDER);
        return this;
    }

    public long index()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public AppendResponse index(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, value, ORDER);
        return this;
    }

    public long conflictTerm()
    {
        return buffer.getLong(offset + 16, ORDER);
    }

    public AppendResponse conflictTerm(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 16, value, ORDER);
        return this;
    }

    public long conflictIndex()
    {
        return buffer.getLong(offset + 24, ORDER);
    }

    public AppendResponse conflictIndex(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 24, value, ORDER);
        return this;
    }

    public long lastLogIndex()
    {
        return buffer.getLong(offset + 32, ORDER);
    }

    public AppendResponse lastLogIndex(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 32, value, ORDER);
        return this;
    }
}
