package io.synod.raft;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Small frames (replies, vote requests) held back until the log has been flushed, then sent in order.
 * This is how "durable before the reply leaves" is kept without a message object per reply.
 *
 * <p>Layout of each record: {@code [frame length i32][destination i32][frame bytes]}. Bounded by its
 * capacity; a frame that does not fit is dropped and counted, which Raft tolerates like a lost packet.
 */
final class Outbox
{
    private static final int RECORD_HEADER = 8;

    final UnsafeBuffer buffer;
    private int limit;
    private long overflows;

    Outbox(final int capacity)
    {
        buffer = new UnsafeBuffer(new byte[capacity]);
    }

    /**
     * Reserves space for a frame.
     *
     * @return the offset at which to encode the frame, or -1 if it does not fit (counted).
     */
    int reserve(final int destination, final int frameLength)
    {
        if (limit + RECORD_HEADER + frameLength > buffer.capacity())
        {
            overflows++;
            return -1;
        }
        buffer.putInt(limit, frameLength);
        buffer.putInt(limit + 4, destination);
        final int frameOffset = limit + RECORD_HEADER;
        limit = frameOffset + frameLength;
        return frameOffset;
    }

    boolean isEmpty()
    {
        return limit == 0;
    }

    /**
     * Sends every held frame through the transport and empties the outbox.
     *
     * @return frames handed to the transport.
     */
    int drainTo(final Transport transport, final RaftCounters counters)
    {
        int sent = 0;
        int offset = 0;
        while (offset < limit)
        {
            final int frameLength = buffer.getInt(offset);
            final int destination = buffer.getInt(offset + 4);
            if (transport.send(destination, buffer, offset + RECORD_HEADER, frameLength))
            {
                sent++;
                counters.framesSent++;
            }
            else
            {
                counters.sendFailures++;
            }
            offset += RECORD_HEADER + frameLength;
        }
        limit = 0;
        return sent;
    }

    long overflows()
    {
        return overflows;
    }
}
