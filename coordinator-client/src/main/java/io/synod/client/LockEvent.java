package io.synod.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The body of a {@link ClientProtocol#LOCK_EVENT} (member to client, unasked), and its decoded form. Little-endian.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |  kind (i32): DECIDED, LOST or RESYNC                          | 0
 *  +---------------------------------------------------------------+
 *  |  status (i32): DECIDED: the LockStatus of the queued acquire   | 4
 *  +---------------------------------------------------------------+
 *  |  session (i64)                                                | 8
 *  +---------------------------------------------------------------+
 *  |  sequence (i64): DECIDED: the acquire's; else 0               | 16
 *  +---------------------------------------------------------------+
 *  |  fence (i64): DECIDED and GRANTED: the grant's; LOST: the     | 24
 *  |  hold's; else 0                                               |
 *  +---------------------------------------------------------------+
 *  |  name length (i32), 0 unless LOST; name bytes                 | 32
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The event's id ({@link #eventId}), which the client acknowledges with {@link ClientProtocol#EVENT_ACK}, is the kind
 * in the top byte and the sequence (DECIDED) or fence (LOST) below it.
 *
 * @param kind     {@link #DECIDED}, {@link #LOST} or {@link #RESYNC}.
 * @param status   DECIDED: the acquire's {@code LockStatus}.
 * @param session  the session it concerns.
 * @param sequence DECIDED: the acquire's sequence.
 * @param fence    the grant's or the lost hold's fence.
 * @param name     LOST: the lock's name; else empty.
 */
public record LockEvent(int kind, int status, long session, long sequence, long fence, String name)
{
    /** A queued acquire was granted or failed (timed out, session closed...). */
    public static final int DECIDED = 1;
    /** A hold was lost: its session expired or an operator force-released it. */
    public static final int LOST = 2;
    /** The member has just learnt this client's session: the client should send its queued acquires again. */
    public static final int RESYNC = 3;
    /** Bytes before the name. */
    public static final int HEADER_LENGTH = 36;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** @return the id an acknowledgement names. */
    public long eventId()
    {
        return eventId(kind, kind == DECIDED ? sequence : fence);
    }

    /** @return the id of an event of {@code kind} about {@code sequenceOrFence}. */
    public static long eventId(final int kind, final long sequenceOrFence)
    {
        return ((long)kind << 56) | (sequenceOrFence & 0x00FF_FFFF_FFFF_FFFFL);
    }

    /**
     * Writes an event at {@code at}; allocation-free.
     *
     * @return its length.
     */
    public static int encode(
        final MutableDirectBuffer out, final int at, final int kind, final int status, final long session, final long sequence,
        final long fence, final DirectBuffer name, final int nameLength)
    {
        out.putInt(at, kind, ORDER);
        out.putInt(at + 4, status, ORDER);
        out.putLong(at + 8, session, ORDER);
        out.putLong(at + 16, sequence, ORDER);
        out.putLong(at + 24, fence, ORDER);
        out.putInt(at + 32, nameLength, ORDER);
        if (nameLength > 0)
        {
            out.putBytes(at + HEADER_LENGTH, name, 0, nameLength);
        }
        return HEADER_LENGTH + nameLength;
    }

    /**
     * Decodes an event of {@code length} bytes, checking every field against the frame.
     *
     * @return the event, or null if it is malformed.
     */
    public static LockEvent decode(final DirectBuffer in, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return null;
        }
        final int kind = in.getInt(offset, ORDER);
        final int nameLength = in.getInt(offset + 32, ORDER);
        final long session = in.getLong(offset + 8, ORDER);
        if (kind < DECIDED || kind > RESYNC || session <= 0 || nameLength < 0 ||
            nameLength > io.synod.lock.LockCommand.MAX_NAME_LENGTH || length != HEADER_LENGTH + nameLength)
        {
            return null;
        }
        final byte[] name = new byte[nameLength];
        in.getBytes(offset + HEADER_LENGTH, name);
        return new LockEvent(kind, in.getInt(offset + 4, ORDER), session, in.getLong(offset + 16, ORDER), in.getLong(offset + 24, ORDER),
            new String(name, StandardCharsets.UTF_8));
    }
}
