package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@link CompletableFuture} conveniences over {@link RaftAgent}: register it as the groups'
 * {@link ProposalHandler}, then call {@link #propose}, {@link #read}, {@link #changeMembership} from any
 * thread.
 *
 * <p><b>Coexisting with your own handler.</b> Every callback for a correlation id this instance did not
 * issue — commits, rejections, {@code onAppended}, read outcomes — goes to the delegate given to
 * {@link #ProposalFutures(ProposalHandler)}, so the futures and a zero-allocation handler of your own
 * serve the same groups side by side. The ids this instance issues count up from
 * {@link #CORRELATION_ID_BASE} ({@code Long.MIN_VALUE / 2}); keep your own ids outside
 * {@code [CORRELATION_ID_BASE, 0)} (any non-negative id is fine) and their callbacks reach your handler
 * without a map lookup, allocation-free.
 *
 * <p><b>Allocation.</b> The futures allocate per call (the future, a map entry, the response copy).
 * Their zero-allocation twins are {@link RaftAgent#propose} and {@link RaftAgent#read} with your own
 * pre-registered handler.
 *
 * <p><b>Threading.</b> The issuing methods are thread-safe. Futures complete on the agent thread: a
 * dependent stage added with {@code thenApply} (not {@code thenApplyAsync}) runs on the agent thread too
 * and must not block it.
 *
 * <p>A future never completes if the node crashes before deciding; use
 * {@link CompletableFuture#orTimeout} — the outcome is then unknown, as with any RPC. A node that stops
 * cleanly completes every future it holds ({@link #rejectAll}).
 */
public final class ProposalFutures implements ProposalHandler
{
    /** First correlation id this class issues; ids in {@code [CORRELATION_ID_BASE, 0)} are reserved for it. */
    public static final long CORRELATION_ID_BASE = Long.MIN_VALUE / 2;

    /** Outcome of a committed proposal: the index it committed at and the state machine's response. */
    public record Committed(long index, byte[] response)
    {
    }

    /** A read waiting for its read point; the function runs on the agent thread at that point. */
    private record PendingRead<T>(CompletableFuture<T> future, Supplier<T> atReadPoint)
    {
    }

    private final ConcurrentHashMap<Long, CompletableFuture<Committed>> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, PendingRead<?>> reads = new ConcurrentHashMap<>();
    private final AtomicLong nextCorrelationId = new AtomicLong(CORRELATION_ID_BASE);
    private final ProposalHandler delegate;

    public ProposalFutures()
    {
        this(null);
    }

    /** @param delegate receives every callback for correlation ids this instance did not issue; may be null. */
    public ProposalFutures(final ProposalHandler delegate)
    {
        this.delegate = delegate;
    }

    /** @return the handler that receives callbacks for ids this instance did not issue, or null. */
    public ProposalHandler delegate()
    {
        return delegate;
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

    /**
     * Proposes a single-server membership change to {@code groupId} (see {@link RaftNode#proposeMembershipChange});
     * this member must lead. Thread-safe.
     *
     * @param change {@link Membership#ADD_LEARNER}, {@link Membership#PROMOTE} or {@link Membership#REMOVE}.
     * @return a future completed on the agent thread once the configuration entry is applied here (its index;
     * no response bytes), or exceptionally with {@link ProposalRejectedException} ({@code NOT_LEADER},
     * {@code NOT_READY}, {@code CHANGE_IN_PROGRESS}, {@code ALREADY_MEMBER}, ...).
     */
    public CompletableFuture<Committed> changeMembership(
        final RaftAgent agent, final int groupId, final int change, final int member)
    {
        final long correlationId = nextCorrelationId.getAndIncrement();
        final CompletableFuture<Committed> future = new CompletableFuture<>();
        pending.put(correlationId, future);
        if (!agent.proposeMembershipChange(groupId, correlationId, change, member))
        {
            pending.remove(correlationId);
            future.completeExceptionally(new ProposalRejectedException(BACK_PRESSURE, 0));
        }
        return future;
    }

    /**
     * Requests a read of {@code groupId} in {@code mode}. Thread-safe.
     *
     * @return a future completed on the agent thread with the read index once the state machine may be read
     * in {@code mode} (see {@link ProposalHandler#onReadReady}), or exceptionally with
     * {@link ProposalRejectedException} ({@code NOT_LEADER}, {@code BACK_PRESSURE}, {@code TIMEOUT}, {@code CLOSED}).
     * Reading the state machine from the thread that joins the future is not linearizable unless the state
     * machine is safe to read from that thread; use {@link #read(RaftAgent, int, ReadMode, Supplier)} to read
     * it at the read point on the agent thread.
     */
    public CompletableFuture<Long> read(final RaftAgent agent, final int groupId, final ReadMode mode)
    {
        return read(agent, groupId, mode, null);
    }

    /**
     * Requests a read of {@code groupId} in {@code mode} and runs {@code atReadPoint} on the agent thread
     * at the read point, between applies: the state machine has applied at least the read index and nothing
     * else touches it. Keep the function short; it delays the duty cycle. Thread-safe.
     *
     * @param atReadPoint reads the state machine; null to complete with the read index instead.
     * @return a future completed with the function's result (or exceptionally with what it threw), or
     * exceptionally with {@link ProposalRejectedException} if the read could not be served.
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> read(
        final RaftAgent agent, final int groupId, final ReadMode mode, final Supplier<T> atReadPoint)
    {
        final long correlationId = nextCorrelationId.getAndIncrement();
        final CompletableFuture<T> future = new CompletableFuture<>();
        reads.put(correlationId, new PendingRead<>(future, atReadPoint));
        if (!agent.read(groupId, correlationId, mode))
        {
            reads.remove(correlationId);
            future.completeExceptionally(new ProposalRejectedException(BACK_PRESSURE, 0));
        }
        return future;
    }

    /** @return proposals, membership changes and reads issued and not yet completed. */
    public int pendingCount()
    {
        return pending.size() + reads.size();
    }

    /**
     * Completes every future this instance holds exceptionally with {@code reason} (the node stopped: its
     * outcome may never be reported). Any thread; the delegate is not called.
     */
    public void rejectAll(final int reason)
    {
        pending.keySet().forEach((id) ->
        {
            final CompletableFuture<Committed> future = pending.remove(id);
            if (future != null)
            {
                future.completeExceptionally(new ProposalRejectedException(reason, 0));
            }
        });
        reads.keySet().forEach((id) ->
        {
            final PendingRead<?> read = reads.remove(id);
            if (read != null)
            {
                read.future().completeExceptionally(new ProposalRejectedException(reason, 0));
            }
        });
    }

    private static boolean issuedHere(final long correlationId)
    {
        return correlationId >= CORRELATION_ID_BASE && correlationId < 0;
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        final CompletableFuture<Committed> future = issuedHere(correlationId) ? pending.remove(correlationId) : null;
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
        final CompletableFuture<Committed> future = issuedHere(correlationId) ? pending.remove(correlationId) : null;
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

    @Override
    public void onAppended(final int groupId, final long correlationId, final long index, final long term)
    {
        if (delegate != null && !issuedHere(correlationId))
        {
            delegate.onAppended(groupId, correlationId, index, term);
        }
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void onReadReady(final int groupId, final long correlationId, final long readIndex)
    {
        final PendingRead read = issuedHere(correlationId) ? reads.remove(correlationId) : null;
        if (read == null)
        {
            if (delegate != null)
            {
                delegate.onReadReady(groupId, correlationId, readIndex);
            }
            return;
        }
        if (read.atReadPoint() == null)
        {
            read.future().complete(readIndex);
            return;
        }
        final Object result;
        try
        {
            result = read.atReadPoint().get();
        }
        catch (final Throwable ex)
        {
            // The caller's function failed: its future reports it; the agent goes on.
            read.future().completeExceptionally(ex);
            return;
        }
        read.future().complete(result);
    }

    @Override
    public void onReadRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
    {
        final PendingRead<?> read = issuedHere(correlationId) ? reads.remove(correlationId) : null;
        if (read == null)
        {
            if (delegate != null)
            {
                delegate.onReadRejected(groupId, correlationId, reason, leaderHint);
            }
            return;
        }
        read.future().completeExceptionally(new ProposalRejectedException(reason, leaderHint));
    }
}
