package io.synod.election;

import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;

/**
 * A {@link RaftObserver} that turns role changes into {@link LeadershipListener} calls. Set it with
 * {@code RaftConfig.observer(new LeadershipObserver(listener, RaftObserver.LOGGING))}.
 *
 * <p><b>Threading.</b> Called by the node on its own thread; calls the listener synchronously, in order.
 * <p><b>Allocation.</b> None.
 */
public final class LeadershipObserver implements RaftObserver
{
    private final LeadershipListener listener;
    private final RaftObserver delegate;
    /** Invariant: > 0 exactly while this member leads; the term it leads. */
    private long leaderTerm;

    public LeadershipObserver(final LeadershipListener listener)
    {
        this(listener, RaftObserver.NONE);
    }

    /** @param delegate also told of every role change (for logging or metrics). */
    public LeadershipObserver(final LeadershipListener listener, final RaftObserver delegate)
    {
        this.listener = listener;
        this.delegate = delegate;
    }

    @Override
    public void onRoleChange(
        final int groupId, final int memberId, final RaftRole from, final RaftRole to, final long term, final String reason)
    {
        delegate.onRoleChange(groupId, memberId, from, to, term, reason);
        if (leaderTerm > 0 && to != RaftRole.LEADER)
        {
            final long lostTerm = leaderTerm;
            leaderTerm = 0;
            listener.onLeadershipLost(lostTerm);
        }
        if (to == RaftRole.LEADER && leaderTerm == 0)
        {
            leaderTerm = term;
            listener.onLeadershipAcquired(term);
        }
    }

    /** @return the term this member leads, or 0. */
    public long leaderTerm()
    {
        return leaderTerm;
    }
}
