package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Body of a vote (or pre-vote) response. The header's term is the voter's term, or for a granted
 * pre-vote the term that was asked about.
 *
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  |        granted (0 or 1)       |           reserved            | 0
 *  +-------------------------------+-------------------------------+
 * </pre>
 */
public final class VoteResponse
{
    public static final int LENGTH = 8;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public VoteResponse wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public boolean granted()
    {
        return buffer.getInt(offset, ORDER) == 1;
    }

    public VoteResponse granted(final boolean granted)
    {
        final MutableDirectBuffer mutable = (MutableDirectBuffer)buffer;
        mutable.putInt(offset, granted ? 1 : 0, ORDER);
        mutable.putInt(offset + 4, 0, ORDER);
        return this;
    }
}
