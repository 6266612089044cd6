package io.synod.raft.testkit;

import org.agrona.DirectBuffer;

/** 64-bit FNV-1a over a byte range: a cheap content fingerprint for invariant checks. */
public final class Hashing
{
    private Hashing()
    {
    }

    public static long hash(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        long hash = 0xcbf29ce484222325L ^ type;
        for (int i = 0; i < length; i++)
        {
            hash ^= buffer.getByte(offset + i) & 0xFF;
            hash *= 0x100000001b3L;
        }
        return hash ^ length;
    }
}
