package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Body of InstallSnapshot (Raft §7): one chunk of the leader's latest snapshot. The leader is the
 * header's {@code from}.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |   snapshot index (i64): last log index the snapshot covers    | 0
 *  +---------------------------------------------------------------+
 *  |   snapshot term (i64)                                         | 8
 *  +---------------------------------------------------------------+
 *  |   total length (i64) of the snapshot stream                   | 16
 *  +---------------------------------------------------------------+
 *  |   offset (i64) of this chunk in the stream                    | 24
 *  +---------------------------------------------------------------+
 *  |   checksum (i64): CRC32C of the whole stream, unsigned        | 32
 *  +-------------------------------+-------------------------------+
 *  |   chunk length (i32)          |   reserved (membership, 0)    | 40
 *  +-------------------------------+-------------------------------+
 *  |   chunk bytes ...                                             | 48
 * </pre>
 */
public final class InstallSnapshot
{
    public static final int FIXED_LENGTH = 48;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public InstallSnapshot wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public long snapshotIndex()
    {
        return buffer.getLong(offset, ORDER);
    }

    public InstallSnapshot snapshotIndex(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset, value, ORDER);
        return this;
    }

    public long snapshotTerm()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public InstallSnapshot snapshotTerm(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, value, ORDER);
        return this;
    }

    public long totalLength()
    {
        return buffer.getLong(offset + 16, ORDER);
    }

    public InstallSnapshot totalLength(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 16, value, ORDER);
        return this;
    }

    public long chunkOffset()
    {
        return buffer.getLong(offset + 24, ORDER);
    }

    public InstallSnapshot chunkOffset(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 24, value, ORDER);
        return this;
    }

    public long checksum()
    {
        return buffer.getLong(offset + 32, ORDER);
    }

    public InstallSnapshot checksum(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 32, value, ORDER);
        return this;
    }

    public int chunkLength()
    {
        return buffer.getInt(offset + 40, ORDER);
    }

    public InstallSnapshot chunkLength(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + 40, value, ORDER);
        ((MutableDirectBuffer)buffer).putInt(offset + 44, 0, ORDER);
        return this;
    }

    /** @return offset of the chunk bytes in the buffer. */
    public int chunkOffsetInBuffer()
    {
        return offset + FIXED_LENGTH;
    }

    /**
     * @return {@link FrameCheck#OK} if the fields are consistent with a body of {@code bodyLength} bytes.
     */
    public int validate(final int bodyLength, final long messageTerm)
    {
        if (bodyLength < FIXED_LENGTH || chunkLength() != bodyLength - FIXED_LENGTH)
        {
            return FrameCheck.BAD_LENGTH;
        }
        final long index = snapshotIndex();
        final long term = snapshotTerm();
        final long total = totalLength();
        final long chunkOffset = chunkOffset();
        final long checksum = checksum();
        if (index < 1 || term < 1 || term > messageTerm || total < 0 || chunkOffset < 0 ||
            chunkOffset + chunkLength() > total || checksum < 0 || checksum > 0xFFFF_FFFFL)
        {
            return FrameCheck.BAD_FIELD;
        }
        return FrameCheck.OK;
    }
}
