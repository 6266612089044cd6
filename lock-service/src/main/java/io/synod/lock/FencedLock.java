package io.synod.lock;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A distributed {@link Lock} with a fencing token: reentrant for the same thread (bounded hold count),
 * FIFO among waiters. Pass {@link #fence()} to every resource the lock protects and have it reject
 * writes with a fence lower than the largest it has seen.
 *
 * <p>Failures are unchecked: {@link SessionExpiredException} when the session is lost (every blocked
 * {@link #lock()} is released with it), {@link LockException} otherwise. {@link #tryLock(long, TimeUnit)}
 * waits in log time on the servers; if the caller gives up first and the grant arrives later, it is
 * released at once.
 */
public final class FencedLock implements Lock
{
    private final FencedLocks locks;
    private final String name;
    private final int kind;
    private final int capacity;
    private final int permits;
    private final ThreadLocal<long[]> fence = ThreadLocal.withInitial(() -> new long[]{-1});

    FencedLock(final FencedLocks locks, final String name, final int kind, final int capacity, final int permits)
    {
        this.locks = locks;
        this.name = name;
        this.kind = kind;
        this.capacity = capacity;
        this.permits = permits;
    }

    public String name()
    {
        return name;
    }

    /** @return the fencing token of the calling thread's hold, or -1 if it holds none. */
    public long fence()
    {
        return fence.get()[0];
    }

    /** Acquires, blocking until granted. @return the fence. */
    public long lockAndFence()
    {
        return await(locks.acquireAsync(name, kind, capacity, permits, -1, null));
    }

    @Override
    public void lock()
    {
        lockAndFence();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException
    {
        final CompletableFuture<Long> future = locks.acquireAsync(name, kind, capacity, permits, -1, null);
        try
        {
            fence.get()[0] = future.get();
        }
        catch (final InterruptedException ex)
        {
            releaseWhenGranted(future);
            throw ex;
        }
        catch (final ExecutionException ex)
        {
            throw unwrap(ex);
        }
    }

    @Override
    public boolean tryLock()
    {
        return tryAwait(locks.acquireAsync(name, kind, capacity, permits, 0, null));
    }

    @Override
    public boolean tryLock(final long time, final TimeUnit unit) throws InterruptedException
    {
        final long timeoutNs = Math.max(0, unit.toNanos(time));
        final CompletableFuture<Long> future = locks.acquireAsync(name, kind, capacity, permits, timeoutNs, null);
        try
        {
            // The servers time the wait out in log time; the local bound only covers an unreachable cluster.
            fence.get()[0] = future.get(timeoutNs + locks.client().ttlNs(), TimeUnit.NANOSECONDS);
            return true;
        }
        catch (final TimeoutException | InterruptedException ex)
        {
            releaseWhenGranted(future);
            if (ex instanceof InterruptedException)
            {
                throw (InterruptedException)ex;
            }
            return false;
        }
        catch (final ExecutionException ex)
        {
            final LockException cause = unwrap(ex);
            if (cause.status() == LockStatus.TIMED_OUT || cause.status() == LockStatus.WOULD_BLOCK)
            {
                return false;
            }
            throw cause;
        }
    }

    @Override
    public void unlock()
    {
        try
        {
            final FencedLocks.Released released = locks.releaseAsync(name, kind, permits).get();
            if (released.remaining() == 0)
            {
                fence.get()[0] = -1;
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new LockException(LockStatus.ILLEGAL, "interrupted while unlocking " + name);
        }
        catch (final ExecutionException ex)
        {
            fence.get()[0] = -1;
            throw unwrap(ex);
        }
    }

    @Override
    public Condition newCondition()
    {
        throw new UnsupportedOperationException("conditions are not supported by distributed locks");
    }

    private long await(final CompletableFuture<Long> future)
    {
        try
        {
            final long granted = future.join();
            fence.get()[0] = granted;
            return granted;
        }
        catch (final java.util.concurrent.CompletionException ex)
        {
            throw ex.getCause() instanceof LockException ? (LockException)ex.getCause() : ex;
        }
    }

    private boolean tryAwait(final CompletableFuture<Long> future)
    {
        try
        {
            fence.get()[0] = future.join();
            return true;
        }
        catch (final java.util.concurrent.CompletionException ex)
        {
            if (ex.getCause() instanceof LockException && ((LockException)ex.getCause()).status() == LockStatus.WOULD_BLOCK)
            {
                return false;
            }
            throw ex.getCause() instanceof LockException ? (LockException)ex.getCause() : ex;
        }
    }

    private void releaseWhenGranted(final CompletableFuture<Long> future)
    {
        final long thread = Thread.currentThread().getId();
        future.thenAccept(granted -> locks.releaseAsync(name, kind, permits, thread));
    }

    private static LockException unwrap(final ExecutionException ex)
    {
        if (ex.getCause() instanceof LockException)
        {
            return (LockException)ex.getCause();
        }
        return new LockException(LockStatus.ILLEGAL, String.valueOf(ex.getCause()));
    }
}
