package io.synod.lock;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several waits of one session and thread on one resource (asynchronous acquires), and the response
 * of an entry that lets waiters in. Found by {@link LockSnapshotRoundTripTest}: two queued reads of
 * one thread became two holds, which the snapshot decoder rightly refused as inconsistent.
 */
class LockWaitersTest
{
    private static final long MS = 1_000_000L;
    private static final int CAP = LockCommand.RW_CAPACITY;

    private final LockSnapshotRoundTripTest.Driver driver = new LockSnapshotRoundTripTest.Driver(5);

    private List<String> holders(final String name)
    {
        final List<String> result = new ArrayList<>();
        final UnsafeBuffer buffer = new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
        driver.machine.forEachHolder(buffer, 0, buffer.capacity(), (sessionId, thread, fence, permits, holdCount, value, length) ->
            result.add(sessionId + "/" + thread + " fence=" + fence + " permits=" + permits + " count=" + holdCount));
        return result;
    }

    private List<String> eventsAt(final long index)
    {
        final List<String> result = new ArrayList<>();
        for (final String line : driver.events.lines)
        {
            if (line.startsWith(index + " "))
            {
                result.add(line.substring(line.indexOf(' ') + 1));
            }
        }
        return result;
    }

    /** The state survives a snapshot round trip (the decoder's consistency checks accept it). */
    private void assertRestorable()
    {
        final LockSnapshotRoundTripTest.Recorder recorder = new LockSnapshotRoundTripTest.Recorder();
        final LockStateMachine restored = LockSnapshotRoundTripTest.Driver.newMachine(recorder);
        new io.synod.raft.SessionDriver(restored).decodeSessions(driver.sessionDriver.encodeSessions());
        final org.agrona.ExpandableArrayBuffer out = new org.agrona.ExpandableArrayBuffer(256);
        final int length = driver.machine.encodeSnapshot(out);
        restored.restore(new LockSnapshotRoundTripTest.BytesReader(java.util.Arrays.copyOf(out.byteArray(), length),
            new SplittableRandom(1)));
        assertEquals(LockSnapshotRoundTripTest.digest(driver.machine, driver.sessions),
            LockSnapshotRoundTripTest.digest(restored, driver.sessions));
    }

    @Test
    void shouldGrantQueuedReadsOfOneThreadAsOneReentrantHold()
    {
        driver.tick(1);
        final long writer = driver.open(5000 * MS);
        final long reader = driver.open(5000 * MS);
        assertEquals(LockStatus.GRANTED, driver.acquire(writer, 1, "rw", LockCommand.RW_LOCK, CAP, CAP, -1));
        final long writerFence = driver.responseFence();
        assertEquals(LockStatus.QUEUED, driver.acquire(reader, 7, "rw", LockCommand.RW_LOCK, CAP, 1, -1));
        final long first = driver.nextRequestId - 1;
        assertEquals(LockStatus.QUEUED, driver.acquire(reader, 7, "rw", LockCommand.RW_LOCK, CAP, 1, -1));
        final long second = driver.nextRequestId - 1;
        driver.release(writer, 1, "rw", LockCommand.RW_LOCK, CAP);
        final long fence = driver.index();
        assertEquals(List.of(
            "released " + writer + "/" + (second + 1) + " rw fence=" + writerFence + " remaining=0",
            "granted " + reader + "/" + first + "/7 rw fence=" + fence + " count=1",
            "granted " + reader + "/" + second + "/7 rw fence=" + fence + " count=2",
            "holders rw"), eventsAt(fence));
        assertEquals(List.of(reader + "/7 fence=" + fence + " permits=1 count=2"), holders("rw"));
        assertRestorable();
        driver.release(reader, 7, "rw", LockCommand.RW_LOCK, 1);
        driver.release(reader, 7, "rw", LockCommand.RW_LOCK, 1);
        assertTrue(holders("rw").isEmpty(), "two releases end the reentrant hold");
    }

