package io.synod.lock;

import io.synod.raft.EntryType;
import io.synod.raft.RaftConfig;
import io.synod.raft.SessionDriver;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The read-only queries a co-located client reconciles from after a snapshot: the outcome a session
 * keeps (through the node's session facility) for each of its last {@code RaftConfig#sessionWindow} requests, the session of a nonce, and the
 * fence and count of a hold. Outcomes survive a snapshot round trip.
 */
class LockOutcomesTest
{
    private static final long MS = 1_000_000L;
    private static final int CAP = LockCommand.RW_CAPACITY;

    private static final int WINDOW = new RaftConfig().sessionWindow();

    private final LockSnapshotRoundTripTest.Driver driver = new LockSnapshotRoundTripTest.Driver(3);

    private static String outcome(final LockStateMachine machine, final long session, final long requestId)
    {
        final long outcome = machine.requestOutcome(session, requestId);
        return outcome == LockStateMachine.OUTCOME_NONE ? "NONE" :
            LockStatus.name(LockStateMachine.outcomeStatus(outcome)) + "@" + LockStateMachine.outcomeFence(outcome);
    }

    private String outcome(final long session, final long requestId)
    {
        return outcome(driver.machine, session, requestId);
    }

    private static UnsafeBuffer name(final String name)
    {
        return new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
    }

    private LockStateMachine restoredCopy()
    {
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
        final int length = driver.machine.encodeSnapshot(out);
        final LockStateMachine restored = LockSnapshotRoundTripTest.Driver.newMachine(LockEvents.NONE);
        new SessionDriver(restored).decodeSessions(driver.sessionDriver.encodeSessions());
        restored.restore(new LockSnapshotRoundTripTest.BytesReader(Arrays.copyOf(out.byteArray(), length), new SplittableRandom(1)));
        return restored;
    }

    @Test
    void shouldKeepEachRequestsOutcomeAndUpdateItWhenAWaitIsDecided()
    {
        driver.tick(1000 * MS);
        final long a = driver.open(10_000 * MS);
        final long b = driver.open(10_000 * MS);
        final long c = driver.open(10_000 * MS);

        driver.acquire(a, 1, "m", LockCommand.MUTEX, 1, 1, -1);
        final long grantA = driver.nextRequestId - 1;
        final long fenceA = driver.index();
        driver.acquire(a, 1, "m", LockCommand.MUTEX, 1, 1, -1);
        final long reentrant = driver.nextRequestId - 1;
        driver.acquire(b, 1, "m", LockCommand.MUTEX, 1, 1, -1);
        final long waitB = driver.nextRequestId - 1;
        driver.acquire(c, 1, "m", LockCommand.MUTEX, 1, 1, 100 * MS);
        final long waitC = driver.nextRequestId - 1;
        driver.acquire(c, 2, "m", LockCommand.MUTEX, 1, 1, 0);
        final long tryC = driver.nextRequestId - 1;
        driver.release(c, 3, "m", LockCommand.MUTEX, 1);
        final long notHeld = driver.nextRequestId - 1;

        assertEquals("GRANTED@" + fenceA, outcome(a, grantA));
        assertEquals("GRANTED@" + fenceA, outcome(a, reentrant), "a reentrant grant keeps the hold's fence");
        assertEquals("QUEUED@0", outcome(b, waitB));
        assertEquals("QUEUED@0", outcome(c, waitC));
        assertEquals("WOULD_BLOCK@0", outcome(c, tryC));
        assertEquals("NOT_HELD@0", outcome(c, notHeld));
        assertEquals("NONE", outcome(a, driver.nextRequestId), "not applied yet");
        assertEquals(2, driver.machine.holdCount(name("m"), 0, 1, a, 1));
        assertEquals(fenceA, driver.machine.holdFence(name("m"), 0, 1, a, 1));
        assertEquals(-1, driver.machine.holdFence(name("m"), 0, 1, b, 1));
        assertEquals(0, driver.machine.holdCount(name("zz"), 0, 2, a, 1));

        driver.tick(200 * MS);
        assertEquals("TIMED_OUT@0", outcome(c, waitC), "a wait decided later updates its outcome");
        driver.release(a, 1, "m", LockCommand.MUTEX, 1);
        assertEquals("RELEASED@" + fenceA, outcome(a, driver.nextRequestId - 1));
        driver.release(a, 1, "m", LockCommand.MUTEX, 1);
        final long fenceB = driver.index();
        assertEquals("GRANTED@" + fenceB, outcome(b, waitB));

        // A retried request is answered from its kept outcome, applies nothing and leaves the outcome as it was.
        final Object[] retry = driver.sent.get((int)(waitB - 1));
        final byte[] bytes = (byte[])retry[2];
        driver.buffer.putBytes(0, bytes);
        final int eventsBefore = driver.events.lines.size();
        assertEquals(LockStatus.GRANTED, driver.apply(EntryType.SESSION_COMMAND, b, waitB, bytes.length));
        assertEquals(fenceB, driver.responseFence());
        assertEquals(eventsBefore, driver.events.lines.size());
        assertEquals("GRANTED@" + fenceB, outcome(b, waitB));

        final LockStateMachine restored = restoredCopy();
        for (final long session : new long[]{a, b, c})
        {
            for (long requestId = 1; requestId <= driver.nextRequestId; requestId++)
            {
                assertEquals(outcome(session, requestId), outcome(restored, session, requestId), session + "/" + requestId);
            }
        }
        assertEquals(1, restored.holdCount(name("m"), 0, 1, b, 1));
        assertEquals(fenceB, restored.holdFence(name("m"), 0, 1, b, 1));

        driver.close(b);
        assertEquals("NONE", outcome(b, waitB), "a session's outcomes go with it");
    }

    @Test
    void shouldKeepOutcomesOfTheLastWindowOfRequestIds()
    {
        driver.tick(1000 * MS);
        final long a = driver.open(10_000 * MS);
        final long first = driver.nextRequestId;
        for (int i = 0; i < WINDOW + 10; i++)
        {
            driver.acquire(a, 1, "s", LockCommand.SEMAPHORE, 1000, 1, 0);
        }
        final long last = driver.nextRequestId - 1;
        for (long requestId = first; requestId <= last; requestId++)
        {
            final String expected = requestId > last - WINDOW ? "GRANTED" : "NONE";
            assertEquals(expected, outcome(a, requestId).split("@")[0], "request " + requestId);
        }
        assertEquals(WINDOW + 10, driver.machine.holdCount(name("s"), 0, 1, a, 1), "semaphore: permits");
        assertEquals(outcome(a, last), outcome(restoredCopy(), a, last));
    }

    @Test
    void shouldFindTheSessionOfANonceAndHoldsOfEveryKind()
    {
        driver.tick(1000 * MS);
        final long a = driver.open(42, 10_000 * MS);
        assertEquals(a, driver.machine.sessionForNonce(42));
        assertEquals(0, driver.machine.sessionForNonce(43));
        driver.acquire(a, 5, "rw", LockCommand.RW_LOCK, CAP, 1, -1);
        final long readFence = driver.index();
        driver.acquire(a, 5, "rw", LockCommand.RW_LOCK, CAP, 1, -1);
        driver.acquire(a, 6, "sem", LockCommand.SEMAPHORE, 5, 2, -1);
        driver.acquire(a, 6, "sem", LockCommand.SEMAPHORE, 5, 3, -1);
        final long semFence = driver.index();
        assertEquals(2, driver.machine.holdCount(name("rw"), 0, 2, a, 5));
        assertEquals(readFence, driver.machine.holdFence(name("rw"), 0, 2, a, 5));
        assertEquals(5, driver.machine.holdCount(name("sem"), 0, 3, a, 6));
        assertEquals(semFence, driver.machine.holdFence(name("sem"), 0, 3, a, 6), "a semaphore hold's fence is its latest grant");
        driver.close(a);
        assertEquals(0, driver.machine.sessionForNonce(42));
        assertEquals(0, driver.machine.holdCount(name("rw"), 0, 2, a, 5));
    }
}
