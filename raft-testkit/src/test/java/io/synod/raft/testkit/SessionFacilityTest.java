package io.synod.raft.testkit;

import io.synod.raft.ClientSessions;
import io.synod.raft.EntryType;
import io.synod.raft.ProposalHandler;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared client-session facility (issue 13 §1) on a three-member cluster under the simulator's clock:
 * a window of 256 commands in flight applied once each and in any order; deferred outcomes a retry sees;
 * idle expiry by the leader's TICK with every replica told at the same index; a full table refused with
 * its reason; an idempotent OPEN by nonce; the first entry of a new term renewing every session; and the
 * window surviving a snapshot install.
 */
class SessionFacilityTest
{
    private static final long MS = 1_000_000L;

    /**
     * Counts commands per session. Command byte 1: "apply" (response: the count so far); byte 2: "wait"
     * (response "W", decided later); byte 3 + sequence (i64): "decide" that earlier wait (its kept outcome
     * becomes "G"). Records ended sessions with the index. Snapshots the count.
     */
    static final class Recorder implements StateMachine
    {
        long applied;
        ClientSessions sessions;
        final List<String> ended = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        private final UnsafeBuffer granted = new UnsafeBuffer(new byte[]{'G'});

        @Override
        public void onSessions(final ClientSessions sessions)
        {
            this.sessions = sessions;
        }

        @Override
        public int apply(
            final long index, final long term, final DirectBuffer command, final int offset, final int length,
            final ExpandableArrayBuffer response)
        {
            applied++;
            response.putLong(0, applied, ByteOrder.LITTLE_ENDIAN);
            return 8;
        }

        @Override
        public int applyInSession(
            final long index, final long term, final long sessionId, final long sequence, final DirectBuffer command, final int offset,
            final int length, final ExpandableArrayBuffer response)
        {
            switch (command.getByte(offset))
            {
                case 2:
                    response.putByte(0, (byte)'W');
                    return 1;
                case 3:
                    sessions.updateOutcome(sessionId, command.getLong(offset + 1, ByteOrder.LITTLE_ENDIAN), granted, 0, 1);
                    return 0;
                default:
                    return apply(index, term, command, offset, length, response);
            }
        }

        @Override
        public void onSessionEnded(final long index, final long sessionId, final boolean expired)
        {
            ended.add(sessionId + (expired ? " expired" : " closed") + " at " + index);
            events.add("ended " + sessionId + " at " + index);
        }

        @Override
        public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
        {
            events.add("opened " + sessionId + " nonce " + nonce + " ttl " + ttlNs + " at " + index);
        }

        @Override
        public void onKeepAlive(final long index, final long sessionId, final long token)
        {
            events.add("keep-alive " + sessionId + " token " + token + " at " + index);
        }

        @Override
        public void onLogTime(final long index, final long logTimeNs)
        {
            events.add("log time at " + index);
        }

        @Override
        public SnapshotSource snapshot()
        {
            final long value = applied;
            final boolean[] done = {false};
            return (buffer, offset, maxBytes) ->
            {
                if (done[0])
                {
                    return -1;
                }
                buffer.putLong(offset, value, ByteOrder.LITTLE_ENDIAN);
                done[0] = true;
                return 8;
            };
        }