    @Test
    void shouldGrantQueuedMutexAcquireOfTheNewHolderReentrantlyInTheSameEntry()
    {
        driver.tick(1);
        final long holder = driver.open(5000 * MS);
        final long other = driver.open(5000 * MS);
        assertEquals(LockStatus.GRANTED, driver.acquire(holder, 1, "m", LockCommand.MUTEX, 1, 1, -1));
        assertEquals(LockStatus.QUEUED, driver.acquire(other, 2, "m", LockCommand.MUTEX, 1, 1, -1));
        assertEquals(LockStatus.QUEUED, driver.acquire(other, 2, "m", LockCommand.MUTEX, 1, 1, -1));
        assertEquals(LockStatus.QUEUED, driver.acquire(holder, 3, "m", LockCommand.MUTEX, 1, 1, -1));
        assertEquals(LockStatus.QUEUED, driver.acquire(other, 2, "m", LockCommand.MUTEX, 1, 1, -1));
        driver.release(holder, 1, "m", LockCommand.MUTEX, 1);
        final long fence = driver.index();
        assertEquals(List.of(other + "/2 fence=" + fence + " permits=1 count=2"), holders("m"),
            "both queued acquires of the same thread, one after the other at the head, become one hold");
        assertEquals(2, driver.machine.waiterCount(new UnsafeBuffer("m".getBytes(StandardCharsets.US_ASCII)), 0, 1),
            "FIFO: the holder's other thread and the third acquire behind it still wait");
        assertRestorable();
    }

    @Test
    void shouldFailQueuedUpgradeAndAcquireBeyondHoldLimitWhenTheyReachTheHead()
    {
        driver.tick(1);
        final long writer = driver.open(5000 * MS);
        final long reader = driver.open(5000 * MS);
        assertEquals(LockStatus.GRANTED, driver.acquire(writer, 1, "rw", LockCommand.RW_LOCK, CAP, CAP, -1));
        driver.acquire(reader, 7, "rw", LockCommand.RW_LOCK, CAP, 1, -1);
        driver.acquire(reader, 7, "rw", LockCommand.RW_LOCK, CAP, CAP, -1);
        final long upgrade = driver.nextRequestId - 1;
        assertEquals(LockStatus.GRANTED, driver.acquire(writer, 2, "m", LockCommand.MUTEX, 1, 1, -1));
        for (int i = 0; i < 4; i++)
        {
            driver.acquire(reader, 9, "m", LockCommand.MUTEX, 1, 1, -1);
        }
        final long beyondLimit = driver.nextRequestId - 1;
        driver.release(writer, 1, "rw", LockCommand.RW_LOCK, CAP);
        assertTrue(eventsAt(driver.index()).contains("failed " + reader + "/" + upgrade + " ILLEGAL"),
            "an upgrade is refused as on the acquire path, instead of waiting at the head for ever");
        driver.release(writer, 2, "m", LockCommand.MUTEX, 1);
        final List<String> atRelease = eventsAt(driver.index());
        assertTrue(atRelease.contains("failed " + reader + "/" + beyondLimit + " HOLD_LIMIT"), atRelease.toString());
        assertEquals(List.of(reader + "/9 fence=" + driver.index() + " permits=1 count=3"), holders("m"));
        assertRestorable();
    }

    @Test
    void shouldAnswerReleaseThatLetsAWaiterInWithReleasedAndItsOwnFence()
    {
        driver.tick(1);
        final long a = driver.open(5000 * MS);
        final long b = driver.open(5000 * MS);
        assertEquals(LockStatus.GRANTED, driver.acquire(a, 1, "m", LockCommand.MUTEX, 1, 1, -1));
        final long fenceA = driver.responseFence();
        assertEquals(LockStatus.QUEUED, driver.acquire(b, 1, "m", LockCommand.MUTEX, 1, 1, -1));
        assertEquals(LockStatus.RELEASED, driver.release(a, 1, "m", LockCommand.MUTEX, 1));
        assertEquals(fenceA, driver.responseFence(), "the response is the RELEASE's own, not the waiter's grant");
        assertEquals(List.of(b + "/1 fence=" + driver.index() + " permits=1 count=1"), holders("m"));
    }
}
