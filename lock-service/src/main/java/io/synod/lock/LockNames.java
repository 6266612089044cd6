package io.synod.lock;

import org.agrona.DirectBuffer;

/**
 * Resource names are byte strings of 1..{@link LockCommand#MAX_NAME_LENGTH} bytes, keyed by a 64-bit
 * FNV-1a hash; two names with the same hash cannot be used together (the second fails with
 * {@link LockStatus#ILLEGAL}), which at 64 bits does not happen in practice.
 */
public final class LockNames
{
    private LockNames()
    {
    }

    public static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < length; i++)
        {
            hash ^= buffer.getByte(offset + i) & 0xFF;
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
