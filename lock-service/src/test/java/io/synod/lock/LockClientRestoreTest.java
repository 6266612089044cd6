package io.synod.lock;

import io.synod.raft.EntryType;
import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients co-located with a replica that skips entries by installing a snapshot. The client's home
 * member is cut off while the others decide its requests and compact their logs past it; on healing
 * the leader sends it a snapshot (InstallSnapshot), its {@link LockStateMachine} reports
 * {@link LockEvents#onRestored} instead of the events it missed, and the client reconciles from the
 * restored replica: a pending acquire granted inside the snapshot completes with the right fence, an
 * OPEN applied inside it opens the session, a session expired inside it is lost with every hold and
 * pending request. A restart from the replica's own (older) snapshot applies entries again; the client
 * ignores those events. Everything runs on one thread on virtual time.
 */
class LockClientRestoreTest
{
    private static final long MS = 1_000_000L;
    private static final long TTL_NS = 3000 * MS;
    private static final long CLIENT_TIMEOUT_NS = 2000 * MS;
    private static final long RETRY_NS = 150 * MS;
    private static final long THREAD = 1;

    /** Forwards one replica's events to the clients homed on its member (kept across restarts). */
    static final class Fanout implements LockEvents
    {
        final List<LockEvents> targets = new ArrayList<>();
        long restores;

        @Override
        public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
        {
            targets.forEach(t -> t.onSessionOpened(index, sessionId, nonce, ttlNs));
        }

        @Override
        public void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
        {
            targets.forEach(t -> t.onKeepAlive(index, sessionId, sentAtNs));
        }

        @Override
        public void onSessionClosed(final long index, final long sessionId, final boolean expired)
        {
            targets.forEach(t -> t.onSessionClosed(index, sessionId, expired));
        }

        @Override
        public void onGranted(
            final long index, final long sessionId, final long requestId, final long thread,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            targets.forEach(t -> t.onGranted(index, sessionId, requestId, thread, name, nameLength, fence, holdCount));
        }

        @Override
        public void onQueued(
            final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
        {
            targets.forEach(t -> t.onQueued(index, sessionId, requestId, name, nameLength, position));
        }

        @Override
        public void onFailed(final long index, final long sessionId, final long requestId, final int status)
        {
            targets.forEach(t -> t.onFailed(index, sessionId, requestId, status));
        }

        @Override
        public void onReleased(
            final long index, final long sessionId, final long requestId,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            targets.forEach(t -> t.onReleased(index, sessionId, requestId, name, nameLength, fence, holdCount));
        }

        @Override
        public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
        {
            targets.forEach(t -> t.onLost(index, sessionId, name, nameLength, fence));
        }

        @Override
        public void onRestored(final LockStateMachine replica, final long index)
        {
            restores++;
            targets.forEach(t -> t.onRestored(replica, index));
        }
    }

    /** A {@link LockClient} and what its handler was told, one line per callback. */
    final class Client implements LockClient.Handler
    {
        final LockClient client;
        final int home;
        final List<String> told = new ArrayList<>();
        boolean paused;
        long nextCorrelationId = 1;

        Client(final int home, final long nonceSeed)
        {
            this.home = home;
            this.client = new LockClient(LockClientRestoreTest.this::send, this, nonceSeed, TTL_NS, CLIENT_TIMEOUT_NS, RETRY_NS);
            fanouts[home].targets.add(client);
        }

        long acquire(final String name, final long waitNs)
        {
            final long correlationId = nextCorrelationId++;
            final UnsafeBuffer buffer = name(name);
            assertTrue(client.acquire(correlationId, buffer, 0, buffer.capacity(), LockCommand.MUTEX, 1, 1, THREAD, waitNs,
                buffer, 0, 0));
            return correlationId;
        }

        long release(final String name)
        {
            final long correlationId = nextCorrelationId++;
            final UnsafeBuffer buffer = name(name);
            assertTrue(client.release(correlationId, buffer, 0, buffer.capacity(), LockCommand.MUTEX, 1, THREAD));
            return correlationId;
        }

        long validFence(final String name)
        {
            final UnsafeBuffer buffer = name(name);
            return client.validFence(buffer, 0, buffer.capacity(), THREAD, now());
        }

        /** @return the line the handler was told about a request, or null. */
        String outcome(final long correlationId)
        {
            for (final String line : told)
            {
                if (line.startsWith(correlationId + " "))
                {
                    return line;
                }
            }
            return null;
        }

        long count(final String prefix)
        {
            return told.stream().filter(line -> line.startsWith(prefix)).count();
        }

        @Override
        public void onGranted(final long correlationId, final long fence, final int holdCount)
        {
            told.add(correlationId + " granted fence=" + fence + " count=" + holdCount);
        }

        @Override
        public void onFailed(final long correlationId, final int status)
        {
            told.add(correlationId + " failed " + LockStatus.name(status));
        }

        @Override
        public void onReleased(final long correlationId, final long fence, final int holdCount)
        {
            told.add(correlationId + " released fence=" + fence + " remaining=" + holdCount);
        }

        @Override
        public void onLockLost(final DirectBuffer name, final int nameLength, final long fence)
        {
            told.add("lost " + name.getStringWithoutLengthAscii(0, nameLength) + " fence=" + fence);
        }

        @Override
        public void onSessionLost(final long sessionId)
        {
            told.add("session lost " + sessionId);
        }
    }

    private final Fanout[] fanouts = {null, new Fanout(), new Fanout(), new Fanout()};
    private final List<Client> clients = new ArrayList<>();
    private final List<FencedLocks> fencedLocks = new ArrayList<>();
    private LoopbackCluster cluster;
    private long seed;
    private long correlation = 1;

    private void start(final long seed)
    {
        this.seed = seed;
        cluster = new LoopbackCluster(3, seed, true, memberId -> new LockStateMachine(fanouts[memberId]),
            config -> config.snapshotEntriesThreshold(5).snapshotTrailingEntries(0).sessionTickIntervalNs(50 * MS));
        cluster.awaitLeader(2000 * MS);
    }

    private boolean send(
        final int type, final long sessionId, final long argument, final DirectBuffer buffer, final int offset, final int length)
    {
        final int leader = cluster.leader();
        if (leader != 0)
        {
            cluster.agent(leader).proposeSession(LoopbackCluster.GROUP_ID, correlation++, type, sessionId, argument, buffer, offset,
                length);
        }
        return true;
    }

    private long now()
    {
        return cluster.clock().nanoTime();
    }

    private void step()
    {
        cluster.tick();
        final long now = now();
        for (final Client client : clients)
        {
            if (!client.paused)
            {
                client.client.doWork(now);
            }
        }
        for (final FencedLocks locks : fencedLocks)
        {
            locks.doWork(now);
        }
    }

    private void runUntil(final BooleanSupplier condition, final long maxNs, final String what)
    {
        final long end = now() + maxNs;
        while (!condition.getAsBoolean())
        {
            if (now() > end)
            {
                throw new AssertionError(what + " not within " + maxNs / MS + " ms (seed " + seed + ")" + cluster.describe() +
                    "\n  clients: " + clientsToString());
            }
            step();
        }
    }

    private String clientsToString()
    {
        final StringBuilder out = new StringBuilder();
        for (final Client client : clients)
        {
            out.append("\n    home ").append(client.home).append(": ").append(client.told);
        }
        return out.toString();
    }

    private Client client(final int home)
    {
        final Client client = new Client(home, seed * 1_000_003L + clients.size() + 1);
        clients.add(client);
        client.client.doWork(now());
        return client;
    }

    private LockStateMachine replica(final int memberId)
    {
        return (LockStateMachine)cluster.stateMachine(memberId);
    }

    private static UnsafeBuffer name(final String name)
    {
        return new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
    }

    private int follower()
    {
        return cluster.leader() % 3 + 1;
    }

    /**
     * Cuts {@code home} off and runs until the leader's log is compacted past all of home's log and past
     * everything applied so far: home can then catch up only by InstallSnapshot, and the snapshot covers
     * what was decided while it was cut off.
     */
    private void isolateUntilCompactedPast(final int home, final long maxNs)
    {
        cluster.isolate(home);
        final long decided = cluster.node(cluster.leader()).lastApplied();
        // Entries for the snapshot to compact past even when no session exists (the leader's TICKs come only
        // while sessions do): keep-alives of no session, refused when applied, change no state.
        final int leader = cluster.leader();
        for (int i = 0; i < 12 && leader != 0 && leader != home; i++)
        {
            cluster.agent(leader).proposeSession(LoopbackCluster.GROUP_ID, correlation++, EntryType.SESSION_KEEPALIVE, 0, 0,
                new UnsafeBuffer(new byte[0]), 0, 0);
        }
        runUntil(() -> cluster.leader() != 0 && cluster.leader() != home &&
            cluster.log(cluster.leader()).snapshotIndex() > Math.max(decided, cluster.log(home).lastIndex() + 1), maxNs,
            "leader compacted past member " + home + " and index " + decided);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void shouldCompletePendingAcquireThatAnInstalledSnapshotGranted(final long seed)
    {
        start(seed);
        final int home = follower();
        final Client a = client(home);
        final Client b = client(cluster.leader());
        final long bx = b.acquire("x", -1);
        runUntil(() -> b.outcome(bx) != null, 2000 * MS, "b holds x");
        final long ay = a.acquire("y", -1);
        runUntil(() -> a.outcome(ay) != null, 2000 * MS, "a holds y");
        final long fenceY = a.validFence("y");
        assertTrue(fenceY > 0, a.told.toString());
        final long ax = a.acquire("x", -1);
        runUntil(() -> replica(home).waiterCount(name("x"), 0, 1) == 1, 2000 * MS, "a queued on x, seen at home");

        cluster.isolate(home);
        final long restoresBefore = fanouts[home].restores;
        final long bRelease = b.release("x");
        runUntil(() -> b.outcome(bRelease) != null, 1000 * MS, "b released x");
        isolateUntilCompactedPast(home, 1000 * MS);
        assertEquals(null, a.outcome(ax), "the grant happened where a's home cannot see it");

        cluster.heal();
        runUntil(() -> a.outcome(ax) != null, 2000 * MS, "a's pending acquire completes");
        assertEquals(restoresBefore + 1, fanouts[home].restores, "home installed one snapshot");
        assertEquals(1, a.client.restoresReconciled());
        final long fenceX = replica(cluster.leader()).holdFence(name("x"), 0, 1, a.client.sessionId(), THREAD);
        assertTrue(fenceX > fenceY);
        assertEquals(ax + " granted fence=" + fenceX + " count=1", a.outcome(ax), "granted with the grant's fence");
        assertEquals(fenceX, a.validFence("x"));
        assertEquals(fenceY, a.validFence("y"), "a hold the snapshot kept stays valid");
        assertEquals(0, a.count("lost") + a.count("session lost"), a.told.toString());

        final long rx = a.release("x");
        final long ry = a.release("y");
        runUntil(() -> a.outcome(rx) != null && a.outcome(ry) != null, 2000 * MS, "a releases both");
        assertEquals(rx + " released fence=" + fenceX + " remaining=0", a.outcome(rx));
        assertEquals(ry + " released fence=" + fenceY + " remaining=0", a.outcome(ry));
        assertEquals(2, a.count(ax + " ") + a.count(ay + " "), "each request was told once: " + a.told);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void shouldOpenSessionThatAnInstalledSnapshotOpened(final long seed)
    {
        start(seed);
        final int home = follower();
        isolateUntilCompactedPast(home, 1000 * MS);
        final Client a = client(home);
        final long ax = a.acquire("x", -1);
        runUntil(() -> replica(cluster.leader()).sessionCount() == 1, 1000 * MS, "a's OPEN applied by the majority");
        isolateUntilCompactedPast(home, 1000 * MS);
        assertFalse(a.client.isSessionOpen());

        cluster.heal();
        runUntil(() -> a.outcome(ax) != null, 2000 * MS, "a's first acquire completes");
        assertTrue(a.client.restoresReconciled() >= 1);
        assertEquals(1, replica(cluster.leader()).sessionCount(), "the OPEN retried while cut off did not open another session");
        assertTrue(a.outcome(ax).startsWith(ax + " granted"), a.told.toString());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void shouldLoseSessionThatExpiredInsideAnInstalledSnapshot(final long seed)
    {
        start(seed);
        final int home = follower();
        final Client a = client(home);
        final Client b = client(cluster.leader());
        final long ax = a.acquire("x", -1);
        runUntil(() -> a.outcome(ax) != null, 2000 * MS, "a holds x");
        final long fenceX = a.validFence("x");
        final long bz = b.acquire("z", -1);
        runUntil(() -> b.outcome(bz) != null, 2000 * MS, "b holds z");
        final long az = a.acquire("z", -1);
        runUntil(() -> replica(home).waiterCount(name("z"), 0, 1) == 1, 2000 * MS, "a queued on z, seen at home");
        final long sessionA = a.client.sessionId();

        // a's process stops (no keep-alives, no lease check) and its home is cut off: the servers expire it.
        a.paused = true;
        cluster.isolate(home);
        final long bx = b.acquire("x", -1);
        runUntil(() -> b.outcome(bx) != null, TTL_NS + 2000 * MS, "b gets x once a's session expired");
        isolateUntilCompactedPast(home, 1000 * MS);
        assertTrue(a.told.stream().noneMatch(line -> line.contains("lost")), a.told.toString());

        cluster.heal();
        runUntil(() -> a.count("session lost") == 1, 2000 * MS, "a learns its session is gone from the restored replica");
        assertTrue(a.paused, "learned from the snapshot, not from its own lease");
        assertEquals(1, a.client.restoresReconciled());
        assertEquals(List.of("lost x fence=" + fenceX, az + " failed SESSION_EXPIRED", "session lost " + sessionA),
            a.told.subList(a.told.size() - 3, a.told.size()));
        assertEquals(-1, a.validFence("x"));

        a.paused = false;
        final long again = a.acquire("y", -1);
        runUntil(() -> a.outcome(again) != null, 2000 * MS, "a new session works");
        assertTrue(a.outcome(again).startsWith(again + " granted"), a.told.toString());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void shouldIgnoreEntriesAppliedAgainAfterRestartFromOwnSnapshot(final long seed)
    {
        start(seed);
        final int home = follower();
        final Client a = client(home);
        final List<Long> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            final long acquire = a.acquire("x", -1);
            runUntil(() -> a.outcome(acquire) != null, 2000 * MS, "a gets x");
            final long release = a.release("x");
            runUntil(() -> a.outcome(release) != null, 2000 * MS, "a releases x");
            requests.add(acquire);
            requests.add(release);
        }
        final long acquire = a.acquire("x", -1);
        runUntil(() -> a.outcome(acquire) != null, 2000 * MS, "a holds x");
        final long fence = a.validFence("x");
        assertTrue(cluster.log(home).snapshotIndex() > 0, "home took snapshots of its own");

        final long restoresBefore = fanouts[home].restores;
        cluster.crash(home);
        step();
        cluster.restart(home);
        final long restoredAt = replica(home).lastAppliedIndex();
        final long lastApplied = cluster.node(cluster.leader()).lastApplied();
        runUntil(() -> cluster.node(home).lastApplied() >= lastApplied, 2000 * MS, "home applies again what it had");
        assertEquals(restoresBefore + 1, fanouts[home].restores, "home restarted from its snapshot");
        assertTrue(restoredAt < lastApplied, "the snapshot is older than what the client saw");
        assertEquals(0, a.client.restoresReconciled(), "nothing to reconcile from an older snapshot");
        assertEquals(fence, a.validFence("x"));
        for (final long request : requests)
        {
            assertEquals(1, a.count(request + " "), "told once about " + request + ": " + a.told);
        }
        assertEquals(0, a.count("lost") + a.count("session lost"), a.told.toString());
        final long release = a.release("x");
        runUntil(() -> a.outcome(release) != null, 2000 * MS, "a releases x");
        assertEquals(release + " released fence=" + fence + " remaining=0", a.outcome(release));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldCompleteFencedLocksFuturesAndReportLossesAfterInstalledSnapshot(final long seed)
    {
        start(seed);
        final int home = follower();
        final FencedLocks locks = new FencedLocks(this::send, seed * 7 + 3, TTL_NS, CLIENT_TIMEOUT_NS, RETRY_NS);
        fanouts[home].targets.add(locks);
        fencedLocks.add(locks);
        final Client b = client(cluster.leader());
        final CompletableFuture<Long> held = locks.acquireAsync("held", LockCommand.MUTEX, 1, 1, -1, null, 5);
        runUntil(held::isDone, 2000 * MS, "held granted");
        final long bw = b.acquire("w", -1);
        runUntil(() -> b.outcome(bw) != null, 2000 * MS, "b holds w");
        final CompletableFuture<Long> waiting = locks.acquireAsync("w", LockCommand.MUTEX, 1, 1, -1, null, 6);
        runUntil(() -> replica(home).waiterCount(name("w"), 0, 1) == 1, 2000 * MS, "queued on w, seen at home");

        cluster.isolate(home);
        final long release = b.release("w");
        runUntil(() -> b.outcome(release) != null, 1000 * MS, "b released w");
        isolateUntilCompactedPast(home, 1000 * MS);
        assertFalse(waiting.isDone());
        cluster.heal();
        runUntil(waiting::isDone, 2000 * MS, "the future completes after the snapshot");
        final long fenceW = replica(cluster.leader()).holdFence(name("w"), 0, 1, locks.client().sessionId(), 6);
        assertEquals(fenceW, waiting.join());

        // Now the session ends where the home cannot see it: the future of a pending acquire fails and
        // the lock-lost listeners hear of both holds.
        final List<String> lost = new ArrayList<>();
        locks.addLockLostListener((name, fence) -> lost.add(name + "@" + fence));
        final long bz = b.acquire("z", -1);
        runUntil(() -> b.outcome(bz) != null, 2000 * MS, "b holds z");
        final CompletableFuture<Long> blocked = locks.acquireAsync("z", LockCommand.MUTEX, 1, 1, -1, null, 7);
        runUntil(() -> replica(home).waiterCount(name("z"), 0, 1) == 1, 2000 * MS, "queued on z, seen at home");
        fencedLocks.remove(locks); // its process stops
        cluster.isolate(home);
        final long bHeld = b.acquire("held", -1);
        runUntil(() -> b.outcome(bHeld) != null, TTL_NS + 2000 * MS, "the servers expired the session");
        isolateUntilCompactedPast(home, 1000 * MS);
        cluster.heal();
        runUntil(blocked::isDone, 2000 * MS, "the blocked future fails after the snapshot");
        final CompletionException ex = assertThrows(CompletionException.class, blocked::join);
        assertInstanceOf(SessionExpiredException.class, ex.getCause());
        assertEquals(List.of("held@" + held.join(), "w@" + fenceW), lost);
    }
}
