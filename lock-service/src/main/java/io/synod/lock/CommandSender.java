package io.synod.lock;

import io.synod.raft.RaftAgent;
import org.agrona.DirectBuffer;

/**
 * Where lock-service commands go: a Raft group's leader. The embedded form forwards through the local
 * member's {@link RaftAgent} ({@link #of}); a simulator routes to whichever member leads.
 *
 * <p><b>Contract.</b> Never blocks. Returns false on back-pressure (the caller retries later). A command
 * accepted here may still be lost (not the leader, leader crashed): lock-service callers retry
 * commands they do not see applied, and the state machine drops duplicates.
 */
@FunctionalInterface
public interface CommandSender
{
    boolean offer(long correlationId, DirectBuffer buffer, int offset, int length);

    /**
     * @return a sender that forwards through {@code agent} to the leader of {@code groupId}
     * ({@link RaftAgent#forward}): appended at once when this member leads, else passed to the leader it
     * knows; works on followers and learners. Allocation-free per call.
     */
    static CommandSender of(final RaftAgent agent, final int groupId)
    {
        return (correlationId, buffer, offset, length) -> agent.forward(groupId, buffer, offset, length);
    }
}
