package io.synod.transport.aeron.load;

import io.synod.raft.ProposalHandler;
import io.synod.transport.aeron.AeronRaftNode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A closed-loop client for demos and tests: proposes commands {@code 0 .. total-1} (each command
 * starts with its id) to whichever node is leader, keeps at most {@code window} in flight, retries
 * rejected ones, and records which were acknowledged (committed and applied on the leader) and the
 * commit latency of each.
 *
 * <p>Register it as the {@link ProposalHandler} of every node; it is thread-safe (every agent calls
 * it on its own thread). A command may be proposed more than once (a retry after a crash whose
 * outcome was unknown), so replicas may apply an id twice; what must hold is that every
 * acknowledged id is applied everywhere.
 *
 * <p>Allocates on retries; the ack path is allocation-free.
 */
public final class ClusterClient implements ProposalHandler
{
    private static final int IDLE = 0;
    private static final int IN_FLIGHT = 1;
    private static final int ACKED = 2;
    private static final long RESEND_AFTER_NS = 1_000_000_000L;

    private final AtomicReferenceArray<AeronRaftNode> nodes;
    private final int total;
    private final int commandLength;
    private final AtomicIntegerArray state;
    private final long[] sentAtNs;
    private final long[] latencyNs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong lastAckNs = new AtomicLong(System.nanoTime());
    private final ConcurrentLinkedQueue<Integer> retries = new ConcurrentLinkedQueue<>();
    private final UnsafeBuffer command;
    private volatile int window;
    private volatile boolean paused;
    private int nextId;

    /**
     * @param nodeSlots     number of node slots ({@link #node(int, AeronRaftNode)}).
     * @param total         commands to propose.
     * @param commandLength bytes per command, at least 8 (the id).
     * @param window        commands in flight at most.
     */
    public ClusterClient(final int nodeSlots, final int total, final int commandLength, final int window)
    {
        if (commandLength < 8)
        {
            throw new IllegalArgumentException("commandLength must be >= 8");
        }
        this.nodes = new AtomicReferenceArray<>(nodeSlots);
        this.total = total;
        this.commandLength = commandLength;
        this.window = window;
        this.state = new AtomicIntegerArray(total);
        this.sentAtNs = new long[total];
        this.latencyNs = new long[total];
        this.command = new UnsafeBuffer(new byte[commandLength]);
        for (int i = 8; i < commandLength; i++)
        {
            command.putByte(i, (byte)('a' + i % 26));
        }
    }

    /** Puts a node in a slot (null when it is down). */
    public void node(final int slot, final AeronRaftNode node)
    {
        nodes.set(slot, node);
    }

    /** @return the node in a slot, or null. */
    public AeronRaftNode node(final int slot)
    {
        return nodes.get(slot);
    }

    /** @return the node that is leader now, or null. */
    public AeronRaftNode leader()
    {
        AeronRaftNode leader = null;
        long term = -1;
        for (int i = 0; i < nodes.length(); i++)
        {
            final AeronRaftNode node = nodes.get(i);
            if (node != null && node.isLeader() && node.term() > term)
            {
                leader = node;
                term = node.term();
            }
        }
        return leader;
    }

    /** Pause or resume proposing. */
    public void paused(final boolean paused)
    {
        this.paused = paused;
    }

    /** Change the window. */
    public void window(final int window)
    {
        this.window = window;
    }

    /**
     * Proposes until {@code untilAcked} commands are acknowledged (or all are), or the deadline passes.
     * Runs on the calling thread.
     *
     * @return true if the target was reached.
     */
    public boolean run(final long untilAcked, final long deadlineNs)
    {
        final long target = Math.min(untilAcked, total);
        while (acked.get() < target)
        {
            final long nowNs = System.nanoTime();
            if (nowNs - deadlineNs > 0)
            {
                return false;
            }
            if (paused || inFlight.get() >= window)
            {
                resendIfStuck(nowNs);
                Thread.yield();
                continue;
            }
            final int id = nextIdToSend();
            if (id < 0)
            {
                resendIfStuck(nowNs);
                Thread.yield();
                continue;
            }
            final AeronRaftNode leader = leader();
            if (leader == null || !send(leader, id, nowNs))
            {
                retries.add(id);
                Thread.yield();
            }
        }
        return true;
    }

