package io.synod.quorum;

import io.synod.raft.RaftAgent;
import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import io.synod.log.chronicle.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ring changes step by step on real agents ({@link LoopbackCluster}, virtual time, no faults): the ring group is
 * the cluster's Raft group, each member's {@link QuorumNode} is built on its {@link RingStateMachine}. Keys written
 * before a member joins must be readable at R = ONE from the new member itself once the change is over (only the
 * stream can have brought them), and again after another member leaves.
 */
class RingChangeScenarioTest implements QuorumListener
{
    private static final int MEMBERS = 4;
    private static final int KEYS = 40;

    private final RingStateMachine[] machines = new RingStateMachine[MEMBERS + 1];
    private final QuorumNode[] nodes = new QuorumNode[MEMBERS + 1];
    private final Map<Long, Integer> statuses = new HashMap<>();
    private final Map<Long, Integer> values = new HashMap<>();
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(256);
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[8]);
    private LoopbackCluster cluster;
    private long nextId = 1;

    private static QuorumConfig config()
    {
        return new QuorumConfig().keyspaceId(5).n(3).requestTimeoutNs(50_000_000L).hintIntervalNs(10_000_000L)
            .tombstoneCollection(false);
    }

    private void start()
    {
        start(new ReplicaStore[MEMBERS + 1]);
    }

    private void start(final ReplicaStore[] stores)
    {
        cluster = new LoopbackCluster(MEMBERS, 7, false, member -> machines[member] = new RingStateMachine(3), c -> { });
        for (int member = 1; member <= MEMBERS; member++)
        {
            nodes[member] = new QuorumNode(config(), cluster.agent(member), member, machines[member], LoopbackCluster.GROUP_ID,
                stores[member] == null ? new InMemoryReplicaStore() : stores[member], this);
            cluster.agent(member).addDuty(nodes[member]);
        }
        cluster.awaitLeader(2_000_000_000L);
    }

    private void proposeRing(final int length, final long version)
    {
        assertTrue(cluster.propose(cluster.leader(), nextId++, command, 0, length));
        await(() ->
        {
            for (int member = 1; member <= MEMBERS; member++)
            {
                if (nodes[member].placement.version() < version || nodes[member].placement.changing())
                {
                    return false;
                }
            }
            return true;
        }, 20_000);
    }

    private void await(final BooleanSupplier done, final int ticks)
    {
        for (int i = 0; i < ticks && !done.getAsBoolean(); i++)
        {
            cluster.tick();
        }
        assertTrue(done.getAsBoolean(), "not done after " + ticks + " ticks");
    }

    private long put(final int member, final int k)
    {
        key.putInt(0, k);
        value.putLong(0, 1000 + k);
        final long id = nextId++;
        assertEquals(QuorumStatus.OK, nodes[member].put(cluster.clock().nanoTime(), id, key, 0, 4, key, 0, 0, value, 0, 8,
            Consistency.ALL, 0));
        return id;
    }

    private long get(final int member, final int k)
    {
        key.putInt(0, k);
        final long id = nextId++;
        assertEquals(QuorumStatus.OK, nodes[member].get(cluster.clock().nanoTime(), id, key, 0, 4, Consistency.ONE, 0));
        return id;
    }

    /** Every key the member replicates now, read from it alone (R = ONE answers with its own copy first), has its value. */
    private int checkReadsAt(final int member)
    {
        final int[] preference = new int[3];
        int checked = 0;
        for (int k = 0; k < KEYS; k++)
        {
            key.putInt(0, k);
            nodes[member].placement.readList(HashRing.hash(key, 0, 4), preference);
            if (!Placement.contains(preference, 3, member))
            {
                continue;
            }
            final long id = get(member, k);
            await(() -> statuses.containsKey(id), 1000);
            assertEquals(QuorumStatus.OK, statuses.get(id), "key " + k + " at member " + member);
            assertEquals(1000 + k, values.get(id), "key " + k + " at member " + member);
            checked++;
        }
        return checked;
    }

    @Test
    void shouldStreamMovedRangesSoThatTheNewOwnerServesOldWrites()
    {
        start();
        key.putInt(0, 1);
        assertEquals(QuorumStatus.NO_RING, nodes[1].get(cluster.clock().nanoTime(), nextId++, key, 0, 4, Consistency.ONE, 0),
            "no ring before BOOTSTRAP");
        proposeRing(RingCodec.encodeBootstrap(command, 0, new int[]{1, 2, 3},
            new long[][]{HashRing.tokens(1, 32), HashRing.tokens(2, 32), HashRing.tokens(3, 32)}), 1);
        assertEquals(QuorumStatus.NO_RING, nodes[4].get(cluster.clock().nanoTime(), nextId++, key, 0, 4, Consistency.ONE, 0),
            "member 4 is not on the ring");
        final long[] ids = new long[KEYS];
        for (int k = 0; k < KEYS; k++)
        {
            ids[k] = put(1 + k % 3, k);
        }
        await(() -> statuses.size() == KEYS, 1000);
        for (final long id : ids)
        {
            assertEquals(QuorumStatus.OK, statuses.get(id));
        }

        proposeRing(RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 32)), 5);
        assertEquals(5, machines[1].state().version());
        final int moved = checkReadsAt(4);
        assertTrue(moved > 0, "member 4 took over some keys");
        long streamed = 0;
        for (int member = 1; member <= 3; member++)
        {
            streamed += nodes[member].follower.keysStreamed();
        }
        assertTrue(streamed >= moved, streamed + " keys streamed for " + moved + " moved");

        proposeRing(RingCodec.encodeRemove(command, 0, 1), 9);
        for (int member = 2; member <= MEMBERS; member++)
        {
            checkReadsAt(member);
            assertEquals(machines[2].state().toString(), machines[member].state().toString());
        }
        assertEquals("ring v9 STABLE [2, 3, 4]", machines[4].state().toString());
        assertEquals(QuorumStatus.NO_RING, nodes[1].get(cluster.clock().nanoTime(), nextId++, key, 0, 4, Consistency.ONE, 0),
            "member 1 has left");
    }

    /**
     * A member records the ring version it uses in its store (here a real Chronicle store, reopened): started again
     * on a ring group that has applied only an older version, it refuses to coordinate until it catches up.
     */
    @Test
    void shouldRefuseToCoordinateOnARingOlderThanTheOneItUsedBefore(@TempDir final Path dir)
    {
        final ReplicaStore[] stores = new ReplicaStore[MEMBERS + 1];
        stores[4] = ChronicleReplicaStore.open(dir, Durability.PAGE_CACHE, 4096);
        start(stores);
        proposeRing(RingCodec.encodeBootstrap(command, 0, new int[]{1, 2, 3},
            new long[][]{HashRing.tokens(1, 32), HashRing.tokens(2, 32), HashRing.tokens(3, 32)}), 1);
        proposeRing(RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 32)), 5);
        assertTrue(nodes[4].follower.usable());
        stores[4].close();

        // A new run of all four whose ring group is only at version 1 (as if member 4's group log were behind).
        stores[4] = ChronicleReplicaStore.open(dir, Durability.PAGE_CACHE, 4096);
        start(stores);
        proposeRing(RingCodec.encodeBootstrap(command, 0, new int[]{1, 2, 3, 4},
            new long[][]{HashRing.tokens(1, 32), HashRing.tokens(2, 32), HashRing.tokens(3, 32), HashRing.tokens(4, 32)}), 1);
        key.putInt(0, 1);
        assertEquals(QuorumStatus.NO_RING, nodes[4].get(cluster.clock().nanoTime(), nextId++, key, 0, 4, Consistency.ONE, 0),
            "member 4 used version 5 before: version 1 is behind it");
        final long id = get(3, 1);
        await(() -> statuses.containsKey(id), 1000);
        assertTrue(statuses.get(id) == QuorumStatus.OK || statuses.get(id) == QuorumStatus.NOT_FOUND, "member 3 serves");
        stores[4].close();
    }

    @Test
    void shouldRefuseARingGroupThatKeepsFewerMembersThanN()
    {
        cluster = new LoopbackCluster(3, 7, false, member -> new RingStateMachine(2), c -> { });
        final RaftAgent agent = cluster.agent(1);
        assertThrows(IllegalArgumentException.class, () ->
            new QuorumNode(config(), agent, 1, new RingStateMachine(2), LoopbackCluster.GROUP_ID, new InMemoryReplicaStore(), this));
        assertThrows(IllegalArgumentException.class, () ->
            new QuorumNode(config(), agent, 1, new RingStateMachine(3), 9, new InMemoryReplicaStore(), this), "no group 9");
    }

    @Override
    public void onPutComplete(final long correlationId, final int status, final boolean overlaps, final boolean strict)
    {
        statuses.put(correlationId, status);
    }

    @Override
    public void onGetComplete(final long correlationId, final int status, final DvvSet siblings, final boolean overlaps)
    {
        statuses.put(correlationId, status);
        if (siblings.valueCount() == 1)
        {
            values.put(correlationId, (int)siblings.valueBuffer().getLong(siblings.valueOffset(0)));
        }
    }
}
