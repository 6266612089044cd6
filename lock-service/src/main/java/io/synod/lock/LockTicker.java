package io.synod.lock;

import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The server side of lock-service time: while its member leads, it writes TICK(leader time) entries
 * every {@code tickIntervalNs}. Those entries are the only source of log time for the
 * {@link LockStateMachine}, so session expiry and wait timeouts are decided by the leader, written to
 * the log, and agreed by every replica at the same index.
 *
 * <p><b>Threading.</b> Call {@link #maybeTick} on the node's agent thread (for example from an agent
 * composed with the {@code RaftAgent}), once per duty cycle, with the cycle's {@code nowNs}. Use an
 * epoch clock on all members so that log time carries across leaders; a leader whose clock is behind
 * only delays expiry (log time never goes back). Agrona's {@code OffsetEpochNanoClock} is one that does
 * not allocate ({@code SystemEpochNanoClock} creates an {@code Instant} per reading).
 * <p><b>Allocation.</b> None.
 */
public final class LockTicker
{
    private final long tickIntervalNs;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LockCommand.SHORT_LENGTH]);
    private long nextTickNs = Long.MIN_VALUE;
    private long ticksOffered;

    public LockTicker(final long tickIntervalNs)
    {
        if (tickIntervalNs <= 0)
        {
            throw new IllegalArgumentException("tickIntervalNs must be positive");
        }
        this.tickIntervalNs = tickIntervalNs;
    }

    /** @return 1 if a TICK was offered, else 0 (not leader, not due, or back-pressure: retried next cycle). */
    public int maybeTick(final long nowNs, final RaftNode node, final CommandSender sender)
    {
        return maybeTick(nowNs, node.role() == RaftRole.LEADER, sender);
    }

    /** As {@link #maybeTick(long, RaftNode, CommandSender)}, with leadership given by the caller. */
    public int maybeTick(final long nowNs, final boolean leader, final CommandSender sender)
    {
        if (!leader)
        {
            nextTickNs = Long.MIN_VALUE;
            return 0;
        }
        if (nowNs < nextTickNs)
        {
            return 0;
        }
        final int length = LockCommand.tick(buffer, 0, nowNs);
        if (!sender.offer(Long.MIN_VALUE + ticksOffered, buffer, 0, length))
        {
            return 0;
        }
        ticksOffered++;
        nextTickNs = nowNs + tickIntervalNs;
        return 1;
    }

    public long tickIntervalNs()
    {
        return tickIntervalNs;
    }

    public long ticksOffered()
    {
        return ticksOffered;
    }
}