    private int nextIdToSend()
    {
        final Integer retry = retries.poll();
        if (retry != null)
        {
            return retry;
        }
        if (nextId < total)
        {
            return nextId++;
        }
        return -1;
    }

    private boolean send(final AeronRaftNode leader, final int id, final long nowNs)
    {
        if (state.get(id) == ACKED)
        {
            return true;
        }
        command.putLong(0, id, ByteOrder.LITTLE_ENDIAN);
        sentAtNs[id] = nowNs;
        state.set(id, IN_FLIGHT);
        inFlight.incrementAndGet();
        if (!leader.propose(id, command, 0, commandLength))
        {
            state.compareAndSet(id, IN_FLIGHT, IDLE);
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * Proposals lost with a crashed node get no outcome; after a second without any ack, re-propose
     * everything still in flight.
     */
    private void resendIfStuck(final long nowNs)
    {
        if (inFlight.get() > 0 && nowNs - lastAckNs.get() > RESEND_AFTER_NS)
        {
            for (int id = 0; id < nextId; id++)
            {
                if (state.compareAndSet(id, IN_FLIGHT, IDLE))
                {
                    retries.add(id);
                }
            }
            inFlight.set(0);
            lastAckNs.set(nowNs);
        }
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        final int id = (int)correlationId;
        final long nowNs = System.nanoTime();
        lastAckNs.lazySet(nowNs);
        if (state.getAndSet(id, ACKED) != ACKED)
        {
            latencyNs[id] = nowNs - sentAtNs[id];
            acked.incrementAndGet();
            decrementInFlight();
        }
    }

    @Override
    public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
    {
        final int id = (int)correlationId;
        rejected.incrementAndGet();
        if (state.compareAndSet(id, IN_FLIGHT, IDLE))
        {
            decrementInFlight();
            retries.add(id);
        }
    }

    private void decrementInFlight()
    {
        if (inFlight.decrementAndGet() < 0)
        {
            inFlight.incrementAndGet();
        }
    }

    /** @return commands acknowledged. */
    public long acked()
    {
        return acked.get();
    }

    /** @return rejections seen (not leader, leadership lost, closed); each was retried. */
    public long rejected()
    {
        return rejected.get();
    }

    /** @return true if command {@code id} was acknowledged. */
    public boolean isAcked(final int id)
    {
        return state.get(id) == ACKED;
    }

    /** @return total commands. */
    public int total()
    {
        return total;
    }

    /**
     * @param percentiles e.g. 50, 99, 99.9.
     * @return commit latency in nanoseconds at each percentile over the acknowledged commands.
     */
    public long[] latencyPercentilesNs(final double... percentiles)
    {
        return latencyPercentilesNs(0, total, percentiles);
    }

    /**
     * @param fromId      first command id of the range.
     * @param toId        end of the range, exclusive.
     * @param percentiles e.g. 50, 99, 99.9.
     * @return commit latency in nanoseconds at each percentile over the acknowledged commands of the range.
     */
    public long[] latencyPercentilesNs(final int fromId, final int toId, final double... percentiles)
    {
        final long[] sorted = new long[toId - fromId];
        int n = 0;
        for (int id = fromId; id < toId; id++)
        {
            if (state.get(id) == ACKED)
            {
                sorted[n++] = latencyNs[id];
            }
        }
        Arrays.sort(sorted, 0, n);
        final long[] result = new long[percentiles.length];
        for (int i = 0; i < percentiles.length; i++)
        {
            result[i] = n == 0 ? 0 : sorted[Math.min(n - 1, (int)Math.ceil(percentiles[i] / 100.0 * n) - 1)];
        }
        return result;
    }
}
