package io.synod.lock;

import io.synod.raft.EntryType;
import io.synod.raft.ProposalHandler;
import io.synod.raft.Seeds;
import io.synod.raft.SessionDriver;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link LockStateMachine} restored from another's snapshot is the same state machine: it encodes to
 * the same bytes, reads back the same through every query, and given the same further commands (ticks
 * that expire sessions and time out waits included) reports the same events and responses at the same
 * indexes. A snapshot that was bit-flipped or truncated is refused with a clear error and leaves the
 * machine empty.
 */
class LockSnapshotRoundTripTest
{
    private static final long MS = 1_000_000L;
    private static final int MAX_HOLD_COUNT = 3;
    private static final String[] MUTEXES = {"m0", "m1", "m2"};
    private static final String[] SEMAPHORES = {"s0", "s1"};
    private static final String[] RW_LOCKS = {"r0", "r1"};
    private static final int SEMAPHORE_CAPACITY = 3;

    /** Records every event of one machine as a line. */
    static final class Recorder implements LockEvents
    {
        final List<String> lines = new ArrayList<>();
        final List<Long> restoredAt = new ArrayList<>();

        private static String str(final DirectBuffer name, final int length)
        {
            return name.getStringWithoutLengthAscii(0, length);
        }

        @Override
        public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
        {
            lines.add(index + " opened " + sessionId + " nonce=" + nonce + " ttl=" + ttlNs);
        }

        @Override
        public void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
        {
            lines.add(index + " keepalive " + sessionId + " " + sentAtNs);
        }

        @Override
        public void onSessionClosed(final long index, final long sessionId, final boolean expired)
        {
            lines.add(index + (expired ? " expired " : " closed ") + sessionId);
        }

        @Override
        public void onGranted(
            final long index, final long sessionId, final long requestId, final long thread,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            lines.add(index + " granted " + sessionId + "/" + requestId + "/" + thread + " " + str(name, nameLength) +
                " fence=" + fence + " count=" + holdCount);
        }

        @Override
        public void onQueued(
            final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
        {
            lines.add(index + " queued " + sessionId + "/" + requestId + " " + str(name, nameLength) + " at " + position);
        }

        @Override
        public void onFailed(final long index, final long sessionId, final long requestId, final int status)
        {
            lines.add(index + " failed " + sessionId + "/" + requestId + " " + LockStatus.name(status));
        }

        @Override
        public void onReleased(
            final long index, final long sessionId, final long requestId,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            lines.add(index + " released " + sessionId + "/" + requestId + " " + str(name, nameLength) +
                " fence=" + fence + " remaining=" + holdCount);
        }

        @Override
        public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
        {
            lines.add(index + " lost " + sessionId + " " + str(name, nameLength) + " fence=" + fence);
        }

        @Override
        public void onHoldersChanged(final long index, final DirectBuffer name, final int nameLength)
        {
            lines.add(index + " holders " + str(name, nameLength));
        }

        @Override
        public void onRestored(final LockStateMachine replica, final long index)
        {
            restoredAt.add(index);
        }
    }

    /** A snapshot stream read back in chunks of random size, as the node's store hands it out. */
    static final class BytesReader implements SnapshotReader
    {
        private final byte[] bytes;
        private final SplittableRandom random;
        private int position;

        BytesReader(final byte[] bytes, final SplittableRandom random)
        {
            this.bytes = bytes;
            this.random = random;
        }

        @Override
        public long length()
        {
            return bytes.length;
        }

        @Override
        public long position()
        {
            return position;
        }

        @Override
        public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
        {
            if (position >= bytes.length)
            {
                return -1;
            }
            final int n = Math.min(Math.min(maxBytes, 1 + random.nextInt(300)), bytes.length - position);
            buffer.putBytes(offset, bytes, position, n);
            position += n;
            return n;
        }
    }

