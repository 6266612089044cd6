package io.synod.client;

import java.util.List;

/**
 * One lock, semaphore or read-write lock as a {@link ClientProtocol#LOCK_QUERY} answer reports it.
 *
 * @param name      the resource's name (an election is {@code election/NAME}).
 * @param kind      {@code LockCommand.MUTEX}, {@code SEMAPHORE} or {@code RW_LOCK}.
 * @param capacity  permits of the resource.
 * @param used      permits held.
 * @param waiters   acquires queued.
 * @param holders   who holds it, in grant order.
 */
public record LockInfo(String name, int kind, int capacity, int used, int waiters, List<Holder> holders)
{
    /**
     * One hold.
     *
     * @param session   the holder's session.
     * @param thread    the holder's thread (or an election's candidate id).
     * @param fence     the grant's fencing token.
     * @param permits   permits held.
     * @param holdCount reentrant count.
     * @param value     the value given at acquire (an election candidate's value), UTF-8.
     */
    public record Holder(long session, long thread, long fence, int permits, int holdCount, String value)
    {
    }

    /** @return the kind's name: mutex, semaphore or rwlock. */
    public String kindName()
    {
        switch (kind)
        {
            case io.synod.lock.LockCommand.MUTEX:
                return "mutex";
            case io.synod.lock.LockCommand.SEMAPHORE:
                return "semaphore";
            default:
                return "rwlock";
        }
    }
}
