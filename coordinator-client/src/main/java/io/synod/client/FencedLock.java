package io.synod.client;

import io.synod.lock.LockStatus;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A distributed mutex held by this client's session, with a fencing token: the log index of its grant, strictly
 * increasing across successive holders. Pass the fence to every resource the holder writes, and have the resource
 * refuse a fence lower than the highest it has seen: a holder that was paused past its session's TTL (and so lost
 * the lock) is then refused instead of overwriting its successor's work.
 *
 * <p>Reentrant per thread (the holder is this client's session and the calling thread; the same thread locking again
 * gets the same fence and must unlock as often). Waiters are served FIFO. {@link #tryLock(Duration)} never polls: a
 * queued acquire's grant is pushed to the client (see {@link SynodClient}).
 *
 * <pre>{@code
 * FencedLock lock = client.lock("orders");
 * long fence = lock.lockAndFence();
 * try
 * {
 *     storage.write(record, fence);   // storage refuses fences lower than the highest it saw
 * }
 * finally
 * {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p><b>Loss.</b> When the session expires (no keep-alive reached the cluster for its TTL) every hold is released by
 * the cluster; listeners added with {@link #onLost} are told, and blocked acquires fail with
 * {@link LockFailedException} ({@code SESSION_EXPIRED}).
 * <p><b>Threading.</b> Thread-safe. Blocking methods block the caller; the async ones complete on the client's thread.
 */
public final class FencedLock
{
    /** The fence of no hold. */
    public static final long INVALID_FENCE = 0;

    private final SynodClient client;
    private final String name;
    private final ConcurrentHashMap<Long, Long> fences = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<LockLostListener> listeners = new CopyOnWriteArrayList<>();

    FencedLock(final SynodClient client, final String name)
    {
        this.client = client;
        this.name = name;
    }

    /** @return the lock's name. */
    public String name()
    {
        return name;
    }

    /**
     * Blocks until this thread holds the lock.
     *
     * @return the fencing token.
     * @throws LockFailedException if the session expired while waiting, or a limit was reached.
     */
    public long lockAndFence()
    {
        return join(acquireAsync(-1));
    }

    /** Blocks until this thread holds the lock; see {@link #lockAndFence()}. */
    public void lock()
    {
        lockAndFence();
    }

    /**
     * Waits at most {@code timeout} (in the cluster's log time) for the lock.
     *
     * @return the fencing token, or {@link #INVALID_FENCE} if it was not granted in time.
     */
    public long tryLockAndFence(final Duration timeout)
    {
        try
        {
            return join(acquireAsync(Math.max(0, timeout.toNanos())));
        }
        catch (final LockFailedException ex)
        {
            if (ex.status() == LockStatus.TIMED_OUT || ex.status() == LockStatus.WOULD_BLOCK)
            {
                return INVALID_FENCE;
            }
            throw ex;
        }
    }

    /** @return true if this thread got the lock within {@code timeout}; see {@link #tryLockAndFence}. */
    public boolean tryLock(final Duration timeout)
    {
        return tryLockAndFence(timeout) != INVALID_FENCE;
    }

    /**
     * Acquires for the calling thread; the future completes with the fence, or with {@link LockFailedException}.
     *
     * @param waitNs ns to wait in the queue (log time): -1 for ever, 0 not at all.
     */
    public CompletableFuture<Long> acquireAsync(final long waitNs)
    {
        final long thread = Thread.currentThread().getId();
        return client.lockCommand(name, io.synod.lock.LockCommand.ACQUIRE, thread, waitNs, new byte[0]).thenApply((answer) ->
        {
            if (answer.status() != LockStatus.GRANTED)
            {
                throw new LockFailedException(name, answer.status());
            }
            fences.put(thread, answer.fence());
            return answer.fence();
        });
    }

    /**
     * Releases one hold of the calling thread.
     *
     * @throws LockFailedException ({@code NOT_HELD}) if this thread does not hold it (for example, it was lost), or
     *                             ({@code SESSION_EXPIRED}) if the client's session expired, which ended every hold.
     */
    public void unlock()
    {
        final long thread = Thread.currentThread().getId();
        final LockAnswer answer = client.lockCommand(name, io.synod.lock.LockCommand.RELEASE, thread, 0, new byte[0]).join();
        if (answer.status() != LockStatus.RELEASED)
        {
            fences.remove(thread);
            throw new LockFailedException(name, answer.status());
        }
        fences.remove(thread);
    }

    /** @return the fence of the calling thread's hold as this client last learnt it, or {@link #INVALID_FENCE}. */
    public long fence()
    {
        return fences.getOrDefault(Thread.currentThread().getId(), INVALID_FENCE);
    }

    /** @return true if the calling thread holds the lock as far as this client knows (it may be lost without a word yet). */
    public boolean isLockedByCurrentThread()
    {
        return fence() != INVALID_FENCE;
    }

    /** Adds a listener told when a hold of this lock by this client is lost. */
    public FencedLock onLost(final LockLostListener listener)
    {
        listeners.add(listener);
        return this;
    }

    /** The client learnt that a hold is gone (fence 0: every hold, the session expired). */
    void lost(final long fence, final String reason)
    {
        boolean had = false;
        for (final var entry : fences.entrySet())
        {
            if (fence == 0 || entry.getValue() == fence)
            {
                had |= fences.remove(entry.getKey(), entry.getValue());
            }
        }
        if (had || fence != 0)
        {
            for (final LockLostListener listener : listeners)
            {
                listener.onLockLost(name, fence, reason);
            }
        }
    }

    private static long join(final CompletableFuture<Long> future)
    {
        try
        {
            return future.join();
        }
        catch (final CompletionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() : ex;
        }
    }
}
