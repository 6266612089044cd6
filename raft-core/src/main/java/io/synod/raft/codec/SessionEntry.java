package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Payload of a client-session log entry ({@code EntryType.SESSION_OPEN}, {@code SESSION_COMMAND},
 * {@code SESSION_KEEPALIVE}, {@code SESSION_CLOSE}, {@code SESSION_TICK}; Raft dissertation §6.3). The
 * leader stamps each with its clock: that log time is what sessions expire by, so every replica expires
 * the same sessions at the same index.
 *
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  | format version (i32) = 2      | OPEN: window (i32); else 0    | 0
 *  +-------------------------------+-------------------------------+
 *  |   log time (i64): the leader's clock when it wrote the entry  | 8
 *  +---------------------------------------------------------------+
 *  |   argument (i64): TTL in ns (OPEN), the session id (COMMAND,  | 16
 *  |   KEEPALIVE, CLOSE), 0 (TICK)                                 |
 *  +---------------------------------------------------------------+
 *  |   sequence (i64): COMMAND's sequence; OPEN's nonce (0: none)  | 24
 *  +---------------------------------------------------------------+
 *  |   command bytes: COMMAND only, to the end of the entry       ... 32
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Little-endian. Every entry is at least {@link #HEADER_LENGTH} bytes; a COMMAND's command follows it. An
 * entry of another {@link #version()} (Synod before the shared session facility wrote none) is refused
 * with a clear error: a replica cannot guess what an unknown layout meant.
 */
public final class SessionEntry
{
    /** The layout this build writes and reads. */
    public static final int VERSION = 2;
    /** Length of every session entry before a COMMAND's command bytes. */
    public static final int HEADER_LENGTH = 32;
    /** Length of OPEN, KEEPALIVE, CLOSE and TICK entries. */
    public static final int FIXED_LENGTH = HEADER_LENGTH;
    /** Length of a COMMAND entry before its command bytes. */
    public static final int COMMAND_HEADER_LENGTH = HEADER_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public SessionEntry wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Starts an entry of this build's layout: writes the version and clears the reserved field. */
    public SessionEntry begin()
    {
        ((MutableDirectBuffer)buffer).putInt(offset, VERSION, ORDER);
        ((MutableDirectBuffer)buffer).putInt(offset + 4, 0, ORDER);
        return this;
    }

    public int version()
    {
        return buffer.getInt(offset, ORDER);
    }

    /** @return the session's window of kept outcomes (OPEN), else 0. */
    public int window()
    {
        return buffer.getInt(offset + 4, ORDER);
    }

    public SessionEntry window(final int value)
    {
        ((MutableDirectBuffer)buffer).putInt(offset + 4, value, ORDER);
        return this;
    }

    public long logTimeNs()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public SessionEntry logTimeNs(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, value, ORDER);
        return this;
    }

    /** @return the TTL in ns (OPEN) or the session id (COMMAND, KEEPALIVE, CLOSE). */
    public long argument()
    {
        return buffer.getLong(offset + 16, ORDER);
    }

    public SessionEntry argument(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 16, value, ORDER);
        return this;
    }

    /** @return the sequence (COMMAND) or the nonce (OPEN). */
    public long sequence()
    {
        return buffer.getLong(offset + 24, ORDER);
    }

    public SessionEntry sequence(final long value)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 24, value, ORDER);
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
