package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Body of the reply to InstallSnapshot.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |   snapshot index (i64) the reply is about                     | 0
 *  +---------------------------------------------------------------+
 *  |   received (i64): bytes of the stream held contiguously       | 8
 *  +-------------------------------+-------------------------------+
 *  |   status (i32)                |   reserved                    | 16
 *  +-------------------------------+-------------------------------+
 * </pre>
 */
public final class SnapshotResponse
{
    public static final int LENGTH = 24;
    /** The chunk was taken; send on from {@code received}. */
    public static final int CONTINUE = 0;
    /** The chunk did not start at {@code received} (lost or reordered chunk): resend from there. */
    public static final int GAP = 1;
    /** The whole snapshot is installed and durable. */
    public static final int DONE = 2;
    /** The stream did not match its checksum or did not restore: start over. */
    public static final int FAILED = 3;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public SnapshotResponse wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long snapshotIndex()
    {
        return buffer.getLong(offset, ORDER);
    }

    public SnapshotResponse snapshotIndex(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset, value, ORDER);
        return this;
    }

    public long received()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public SnapshotResponse received(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, value, ORDER);
        return this;
    }

    public int status()
    {
        return buffer.getInt(offset + 16, ORDER);
    }

    public SnapshotResponse status(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + 16, value, ORDER);
        ((MutableDirectBuffer)buffer).putInt(offset + 20, 0, ORDER);
        return this;
    }
}
