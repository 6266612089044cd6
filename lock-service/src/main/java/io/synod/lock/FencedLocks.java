package io.synod.lock;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Thread-safe, blocking and {@link CompletableFuture} convenience over one {@link LockClient} session:
 * {@link FencedLock} ({@link java.util.concurrent.locks.Lock} with a fencing token), read-write locks
 * and semaphores.
 *
 * <p><b>Wiring.</b> Register this as the {@link LockEvents} of the co-located replica's
 * {@link LockStateMachine} and call {@link #doWork} on that member's agent thread every duty cycle.
 * Host threads call everything else.
 * <p><b>Allocation.</b> Allocates per request (future, queued task, name bytes). The zero-allocation
 * twin is {@link LockClient} with a pre-registered {@link LockClient.Handler}.
 * <p><b>Failure.</b> When the session is lost every pending request fails with
 * {@link SessionExpiredException} and every {@link LockLostListener} is told of each lost hold.
 * <p><b>Snapshots.</b> When the replica is restored from a snapshot, pending requests the snapshot
 * decided complete with their outcome and holds it no longer has are reported lost (see {@link LockClient}).
 */
public final class FencedLocks implements LockEvents, LockClient.Handler
{
    /** Told on the agent thread that a hold is no longer valid. */
    @FunctionalInterface
    public interface LockLostListener
    {
        void onLockLost(String name, long fence);
    }

    /** Result of a release: the fence released and what the caller still holds. */
    public record Released(long fence, int remaining)
    {
    }

    private final LockClient client;
    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(4096);
    private final Long2ObjectHashMap<CompletableFuture<Long>> acquires = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<CompletableFuture<Released>> releases = new Long2ObjectHashMap<>();
    private final CopyOnWriteArrayList<LockLostListener> lostListeners = new CopyOnWriteArrayList<>();
    private long nextCorrelationId = 1;

    public FencedLocks(
        final CommandSender sender, final long nonceSeed, final long ttlNs, final long clientTimeoutNs, final long retryIntervalNs)
    {
        this.client = new LockClient(sender, this, nonceSeed, ttlNs, clientTimeoutNs, retryIntervalNs);
    }

    /** @return a mutex handle (reentrant per thread). */
    public FencedLock lock(final String name)
    {
        return new FencedLock(this, name, LockCommand.MUTEX, 1, 1);
    }

    /** @return the read side of a read-write lock. */
    public FencedLock readLock(final String name)
    {
        return new FencedLock(this, name, LockCommand.RW_LOCK, LockCommand.RW_CAPACITY, 1);
    }

    /** @return the write side of a read-write lock. */
    public FencedLock writeLock(final String name)
    {
        return new FencedLock(this, name, LockCommand.RW_LOCK, LockCommand.RW_CAPACITY, LockCommand.RW_CAPACITY);
    }

    public void addLockLostListener(final LockLostListener listener)
    {
        lostListeners.add(listener);
    }

    /**
     * Acquires from any thread. The thread id is the calling thread's (reentrancy key).
     *
     * @param waitTimeoutNs -1 forever, 0 try once, else the longest wait (log time).
     * @return a future of the fence, failed with {@link LockException} / {@link SessionExpiredException}.
     */
    public CompletableFuture<Long> acquireAsync(
        final String name, final int kind, final int capacity, final int permits, final long waitTimeoutNs, final byte[] value)
    {
        return acquireAsync(name, kind, capacity, permits, waitTimeoutNs, value, Thread.currentThread().getId());
    }

    public CompletableFuture<Long> acquireAsync(
        final String name, final int kind, final int capacity, final int permits, final long waitTimeoutNs,
        final byte[] value, final long thread)
    {
        final CompletableFuture<Long> future = new CompletableFuture<>();
        final UnsafeBuffer nameBuffer = new UnsafeBuffer(name.getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer valueBuffer = new UnsafeBuffer(value == null ? new byte[0] : value);
        enqueue(future, () ->
        {
            final long correlationId = nextCorrelationId++;
            acquires.put(correlationId, future);
            if (!client.acquire(correlationId, nameBuffer, 0, nameBuffer.capacity(), kind, capacity, permits, thread,
                waitTimeoutNs, valueBuffer, 0, valueBuffer.capacity()))
            {
                acquires.remove(correlationId);
                future.completeExceptionally(new LockException(LockStatus.LIMIT, "too many requests in flight"));
            }
        });
        return future;
    }

    /** Releases from any thread (the calling thread's hold). */
    public CompletableFuture<Released> releaseAsync(final String name, final int kind, final int permits)
    {
        return releaseAsync(name, kind, permits, Thread.currentThread().getId());
    }

    public CompletableFuture<Released> releaseAsync(final String name, final int kind, final int permits, final long thread)
    {
        final CompletableFuture<Released> future = new CompletableFuture<>();
        final UnsafeBuffer nameBuffer = new UnsafeBuffer(name.getBytes(StandardCharsets.UTF_8));
        enqueue(future, () ->
        {
            final long correlationId = nextCorrelationId++;
            releases.put(correlationId, future);
            if (!client.release(correlationId, nameBuffer, 0, nameBuffer.capacity(), kind, permits, thread))
            {
                releases.remove(correlationId);
                future.completeExceptionally(new LockException(LockStatus.LIMIT, "too many requests in flight"));
            }
        });
        return future;
    }

    /** Runs {@code task} on the agent thread (for reading the co-located state machine). */
    public void execute(final Runnable task)
    {
        if (!tasks.offer(task))
        {
            throw new LockException(LockStatus.LIMIT, "task queue full");
        }
    }

    private void enqueue(final CompletableFuture<?> future, final Runnable task)
    {
        if (!tasks.offer(task))
        {
            future.completeExceptionally(new LockException(LockStatus.LIMIT, "task queue full"));
        }
    }

    /** Agent thread: runs queued requests, then the client's duty cycle. */
    public int doWork(final long nowNs)
    {
        client.doWork(nowNs);
        int work = tasks.drain(Runnable::run, 256);
        work += client.doWork(nowNs);
        return work;
    }

    /** @return the underlying client (agent thread only). */
    public LockClient client()
    {
        return client;
    }

    // ------------------------------------------------------------ LockClient.Handler (agent thread)

    @Override
    public void onGranted(final long correlationId, final long fence, final int holdCount)
    {
        final CompletableFuture<Long> future = acquires.remove(correlationId);
        if (future != null)
        {
            future.complete(fence);
        }
    }

    @Override
    public void onFailed(final long correlationId, final int status)
    {
        final CompletableFuture<Long> acquire = acquires.remove(correlationId);
        if (acquire != null)
        {
            acquire.completeExceptionally(LockException.of(status, "acquire failed"));
            return;
        }
        final CompletableFuture<Released> release = releases.remove(correlationId);
        if (release != null)
        {
            release.completeExceptionally(LockException.of(status, "release failed"));
        }
    }

    @Override
    public void onReleased(final long correlationId, final long fence, final int holdCount)
    {
        final CompletableFuture<Released> future = releases.remove(correlationId);
        if (future != null)
        {
            future.complete(new Released(fence, holdCount));
        }
    }

    @Override
    public void onLockLost(final DirectBuffer name, final int nameLength, final long fence)
    {
        final String lockName = name.getStringWithoutLengthUtf8(0, nameLength);
        for (final LockLostListener listener : lostListeners)
        {
            listener.onLockLost(lockName, fence);
        }
    }

    // ------------------------------------------------------------ LockEvents (agent thread)

    @Override
    public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
        client.onSessionOpened(index, sessionId, nonce, ttlNs);
    }

    @Override
    public void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
    {
        client.onKeepAlive(index, sessionId, sentAtNs);
    }

    @Override
    public void onSessionClosed(final long index, final long sessionId, final boolean expired)
    {
        client.onSessionClosed(index, sessionId, expired);
    }

    @Override
    public void onGranted(
        final long index, final long sessionId, final long requestId, final long thread,
        final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
    {
        client.onGranted(index, sessionId, requestId, thread, name, nameLength, fence, holdCount);
    }

    @Override
    public void onQueued(
        final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
    {
        client.onQueued(index, sessionId, requestId, name, nameLength, position);
    }

    @Override
    public void onFailed(final long index, final long sessionId, final long requestId, final int status)
    {
        client.onFailed(index, sessionId, requestId, status);
    }

    @Override
    public void onReleased(
        final long index, final long sessionId, final long requestId,
        final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
    {
        client.onReleased(index, sessionId, requestId, name, nameLength, fence, holdCount);
    }

    @Override
    public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
    {
        client.onLost(index, sessionId, name, nameLength, fence);
    }

    /** The co-located replica was restored from a snapshot: the client reconciles from it (see {@link LockClient}). */
    @Override
    public void onRestored(final LockStateMachine replica, final long index)
    {
        client.onRestored(replica, index);
    }
}
