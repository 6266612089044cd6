package io.synod.lock;

import io.synod.raft.testkit.LoopbackCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blocking API with real host threads. A driver thread runs a {@link LoopbackCluster} on virtual
 * time as fast as it can (no sleeps); host threads block on the locks.
 */
class FencedLocksTest
{
    private static final long MS = 1_000_000L;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean pauseClient = new AtomicBoolean(false);
    private final AtomicLong virtualNow = new AtomicLong();
    private Thread driver;

    private FencedLocks start(final long seed)
    {
        final LoopbackCluster[] clusterHolder = new LoopbackCluster[1];
        final long[] correlation = {1};
        final FencedLocks locks = new FencedLocks((type, sessionId, argument, b, o, l) ->
        {
            final int leader = clusterHolder[0].leader();
            if (leader != 0)
            {
                clusterHolder[0].agent(leader).proposeSession(LoopbackCluster.GROUP_ID, correlation[0]++, type, sessionId, argument,
                    b, o, l);
            }
            return true;
        }, seed, 1000 * MS, 700 * MS, 150 * MS);
        final LoopbackCluster cluster = new LoopbackCluster(3, seed, false,
            memberId -> memberId == 1 ? new LockStateMachine(locks) : new LockStateMachine(),
            config -> config.sessionTickIntervalNs(50 * MS),
            1 << 20, 64 << 20);
        clusterHolder[0] = cluster;
        final FencedLocks[] holder = {locks};
        driver = new Thread(() ->
        {
            while (running.get())
            {
                cluster.tick();
                final long now = cluster.clock().nanoTime();
                virtualNow.set(now);
                if (!pauseClient.get())
                {
                    holder[0].doWork(now);
                }
            }
        }, "sim-driver");
        driver.setDaemon(true);
        driver.start();
        return holder[0];
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        running.set(false);
        driver.join();
    }

    @Test
    void shouldExcludeHostThreadsAndIncreaseFences() throws Exception
    {
        final FencedLocks locks = start(11);
        final FencedLock lock = locks.lock("counter");
        final long[] counter = {0};
        final AtomicLong lastFence = new AtomicLong(-1);
        final AtomicLong violations = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            final Thread thread = new Thread(() ->
            {
                for (int i = 0; i < 25; i++)
                {
                    lock.lock();
                    try
                    {
                        final long fence = lock.fence();
                        if (fence <= lastFence.get())
                        {
                            violations.incrementAndGet();
                        }
                        lastFence.set(fence);
                        lock.lock();
                        if (lock.fence() != fence)
                        {
                            violations.incrementAndGet();
                        }
                        lock.unlock();
                        counter[0]++;
                    }
                    finally
                    {
                        lock.unlock();
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertEquals(100, counter[0]);
        assertEquals(0, violations.get());
        assertTrue(lock.tryLock());
        assertFalse(CompletableFuture.supplyAsync(lock::tryLock).get(), "another thread cannot take it");
        assertFalse(CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return lock.tryLock(200, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                throw new IllegalStateException(ex);
            }
        }).get(), "timed out in log time");
        lock.unlock();
    }

    @Test
    void shouldReleaseBlockedWaitsAndReportLossWhenClientStopsHeartbeating() throws Exception
    {
        final FencedLocks locks = start(12);
        final CompletableFuture<String> lost = new CompletableFuture<>();
        locks.addLockLostListener((name, fence) -> lost.complete(name + "@" + fence));
        final FencedLock lock = locks.lock("held");
        final long fence = lock.lockAndFence();
        final CompletableFuture<Long> blocked = locks.acquireAsync("held", LockCommand.MUTEX, 1, 1, -1, null, 999);
        final long queuedBy = virtualNow.get() + 200 * MS;
        while (virtualNow.get() < queuedBy)
        {
            Thread.onSpinWait();
        }
        assertFalse(blocked.isDone(), "queued behind the holder");
        pauseClient.set(true);
        // The client misses its keep-alives for 2 s of virtual time; on resuming, its lease has passed.
        final long pauseStart = virtualNow.get();
        while (virtualNow.get() - pauseStart < 2000 * MS)
        {
            Thread.onSpinWait();
        }
        pauseClient.set(false);
        assertEquals("held@" + fence, lost.get(10, TimeUnit.SECONDS));
        final CompletionException ex = assertThrows(CompletionException.class, blocked::join);
        assertInstanceOf(SessionExpiredException.class, ex.getCause());
        final long next = lock.lockAndFence();
        assertTrue(next > fence, "a new session gets a higher fence");
        lock.unlock();
    }
}
