package io.synod.election;

import io.synod.lock.FencedLocks;
import io.synod.lock.LockEvents;
import io.synod.lock.LockStateMachine;
import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An observer, and a candidate, on a member that is cut off while the election changes hands and the
 * others compact their logs past it. On healing the member installs a snapshot: no per-entry events
 * come for what it missed, and {@link NamedElections} reports the restored replica's leader (or no
 * leader) to its observers and completes the campaign the snapshot decided. A restart of the member
 * from its own snapshot (into a new state machine) keeps the observer right too.
 */
class NamedElectionsRestoreTest
{
    private static final long MS = 1_000_000L;
    private static final long TTL_NS = 3000 * MS;
    private static final long CLIENT_TIMEOUT_NS = 2000 * MS;

    private LoopbackCluster cluster;
    private long seed;
    private final NamedElections[] elections = new NamedElections[4];
    private final FencedLocks[] locks = new FencedLocks[4];
    private long correlation = 1;

    private void start(final long seed)
    {
        start(seed, 5);
    }

    private void start(final long seed, final long snapshotEntriesThreshold)
    {
        this.seed = seed;
        final LockStateMachine[] first = new LockStateMachine[4];
        cluster = new LoopbackCluster(3, seed, true, memberId ->
        {
            // A restart builds a new state machine with the same listener; NamedElections learns it from onRestored.
            final LockStateMachine machine = new LockStateMachine(elections[memberId] == null ? LockEvents.NONE : elections[memberId]);
            first[memberId] = first[memberId] == null ? machine : first[memberId];
            return machine;
        }, config -> config.snapshotEntriesThreshold(snapshotEntriesThreshold).snapshotTrailingEntries(0).sessionTickIntervalNs(50 * MS));
        for (int m = 1; m <= 3; m++)
        {
            locks[m] = new FencedLocks((type, sessionId, argument, b, o, l) ->
            {
                final int leader = cluster.leader();
                if (leader != 0)
                {
                    cluster.agent(leader).proposeSession(LoopbackCluster.GROUP_ID, correlation++, type, sessionId, argument, b, o, l);
                }
                return true;
            }, seed * 31 + m, TTL_NS, CLIENT_TIMEOUT_NS, 150 * MS);
            elections[m] = new NamedElections(locks[m], first[m]);
            first[m].events(elections[m]);
        }
        cluster.awaitLeader(2000 * MS);
    }

    private long now()
    {
        return cluster.clock().nanoTime();
    }

    private void step()
    {
        cluster.tick();
        final long now = now();
        for (int m = 1; m <= 3; m++)
        {
            elections[m].doWork(now);
        }
    }

    private void runUntil(final BooleanSupplier condition, final long maxNs, final String what)
    {
        final long end = now() + maxNs;
        while (!condition.getAsBoolean())
        {
            if (now() > end)
            {
                throw new AssertionError(what + " not within " + maxNs / MS + " ms (seed " + seed + ")" + cluster.describe());
            }
            step();
        }
    }

    private LockStateMachine replica(final int memberId)
    {
        return (LockStateMachine)cluster.stateMachine(memberId);
    }

    private void isolateUntilCompactedPast(final int member)
    {
        cluster.isolate(member);
        final long decided = cluster.node(cluster.leader()).lastApplied();
        runUntil(() -> cluster.leader() != 0 && cluster.leader() != member &&
            cluster.log(cluster.leader()).snapshotIndex() > Math.max(decided, cluster.log(member).lastIndex() + 1),
            1000 * MS, "leader compacted past member " + member);
    }

    /** @return the candidate (thread) holding an election on a member's replica, or 0. */
    private long holderThread(final int member, final UnsafeBuffer key)
    {
        final long[] thread = {0};
        replica(member).forEachHolder(key, 0, key.capacity(), (session, t, fence, permits, count, value, length) -> thread[0] = t);
        return thread[0];
    }

