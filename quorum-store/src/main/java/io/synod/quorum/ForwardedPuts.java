package io.synod.quorum;

import org.agrona.collections.LongArrayQueue;
import org.agrona.collections.LongHashSet;

/**
 * The forwarded puts a member has coordinated, remembered so that a second delivery of one FORWARD_PUT (the
 * network may duplicate a message) is dropped: coordinating it again would make a second event, and the same
 * write would then stand as two siblings. At most {@code remembered} entries, oldest forgotten first.
 *
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> None after construction.
 */
final class ForwardedPuts
{
    private final int remembered;
    private final LongHashSet seen;
    private final LongArrayQueue order;

    ForwardedPuts(final int remembered)
    {
        this.remembered = remembered;
        this.seen = new LongHashSet(remembered * 2);
        this.order = new LongArrayQueue(remembered + 1, Long.MIN_VALUE);
    }

    /** @return the identity of the forward {@code requestId} from {@code origin}. */
    static long identity(final int origin, final long requestId)
    {
        return HashRing.mix(requestId ^ ((long)origin << 48));
    }

    boolean contains(final long identity)
    {
        return seen.contains(identity);
    }

    void remember(final long identity)
    {
        seen.add(identity);
        order.addLong(identity);
        if (order.size() > remembered)
        {
            seen.remove(order.pollLong());
        }
    }
}
