package io.synod.raft.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Body of a RequestVote / PreVote request (the candidate is the header's {@code from}; the term is
 * the header's term: for PreVote, the term the candidate would campaign in).
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                     last log index (i64)                      | 0
 *  +---------------------------------------------------------------+
 *  |                     last log term (i64)                       | 8
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class VoteRequest
{
    public static final int LENGTH = 16;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;

    public VoteRequest wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long lastLogIndex()
    {
        return buffer.getLong(offset, ORDER);
    }

    public VoteRequest lastLogIndex(final long lastLogIndex)
    {
        ((MutableDirectBuffer)buffer).putLong(offset, lastLogIndex, ORDER);
        return this;
    }

    public long lastLogTerm()
    {
        return buffer.getLong(offset + 8, ORDER);
    }

    public VoteRequest lastLogTerm(final long lastLogTerm)
    {
        ((MutableDirectBuffer)buffer).putLong(offset + 8, lastLogTerm, ORDER);
        return this;
    }
}