    /**
     * Drives one or two machines with identical session entries (through the node's session facility, as
     * a replica applies them), generated from a seed and the first machine's state.
     */
    static final class Driver
    {
        final SplittableRandom random;
        final LockStateMachine machine;
        final SessionDriver sessionDriver;
        final Recorder events = new Recorder();
        LockStateMachine twin;
        SessionDriver twinDriver;
        final Recorder twinEvents = new Recorder();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LockCommand.MAX_LENGTH]);
        final LockCommand command = new LockCommand();
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(64);
        final List<Long> sessions = new ArrayList<>();
        final List<Long> silent = new ArrayList<>();
        /** Requests sent: session, request id, then the command bytes (for retries). */
        final List<Object[]> sent = new ArrayList<>();
        final List<Long> nonces = new ArrayList<>();
        long nextRequestId = 1;
        long term = 1;
        long timeNs = 1000 * MS;

        Driver(final long seed)
        {
            this.random = new SplittableRandom(seed);
            this.machine = newMachine(events);
            this.sessionDriver = new SessionDriver(machine);
        }

        static LockStateMachine newMachine(final LockEvents events)
        {
            final LockStateMachine machine = new LockStateMachine(events, MAX_HOLD_COUNT, 1000, 1000);
            new SessionDriver(machine); // gives it a (empty) session table; a driver of its own replaces it
            return machine;
        }

        /** The twin takes over from a restore: the same session table, the same next index. */
        void twin(final LockStateMachine restored)
        {
            twin = restored;
            twinDriver = new SessionDriver(restored);
            twinDriver.decodeSessions(sessionDriver.encodeSessions());
            twinDriver.skipTo(sessionDriver.index() + 1);
        }

        long index()
        {
            return sessionDriver.index();
        }

        /**
         * Applies a session entry (the command in {@link #buffer}, if any) to the machine and its twin at the
         * next index. @return the lock status: the response's, or what the node's refusal means.
         */
        int apply(final int type, final long sessionId, final long argument, final int length)
        {
            // Other entries (no-ops, configuration) in between, sometimes.
            final long next = sessionDriver.index() + (random.nextInt(8) == 0 ? 2 + random.nextInt(3) : 1);
            final int eventsBefore = events.lines.size();
            sessionDriver.skipTo(next);
            sessionDriver.term(term);
            final int reason = sessionDriver.apply(type, timeNs, sessionId, argument, buffer, 0, length);
            final int responseLength = sessionDriver.responseLength();
            response.putBytes(0, sessionDriver.response(), 0, responseLength);
            if (twin != null)
            {
                final int twinEventsBefore = twinEvents.lines.size();
                twinDriver.skipTo(next);
                twinDriver.term(term);
                assertEquals(reason, twinDriver.apply(type, timeNs, sessionId, argument, buffer, 0, length), "refusal at " + next);
                assertEquals(responseLength, twinDriver.responseLength());
                for (int i = 0; i < responseLength; i++)
                {
                    if (response.getByte(i) != twinDriver.response().getByte(i))
                    {
                        throw new AssertionError("responses differ at index " + next);
                    }
                }
                assertEquals(events.lines.subList(eventsBefore, events.lines.size()),
                    twinEvents.lines.subList(twinEventsBefore, twinEvents.lines.size()), "events at index " + next);
            }
            switch (reason)
            {
                case 0:
                    return type == EntryType.SESSION_COMMAND && responseLength == LockStateMachine.RESPONSE_LENGTH ?
                        response.getInt(0, java.nio.ByteOrder.LITTLE_ENDIAN) : LockStatus.GRANTED;
                case ProposalHandler.SESSION_LIMIT:
                    return LockStatus.LIMIT;
                default:
                    return LockStatus.SESSION_EXPIRED;
            }
        }

        long responseFence()
        {
            return response.getLong(4, java.nio.ByteOrder.LITTLE_ENDIAN);
        }

        void tick(final long advanceNs)
        {
            timeNs += advanceNs;
            apply(EntryType.SESSION_TICK, 0, 0, 0);
        }

        long open(final long ttlNs)
        {
            final long nonce = random.nextLong();
            nonces.add(nonce);
            return open(nonce, ttlNs);
        }

        long open(final long nonce, final long ttlNs)
        {
            if (apply(EntryType.SESSION_OPEN, nonce, ttlNs, 0) != LockStatus.GRANTED)
            {
                return 0;
            }
            final long sessionId = response.getLong(0, java.nio.ByteOrder.LITTLE_ENDIAN);
            if (sessionId == index())
            {
                sessions.add(sessionId); // new; else a retried OPEN found the live session by its nonce
            }
            return sessionId;
        }