        @Override
        public void restore(final SnapshotReader reader)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
            reader.readFully(buffer, 0, 8);
            applied = buffer.getLong(0, ByteOrder.LITTLE_ENDIAN);
        }
    }

    private final Recorder[] machines = {null, new Recorder(), new Recorder(), new Recorder()};
    private long correlation = 1;

    private LoopbackCluster cluster(final java.util.function.Consumer<io.synod.raft.RaftConfig> configurer)
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 3, true, id ->
        {
            machines[id] = new Recorder();
            return machines[id];
        }, configurer);
        cluster.recordOutcomes(true);
        return cluster;
    }

    /** Proposes on the leader and waits for the outcome: the response, or null if rejected. */
    private byte[] await(final LoopbackCluster cluster, final int type, final long sessionId, final long argument, final byte[] command)
    {
        final long id = send(cluster, type, sessionId, argument, command);
        awaitTrue(cluster, 2_000 * MS, () -> cluster.response(id) != null || cluster.rejectedReason(id) != 0);
        return cluster.response(id);
    }

    private long send(final LoopbackCluster cluster, final int type, final long sessionId, final long argument, final byte[] command)
    {
        final long id = correlation++;
        assertTrue(cluster.proposeSession(cluster.awaitLeader(2_000 * MS), id, type, sessionId, argument, command));
        return id;
    }

    private static long asLong(final byte[] bytes)
    {
        return new UnsafeBuffer(bytes).getLong(0, ByteOrder.LITTLE_ENDIAN);
    }

    private long open(final LoopbackCluster cluster, final long ttlMs, final long nonce)
    {
        final byte[] response = await(cluster, EntryType.SESSION_OPEN, nonce, ttlMs * MS, new byte[0]);
        assertNotNull(response, "session opened");
        return asLong(response);
    }

    @Test
    void shouldApplyAWindowOfCommandsInFlightOnceEachInAnyOrderAndRefuseOlderOnes()
    {
        final LoopbackCluster cluster = cluster(config -> { });
        cluster.awaitLeader(2_000 * MS);
        final long session = open(cluster, 60_000, 0);
        final long[] ids = new long[257];
        // 256 in flight at once, highest sequence first: the order does not matter inside the window.
        for (int sequence = 256; sequence >= 1; sequence--)
        {
            ids[sequence] = send(cluster, EntryType.SESSION_COMMAND, session, sequence, new byte[]{1});
        }
        awaitTrue(cluster, 2_000 * MS, () -> cluster.response(ids[1]) != null);
        cluster.runFor(100 * MS);
        for (int m = 1; m <= 3; m++)
        {
            assertEquals(256, machines[m].applied, "member " + m);
        }
        // Retries of the whole window: answered from the kept outcomes, nothing applied again.
        for (int sequence = 1; sequence <= 256; sequence++)
        {
            final long first = asLong(cluster.response(ids[sequence]));
            final byte[] retry = await(cluster, EntryType.SESSION_COMMAND, session, sequence, new byte[]{1});
            assertEquals(first, asLong(retry), "sequence " + sequence);
        }
        assertEquals(256, machines[cluster.leader()].applied);
        // Sequence 257 moves the window on: sequence 1 is now outside it.
        await(cluster, EntryType.SESSION_COMMAND, session, 257, new byte[]{1});
        final long stale = send(cluster, EntryType.SESSION_COMMAND, session, 1, new byte[]{1});
        awaitTrue(cluster, 1_000 * MS, () -> cluster.rejectedReason(stale) != 0);
        assertEquals(ProposalHandler.SESSION_STALE, cluster.rejectedReason(stale));
    }

    @Test
    void shouldGiveARetryTheOutcomeDecidedLater()
    {
        final LoopbackCluster cluster = cluster(config -> { });
        cluster.awaitLeader(2_000 * MS);
        final long session = open(cluster, 60_000, 0);
        assertEquals('W', await(cluster, EntryType.SESSION_COMMAND, session, 1, new byte[]{2})[0], "the wait is queued");
        final byte[] decide = new byte[9];
        decide[0] = 3;
        new UnsafeBuffer(decide).putLong(1, 1, ByteOrder.LITTLE_ENDIAN);
        await(cluster, EntryType.SESSION_COMMAND, session, 2, decide);
        assertEquals('G', await(cluster, EntryType.SESSION_COMMAND, session, 1, new byte[]{2})[0],
            "a retry of the wait gets the decision, not 'waiting'");
    }

    @Test
    void shouldExpireAnIdleSessionByTheLeadersTickAtTheSameIndexEverywhere()
    {
        final LoopbackCluster cluster = cluster(config -> config.sessionTickIntervalNs(50 * MS));
        cluster.awaitLeader(2_000 * MS);
        final long session = open(cluster, 300, 0);
        final long lastBefore = cluster.log(cluster.leader()).lastIndex();
        cluster.runFor(1_000 * MS);
        for (int m = 1; m <= 3; m++)
        {
            assertEquals(0, cluster.node(m).sessionCount(), "member " + m + ": expired with no client traffic at all");
        }
        assertTrue(cluster.log(cluster.leader()).lastIndex() > lastBefore, "TICKs carried log time");
        assertEquals(1, machines[1].ended.size());
        assertTrue(machines[1].ended.get(0).startsWith(session + " expired at "), machines[1].ended.toString());
        assertEquals(machines[1].ended, machines[2].ended, "same session, same index");
        assertEquals(machines[1].ended, machines[3].ended, "same session, same index");

        final long lastAfter = cluster.log(cluster.leader()).lastIndex();
        cluster.runFor(500 * MS);
        assertEquals(lastAfter, cluster.log(cluster.leader()).lastIndex(), "no sessions, no TICKs");
        final long expired = send(cluster, EntryType.SESSION_COMMAND, session, 1, new byte[]{1});
        awaitTrue(cluster, 1_000 * MS, () -> cluster.rejectedReason(expired) != 0);
        assertEquals(ProposalHandler.SESSION_EXPIRED, cluster.rejectedReason(expired));
    }

    @Test
    void shouldRefuseANewSessionWhenTheTableIsFullAndOpenOncePerNonce()
    {
        final LoopbackCluster cluster = cluster(config -> config.sessionsMax(3));
        cluster.awaitLeader(2_000 * MS);
        final long first = open(cluster, 60_000, 42);
        assertEquals(first, open(cluster, 60_000, 42), "a retried OPEN with the same nonce gets the same session");
        open(cluster, 60_000, 0);
        open(cluster, 60_000, 0);
        final long refused = send(cluster, EntryType.SESSION_OPEN, 0, 60_000 * MS, new byte[0]);
        awaitTrue(cluster, 1_000 * MS, () -> cluster.rejectedReason(refused) != 0);
        assertEquals(ProposalHandler.SESSION_LIMIT, cluster.rejectedReason(refused));
        assertNotNull(await(cluster, EntryType.SESSION_CLOSE, first, 0, new byte[0]));
        assertEquals(1, machines[cluster.leader()].ended.stream().filter(e -> e.startsWith(first + " closed")).count());
        open(cluster, 60_000, 0);
    }

    @Test
    void shouldRenewEverySessionAtTheFirstEntryOfANewTerm()
    {
        final LoopbackCluster cluster = cluster(config -> config.sessionTickIntervalNs(50 * MS));
        int leader = cluster.awaitLeader(2_000 * MS);
        final long session = open(cluster, 1_500, 0);
        cluster.runFor(1_000 * MS);
        // The leader dies; the election takes a while. Without renewal the session would expire at the
        // new leader's first TICK, since nobody could keep it alive meanwhile.
        cluster.crash(leader);
        final long crashedAt = cluster.clock().nanoTime();
        final int next = cluster.awaitLeader(5_000 * MS);
        cluster.runFor(Math.max(0, 700 * MS - (cluster.clock().nanoTime() - crashedAt)));
        assertTrue(cluster.node(next).sessionCount() == 1, "renewed when the new term's first TICK applied");
        assertNotNull(await(cluster, EntryType.SESSION_KEEPALIVE, session, 0, new byte[0]));
    }

    @Test
    void shouldKeepTheWindowAcrossASnapshotInstall()
    {
        final LoopbackCluster cluster = cluster(config -> config.snapshotEntriesThreshold(20).snapshotTrailingEntries(0));
        final int leader = cluster.awaitLeader(2_000 * MS);
        final int lagging = leader % 3 + 1;
        cluster.crash(lagging);
        final long session = open(cluster, 60_000, 0);
        final long[] first = new long[41];
        for (int sequence = 1; sequence <= 40; sequence++)
        {
            first[sequence] = asLong(await(cluster, EntryType.SESSION_COMMAND, session, sequence, new byte[]{1}));
        }
        cluster.runFor(200 * MS);
        assertTrue(cluster.node(leader).lastSnapshotIndex() > 0, "a snapshot was taken");
        cluster.restart(lagging);
        awaitTrue(cluster, 2_000 * MS, () -> cluster.node(lagging).lastApplied() >= cluster.node(leader).lastApplied());
        assertEquals(1, cluster.node(lagging).sessionCount(), "the session came with the snapshot");
        cluster.transferLeadership(leader, correlation++, lagging);
        awaitTrue(cluster, 2_000 * MS, () -> cluster.leader() == lagging);
        for (int sequence = 1; sequence <= 40; sequence++)
        {
            assertEquals(first[sequence], asLong(await(cluster, EntryType.SESSION_COMMAND, session, sequence, new byte[]{1})),
                "retry of " + sequence + " answered by the member that installed the snapshot");
        }
        assertEquals(40, machines[lagging].applied);
    }

    @Test
    void shouldTakeSessionOperationsForwardedByAFollowerAndTellTheStateMachineTheSameEverywhere()
    {
        final LoopbackCluster cluster = cluster(config -> config.sessionTickIntervalNs(50 * MS));
        final int leader = cluster.awaitLeader(2_000 * MS);
        final int follower = leader % 3 + 1;
        final io.synod.raft.RaftAgent agent = cluster.agent(follower);
        final UnsafeBuffer none = new UnsafeBuffer(new byte[0]);
        assertTrue(agent.forwardSession(0, EntryType.SESSION_OPEN, 77, 60_000 * MS, none, 0, 0));
        awaitTrue(cluster, 2_000 * MS, () -> machines[follower].sessions.sessionForNonce(77) != 0);
        final long session = machines[follower].sessions.sessionForNonce(77);
        // A retried OPEN (its first answer lost, say) finds the live session by its nonce.
        assertTrue(agent.forwardSession(0, EntryType.SESSION_OPEN, 77, 60_000 * MS, none, 0, 0));
        final UnsafeBuffer wait = new UnsafeBuffer(new byte[]{2});
        assertTrue(agent.forwardSession(0, EntryType.SESSION_COMMAND, session, 1, wait, 0, 1));
        assertTrue(agent.forwardSession(0, EntryType.SESSION_COMMAND, session, 1, wait, 0, 1));
        assertTrue(agent.forwardSession(0, EntryType.SESSION_KEEPALIVE, session, 12_345, none, 0, 0));
        final UnsafeBuffer out = new UnsafeBuffer(new byte[16]);
        awaitTrue(cluster, 2_000 * MS, () -> machines[follower].sessions.outcome(session, 1, out) == 1);
        assertEquals('W', out.getByte(0), "the kept outcome, read on the follower");
        assertEquals(-1, machines[follower].sessions.outcome(session, 2, out), "never applied");
        cluster.runFor(200 * MS);
        assertTrue(agent.forwardSession(0, EntryType.SESSION_CLOSE, session, 0, none, 0, 0));
        awaitTrue(cluster, 2_000 * MS, () -> machines[follower].ended.size() == 1);
        cluster.runFor(100 * MS);

        for (int m = 1; m <= 3; m++)
        {
            assertEquals(machines[follower].events, machines[m].events, "member " + m + " was told the same at the same indexes");
        }
        final List<String> events = machines[follower].events;
        assertEquals(2, events.stream().filter(e -> e.startsWith("opened " + session + " nonce 77 ttl " + 60_000 * MS)).count(),
            events.toString());
        assertEquals(1, events.stream().filter(e -> e.startsWith("keep-alive " + session + " token 12345")).count(), events.toString());
        assertTrue(events.stream().filter(e -> e.startsWith("log time")).count() >= 2, "TICKs while the session lived: " + events);
        assertTrue(events.get(events.size() - 1).startsWith("ended " + session), events.toString());
    }

    @Test
    void shouldDropAForwardedOpenWhileTheTableIsFull()
    {
        final LoopbackCluster cluster = cluster(config -> config.sessionsMax(1));
        final int leader = cluster.awaitLeader(2_000 * MS);
        final int follower = leader % 3 + 1;
        open(cluster, 60_000, 0);
        final UnsafeBuffer none = new UnsafeBuffer(new byte[0]);
        final long dropped = cluster.node(leader).counters().forwardsDropped();
        assertTrue(cluster.agent(follower).forwardSession(0, EntryType.SESSION_OPEN, 5, 60_000 * MS, none, 0, 0));
        awaitTrue(cluster, 2_000 * MS, () -> cluster.node(leader).counters().forwardsDropped() == dropped + 1);
        assertEquals(1, cluster.node(leader).sessionCount());
        assertEquals(0, machines[follower].sessions.sessionForNonce(5));
    }
}
