package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Body of AppendEntries (a heartbeat has no entries). The leader is the header's {@code from}.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                    prev log index (i64)                       | 0
 *  +---------------------------------------------------------------+
 *  |                    prev log term (i64)                        | 8
 *  +---------------------------------------------------------------+
 *  |                    leader commit (i64)                        | 16
 *  +-------------------------------+-------------------------------+
 *  |          entry count          |     round (u32, see below)    | 24
 *  +-------------------------------+-------------------------------+
 *  |  entries, each:  term (i64) | type (i32) | length (i32) | payload ...
 * </pre>
 *
 * The round is a leader-local counter echoed in the reply; a leader confirms it still leads (for
 * ReadIndex reads) once a quorum has answered a round at least as new as the one the read waits for.
 * Entries are consecutive from {@code prevLogIndex + 1}. The entries' bytes must add up exactly to
 * the body length; {@link #validate} checks that before anything is applied.
 */
public final class AppendRequest
{
    public static final int FIXED_LENGTH = 32;
    public static final int ENTRY_HEADER_LENGTH = 16;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public AppendRequest wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the wrapped buffer (entry payloads are read from it). */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    public long prevLogIndex()
    {
        return buffer.getLong(offset, ORDER);
    }

    public AppendRequest prevLogIndex(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset, value, ORDER);
        return this;
    }

    public long prevLogTerm()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public AppendRequest prevLogTerm(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, value, ORDER);
        return this;
    }

    public long leaderCommit()
    {
        return buffer.getLong(offset + 16, ORDER);
    }

    public AppendRequest leaderCommit(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 16, value, ORDER);
        return this;
    }

    public int entryCount()
    {
        return buffer.getInt(offset + 24, ORDER);
    }

    public AppendRequest entryCount(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + 24, value, ORDER);
        ((MutableDirectBuffer)buffer).putInt(offset + 28, 0, ORDER);
        return this;
    }

    public int round()
    {
        return buffer.getInt(offset + 28, ORDER);
    }

    /** Sets the round; call after {@link #entryCount(int)}, which clears it. */
    public AppendRequest round(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + 28, value, ORDER);
        return this;
    }

    /** @return offset of the first entry. */
    public int firstEntryOffset()
    {
        return offset + FIXED_LENGTH;
    }

    /** @return term of the entry whose header starts at {@code entryOffset}. */
    public long entryTerm(final int entryOffset)
    {
        return buffer.getLong(entryOffset, ORDER);
    }

    public int entryType(final int entryOffset)
    {
        return buffer.getInt(entryOffset + 8, ORDER);
    }

    public int entryLength(final int entryOffset)
    {
        return buffer.getInt(entryOffset + 12, ORDER);
    }

    /** @return offset of the entry's payload. */
    public static int entryPayloadOffset(final int entryOffset)
    {
        return entryOffset + ENTRY_HEADER_LENGTH;
    }

    /** @return offset of the entry after the one at {@code entryOffset}. */
    public int nextEntryOffset(final int entryOffset)
    {
        return entryOffset + ENTRY_HEADER_LENGTH + entryLength(entryOffset);
    }

    /**
     * Writes one entry at {@code entryOffset}.
     *
     * @return offset after the entry.
     */
    public static int putEntry(
        final MutableDirectBuffer buffer,
        final int entryOffset,
        final long term,
        final int type,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        buffer.putLong(entryOffset, term, ORDER);
        buffer.putInt(entryOffset + 8, type, ORDER);
        buffer.putInt(entryOffset + 12, payloadLength, ORDER);
        buffer.putBytes(entryOffset + ENTRY_HEADER_LENGTH, payload, payloadOffset, payloadLength);
        return entryOffset + ENTRY_HEADER_LENGTH + payloadLength;
    }

    /**
     * Checks the wrapped body of {@code bodyLength} bytes: non-negative indexes and terms, a sane entry
     * count, entry lengths within bounds, entry terms not above {@code messageTerm} and non-decreasing,
     * known entry types, and entries that fill the body exactly.
     *
     * @return {@link FrameCheck#OK} or the reason the frame must be dropped.
     */
    public int validate(final int bodyLength, final long messageTerm, final int maxEntryType)
    {
        if (bodyLength < FIXED_LENGTH)
        {
            return FrameCheck.BAD_LENGTH;
        }
        final long prevLogIndex = prevLogIndex();
        final long prevLogTerm = prevLogTerm();
        if (prevLogIndex < 0 || prevLogTerm < 0 || leaderCommit() < 0 || prevLogTerm > messageTerm)
        {
            return FrameCheck.BAD_FIELD;
        }
        final int count = entryCount();
        final int end = offset + bodyLength;
        if (count < 0 || count > (bodyLength - FIXED_LENGTH) / ENTRY_HEADER_LENGTH)
        {
            return FrameCheck.BAD_LENGTH;
        }
        int entryOffset = firstEntryOffset();
        long lastTerm = prevLogTerm;
        for (int i = 0; i < count; i++)
        {
            if (end - entryOffset < ENTRY_HEADER_LENGTH)
            {
                return FrameCheck.BAD_LENGTH;
            }
            final int length = entryLength(entryOffset);
            if (length < 0 || length > end - entryOffset - ENTRY_HEADER_LENGTH)
            {
                return FrameCheck.BAD_LENGTH;
            }
            final long term = entryTerm(entryOffset);
            final int type = entryType(entryOffset);
            if (term < lastTerm || term > messageTerm || type < 0 || type > maxEntryType)
            {
                return FrameCheck.BAD_FIELD;
            }
            lastTerm = term;
            entryOffset += ENTRY_HEADER_LENGTH + length;
        }
        return entryOffset == end ? FrameCheck.OK : FrameCheck.BAD_LENGTH;
    }
}