        void keepAlive(final long sessionId)
        {
            apply(EntryType.SESSION_KEEPALIVE, sessionId, timeNs, 0);
        }

        void close(final long sessionId)
        {
            apply(EntryType.SESSION_CLOSE, sessionId, 0, 0);
        }

        int acquire(final long session, final long thread, final String name, final int kind, final int capacity,
            final int permits, final long waitNs)
        {
            final byte[] value = new byte[random.nextInt(24)];
            random.nextBytes(value);
            final UnsafeBuffer nameBuffer = new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
            command.wrap(buffer, 0).type(LockCommand.ACQUIRE).thread(thread)
                .waitTimeoutNs(waitNs).kind(kind).capacity(capacity).permits(permits);
            return applyRemembered(session, command.nameAndValue(nameBuffer, 0, nameBuffer.capacity(), new UnsafeBuffer(value), 0,
                value.length));
        }

        int release(final long session, final long thread, final String name, final int kind, final int permits)
        {
            final UnsafeBuffer nameBuffer = new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
            command.wrap(buffer, 0).type(LockCommand.RELEASE).thread(thread)
                .waitTimeoutNs(0).kind(kind).capacity(permits).permits(permits);
            return applyRemembered(session, command.nameAndValue(nameBuffer, 0, nameBuffer.capacity(), nameBuffer, 0, 0));
        }

