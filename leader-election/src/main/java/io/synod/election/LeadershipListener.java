package io.synod.election;

/**
 * Leadership of this member's Raft group, for host applications whose nodes are the Raft members.
 *
 * <p><b>Order.</b> Calls alternate, starting with {@link #onLeadershipAcquired}: acquired(t1), lost(t1),
 * acquired(t2), ... with strictly increasing terms. They are made on the node's thread at the moment
 * the role changes, so no later entry is applied before the listener hears of the change.
 * <p><b>Threading.</b> Must not block; hand work to another thread if it is long.
 * <p><b>What it does not promise.</b> Leadership of a Raft group is not mutual exclusion in real time:
 * a deposed leader learns it only at its next role change. Use a fenced lock or the term as a fence
 * for external side effects.
 */
public interface LeadershipListener
{
    /** This member became leader of {@code term}. */
    void onLeadershipAcquired(long term);

    /** This member is no longer the leader of {@code term} (stepped down, lost an election, or closed). */
    void onLeadershipLost(long term);
}
