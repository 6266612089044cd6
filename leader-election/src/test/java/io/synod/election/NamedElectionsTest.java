package io.synod.election;

import io.synod.lock.FencedLocks;
import io.synod.lock.LockStateMachine;
import io.synod.lock.SessionExpiredException;
import io.synod.raft.testkit.LoopbackCluster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three candidate processes, one on each member, campaign for "primary" on virtual time (single
 * thread, futures only). The first leader is cut off with its member; it loses leadership locally
 * before its session expires; the next candidate in FIFO order wins with a higher fence, and the old
 * leader's fence is then rejected by the fenced resource. Observers see every change in order,
 * including "no leader".
 */
class NamedElectionsTest
{
    private static final long MS = 1_000_000L;

    private LoopbackCluster cluster;
    private final NamedElections[] elections = new NamedElections[4];
    private final FencedLocks[] locks = new FencedLocks[4];
    private final boolean[] cutOff = new boolean[4];
    private final boolean[] paused = new boolean[4];
    private long correlation = 1;
    private long maxFenceSeen = -1;

    private boolean write(final long fence)
    {
        if (fence < maxFenceSeen)
        {
            return false;
        }
        maxFenceSeen = fence;
        return true;
    }

    private void step()
    {
        cluster.tick();
        final long now = cluster.clock().nanoTime();
        for (int m = 1; m <= 3; m++)
        {
            if (!paused[m])
            {
                elections[m].doWork(now);
            }
        }
    }

    private void runUntil(final BooleanSupplier condition, final long maxNs)
    {
        final long end = cluster.clock().nanoTime() + maxNs;
        while (!condition.getAsBoolean())
        {
            if (cluster.clock().nanoTime() > end)
            {
                throw new AssertionError("condition not met in time" + cluster.describe());
            }
            step();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void shouldElectOneLeaderPerFenceAndRejectPartitionedLeader(final long seed)
    {
        final LockStateMachine[] replicas = new LockStateMachine[4];
        cluster = new LoopbackCluster(3, seed, true, memberId ->
        {
            replicas[memberId] = new LockStateMachine();
            return replicas[memberId];
        }, config -> config.sessionTickIntervalNs(50 * MS));
        for (int m = 1; m <= 3; m++)
        {
            final int home = m;
            locks[m] = new FencedLocks((type, sessionId, argument, b, o, l) ->
            {
                final int leader = cluster.leader();
                if (!cutOff[home] && leader != 0)
                {
                    cluster.agent(leader).proposeSession(LoopbackCluster.GROUP_ID, correlation++, type, sessionId, argument, b, o, l);
                }
                return true;
            }, seed * 31 + m, 1000 * MS, 700 * MS, 150 * MS);
            elections[m] = new NamedElections(locks[m], replicas[m]);
            replicas[m].events(elections[m]);
        }
        final List<Leadership> observed = new ArrayList<>();
        elections[3].observe("primary", (name, leader) -> observed.add(leader));
        final List<String> lost = new ArrayList<>();
        locks[1].addLockLostListener((name, fence) -> lost.add(name + "@" + fence + "@" + cluster.clock().nanoTime()));
        cluster.awaitLeader(2000 * MS);

        final CompletableFuture<Leadership> a = elections[1].campaignAsync("primary", 101, bytes("a"));
        runUntil(a::isDone, 3000 * MS);
        final long fenceA = a.join().fence();
        assertTrue(write(fenceA));
        final CompletableFuture<Leadership> b = elections[2].campaignAsync("primary", 102, bytes("b"));
        runUntil(() -> replicas[1].waiterCount(name("primary"), 0, name("primary").capacity()) == 1, 3000 * MS);
        final CompletableFuture<Leadership> c = elections[3].campaignAsync("primary", 103, bytes("c"));
        runUntil(() -> replicas[2].waiterCount(name("primary"), 0, name("primary").capacity()) == 2, 3000 * MS);

        // Cut the leader's process off with its member.
        cutOff[1] = true;
        cluster.isolate(1);
        runUntil(b::isDone, 5000 * MS);
        final long electedAtNs = cluster.clock().nanoTime();
        final Leadership leaderB = b.join();
        assertEquals(102, leaderB.candidate());
        assertTrue(leaderB.fence() > fenceA, "fences increase across leaders");
        assertEquals(1, lost.size(), "the cut-off leader learned it lost leadership");
        assertTrue(Long.parseLong(lost.get(0).split("@")[2]) < electedAtNs, "before the next leader was elected");
        assertTrue(write(leaderB.fence()));
        assertFalse(write(fenceA), "the partitioned leader's fence is rejected");
        assertFalse(c.isDone());

        // The old leader's process comes back and campaigns again in a new session, then stops heart-beating:
        // its campaign aborts with SessionExpiredException.
        cluster.heal();
        cutOff[1] = false;
        final CompletableFuture<Leadership> again = elections[1].campaignAsync("primary", 101, bytes("a2"));
        runUntil(() -> locks[1].client().isSessionOpen() &&
            replicas[1].lastAppliedIndex() == replicas[2].lastAppliedIndex() &&
            replicas[1].waiterCount(name("primary"), 0, name("primary").capacity()) == 2, 3000 * MS);
        paused[1] = true;
        final long resumeAtNs = cluster.clock().nanoTime() + 1500 * MS;
        runUntil(() -> cluster.clock().nanoTime() >= resumeAtNs, 2000 * MS);
        paused[1] = false;
        runUntil(again::isDone, 1000 * MS);
        final CompletionException aborted = assertThrows(CompletionException.class, again::join);
        assertInstanceOf(SessionExpiredException.class, aborted.getCause());

        elections[2].resign(leaderB);
        runUntil(c::isDone, 3000 * MS);
        assertEquals(103, c.join().candidate(), "FIFO among live candidates");
        elections[3].resign(c.join());
        runUntil(() -> observed.size() >= 4 && observed.get(observed.size() - 1) == null, 3000 * MS);

        // Observers: null (no leader yet), a, b, c, null; fences strictly increase; one candidate per fence.
        assertNull(observed.get(0));
        final Map<Long, Long> candidateByFence = new HashMap<>();
        long previousFence = 0;
        final StringBuilder sequence = new StringBuilder();
        for (final Leadership leader : observed)
        {
            sequence.append(leader == null ? "-" : new String(leader.value(), StandardCharsets.UTF_8)).append(' ');
            if (leader != null)
            {
                assertTrue(leader.fence() > previousFence, "observed fences increase: " + observed);
                final Long other = candidateByFence.put(leader.fence(), leader.candidate());
                assertTrue(other == null || other == leader.candidate());
                previousFence = leader.fence();
            }
        }
        assertEquals("- a b c - ", sequence.toString());
    }

    private static byte[] bytes(final String value)
    {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static org.agrona.concurrent.UnsafeBuffer name(final String election)
    {
        return new org.agrona.concurrent.UnsafeBuffer((NamedElections.PREFIX + election).getBytes(StandardCharsets.UTF_8));
    }
}
