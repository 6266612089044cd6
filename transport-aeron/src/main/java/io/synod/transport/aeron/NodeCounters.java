package io.synod.transport.aeron;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftNode;
import org.agrona.CloseHelper;

/**
 * The Aeron counters of one Raft group member: role, term, commit index, last applied, leader and
 * the frames the Raft layer dropped (the transport's own counters sit beside them, see
 * {@link AeronTransport}). {@code AeronStat} shows them while the node runs.
 *
 * <p><b>Threading.</b> {@link #update} on the agent thread after each duty cycle; the counters may
 * be read from any thread or process. <b>Allocation.</b> None in {@link #update}.
 */
public final class NodeCounters implements AutoCloseable
{
    private final Counter role;
    private final Counter term;
    private final Counter commitIndex;
    private final Counter lastApplied;
    private final Counter leaderId;
    private final Counter droppedFrames;

    /**
     * Allocates the counters in the driver's counters file.
     *
     * @param aeron     connected client.
     * @param clusterId key and label part.
     * @param groupId   key and label part.
     * @param memberId  key and label part.
     */
    public NodeCounters(final Aeron aeron, final int clusterId, final int groupId, final int memberId)
    {
        role = SynodCounters.allocate(aeron, SynodCounters.ROLE_TYPE_ID, "role", clusterId, groupId, memberId);
        term = SynodCounters.allocate(aeron, SynodCounters.TERM_TYPE_ID, "term", clusterId, groupId, memberId);
        commitIndex =
            SynodCounters.allocate(aeron, SynodCounters.COMMIT_INDEX_TYPE_ID, "commit index", clusterId, groupId, memberId);
        lastApplied =
            SynodCounters.allocate(aeron, SynodCounters.LAST_APPLIED_TYPE_ID, "last applied", clusterId, groupId, memberId);
        leaderId = SynodCounters.allocate(aeron, SynodCounters.LEADER_ID_TYPE_ID, "leader id", clusterId, groupId, memberId);
        droppedFrames = SynodCounters.allocate(
            aeron, SynodCounters.DROPPED_FRAMES_TYPE_ID, "raft dropped frames", clusterId, groupId, memberId);
    }

    /**
     * Copies the node's status into the counters.
     *
     * @param node  the group member.
     * @param agent the agent driving it (its own drops are added to the first group's count).
     * @param first whether {@code node} is the first group of the agent.
     */
    public void update(final RaftNode node, final RaftAgent agent, final boolean first)
    {
        role.setRelease(node.role().ordinal());
        term.setRelease(node.term());
        commitIndex.setRelease(node.commitIndex());
        lastApplied.setRelease(node.lastApplied());
        leaderId.setRelease(node.leaderId());
        droppedFrames.setRelease(node.counters().framesDropped() + (first ? agent.framesDropped() : 0));
    }

    /** @return the role counter (value: {@code RaftRole.ordinal()}). */
    public Counter role()
    {
        return role;
    }

    /** @return the term counter. */
    public Counter term()
    {
        return term;
    }

    /** @return the commit index counter. */
    public Counter commitIndex()
    {
        return commitIndex;
    }

    /** @return the last applied counter. */
    public Counter lastApplied()
    {
        return lastApplied;
    }

    /** @return the leader id counter. */
    public Counter leaderId()
    {
        return leaderId;
    }

    /** @return frames dropped by the Raft layer (agent and node) after the transport accepted them. */
    public Counter droppedFrames()
    {
        return droppedFrames;
    }

    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(role, term, commitIndex, lastApplied, leaderId, droppedFrames);
    }
}