    private static byte[] bytes(final String value)
    {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static String describe(final List<Leadership> observed)
    {
        final StringBuilder out = new StringBuilder();
        for (final Leadership leader : observed)
        {
            out.append(leader == null ? "-" : new String(leader.value(), StandardCharsets.UTF_8)).append(' ');
        }
        return out.toString().trim();
    }

    private static void assertFencesIncrease(final List<Leadership> observed)
    {
        long previous = 0;
        for (final Leadership leader : observed)
        {
            if (leader != null)
            {
                assertTrue(leader.fence() > previous, "observed fences increase: " + describe(observed));
                previous = leader.fence();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void shouldReportCurrentLeaderAndCompleteCampaignAfterInstalledSnapshot(final long seed)
    {
        start(seed);
        final int home = cluster.leader() % 3 + 1;
        final int other = home % 3 + 1;
        final List<Leadership> observed = new ArrayList<>();
        elections[home].observe("primary", (name, leader) -> observed.add(leader));
        final CompletableFuture<Leadership> a = elections[other].campaignAsync("primary", 101, bytes("a"));
        runUntil(() -> a.isDone() && observed.size() == 2, 3000 * MS, "a leads, seen at home");
        final CompletableFuture<Leadership> c = elections[home].campaignAsync("primary", 103, bytes("c"));
        final UnsafeBuffer key = new UnsafeBuffer(bytes(NamedElections.PREFIX + "primary"));
        runUntil(() -> replica(home).waiterCount(key, 0, key.capacity()) == 1, 3000 * MS, "c waits, seen at home");

        // While home is cut off, a resigns and c (home's own candidate) wins, then resigns too; b wins.
        cluster.isolate(home);
        final long restoresBefore = locks[home].client().restoresReconciled();
        elections[other].resign(a.join());
        runUntil(() -> holderThread(cluster.leader(), key) == 103, 2000 * MS, "c's grant applied by the majority");
        final CompletableFuture<Leadership> b = elections[other].campaignAsync("primary", 102, bytes("b"));
        isolateUntilCompactedPast(home);
        assertEquals("- a", describe(observed), "home heard nothing while cut off");

        cluster.heal();
        runUntil(() -> observed.size() == 3, 2000 * MS, "home's observer hears of the restored leader");
        assertEquals(restoresBefore + 1, locks[home].client().restoresReconciled());
        final long fenceC = replica(cluster.leader()).holdFence(key, 0, key.capacity(), locks[home].client().sessionId(), 103);
        assertEquals("- a c", describe(observed), "the leader the snapshot left, not the ones in between");
        assertEquals(fenceC, observed.get(2).fence());
        assertEquals(fenceC, c.join().fence(), "c's campaign completed from the snapshot with its fence");
        assertFalse(b.isDone(), "b waits behind c");

        elections[home].resign(c.join());
        runUntil(b::isDone, 3000 * MS, "b wins once c resigns");
        runUntil(() -> observed.size() == 4, 2000 * MS, "home's observer hears of b");
        assertEquals("- a c b", describe(observed));
        assertFencesIncrease(observed);

        // Now the election empties while home is cut off: after the snapshot it reports no leader.
        cluster.isolate(home);
        elections[other].resign(b.join());
        isolateUntilCompactedPast(home);
        cluster.heal();
        runUntil(() -> observed.size() == 5, 2000 * MS, "home's observer hears there is no leader");
        assertNull(observed.get(4));
        final CompletableFuture<java.util.Optional<Leadership>> leader = elections[home].leader("primary");
        runUntil(leader::isDone, 1000 * MS, "leader query");
        assertTrue(leader.join().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void shouldKeepObservingAfterRestartFromOwnSnapshotIntoNewStateMachine(final long seed)
    {
        start(seed, 60);
        final int home = cluster.leader() % 3 + 1;
        final int other = home % 3 + 1;
        final List<Leadership> observed = new ArrayList<>();
        elections[home].observe("primary", (name, leader) -> observed.add(leader));
        final CompletableFuture<Leadership> a = elections[other].campaignAsync("primary", 101, bytes("a"));
        runUntil(() -> a.isDone() && observed.size() == 2, 3000 * MS, "a leads, seen at home");
        runUntil(() -> cluster.log(home).snapshotIndex() >= a.join().fence(), 5000 * MS, "home snapshots while a leads");
        elections[other].resign(a.join());
        runUntil(() -> observed.size() == 3, 3000 * MS, "no leader, seen at home");
        final CompletableFuture<Leadership> b = elections[other].campaignAsync("primary", 102, bytes("b"));
        runUntil(() -> b.isDone() && observed.size() == 4, 3000 * MS, "b leads, seen at home");
        assertTrue(cluster.log(home).snapshotIndex() < b.join().fence(), "home's latest snapshot is from a's time");
        final LockStateMachine before = replica(home);

        // Restart from that snapshot: the replica applies a's resignation and b's win again.
        cluster.crash(home);
        step();
        cluster.restart(home);
        assertTrue(replica(home) != before, "a new state machine, restored from home's snapshot");
        final long caughtUp = cluster.node(cluster.leader()).lastApplied();
        runUntil(() -> cluster.node(home).lastApplied() >= caughtUp, 2000 * MS, "home applies again what it had");
        assertEquals("- a - b", describe(observed), "no leader reported twice from the entries applied again");

        elections[other].resign(b.join());
        runUntil(() -> observed.size() == 5, 3000 * MS, "home's observer follows the new replica");
        assertNull(observed.get(4));
        final CompletableFuture<Leadership> c = elections[other].campaignAsync("primary", 103, bytes("c"));
        runUntil(() -> c.isDone() && observed.size() == 6, 3000 * MS, "c leads, seen at home");
        final CompletableFuture<java.util.Optional<Leadership>> leader = elections[home].leader("primary");
        runUntil(leader::isDone, 1000 * MS, "leader query");
        assertEquals(c.join().fence(), leader.join().orElseThrow().fence(), "queries read the new state machine");
        assertEquals("- a - b - c", describe(observed));
        assertFencesIncrease(observed);
    }
}