        private int applyRemembered(final long session, final int length)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(0, copy);
            final long requestId = nextRequestId++;
            sent.add(new Object[]{session, requestId, copy});
            return apply(EntryType.SESSION_COMMAND, session, requestId, length);
        }

        long anySession()
        {
            if (sessions.isEmpty() || random.nextInt(20) == 0)
            {
                return 1 + random.nextLong(Math.max(1, index())); // possibly dead or never opened
            }
            for (int tries = 0; tries < 4; tries++)
            {
                final long session = sessions.get(random.nextInt(sessions.size()));
                if (machine.hasSession(session))
                {
                    return session;
                }
            }
            return sessions.get(random.nextInt(sessions.size()));
        }

        /** One random command, chosen with the machine's current state in view. */
        void randomStep()
        {
            final int dice = random.nextInt(100);
            if (dice < 14)
            {
                if (random.nextInt(25) == 0)
                {
                    term++;
                }
                tick(random.nextLong(1, 150) * MS);
            }
            else if (dice < 22)
            {
                if (!nonces.isEmpty() && random.nextInt(5) == 0)
                {
                    open(nonces.get(random.nextInt(nonces.size())), 1000 * MS); // a retried OPEN
                }
                else
                {
                    final long[] ttls = {300 * MS, 1000 * MS, 5000 * MS};
                    final long session = open(ttls[random.nextInt(ttls.length)]);
                    if (session != 0 && random.nextInt(4) == 0)
                    {
                        silent.add(session); // its client stops heart-beating: it will expire
                    }
                }
            }
            else if (dice < 36)
            {
                for (final long session : sessions)
                {
                    if (!silent.contains(session) && machine.hasSession(session))
                    {
                        keepAlive(session);
                    }
                }
            }
            else if (dice < 38)
            {
                close(anySession());
            }
            else if (dice < 72)
            {
                randomAcquire();
            }
            else if (dice < 94)
            {
                randomRelease();
            }
            else if (dice < 98)
            {
                if (!sent.isEmpty())
                {
                    // A retried ACQUIRE or RELEASE: answered from the kept outcome, or refused as stale.
                    final Object[] again = sent.get(random.nextInt(sent.size()));
                    final byte[] bytes = (byte[])again[2];
                    buffer.putBytes(0, bytes);
                    apply(EntryType.SESSION_COMMAND, (Long)again[0], (Long)again[1], bytes.length);
                }
            }
            else
            {
                final int length = 1 + random.nextInt(40);
                for (int i = 0; i < length; i++)
                {
                    buffer.putByte(i, (byte)random.nextInt());
                }
                apply(EntryType.SESSION_COMMAND, anySession(), nextRequestId++, length); // garbage: counted as malformed
            }
        }

        long randomWait()
        {
            final int dice = random.nextInt(10);
            return dice < 4 ? -1 : dice < 6 ? 0 : random.nextLong(20, 600) * MS;
        }

        void randomAcquire()
        {
            final long session = anySession();
            final long thread = 1 + random.nextInt(3);
            final int kind = 1 + random.nextInt(3);
            switch (kind)
            {
                case LockCommand.MUTEX:
                    acquire(session, thread, MUTEXES[random.nextInt(MUTEXES.length)], kind, 1, 1, randomWait());
                    break;
                case LockCommand.SEMAPHORE:
                    acquire(session, thread, SEMAPHORES[random.nextInt(SEMAPHORES.length)], kind, SEMAPHORE_CAPACITY,
                        1 + random.nextInt(SEMAPHORE_CAPACITY), randomWait());
                    break;
                default:
                    acquire(session, thread, RW_LOCKS[random.nextInt(RW_LOCKS.length)], kind, LockCommand.RW_CAPACITY,
                        random.nextBoolean() ? 1 : LockCommand.RW_CAPACITY, randomWait());
                    break;
            }
        }

        void randomRelease()
        {
            final String[][] all = {MUTEXES, SEMAPHORES, RW_LOCKS};
            final int kind = 1 + random.nextInt(3);
            final String name = all[kind - 1][random.nextInt(all[kind - 1].length)];
            final UnsafeBuffer nameBuffer = new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
            final List<long[]> holders = new ArrayList<>();
            machine.forEachHolder(nameBuffer, 0, nameBuffer.capacity(),
                (sessionId, thread, fence, permits, holdCount, value, valueLength) ->
                    holders.add(new long[]{sessionId, thread, permits}));
            if (holders.isEmpty() || random.nextInt(10) == 0)
            {
                release(anySession(), 1 + random.nextInt(3), name, kind, 1); // NOT_HELD, or a lucky guess
                return;
            }
            final long[] holder = holders.get(random.nextInt(holders.size()));
            final int permits = kind == LockCommand.SEMAPHORE ? 1 + random.nextInt((int)holder[2]) : (int)holder[2];
            release(holder[0], holder[1], name, kind, permits);
        }

        /**
         * A state with every feature in it at once: reentrant holds, FIFO waiters with and without
         * deadlines on a mutex, a semaphore with two holders and a waiter, a read-write lock with two
         * readers, a waiting writer and a reader behind it, and a short-lived holder about to expire.
         */
        void script()
        {
            tick(1);
            final long a = open(5000 * MS);
            final long b = open(5000 * MS);
            final long c = open(5000 * MS);
            final long d = open(300 * MS); // will expire after the snapshot unless kept alive
            assertTrue(a > 0 && b > 0 && c > 0 && d > 0);
            assertEquals(LockStatus.GRANTED, acquire(a, 1, "x-mutex", LockCommand.MUTEX, 1, 1, -1));
            assertEquals(LockStatus.GRANTED, acquire(a, 1, "x-mutex", LockCommand.MUTEX, 1, 1, -1));
            assertEquals(LockStatus.QUEUED, acquire(b, 1, "x-mutex", LockCommand.MUTEX, 1, 1, 400 * MS));
            assertEquals(LockStatus.QUEUED, acquire(c, 2, "x-mutex", LockCommand.MUTEX, 1, 1, -1));
            assertEquals(LockStatus.QUEUED, acquire(d, 1, "x-mutex", LockCommand.MUTEX, 1, 1, 100 * MS));
            assertEquals(LockStatus.GRANTED, acquire(a, 1, "x-sem", LockCommand.SEMAPHORE, 3, 1, -1));
            assertEquals(LockStatus.GRANTED, acquire(d, 1, "x-sem", LockCommand.SEMAPHORE, 3, 2, -1));
            assertEquals(LockStatus.QUEUED, acquire(b, 1, "x-sem", LockCommand.SEMAPHORE, 3, 2, 250 * MS));
            final int cap = LockCommand.RW_CAPACITY;
            assertEquals(LockStatus.GRANTED, acquire(b, 3, "x-rw", LockCommand.RW_LOCK, cap, 1, -1));
            assertEquals(LockStatus.GRANTED, acquire(c, 3, "x-rw", LockCommand.RW_LOCK, cap, 1, -1));
            assertEquals(LockStatus.GRANTED, acquire(c, 3, "x-rw", LockCommand.RW_LOCK, cap, 1, -1));
            assertEquals(LockStatus.QUEUED, acquire(a, 3, "x-rw", LockCommand.RW_LOCK, cap, cap, 500 * MS));
            assertEquals(LockStatus.QUEUED, acquire(d, 3, "x-rw", LockCommand.RW_LOCK, cap, 1, -1));
            assertEquals(LockStatus.GRANTED, acquire(d, 2, "x-d-only", LockCommand.MUTEX, 1, 1, -1));
            assertEquals(LockStatus.QUEUED, acquire(a, 2, "x-d-only", LockCommand.MUTEX, 1, 1, 2000 * MS));
            silent.add(d);
        }
    }

    private static byte[] snapshotBytes(final LockStateMachine machine, final SplittableRandom random)
    {
        final SnapshotSource source = machine.snapshot();
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
        final UnsafeBuffer chunk = new UnsafeBuffer(new byte[512]);
        int length = 0;
        int read;
        while ((read = source.read(chunk, 0, 64 + random.nextInt(448))) >= 0)
        {
            assertTrue(read > 0, "a source writes at least one byte or ends");
            out.putBytes(length, chunk, 0, read);
            length += read;
        }
        return Arrays.copyOf(out.byteArray(), length);
    }

    private static byte[] encoded(final LockStateMachine machine)
    {
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
        final int length = machine.encodeSnapshot(out);
        return Arrays.copyOf(out.byteArray(), length);
    }

    /** What the public queries say about a machine, as text (independent of the snapshot encoding). */
    static String digest(final LockStateMachine machine, final List<Long> sessionIds)
    {
        return digest(machine, sessionIds, 0);
    }

    static String digest(final LockStateMachine machine, final List<Long> sessionIds, final long maxRequestId)
    {
        final StringBuilder out = new StringBuilder();
        out.append("applied=").append(machine.lastAppliedIndex()).append(" logTime=").append(machine.logTimeNs())
            .append(" sessions=").append(machine.sessionCount()).append(" malformed=").append(machine.malformedCommands()).append('\n');
        for (final long sessionId : sessionIds)
        {
            if (machine.hasSession(sessionId))
            {
                out.append("session ").append(sessionId).append(" active=").append(machine.sessionLastActiveNs(sessionId))
                    .append(" outcomes=");
                for (long requestId = 1; requestId <= maxRequestId; requestId++)
                {
                    final long outcome = machine.requestOutcome(sessionId, requestId);
                    if (outcome != LockStateMachine.OUTCOME_NONE)
                    {
                        out.append(requestId).append(':').append(LockStateMachine.outcomeStatus(outcome)).append('@')
                            .append(LockStateMachine.outcomeFence(outcome)).append(' ');
                    }
                }
                out.append('\n');
            }
        }
        machine.forEachResource((name, nameLength, kind, capacity, used, holders, waiters) ->
        {
            out.append("resource ").append(name.getStringWithoutLengthAscii(0, nameLength)).append(" kind=").append(kind)
                .append(" cap=").append(capacity).append(" used=").append(used).append(" holders=").append(holders)
                .append(" waiters=").append(waiters).append('\n');
            machine.forEachHolder(name, 0, nameLength, (sessionId, thread, fence, permits, holdCount, value, valueLength) ->
            {
                final byte[] bytes = new byte[valueLength];
                value.getBytes(0, bytes);
                out.append("  hold ").append(sessionId).append('/').append(thread).append(" fence=").append(fence)
                    .append(" permits=").append(permits).append(" count=").append(holdCount)
                    .append(" value=").append(Arrays.toString(bytes)).append('\n');
            });
        });
        return out.toString();
    }

    private static String resources(final LockStateMachine machine)
    {
        final StringBuilder out = new StringBuilder();
        machine.forEachResource((name, nameLength, kind, capacity, used, holders, waiters) ->
            out.append(name.getStringWithoutLengthAscii(0, nameLength)).append(' '));
        return out.toString();
    }

    private static int[] coverage(final LockStateMachine machine)
    {
        // waiting resources, reentrant holds, semaphore holders, rw holders
        final int[] counts = new int[4];
        machine.forEachResource((name, nameLength, kind, capacity, used, holders, waiters) ->
        {
            counts[0] += waiters > 0 ? 1 : 0;
            machine.forEachHolder(name, 0, nameLength, (sessionId, thread, fence, permits, holdCount, value, valueLength) ->
            {
                counts[1] += kind != LockCommand.SEMAPHORE && holdCount > 1 ? 1 : 0;
                counts[2] += kind == LockCommand.SEMAPHORE ? 1 : 0;
                counts[3] += kind == LockCommand.RW_LOCK ? 1 : 0;
            });
        });
        return counts;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 17, 42, 1234, 7919, 31337})
    void shouldBehaveIdenticallyAfterRestoreFromSnapshot(final long seed)
    {
        try
        {
            roundTrip(seed, 600, 1500);
        }
        catch (final AssertionError ex)
        {
            throw new AssertionError("seed " + seed + ": " + ex.getMessage(), ex);
        }
    }

    /** Twenty seeds drawn from a fixed seed of seeds ({@code -Dsynod.lock.seedOfSeeds=S} draws others). */
    static LongStream anySeeds()
    {
        return Seeds.drawn(Long.getLong(LockSimulationTest.LOCK_SEED_OF_SEEDS, 0x5EED_5A4EL), 20);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("anySeeds")
    void shouldBehaveIdenticallyAfterRestoreForAnySeed(final long seed)
    {
        try
        {
            roundTrip(seed, 600, 1500);
        }
        catch (final AssertionError | RuntimeException ex)
        {
            throw new AssertionError(
                LockSimulationTest.replay("LockSnapshotRoundTripTest#shouldBehaveIdenticallyAfterRestoreForAnySeed", seed) + ": " + ex, ex);
        }
    }

    private static void roundTrip(final long seed, final int stepsBefore, final int stepsAfter)
    {
        final Driver driver = new Driver(seed);
        for (int i = 0; i < stepsBefore; i++)
        {
            driver.randomStep();
        }
        driver.script();
        final int[] coverage = coverage(driver.machine);
        assertTrue(coverage[0] >= 3 && coverage[1] >= 2 && coverage[2] >= 2 && coverage[3] >= 2,
            "the snapshot covers waits, reentrant holds, semaphores and read-write locks: " + Arrays.toString(coverage));
        assertTrue(driver.machine.sessionCount() >= 4, "sessions: " + driver.machine.sessionCount());

        final byte[] snapshot = snapshotBytes(driver.machine, driver.random);
        final byte[] sessionTable = driver.sessionDriver.encodeSessions();
        final LockStateMachine restored = Driver.newMachine(driver.twinEvents);
        // Restore over a machine that already has state of its own: restore replaces all of it.
        final Driver other = new Driver(seed + 1);
        for (int i = 0; i < 200; i++)
        {
            other.randomStep();
        }
        other.machine.events(driver.twinEvents);
        other.sessionDriver.decodeSessions(sessionTable); // the node restores its table before the state machine
        other.machine.restore(new BytesReader(snapshot, new SplittableRandom(seed)));
        driver.twin(restored);
        restored.restore(new BytesReader(snapshot, new SplittableRandom(seed ^ 0x5DEECE66DL)));
        assertEquals(List.of(driver.machine.lastAppliedIndex(), driver.machine.lastAppliedIndex()), driver.twinEvents.restoredAt,
            "onRestored reports the snapshot's index once per restore");
        assertTrue(driver.twinEvents.lines.isEmpty(), "a restore reports no per-entry events: " + driver.twinEvents.lines);

        assertArrayEquals(encoded(driver.machine), encoded(restored), "restored state encodes to the same bytes");
        assertArrayEquals(encoded(driver.machine), encoded(other.machine), "restore over existing state replaces it");
        final String expected = digest(driver.machine, driver.sessions, driver.nextRequestId);
        assertEquals(expected, digest(restored, driver.sessions, driver.nextRequestId));
        assertEquals(expected, digest(other.machine, driver.sessions, driver.nextRequestId));

        final int eventsAtSnapshot = driver.events.lines.size();
        for (int i = 0; i < stepsAfter; i++)
        {
            driver.randomStep();
            if (i % 50 == 0)
            {
                assertArrayEquals(encoded(driver.machine), encoded(restored), "state after step " + i);
            }
        }
        // Let every remaining deadline pass, keeping no session alive: everything expires on both.
        driver.tick(10_000 * MS);
        driver.tick(10_000 * MS);
        assertEquals(digest(driver.machine, driver.sessions, driver.nextRequestId),
            digest(restored, driver.sessions, driver.nextRequestId));
        assertArrayEquals(encoded(driver.machine), encoded(restored));
        assertEquals(driver.events.lines.subList(eventsAtSnapshot, driver.events.lines.size()), driver.twinEvents.lines);
        assertEquals(0, restored.sessionCount());

        final String all = String.join("\n", driver.twinEvents.lines);
        assertTrue(all.contains(" expired ") && all.contains(" TIMED_OUT") && all.contains(" lost ") && all.contains(" granted "),
            "the run after the snapshot expired sessions, timed out waits and granted");
    }

    @Test
    void shouldRefuseBitFlippedSnapshotWithClearErrorAndStayEmpty()
    {
        final SplittableRandom random = new SplittableRandom(99);
        final Driver driver = new Driver(99);
        for (int i = 0; i < 300; i++)
        {
            driver.randomStep();
        }
        driver.script();
        final byte[] snapshot = snapshotBytes(driver.machine, random);
        for (int trial = 0; trial < 200; trial++)
        {
            final byte[] corrupt = snapshot.clone();
            final int bit = trial < 32 ? trial : random.nextInt(corrupt.length * 8); // header bits, then anywhere
            corrupt[bit / 8] ^= (byte)(1 << (bit % 8));
            final Recorder recorder = new Recorder();
            final LockStateMachine machine = Driver.newMachine(recorder);
            machine.restore(new BytesReader(snapshot, random)); // had state before the bad restore
            recorder.restoredAt.clear();
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> machine.restore(new BytesReader(corrupt, random)), "bit " + bit);
            assertTrue(ex.getMessage().startsWith("corrupt lock snapshot: "), ex.getMessage());
            assertEquals("", resources(machine), "a failed restore leaves the machine empty");
            assertEquals(0, machine.lastAppliedIndex());
            assertTrue(recorder.restoredAt.isEmpty(), "no onRestored for a refused snapshot");
        }
    }

    @Test
    void shouldRefuseTruncatedSnapshotWithClearError()
    {
        final SplittableRandom random = new SplittableRandom(7);
        final Driver driver = new Driver(7);
        for (int i = 0; i < 300; i++)
        {
            driver.randomStep();
        }
        driver.script();
        final byte[] snapshot = snapshotBytes(driver.machine, random);
        final List<Integer> lengths = new ArrayList<>(List.of(0, 1, 4, 11, 12, 16, snapshot.length - 4, snapshot.length - 1));
        for (int i = 0; i < 50; i++)
        {
            lengths.add(random.nextInt(snapshot.length));
        }
        for (final int length : lengths)
        {
            final LockStateMachine machine = Driver.newMachine(LockEvents.NONE);
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> machine.restore(new BytesReader(Arrays.copyOf(snapshot, length), random)), "length " + length);
            assertTrue(ex.getMessage().startsWith("corrupt lock snapshot: "), ex.getMessage());
            assertEquals("", resources(machine));
        }
        // Trailing garbage after a whole snapshot is refused too.
        final byte[] longer = Arrays.copyOf(snapshot, snapshot.length + 3);
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> Driver.newMachine(LockEvents.NONE).restore(new BytesReader(longer, random)));
        assertTrue(ex.getMessage().startsWith("corrupt lock snapshot: "), ex.getMessage());
    }

    @Test
    void shouldRefuseASnapshotOfTheOlderFormatThatKeptSessionsWithAClearError()
    {
        final Driver driver = new Driver(5);
        driver.script();
        final byte[] snapshot = encoded(driver.machine);
        final UnsafeBuffer bytes = new UnsafeBuffer(snapshot);
        bytes.putInt(4, 2, java.nio.ByteOrder.LITTLE_ENDIAN); // format 2: sessions inside the lock service
        final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(snapshot, 0, snapshot.length - 4);
        bytes.putInt(snapshot.length - 4, (int)crc.getValue(), java.nio.ByteOrder.LITTLE_ENDIAN);
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> Driver.newMachine(LockEvents.NONE).restore(new BytesReader(snapshot, new SplittableRandom(5))));
        assertTrue(ex.getMessage().contains("lock snapshot format 2 is not readable by this build (format 3 only"), ex.getMessage());
    }
}
