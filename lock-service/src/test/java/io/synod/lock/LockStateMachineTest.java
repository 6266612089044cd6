package io.synod.lock;

import io.synod.raft.SessionDriver;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LockStateMachineTest
{
    private static final long MS = 1_000_000L;
    private final List<String> events = new ArrayList<>();
    private final LockStateMachine machine = new LockStateMachine(new LockEvents()
    {
        @Override
        public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
        {
            events.add("opened " + sessionId);
        }

        @Override
        public void onSessionClosed(final long index, final long sessionId, final boolean expired)
        {
            events.add((expired ? "expired " : "closed ") + sessionId);
        }

        @Override
        public void onGranted(
            final long index, final long sessionId, final long requestId, final long thread,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            events.add("granted " + sessionId + "/" + requestId + " fence=" + fence + " count=" + holdCount);
        }

        @Override
        public void onQueued(
            final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
        {
            events.add("queued " + sessionId + "/" + requestId + " at " + position);
        }

        @Override
        public void onFailed(final long index, final long sessionId, final long requestId, final int status)
        {
            events.add("failed " + sessionId + "/" + requestId + " " + LockStatus.name(status));
        }

        @Override
        public void onReleased(
            final long index, final long sessionId, final long requestId,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            events.add("released " + sessionId + "/" + requestId + " remaining=" + holdCount);
        }

        @Override
        public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
        {
            events.add("lost " + sessionId + " fence=" + fence);
        }
    }, 3, 100, 100);
    private final SessionDriver driver = new SessionDriver(machine);
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LockCommand.MAX_LENGTH]);
    private final LockCommand command = new LockCommand();
    private long index;
    private long term = 1;

    private void apply(final int length)
    {
        driver.term(term).command(session, request, timeNs, buffer, 0, length);
        index = driver.index();
    }

    private long session;
    private long request;
    private long timeNs;

    private void tick(final long timeNs)
    {
        this.timeNs = timeNs;
        driver.term(term).tick(timeNs);
        index = driver.index();
    }

    private long open(final long nonce, final long ttlNs)
    {
        final long id = driver.term(term).open(nonce, ttlNs, timeNs);
        index = driver.index();
        return id;
    }

    private void acquire(final long session, final long request, final long thread, final String name, final int kind,
        final int capacity, final int permits, final long waitNs)
    {
        final UnsafeBuffer nameBuffer = new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
        this.session = session;
        this.request = request;
        command.wrap(buffer, 0).type(LockCommand.ACQUIRE).thread(thread)
            .waitTimeoutNs(waitNs).kind(kind).capacity(capacity).permits(permits);
        apply(command.nameAndValue(nameBuffer, 0, nameBuffer.capacity(), nameBuffer, 0, 0));
    }

    private void release(final long session, final long request, final long thread, final String name, final int permits)
    {
        final UnsafeBuffer nameBuffer = new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
        this.session = session;
        this.request = request;
        command.wrap(buffer, 0).type(LockCommand.RELEASE).thread(thread)
            .waitTimeoutNs(0).kind(LockCommand.MUTEX).capacity(permits).permits(permits);
        apply(command.nameAndValue(nameBuffer, 0, nameBuffer.capacity(), nameBuffer, 0, 0));
    }

    private String last()
    {
        return events.get(events.size() - 1);
    }

    @Test
    void shouldGrantWithFenceEqualToLogIndexAndQueueFifo()
    {
        tick(1000 * MS);
        final long a = open(1, 1000 * MS);
        final long b = open(2, 1000 * MS);
        final long c = open(3, 1000 * MS);
        acquire(a, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        assertEquals("granted " + a + "/1 fence=" + index + " count=1", last());
        acquire(b, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        assertEquals("queued " + b + "/1 at 0", last());
        acquire(c, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        assertEquals("queued " + c + "/1 at 1", last());
        release(a, 2, 1, "x", 1);
        assertEquals("granted " + b + "/1 fence=" + index + " count=1", last());
        release(b, 2, 1, "x", 1);
        assertEquals("granted " + c + "/1 fence=" + index + " count=1", last());
    }

    @Test
    void shouldBeReentrantForSameSessionAndThreadUpToTheHoldLimit()
    {
        tick(1000 * MS);
        final long a = open(1, 1000 * MS);
        acquire(a, 1, 7, "x", LockCommand.MUTEX, 1, 1, -1);
        final long fence = index;
        acquire(a, 2, 7, "x", LockCommand.MUTEX, 1, 1, -1);
        assertEquals("granted " + a + "/2 fence=" + fence + " count=2", last());
        acquire(a, 3, 7, "x", LockCommand.MUTEX, 1, 1, -1);
        acquire(a, 4, 7, "x", LockCommand.MUTEX, 1, 1, -1);
        assertEquals("failed " + a + "/4 HOLD_LIMIT", last());
        acquire(a, 5, 8, "x", LockCommand.MUTEX, 1, 1, 0);
        assertEquals("failed " + a + "/5 WOULD_BLOCK", last(), "another thread of the same session is not reentrant");
        release(a, 6, 7, "x", 1);
        assertEquals("released " + a + "/6 remaining=2", last());
    }

    @Test
    void shouldDropDuplicateRequests()
    {
        tick(1000 * MS);
        final long a = open(1, 1000 * MS);
        acquire(a, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        final int before = events.size();
        acquire(a, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        assertEquals(before, events.size());
        open(1, 1000 * MS);
        assertEquals("opened " + a, last(), "a retried OPEN answers the original session");
    }

    @Test
    void shouldExpireSessionOnLeaderTickReleasingLocksAndWaits()
    {
        tick(1000 * MS);
        final long a = open(1, 500 * MS);
        final long b = open(2, 5000 * MS);
        acquire(a, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        acquire(b, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        tick(1400 * MS);
        assertTrue(machine.hasSession(a));
        tick(1600 * MS);
        assertTrue(!machine.hasSession(a));
        assertTrue(events.contains("lost " + a + " fence=" + (a + 2)));
        assertTrue(events.contains("expired " + a));
        assertTrue(events.contains("granted " + b + "/1 fence=" + index + " count=1"));
    }

    @Test
    void shouldRenewEverySessionOnFirstTickOfNewTerm()
    {
        tick(1000 * MS);
        final long a = open(1, 500 * MS);
        term = 2;
        tick(5000 * MS);
        assertTrue(machine.hasSession(a), "a new leader's first tick renews");
        tick(5400 * MS);
        assertTrue(machine.hasSession(a));
        tick(5600 * MS);
        assertTrue(!machine.hasSession(a));
    }

    @Test
    void shouldTimeOutWaitsInLogTime()
    {
        tick(1000 * MS);
        final long a = open(1, 10_000 * MS);
        final long b = open(2, 10_000 * MS);
        acquire(a, 1, 1, "x", LockCommand.MUTEX, 1, 1, -1);
        acquire(b, 1, 1, "x", LockCommand.MUTEX, 1, 1, 200 * MS);
        tick(1100 * MS);
        assertEquals("queued " + b + "/1 at 0", last());
        tick(1300 * MS);
        assertEquals("failed " + b + "/1 TIMED_OUT", last());
    }

    @Test
    void shouldShareReadsAndExcludeWritesInReadWriteLock()
    {
        tick(1000 * MS);
        final long a = open(1, 10_000 * MS);
        final long b = open(2, 10_000 * MS);
        final long c = open(3, 10_000 * MS);
        final int cap = LockCommand.RW_CAPACITY;
        acquire(a, 1, 1, "rw", LockCommand.RW_LOCK, cap, 1, -1);
        acquire(b, 1, 1, "rw", LockCommand.RW_LOCK, cap, 1, -1);
        assertTrue(last().startsWith("granted " + b), "two readers");
        acquire(c, 1, 1, "rw", LockCommand.RW_LOCK, cap, cap, -1);
        assertEquals("queued " + c + "/1 at 0", last());
        acquire(a, 2, 2, "rw", LockCommand.RW_LOCK, cap, 1, -1);
        assertEquals("queued " + a + "/2 at 1", last(), "a reader behind a waiting writer waits (FIFO)");
        release(a, 3, 1, "rw", 1);
        release(b, 2, 1, "rw", 1);
        assertTrue(events.get(events.size() - 2).startsWith("released"));
        assertEquals("granted " + c + "/1 fence=" + index + " count=1", last());
        release(c, 2, 1, "rw", cap);
        assertEquals("granted " + a + "/2 fence=" + index + " count=1", last());
    }

    @Test
    void shouldCountSemaphorePermitsAndReleaseThemWithTheSession()
    {
        tick(1000 * MS);
        final long a = open(1, 500 * MS);
        final long b = open(2, 10_000 * MS);
        acquire(a, 1, 1, "s", LockCommand.SEMAPHORE, 3, 2, -1);
        assertTrue(last().startsWith("granted " + a));
        acquire(b, 1, 1, "s", LockCommand.SEMAPHORE, 3, 2, -1);
        assertEquals("queued " + b + "/1 at 0", last());
        acquire(b, 2, 2, "s", LockCommand.SEMAPHORE, 3, 1, 0);
        assertEquals("failed " + b + "/2 WOULD_BLOCK", last(), "no barging past a waiter");
        tick(1600 * MS);
        assertTrue(events.contains("expired " + a));
        assertTrue(events.contains("granted " + b + "/1 fence=" + index + " count=2"));
    }
}
