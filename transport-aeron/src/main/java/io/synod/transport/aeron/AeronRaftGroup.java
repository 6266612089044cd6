package io.synod.transport.aeron;

import io.synod.raft.ProposalFutures;
import io.synod.raft.ProposalHandler;
import io.synod.raft.ProposalRejectedException;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import io.synod.raft.ReadMode;
import org.agrona.DirectBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One Raft group of a running {@link AeronRaftNode}: proposals, reads, membership and status of that group.
 * {@link AeronRaftNode}'s own methods of the same names act on its default group
 * ({@link AeronRaftNode#group()}); {@link AeronRaftNode#group(int)} gives the others.
 *
 * <p><b>Threading.</b> Every method may be called from any thread. Futures complete on the agent thread:
 * stages chained with {@code thenApply} (not {@code thenApplyAsync}) run there too and must not block.
 * <p><b>Allocation.</b> The {@code CompletableFuture} methods allocate (see {@link ProposalFutures}); each
 * has a zero-allocation twin that takes a correlation id and reports to the node's {@link ProposalHandler}.
 * <p><b>After the node stops</b> ({@link AeronRaftNode#state()} not {@code RUNNING}): {@link #role()} is
 * {@code FOLLOWER}, {@link #isLeader()} false, {@link #leaderId()} 0 — a stopped member leads nothing and
 * knows no leader — and new futures fail with {@code CLOSED}.
 */
public final class AeronRaftGroup
{
    private final AeronRaftNode owner;
    private final RaftNode raftNode;
    private final RaftAgent agent;
    private final ProposalFutures futures;
    private final int groupId;
    /** Callers of {@link #leader()} waiting for a leader; completed on the agent thread. */
    private final ConcurrentLinkedQueue<CompletableFuture<Integer>> leaderWaiters =
        new ConcurrentLinkedQueue<>();

    AeronRaftGroup(final AeronRaftNode owner, final RaftNode raftNode, final RaftAgent agent, final ProposalFutures futures)
    {
        this.owner = owner;
        this.raftNode = raftNode;
        this.agent = agent;
        this.futures = futures;
        this.groupId = raftNode.groupId();
    }

    /** @return the group id. */
    public int groupId()
    {
        return groupId;
    }

    /**
     * Proposes a command and returns a future of its commit. This member must lead (else {@code NOT_LEADER},
     * with the leader it knows as the hint). Allocates.
     *
     * @param command the state machine's bytes. Agrona buffers, and so the buffer your
     *                {@code StateMachine.apply} reads, are little-endian: encode with {@code UnsafeBuffer} or a
     *                {@code ByteBuffer} set to {@code ByteOrder.LITTLE_ENDIAN}.
     * @return completed on the agent thread with the commit index and the state machine's response, or
     * exceptionally with {@link ProposalRejectedException}.
     */
    public CompletableFuture<ProposalFutures.Committed> propose(final byte[] command)
    {
        if (owner.state() != AeronRaftNode.State.RUNNING)
        {
            return CompletableFuture.failedFuture(new ProposalRejectedException(ProposalHandler.CLOSED, 0));
        }
        return futures.propose(agent, groupId, command);
    }

    /**
     * Proposes a command without allocating; the outcome goes to the node's {@link ProposalHandler} under
     * {@code correlationId} (keep your ids non-negative, see {@link ProposalFutures#CORRELATION_ID_BASE}).
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean propose(final long correlationId, final DirectBuffer command, final int offset, final int length)
    {
        return agent.propose(groupId, correlationId, command, offset, length);
    }

    /**
     * Passes a command to the group's leader, at most once and with no outcome (see {@link RaftAgent#forward}).
     * Allocation-free.
     *
     * @return false on back-pressure (the proposal ring is full).
     */
    public boolean forward(final DirectBuffer command, final int offset, final int length)
    {
        return agent.forward(groupId, command, offset, length);
    }

    /**
     * A read point in {@code mode}: the future completes on the agent thread, with the read index, once this
     * member's state machine has applied at least that index and (for {@code LINEARIZABLE} and {@code LEASE})
     * the leader confirmed it still leads. Works on followers too ({@code LINEARIZABLE} asks the leader).
     * The state machine is then safe to read only from the agent thread: in a stage chained with
     * {@code thenApply}, or use {@link #read(ReadMode, Supplier)}. Allocates.
     *
     * @return the read index, or exceptionally {@link ProposalRejectedException} ({@code NOT_LEADER} when no
     * leader is known, {@code TIMEOUT}, {@code BACK_PRESSURE}, {@code CLOSED}).
     */
    public CompletableFuture<Long> read(final ReadMode mode)
    {
        return read(mode, null);
    }

    /**
     * Runs {@code atReadPoint} on the agent thread at a read point in {@code mode} (see {@link #read(ReadMode)})
     * and completes with its result: a linearizable read of your state machine in one call, for example
     * {@code node.read(ReadMode.LINEARIZABLE, () -> counter.value())}. The function must be short and must not
     * block: the duty cycle waits for it. What it throws completes the future exceptionally; the node goes on.
     * Allocates.
     */
    public <T> CompletableFuture<T> read(final ReadMode mode, final Supplier<T> atReadPoint)
    {
        if (owner.state() != AeronRaftNode.State.RUNNING)
        {
            return CompletableFuture.failedFuture(new ProposalRejectedException(ProposalHandler.CLOSED, 0));
        }
        return futures.read(agent, groupId, mode, atReadPoint);
    }

    /**
     * The zero-allocation read: {@link ProposalHandler#onReadReady} (or {@code onReadRejected}) of the node's
     * handler is called on the agent thread with {@code correlationId}; read the state machine in that call.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean read(final long correlationId, final ReadMode mode)
    {
        return agent.read(groupId, correlationId, mode);
    }

    /**
     * Proposes a single-server membership change; this member must lead. Add a new member's endpoint on every
     * member first ({@link AeronRaftNode#addEndpoint}). Allocates.
     *
     * @param change {@code Membership.ADD_LEARNER}, {@code PROMOTE} or {@code REMOVE}.
     * @return completed once the configuration entry is applied here, or exceptionally with
     * {@link ProposalRejectedException} ({@code NOT_LEADER}, {@code NOT_READY}, {@code CHANGE_IN_PROGRESS},
     * {@code ALREADY_MEMBER}, {@code LEARNER_BEHIND}, ...).
     */
    public CompletableFuture<ProposalFutures.Committed> changeMembership(final int change, final int member)
    {
        if (owner.state() != AeronRaftNode.State.RUNNING)
        {
            return CompletableFuture.failedFuture(new ProposalRejectedException(ProposalHandler.CLOSED, 0));
        }
        return futures.changeMembership(agent, groupId, change, member);
    }

    /**
     * Zero-allocation twin of {@link #changeMembership}; the outcome goes to the node's {@link ProposalHandler}.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean proposeMembershipChange(final long correlationId, final int change, final int member)
    {
        return agent.proposeMembershipChange(groupId, correlationId, change, member);
    }

    /**
     * Asks this member, the leader, to hand leadership to {@code target}; the outcome goes to the node's
     * {@link ProposalHandler}.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean transferLeadership(final long correlationId, final int target)
    {
        return agent.transferLeadership(groupId, correlationId, target);
    }

    /**
     * A future of the group's leader as this member sees it: completed on the agent thread with the leader's
     * member id as soon as one is known — and, when that is this member, once it has committed an entry of its
     * term, so that membership changes and reads are not refused with {@code NOT_READY}. Completed at once if
     * that is already so; exceptionally with {@link IllegalStateException} (the cause of the stop, if any) if
     * the node stops first. Allocates.
     */
    public CompletableFuture<Integer> leader()
    {
        final CompletableFuture<Integer> future = new CompletableFuture<>();
        if (owner.state() != AeronRaftNode.State.RUNNING)
        {
            future.completeExceptionally(owner.stoppedException());
            return future;
        }
        leaderWaiters.offer(future);
        if (owner.state() != AeronRaftNode.State.RUNNING)
        {
            failLeaderWaiters(); // the agent may have stopped between the check and the offer
        }
        return future;
    }

    /**
     * Blocks until the group has a leader that can take proposals (see {@link #leader()}), for at most
     * {@code timeout}. Call it after {@code build()} before the first proposal: a proposal right after start
     * is refused with {@code NOT_LEADER} because no election has finished yet.
     *
     * @return the leader's member id.
     * @throws IllegalStateException if no leader emerged within {@code timeout}, the node stopped, or the
     *                               waiting thread was interrupted.
     */
    public int awaitLeader(final Duration timeout)
    {
        final CompletableFuture<Integer> future = leader();
        try
        {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException ex)
        {
            future.cancel(false);
            throw new IllegalStateException("no leader of group " + groupId + " within " + timeout + " (member " +
                raftNode.memberId() + " is " + raftNode.role() + " in term " + raftNode.term() + ")", ex);
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof IllegalStateException ?
                (IllegalStateException)ex.getCause() : new IllegalStateException(ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a leader", ex);
        }
    }

    /** @return the current role; {@code FOLLOWER} once the node stopped. */
    public RaftRole role()
    {
        return owner.state() == AeronRaftNode.State.RUNNING ? raftNode.role() : RaftRole.FOLLOWER;
    }

    /** @return true if this member leads the group and the node runs. */
    public boolean isLeader()
    {
        return role() == RaftRole.LEADER;
    }

    /** @return the leader this member knows of, 0 if none or once the node stopped. */
    public int leaderId()
    {
        return owner.state() == AeronRaftNode.State.RUNNING ? raftNode.leaderId() : 0;
    }

    /** @return the current term (the last one, once stopped). */
    public long term()
    {
        return raftNode.term();
    }

    /** @return the commit index. */
    public long commitIndex()
    {
        return raftNode.commitIndex();
    }

    /** @return the last applied index. */
    public long lastApplied()
    {
        return raftNode.lastApplied();
    }

    /** @return the Raft node; its non-status methods belong to the agent thread. */
    public RaftNode raftNode()
    {
        return raftNode;
    }

    /** Agent thread, once per duty cycle: completes leader waiters once a usable leader is known. */
    int doWork()
    {
        if (leaderWaiters.isEmpty())
        {
            return 0;
        }
        final int leader = raftNode.leaderId();
        final boolean ready = leader != 0 && (leader != raftNode.memberId() ||
            (raftNode.role() == RaftRole.LEADER && raftNode.log().termAt(raftNode.commitIndex()) == raftNode.term()));
        if (!ready)
        {
            return 0;
        }
        final Integer boxed = leader;
        int work = 0;
        CompletableFuture<Integer> waiter;
        while ((waiter = leaderWaiters.poll()) != null)
        {
            waiter.complete(boxed);
            work++;
        }
        return work;
    }

    /** The node stopped: every waiter fails with the cause. Any thread. */
    void failLeaderWaiters()
    {
        CompletableFuture<Integer> waiter;
        while ((waiter = leaderWaiters.poll()) != null)
        {
            waiter.completeExceptionally(owner.stoppedException());
        }
    }
}
