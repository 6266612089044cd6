package io.synod.bench.harness;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands completed request ids from a system's own threads (Synod's leader agent, Ratis' client threads) to the
 * load generator, which {@link #drain drains} them in {@link LoadTarget#poll} and timestamps them there: the
 * same thread, at the same point of its loop, as the floor's pongs and Aeron Cluster's egress, which the
 * generator polls off their subscriptions. A completion is timestamped when the generator observes it, for
 * every system.
 *
 * <p>An Agrona {@link ManyToOneRingBuffer} of 8-byte records (a 16-byte slot each with the record header),
 * allocated once: {@link #offer} never allocates and never blocks, from any number of threads.
 *
 * <p>Invariant: the generator keeps at most {@link LoadGenerator#MAX_IN_FLIGHT} requests outstanding per run,
 * and late completions of the previous run are drained (and ignored) by the next one, so at most
 * {@code 2 * MAX_IN_FLIGHT} ids are ever queued; {@link #CAPACITY} is above that. An {@link #offer} that finds
 * the ring full is a sizing bug: it is counted and the next {@link #drain} throws.
 */
public final class CompletionQueue
{
    /** Records the ring holds: a power of two above {@code 2 * LoadGenerator.MAX_IN_FLIGHT} (see the invariant). */
    public static final int CAPACITY = 1 << 18;
    /** Most ids one {@link #drain} hands over; the floor's pong poll takes up to 64 fragments too. */
    public static final int DRAIN_LIMIT = 64;

    private static final int MSG_TYPE_ID = 1;
    private static final int SLOT_BYTES = 16;

    static
    {
        if (!(RecordDescriptor.HEADER_LENGTH + Long.BYTES <= SLOT_BYTES && CAPACITY > 2 * LoadGenerator.MAX_IN_FLIGHT))
        {
            throw new IllegalStateException("CompletionQueue sizing: slot " + SLOT_BYTES + ", capacity " + CAPACITY);
        }
    }

    private final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect(CAPACITY * SLOT_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private final AtomicLong overflows = new AtomicLong();
    private final MessageHandler onRecord = this::onRecord;
    /** Target of the drain in progress; generator thread only. */
    private Completion completion;

    /**
     * Queues {@code id} as completed. Any thread; never blocks, never allocates.
     *
     * @return false if the ring was full (a sizing bug: counted, reported by the next {@link #drain}).
     */
    public boolean offer(final long id)
    {
        final int index = ring.tryClaim(MSG_TYPE_ID, Long.BYTES);
        if (index < 0)
        {
            overflows.incrementAndGet();
            return false;
        }
        ring.buffer().putLong(index, id);
        ring.commit(index);
        return true;
    }

    /**
     * Hands up to {@link #DRAIN_LIMIT} queued ids, oldest first, to {@code completion}, on the calling thread.
     * Load generator thread only (single consumer).
     *
     * @return the number handed over (the generator's work count).
     * @throws IllegalStateException if an {@link #offer} ever found the ring full.
     */
    public int drain(final Completion completion)
    {
        if (overflows.get() != 0)
        {
            throw new IllegalStateException("completion ring full: " + overflows.get() + " completions lost");
        }
        this.completion = completion;
        return ring.read(onRecord, DRAIN_LIMIT);
    }

    private void onRecord(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        completion.onComplete(buffer.getLong(index));
    }
}
