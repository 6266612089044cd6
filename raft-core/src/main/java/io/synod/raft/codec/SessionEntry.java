package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Payload of a client-session log entry ({@code EntryType.SESSION_OPEN}, {@code SESSION_COMMAND},
 * {@code SESSION_KEEPALIVE}, {@code SESSION_CLOSE}; Raft dissertation §6.3). The leader stamps each with
 * its clock: that log time is what sessions expire by, so every replica expires the same sessions at
 * the same index.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |   log time (i64): the leader's clock when it wrote the entry  | 0
 *  +---------------------------------------------------------------+
 *  |   argument (i64): TTL in ns (OPEN), else the session id       | 8
 *  +---------------------------------------------------------------+
 *  |   sequence (i64): COMMAND only                                | 16
 *  +---------------------------------------------------------------+
 *  |   command bytes: COMMAND only, to the end of the entry       ... 24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Little-endian. OPEN, KEEPALIVE and CLOSE are {@link #FIXED_LENGTH} bytes, COMMAND
 * {@link #COMMAND_HEADER_LENGTH} plus the command.
 */
public final class SessionEntry
{
    /** Length of OPEN, KEEPALIVE and CLOSE entries. */
    public static final int FIXED_LENGTH = 16;
    /** Length of a COMMAND entry before its command bytes. */
    public static final int COMMAND_HEADER_LENGTH = 24;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public SessionEntry wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long logTimeNs()
    {
        return buffer.getLong(offset, ORDER);
    }

    public SessionEntry logTimeNs(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset, value, ORDER);
        return this;
    }

    /** @return the TTL in ns (OPEN) or the session id (COMMAND, KEEPALIVE, CLOSE). */
    public long argument()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public SessionEntry argument(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, value, ORDER);
        return this;
    }

    public long sequence()
    {
        return buffer.getLong(offset + 16, ORDER);
    }

    public SessionEntry sequence(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 16, value, ORDER);
        return this;
    }

    /** @return where a COMMAND entry's command starts in the wrapped buffer. */
    public int commandOffset()
    {
        return offset + COMMAND_HEADER_LENGTH;
    }

    /** Copies {@code length} command bytes after a COMMAND entry's header. */
    public SessionEntry command(final DirectBuffer source, final int sourceOffset, final int length)
    {
        ((MutableDirectBuffer)buffer).putBytes(offset + COMMAND_HEADER_LENGTH, source, sourceOffset, length);
        return this;
    }
}
