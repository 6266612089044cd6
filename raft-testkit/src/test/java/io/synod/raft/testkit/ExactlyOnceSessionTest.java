package io.synod.raft.testkit;

import io.synod.raft.EntryType;
import io.synod.raft.ProposalHandler;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client sessions make a retried command apply exactly once: a counter is incremented through a
 * session while leaders crash, commands are proposed twice, and retries go to whichever member leads;
 * every member ends with the counter equal to the number of distinct commands, and every retry got the
 * first response. Snapshots every few entries carry the session table.
 */
class ExactlyOnceSessionTest
{
    private static final long MS = 1_000_000L;
    private static final int COMMANDS = 150;

    /** Increments a counter; the response is the new value. Snapshots the counter. */
    static final class Counter implements StateMachine
    {
        long value;

        @Override
        public int apply(
            final long index, final long term, final DirectBuffer command, final int offset, final int length,
            final ExpandableArrayBuffer response)
        {
            value++;
            response.putLong(0, value, ByteOrder.LITTLE_ENDIAN);
            return 8;
        }

        @Override
        public SnapshotSource snapshot()
        {
            final long snapshotValue = value;
            final boolean[] done = {false};
            return (buffer, offset, maxBytes) ->
            {
                if (done[0])
                {
                    return -1;
                }
                buffer.putLong(offset, snapshotValue, ByteOrder.LITTLE_ENDIAN);
                done[0] = true;
                return 8;
            };
        }

        @Override
        public void restore(final SnapshotReader reader)
        {
            final MutableDirectBuffer buffer = new UnsafeBuffer(new byte[8]);
            reader.readFully(buffer, 0, 8);
            value = buffer.getLong(0, ByteOrder.LITTLE_ENDIAN);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldApplyEachSessionCommandOnceDespiteRetriesDuplicatesAndLeaderCrashes(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final LoopbackCluster cluster = new LoopbackCluster(3, seed, true, id -> new Counter(),
            config -> config.snapshotEntriesThreshold(10).snapshotTrailingEntries(2).snapshotChunkBytes(64));
        cluster.recordOutcomes(true);
        int leader = cluster.awaitLeader(2_000 * MS);

        long correlationId = 1;
        final long openId = correlationId++;
        assertTrue(cluster.proposeSession(leader, openId, EntryType.SESSION_OPEN, 0, 60_000 * MS, new byte[0]));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.response(openId) != null);
        final long sessionId = new UnsafeBuffer(cluster.response(openId)).getLong(0, ByteOrder.LITTLE_ENDIAN);

        for (long sequence = 1; sequence <= COMMANDS; sequence++)
        {
            long acknowledgedBy = 0;
            int attempts = 0;
            while (acknowledgedBy == 0)
            {
                attempts++;
                leader = cluster.awaitLeader(5_000 * MS);
                final long attempt = correlationId++;
                cluster.proposeSession(leader, attempt, EntryType.SESSION_COMMAND, sessionId, sequence, new byte[]{1});
                if (random.nextInt(4) == 0)
                {
                    cluster.proposeSession(leader, correlationId++, EntryType.SESSION_COMMAND, sessionId, sequence, new byte[]{1});
                }
                if (random.nextInt(10) == 0)
                {
                    cluster.tick();
                    cluster.crash(leader);
                    cluster.awaitLeader(5_000 * MS);
                    cluster.restart(leader);
                }
                final long deadline = cluster.clock().nanoTime() + 300 * MS;
                while (cluster.clock().nanoTime() < deadline && cluster.response(attempt) == null && cluster.rejectedReason(attempt) == 0)
                {
                    cluster.tick();
                }
                if (cluster.response(attempt) != null)
                {
                    acknowledgedBy = attempt;
                }
                assertTrue(attempts < 50, "sequence " + sequence + " never acknowledged" + cluster.describe());
            }
            final long counter = new UnsafeBuffer(cluster.response(acknowledgedBy)).getLong(0, ByteOrder.LITTLE_ENDIAN);
            assertEquals(sequence, counter, "the response to sequence " + sequence + " must be its first application's");
        }

        cluster.runFor(500 * MS);
        for (int member = 1; member <= cluster.size(); member++)
        {
            assertEquals(COMMANDS, ((Counter)cluster.stateMachine(member)).value, "counter on member " + member + cluster.describe());
        }
        assertTrue(cluster.node(1).lastSnapshotIndex() > 0, "snapshots were taken");
    }

    @Test
    void shouldExpireIdleSessionByLogTime()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 9, true, id -> new Counter(), config -> {});
        cluster.recordOutcomes(true);
        final int leader = cluster.awaitLeader(2_000 * MS);
        assertTrue(cluster.proposeSession(leader, 1, EntryType.SESSION_OPEN, 0, 100 * MS, new byte[0]));
        assertTrue(cluster.proposeSession(leader, 2, EntryType.SESSION_OPEN, 0, 10_000 * MS, new byte[0]));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.response(2) != null);
        final long idle = new UnsafeBuffer(cluster.response(1)).getLong(0, ByteOrder.LITTLE_ENDIAN);
        final long busy = new UnsafeBuffer(cluster.response(2)).getLong(0, ByteOrder.LITTLE_ENDIAN);

        // Only the busy session is used; its entries carry the leader's time forward.
        for (int i = 1; i <= 30; i++)
        {
            final long id = 100 + i;
            cluster.proposeSession(leader, id, EntryType.SESSION_COMMAND, busy, i, new byte[]{1});
            awaitTrue(cluster, 1_000 * MS, () -> cluster.response(id) != null);
            cluster.runFor(10 * MS);
        }
        assertTrue(cluster.proposeSession(leader, 500, EntryType.SESSION_COMMAND, idle, 1, new byte[]{1}));
        awaitTrue(cluster, 1_000 * MS, () -> cluster.rejectedReason(500) != 0);
        assertEquals(ProposalHandler.SESSION_EXPIRED, cluster.rejectedReason(500));
        cluster.runFor(200 * MS);
        for (int member = 1; member <= 3; member++)
        {
            assertEquals(1, cluster.node(member).sessionCount(), "every replica expired the same session");
            assertEquals(30, ((Counter)cluster.stateMachine(member)).value);
        }
    }
}
