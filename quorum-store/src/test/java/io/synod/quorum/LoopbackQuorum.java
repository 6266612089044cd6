package io.synod.quorum;

import io.synod.raft.StateMachine;
import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.BooleanSupplier;

/**
 * Three members on raft-testkit's {@link LoopbackCluster} (real agents, pre-sized loopback links, virtual
 * time), each with a {@link QuorumNode} and an {@link AtomicNode} on in-memory stores, and listeners that
 * only count and keep the last outcome: nothing here allocates per operation.
 */
final class LoopbackQuorum implements QuorumListener, AtomicListener
{
    static final int MEMBERS = 3;
    static final int KEYSPACE = 11;

    final LoopbackCluster cluster;
    final QuorumNode[] nodes = new QuorumNode[MEMBERS + 1];
    final AtomicNode[] atomics = new AtomicNode[MEMBERS + 1];
    final InMemoryReplicaStore[] stores = new InMemoryReplicaStore[MEMBERS + 1];
    final UnsafeBuffer context = new UnsafeBuffer(new byte[1024]);
    final UnsafeBuffer lastValue = new UnsafeBuffer(new byte[1024]);
    int contextLength;
    int lastValueLength;
    long completed;
    int lastStatus = -1;
    int lastSiblings;
    boolean lastOverlaps;

    LoopbackQuorum()
    {
        final StateMachine nothing = (index, term, command, offset, length, response) -> 0;
        cluster = new LoopbackCluster(MEMBERS, 42, false, member -> nothing, config -> {});
        final HashRing ring = new HashRing(new int[]{1, 2, 3}, HashRing.VNODES_DEFAULT);
        for (int member = 1; member <= MEMBERS; member++)
        {
            stores[member] = new InMemoryReplicaStore();
            nodes[member] = QuorumNode.attach(config(), cluster.agent(member), member, ring, stores[member], this);
            atomics[member] = AtomicNode.attach(config().serviceId(QuorumConfig.SERVICE_ID_DEFAULT + 1), cluster.agent(member), member,
                ring, new InMemoryReplicaStore(), this);
        }
    }

    static QuorumConfig config()
    {
        return new QuorumConfig().keyspaceId(KEYSPACE).n(3).valueLengthMax(256).keyLengthMax(64).requestTimeoutNs(50_000_000L);
    }

    long nowNs()
    {
        return cluster.clock().nanoTime();
    }

    /** Ticks until {@code target} operations completed (at most {@code ticks}); allocation-free. */
    void awaitCompleted(final long target, final int ticks)
    {
        for (int i = 0; i < ticks && completed < target; i++)
        {
            cluster.tick();
        }
        if (completed < target)
        {
            throw new AssertionError("not done after " + ticks + " ticks");
        }
    }

    /** Ticks until {@code done} (at most {@code ticks}). */
    void await(final BooleanSupplier done, final int ticks)
    {
        for (int i = 0; i < ticks && !done.getAsBoolean(); i++)
        {
            cluster.tick();
        }
        if (!done.getAsBoolean())
        {
            throw new AssertionError("not done after " + ticks + " ticks");
        }
    }

    @Override
    public void onPutComplete(final long correlationId, final int status, final boolean overlaps, final boolean strict)
    {
        completed++;
        lastStatus = status;
        lastOverlaps = overlaps;
    }

    @Override
    public void onGetComplete(final long correlationId, final int status, final DvvSet siblings, final boolean overlaps)
    {
        completed++;
        lastStatus = status;
        lastOverlaps = overlaps;
        lastSiblings = siblings.valueCount();
        contextLength = siblings.encodeContext(KEYSPACE, context, 0);
        lastValueLength = 0;
        if (siblings.valueCount() > 0)
        {
            lastValueLength = siblings.valueLength(0);
            lastValue.putBytes(0, siblings.valueBuffer(), siblings.valueOffset(0), lastValueLength);
        }
    }

    @Override
    public void onWriteComplete(final long correlationId, final int status)
    {
        completed++;
        lastStatus = status;
    }

    @Override
    public void onReadComplete(final long correlationId, final int status, final DirectBuffer value, final int offset, final int length)
    {
        completed++;
        lastStatus = status;
        lastValueLength = length;
        lastValue.putBytes(0, value, offset, length);
    }
}
