package io.synod.raft.testkit;

import io.synod.raft.RaftNode;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.SnapshotStore;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A state machine controls when it is snapshotted: it can decline for now ({@link SnapshotSource#NOT_NOW},
 * asked again later, snapshots stay on) and the host can ask for one whatever the thresholds
 * ({@link RaftNode#requestSnapshot()}, or through the agent). While one is written
 * {@link RaftNode#isSnapshotting()} says so, and the stored snapshot gives back exactly the state
 * machine's bytes from {@link SnapshotStore#stateMachineOffset()}.
 */
class SnapshotControlTest
{
    private static final long MS = 1_000_000L;
    /** Written in 64-byte chunks, so a snapshot takes several duty cycles. */
    private static final int SNAPSHOT_BYTES = 300;

    /** Sums the commands; its snapshot is the sum followed by a fixed pattern. */
    private static final class Summing implements StateMachine
    {
        long sum;
        int declines;
        int asked;

        @Override
        public int apply(
            final long index, final long term, final DirectBuffer command, final int offset, final int length,
            final ExpandableArrayBuffer response)
        {
            sum += command.getLong(offset, ByteOrder.LITTLE_ENDIAN);
            return 0;
        }

        @Override
        public SnapshotSource snapshot()
        {
            asked++;
            if (declines > 0)
            {
                declines--;
                return SnapshotSource.NOT_NOW;
            }
            final byte[] image = image(sum);
            final int[] position = {0};
            return (buffer, offset, maxBytes) ->
            {
                if (position[0] == image.length)
                {
                    return -1;
                }
                final int n = Math.min(Math.min(maxBytes, 64), image.length - position[0]);
                buffer.putBytes(offset, image, position[0], n);
                position[0] += n;
                return n;
            };
        }

        @Override
        public void restore(final SnapshotReader reader)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SNAPSHOT_BYTES]);
            int read = 0;
            while (read < SNAPSHOT_BYTES)
            {
                read += reader.read(buffer, read, SNAPSHOT_BYTES - read);
            }
            sum = buffer.getLong(0, ByteOrder.LITTLE_ENDIAN);
        }
    }

    static byte[] image(final long sum)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SNAPSHOT_BYTES]);
        buffer.putLong(0, sum, ByteOrder.LITTLE_ENDIAN);
        for (int i = 8; i < SNAPSHOT_BYTES; i++)
        {
            buffer.putByte(i, (byte)i);
        }
        return buffer.byteArray();
    }

    private final Summing[] machines = {null, new Summing(), new Summing(), new Summing()};
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[8]);

    private LoopbackCluster cluster(final long entriesThreshold)
    {
        return new LoopbackCluster(3, 5, true, id -> machines[id],
            config -> config.snapshotEntriesThreshold(entriesThreshold).snapshotChunkBytes(64));
    }

    private void commit(final LoopbackCluster cluster, final int leader, final int count)
    {
        for (int i = 1; i <= count; i++)
        {
            command.putLong(0, i, ByteOrder.LITTLE_ENDIAN);
            assertTrue(cluster.propose(leader, i, command, 0, 8));
            cluster.tick();
        }
        final long target = cluster.node(leader).log().lastIndex();
        awaitTrue(cluster, 1_000 * MS, () -> cluster.node(1).lastApplied() >= target &&
            cluster.node(2).lastApplied() >= target && cluster.node(3).lastApplied() >= target);
    }

    @Test
    void shouldAskAgainAfterNotNowAndKeepSnapshotsOn()
    {
        for (int m = 1; m <= 3; m++)
        {
            machines[m].declines = 3;
        }
        final LoopbackCluster cluster = cluster(10);
        final int leader = cluster.awaitLeader(2_000 * MS);
        commit(cluster, leader, 40);
        cluster.runFor(100 * MS);
        final RaftNode node = cluster.node(leader);
        assertTrue(node.lastSnapshotIndex() > 0, "a snapshot was taken once the state machine agreed");
        assertTrue(machines[leader].asked >= 4, "asked again after each NOT_NOW: " + machines[leader].asked);
        final long first = node.lastSnapshotIndex();
        commit(cluster, leader, 40);
        cluster.runFor(100 * MS);
        assertTrue(node.lastSnapshotIndex() > first, "snapshots stay on after declining");
    }

    @Test
    void shouldSnapshotOnRequestWhateverTheThresholdsAndReportWhileWriting()
    {
        final LoopbackCluster cluster = cluster(1_000_000);
        final int leader = cluster.awaitLeader(2_000 * MS);
        commit(cluster, leader, 5);
        final int follower = leader % 3 + 1;
        final RaftNode node = cluster.node(follower);
        assertEquals(0, node.lastSnapshotIndex(), "thresholds not reached");
        assertFalse(node.isSnapshotting());

        assertTrue(cluster.agent(follower).requestSnapshot(0), "through the agent's ring, on a follower");
        boolean sawWriting = false;
        for (int i = 0; i < 50 && node.lastSnapshotIndex() == 0; i++)
        {
            cluster.tick();
            sawWriting |= node.isSnapshotting();
        }
        assertTrue(sawWriting, "a 300-byte snapshot in 64-byte chunks spans cycles");
        assertFalse(node.isSnapshotting());
        assertEquals(node.lastApplied(), node.lastSnapshotIndex());
        assertFalse(node.requestSnapshot(), "nothing applied since: nothing to do");

        final SnapshotStore store = cluster.snapshotStore(follower);
        final long offset = store.stateMachineOffset();
        assertTrue(offset > 0, "the node's part comes first");
        assertEquals(SNAPSHOT_BYTES, store.length() - offset);
        final UnsafeBuffer stored = new UnsafeBuffer(new byte[SNAPSHOT_BYTES]);
        assertEquals(SNAPSHOT_BYTES, store.read(offset, stored, 0, SNAPSHOT_BYTES));
        assertArrayEquals(image(15), stored.byteArray(), "exactly the state machine's bytes (sum 1..5 = 15)");
    }

    @Test
    void shouldRefuseARequestWhenSnapshotsAreOff()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 5, true, id -> (i, t, c, o, l, r) -> 0, config -> { });
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(50 * MS);
        assertFalse(cluster.node(leader).requestSnapshot(), "the state machine takes no snapshots (null)");
        assertEquals(-1, new io.synod.raft.log.InMemorySnapshotStore().stateMachineOffset(), "no snapshot, no offset");
    }
}
