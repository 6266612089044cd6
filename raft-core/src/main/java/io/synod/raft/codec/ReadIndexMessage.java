package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Body of READ_INDEX_REQUEST (a follower asks the leader for a read index, Raft dissertation §6.4) and
 * of READ_INDEX_RESPONSE (the leader's answer, sent once it has confirmed it still leads).
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |   read id (i64): the follower's id for the read, echoed       | 0
 *  +---------------------------------------------------------------+
 *  |   read index (i64): response only, the leader's commit index  | 8
 *  +-------------------------------+-------------------------------+
 *  |   status (i32): response only |           reserved            | 16
 *  +-------------------------------+-------------------------------+
 * </pre>
 */
public final class ReadIndexMessage
{
    public static final int LENGTH = 24;
    public static final int OK = 0;
    public static final int NOT_LEADER = 1;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public ReadIndexMessage wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long readId()
    {
        return buffer.getLong(offset, ORDER);
    }

    public ReadIndexMessage readId(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset, value, ORDER);
        return this;
    }

    public long readIndex()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public ReadIndexMessage readIndex(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, value, ORDER);
        return this;
    }

    public int status()
    {
        return buffer.getInt(offset + 16, ORDER);
    }

    public ReadIndexMessage status(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + 16, value, ORDER);
        ((MutableDirectBuffer)buffer).putInt(offset + 20, 0, ORDER);
        return this;
    }
}
