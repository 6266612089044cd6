package io.synod.raft.testkit;

import io.synod.raft.RaftConfig;
import io.synod.raft.StateMachine;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How fast followers learn a new commit index, and what it costs in messages. A leader whose commit
 * index advances tells every follower known to hold the new entries in the same duty cycle (and a slower
 * one in the cycle its acknowledgement arrives), with an AppendEntries with no entries if it has none to
 * send, instead of leaving it to the next heartbeat.
 *
 * <p>On a {@link LoopbackCluster} a frame sent in one tick arrives in the next, so an idle 3-member
 * cluster applies a proposal everywhere in four ticks: the leader appends and sends (1), followers
 * append and acknowledge (2), the leader commits, applies and sends the commit (3), followers apply (4).
 */
class CommitPropagationTest
{
    private static final long MS = 1_000_000L;
    private static final StateMachine COUNTER = (index, term, command, offset, length, response) ->
    {
        response.putLong(0, index);
        return 8;
    };

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldApplyOnEveryMemberFourTicksAfterProposingToAnIdleCluster(final long seed)
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, seed, true, id -> COUNTER, config -> {});
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(200 * MS);
        final SplittableRandom random = new SplittableRandom(seed);
        final int proposals = 50;
        long maxTicks = 0;
        long totalTicks = 0;
        for (int i = 1; i <= proposals; i++)
        {
            // Idle for a random part of the heartbeat interval, so proposals land at every heartbeat phase.
            cluster.runFor(random.nextInt(1, 41) * cluster.tickNs());
            assertTrue(cluster.propose(leader, i, new byte[]{(byte)i}));
            long ticks = 0;
            while (!appliedEverywhere(cluster, cluster.committedIndex(i)))
            {
                cluster.tick();
                ticks++;
                assertTrue(ticks < 1_000, "proposal " + i + " not applied everywhere" + cluster.describe());
            }
            maxTicks = Math.max(maxTicks, ticks);
            totalTicks += ticks;
        }
        System.out.printf("commit propagation (seed %d): propose -> applied on all 3 members: mean %.2f ticks, max %d ticks%n",
            seed, (double)totalTicks / proposals, maxTicks);
        assertEquals(4, maxTicks, "ticks from propose to applied on every member" + cluster.describe());
    }

    @Test
    void shouldSendOnlyHeartbeatsWhileIdle()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 5, false, id -> COUNTER, config -> {});
        final int leader = cluster.awaitLeader(2_000 * MS);
        assertTrue(cluster.propose(leader, 1, new byte[]{1}));
        cluster.runFor(200 * MS);
        final long before = framesSent(cluster);
        cluster.runFor(1_000 * MS);
        final long frames = framesSent(cluster) - before;
        final long heartbeatIntervalNs = cluster.node(leader).config().heartbeatIntervalNs();
        // Per heartbeat: one AppendEntries to each of two followers and one reply from each.
        final long expected = 4 * (1_000 * MS / heartbeatIntervalNs);
        System.out.printf("commit propagation: idle 3 members, %d frames per second (heartbeats: %d)%n", frames, expected);
        assertTrue(Math.abs(frames - expected) <= 4, "frames per idle second: " + frames + ", expected about " + expected);
    }

    @Test
    void shouldCostAtMostOneAppendAndOneReplyPerFollowerPerEntryWhenProposalsArriveOneAtATime()
    {
        // Each proposal commits alone: its commit needs one more AppendEntries (and reply) per follower, so
        // 8 frames per entry where it took 4, plus the heartbeats (4 per 20 ticks, so 1 per entry here).
        final double perEntry = framesPerCommittedEntry(config -> {}, 1, 5, 2_000);
        assertTrue(perEntry <= 9.25, "frames per committed entry: " + perEntry);
    }

    @Test
    void shouldAddNoFramesWhenEveryTickBringsAProposal()
    {
        // New entries go out every cycle and carry the commit index: nothing else is needed.
        final double perEntry = framesPerCommittedEntry(config -> {}, 1, 1, 5_000);
        assertTrue(perEntry <= 4.5, "frames per committed entry: " + perEntry);
    }

    @Test
    void shouldKeepFramesPerEntryLowUnderLoad()
    {
        final double perEntry = framesPerCommittedEntry(config -> {}, 64, 1, 2_000);
        assertTrue(perEntry < 0.2, "frames per committed entry: " + perEntry);
    }

    @Test
    void shouldRespectTheInflightWindowUnderLoad()
    {
        // A window of one message of at most 4 entries, always full: every acknowledgement releases the
        // next 4 entries, which carry the commit index, so no commit-only appends are needed: 2 appends and
        // 2 replies per 4 entries, plus heartbeats (with the window full they are the only extra frames).
        final double perEntry = framesPerCommittedEntry(config -> config.inflightAppendsMax(1).appendEntriesMax(4), 64, 1, 2_000);
        assertTrue(perEntry < 1.15, "frames per committed entry: " + perEntry);
    }

    /**
     * The cost where it shows most: every frame is handled in its own duty cycle (a spinning agent on a
     * network with 50..100 us one-way delay), so a commit index advances in a cycle of its own, one
     * acknowledgement at a time, and new entries are less often there to carry it. Sparse load pays one
     * commit-only AppendEntries and its reply per follower per entry; dense load batches commits (one
     * message per follower per cycle, however many commits it saw) and lets new entries carry most.
     */
    @ParameterizedTest
    @ValueSource(longs = {1_000_000, 200_000, 50_000, 20_000, 5_000})
    void shouldKeepFramesPerEntryBoundedWhenEveryFrameHasItsOwnDutyCycle(final long proposalIntervalNs)
    {
        final EventDrivenCluster cluster = new EventDrivenCluster(3, 42, 50_000, 1_000_000);
        while (cluster.leader() == 0)
        {
            cluster.runUntil(cluster.clock().nanoTime() + MS);
        }
        final int leader = cluster.leader();
        cluster.runUntil(cluster.clock().nanoTime() + 200 * MS);
        final long durationNs = Math.min(1_000 * MS, 20_000 * proposalIntervalNs);
        final int proposals = (int)(durationNs / proposalIntervalNs);
        final long firstIndex = cluster.node(leader).log().lastIndex() + 1;
        final long[] proposedAtNs = new long[proposals];
        final long[] latencyNs = new long[proposals];
        int resolved = 0;
        final UnsafeBuffer command = new UnsafeBuffer(new byte[32]);
        final long framesBefore = cluster.framesSent();
        final long startNs = cluster.clock().nanoTime();
        for (int i = 0; i < proposals || resolved < proposals; i++)
        {
            if (i < proposals)
            {
                command.putLong(0, i);
                assertTrue(cluster.propose(leader, i, command, 0, command.capacity()));
                proposedAtNs[i] = cluster.clock().nanoTime();
            }
            final long untilNs = startNs + (i + 1) * proposalIntervalNs;
            do
            {
                long applied = Long.MAX_VALUE;
                for (int m = 1; m <= cluster.size(); m++)
                {
                    applied = Math.min(applied, cluster.node(m).lastApplied());
                }
                while (resolved < Math.min(proposals, i + 1) && firstIndex + resolved <= applied)
                {
                    latencyNs[resolved] = cluster.clock().nanoTime() - proposedAtNs[resolved];
                    resolved++;
                }
            }
            while (cluster.step(untilNs));
            cluster.clock().advanceTo(untilNs);
            assertTrue(i < proposals + 1_000_000, "not applied everywhere");
        }
        assertEquals(firstIndex + proposals - 1, cluster.node(leader).log().lastIndex(), "only the proposals were appended");
        final long frames = cluster.framesSent() - framesBefore;
        final double perEntry = (double)frames / proposals;
        java.util.Arrays.sort(latencyNs);
        System.out.printf("commit propagation, event-driven: 1 proposal every %d us: %d entries, %.2f frames/entry, " +
            "propose -> applied on all 3: p50 %d us, p99 %d us, max %d us%n",
            proposalIntervalNs / 1000, proposals, perEntry, latencyNs[proposals / 2] / 1000, latencyNs[proposals * 99 / 100] / 1000,
            latencyNs[proposals - 1] / 1000);
        // Per entry at most: one AppendEntries and one reply per follower (4), the same again for its commit,
        // and the heartbeats' share. Denser load batches it to well below that.
        assertTrue(perEntry <= 8 + 4.0 * proposalIntervalNs / cluster.node(leader).config().heartbeatIntervalNs() + 0.1,
            "frames per entry: " + perEntry);
        assertTrue(latencyNs[proposals - 1] < cluster.node(leader).config().heartbeatIntervalNs(), "max latency " + latencyNs[proposals - 1]);
    }

    /**
     * Proposes {@code batch} commands every {@code everyTicks} ticks for {@code ticks} ticks on an
     * otherwise idle 3-member cluster.
     *
     * @return frames sent by all members per entry the leader committed.
     */
    private static double framesPerCommittedEntry(
        final Consumer<RaftConfig> configurer, final int batch, final int everyTicks, final int ticks)
    {
        final int capacity = batch * ticks / everyTicks + 100_000;
        final LoopbackCluster cluster = new LoopbackCluster(3, 42, false, id -> COUNTER, configurer, capacity, capacity * 64);
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(200 * MS);
        final UnsafeBuffer command = new UnsafeBuffer(new byte[32]);
        final long framesBefore = framesSent(cluster);
        final long commitBefore = cluster.node(leader).commitIndex();
        long correlationId = 1;
        for (int tick = 0; tick < ticks; tick++)
        {
            if (tick % everyTicks == 0)
            {
                for (int i = 0; i < batch; i++)
                {
                    command.putLong(0, correlationId);
                    assertTrue(cluster.propose(leader, correlationId++, command, 0, command.capacity()));
                }
            }
            cluster.tick();
        }
        final long frames = framesSent(cluster) - framesBefore;
        final long committed = cluster.node(leader).commitIndex() - commitBefore;
        final double perEntry = (double)frames / committed;
        System.out.printf("commit propagation: %d proposals every %d ticks, %d ticks: %d entries committed, %d frames, %.3f frames/entry%n",
            batch, everyTicks, ticks, committed, frames, perEntry);
        assertTrue(committed >= ticks / everyTicks - 10, "committed " + committed + cluster.describe());
        return perEntry;
    }

    private static boolean appliedEverywhere(final LoopbackCluster cluster, final long index)
    {
        if (index == 0)
        {
            return false;
        }
        for (int m = 1; m <= cluster.size(); m++)
        {
            if (cluster.node(m).lastApplied() < index)
            {
                return false;
            }
        }
        return true;
    }

    private static long framesSent(final LoopbackCluster cluster)
    {
        long frames = 0;
        for (int m = 1; m <= cluster.size(); m++)
        {
            frames += cluster.node(m).counters().framesSent();
        }
        return frames;
    }
}
