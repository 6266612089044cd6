package io.synod.client;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The answer to a {@link ClientProtocol#LOCK} command (the lock service's response): a {@code LockStatus} and a fence.
 * Little-endian: status (i32), fence (i64).
 *
 * @param status {@code LockStatus}: GRANTED, QUEUED, RELEASED, WOULD_BLOCK, TIMED_OUT, NOT_HELD, ...
 * @param fence  GRANTED / RELEASED: the hold's fencing token (the log index of its grant); else 0.
 * @param index  the log index the command was applied at (for a queued acquire decided later: the answer's).
 */
public record LockAnswer(int status, long fence, long index)
{
    /** The answer's length. */
    public static final int LENGTH = 12;

    /** @return the answer in {@code length} bytes, or null if it is not one. */
    static LockAnswer decode(final DirectBuffer in, final int offset, final int length, final long index)
    {
        if (length != LENGTH)
        {
            return null;
        }
        final int status = in.getInt(offset, ByteOrder.LITTLE_ENDIAN);
        final long fence = in.getLong(offset + 4, ByteOrder.LITTLE_ENDIAN);
        return status < 0 || status > io.synod.lock.LockStatus.DUPLICATE || fence < 0 ? null : new LockAnswer(status, fence, index);
    }
}
