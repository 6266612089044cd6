package io.synod.kv.sim;

import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvClientCodec;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import io.synod.raft.testkit.LoopbackCluster;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot every 10 entries keeps every member's log bounded, and a member restarted from its
 * snapshot plus the log tail holds exactly the state of a key-value store that applied every command.
 */
class SnapshotCompactionTest
{
    private static final long MS = 1_000_000L;
    private static final int COMMANDS = 1_000;

    @Test
    void shouldKeepLogBoundedAndRestoreToTheReplayedState()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 17, true, id -> new KeyValueStateMachine(),
            config -> config.snapshotEntriesThreshold(10).snapshotTrailingEntries(0).snapshotChunkBytes(256));
        cluster.recordOutcomes(true);
        final KeyValueStateMachine replayed = new KeyValueStateMachine();
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(64);
        final SplittableRandom random = new SplittableRandom(17);
        final List<byte[]> commands = new ArrayList<>();
        long maxLogLength = 0;

        int leader = cluster.awaitLeader(2_000 * MS);
        for (int i = 1; i <= COMMANDS; i++)
        {
            final byte[] key = ("key-" + random.nextInt(50)).getBytes(StandardCharsets.UTF_8);
            final byte[] value = ("value-" + i).getBytes(StandardCharsets.UTF_8);
            final UnsafeBuffer command = new UnsafeBuffer(new byte[64]);
            final int length = KvClientCodec.encodePut(command, 0, new UnsafeBuffer(key), 0, key.length,
                new UnsafeBuffer(value), 0, value.length);
            final byte[] bytes = new byte[length];
            command.getBytes(0, bytes);
            commands.add(bytes);
            final long correlationId = i;
            assertTrue(cluster.propose(leader, correlationId, bytes));
            awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(correlationId) != 0);
            for (int member = 1; member <= cluster.size(); member++)
            {
                maxLogLength = Math.max(maxLogLength, cluster.log(member).lastIndex() - cluster.log(member).snapshotIndex());
            }
            if (i == COMMANDS / 2)
            {
                // Restart a follower mid-way: it comes back from its snapshot plus the log tail.
                final int follower = leader % 3 + 1;
                cluster.crash(follower);
                cluster.restart(follower);
                leader = cluster.awaitLeader(2_000 * MS);
            }
        }
        for (final byte[] bytes : commands)
        {
            replayed.apply(0, 0, new UnsafeBuffer(bytes), 0, bytes.length, response);
        }
        cluster.runFor(300 * MS);

        assertTrue(maxLogLength <= 25, "log kept " + maxLogLength + " entries behind its snapshot");
        for (int member = 1; member <= cluster.size(); member++)
        {
            assertTrue(cluster.node(member).lastSnapshotIndex() > COMMANDS - 20, "member " + member + " kept snapshotting");
            final int restarted = member;
            cluster.crash(restarted);
            cluster.restart(restarted);
            assertEquals(cluster.log(restarted).snapshotIndex(), cluster.node(restarted).lastSnapshotIndex(),
                "the log starts right after the snapshot it restarted from");
            final long lastCommand = cluster.committedIndex(COMMANDS);
            awaitTrue(cluster, 3_000 * MS, () -> cluster.node(restarted).lastApplied() >= lastCommand);
            final KeyValueStateMachine state = (KeyValueStateMachine)cluster.stateMachine(restarted);
            assertEquals(replayed.digest(), state.digest(), "member " + restarted + " restored from snapshot + tail");
            assertTrue(replayed.contentEquals(state));
        }
    }

    private static void awaitTrue(final LoopbackCluster cluster, final long timeoutNs, final BooleanSupplier condition)
    {
        final long end = cluster.clock().nanoTime() + timeoutNs;
        while (!condition.getAsBoolean())
        {
            if (cluster.clock().nanoTime() > end)
            {
                throw new AssertionError("condition not met within " + timeoutNs / MS + "ms" + cluster.describe());
            }
            cluster.tick();
        }
    }
}
