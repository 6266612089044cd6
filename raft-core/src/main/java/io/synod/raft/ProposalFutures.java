package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link CompletableFuture} convenience over {@link RaftAgent#propose}: register it as the
 * groups' {@link ProposalHandler}, then call {@link #propose(RaftAgent, int, byte[])} from any thread.
 *
 * <p><b>Allocation.</b> This class allocates per proposal (the future, a map entry, the response
 * copy). Its zero-allocation twin is {@link RaftAgent#propose} with your own pre-registered
 * {@link ProposalHandler}. Correlation ids it does not know (your own zero-allocation proposals on
 * the same groups) are passed to the optional delegate.
 *
 * <p>A future never completes if the node crashes before deciding; use
 * {@link CompletableFuture#orTimeout} — the outcome is then unknown, as with any RPC.
 */
public final class ProposalFutures implements ProposalHandler
{
    /** Outcome of a committed proposal: the index it committed at and the state machine's response. */
    public record Committed(long index, byte[] response)
    {
    }

    private final ConcurrentHashMap<Long, CompletableFuture<Committed>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextCorrelationId = new AtomicLong(Long.MIN_VALUE / 2);
    private final ProposalHandler delegate;

    public ProposalFutures()
    {
        this(null);
    }

    /** @param delegate receives outcomes for correlation ids this instance did not issue; may be null. */
    public ProposalFutures(final ProposalHandler delegate)
    {
        this.delegate = delegate;
    }

    /**
     * Proposes {@code command} to {@code groupId} through the agent. Thread-safe.
     *
     * @return a future completed on the agent thread with the commit index and response, or
     * exceptionally with {@link ProposalRejectedException} (including BACK_PRESSURE when the ring is full).
     */
    public CompletableFuture<Committed> propose(final RaftAgent agent, final int groupId, final byte[] command)
    {
        final long correlationId = nextCorrelationId.getAndIncrement();
        final CompletableFuture<Committed> future = new CompletableFuture<>();
        pending.put(correlationId, future);
        if (!agent.propose(groupId, correlationId, new UnsafeBuffer(command), 0, command.length))
        {
            pending.remove(correlationId);
            future.completeExceptionally(new ProposalRejectedException(BACK_PRESSURE, 0));
        }
        return future;
    }

    /** @return proposals issued and not yet completed. */
    public int pendingCount()
    {
        return pending.size();
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        final CompletableFuture<Committed> future = pending.remove(correlationId);
        if (future == null)
        {
            if (delegate != null)
            {
                delegate.onCommitted(groupId, correlationId, index, response, offset, length);
            }
            return;
        }
        final byte[] copy = new byte[length];
        response.getBytes(offset, copy);
        future.complete(new Committed(index, copy));
    }

    @Override
    public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
    {
        final CompletableFuture<Committed> future = pending.remove(correlationId);
        if (future == null)
        {
            if (delegate != null)
            {
                delegate.onRejected(groupId, correlationId, reason, leaderHint);
            }
            return;
        }
        future.completeExceptionally(new ProposalRejectedException(reason, leaderHint));
    }
}
