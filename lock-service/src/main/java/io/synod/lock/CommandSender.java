package io.synod.lock;

import io.synod.raft.EntryType;
import io.synod.raft.RaftAgent;
import org.agrona.DirectBuffer;

/**
 * Where lock-service requests go: a Raft group's leader, as client-session operations (the node's session
 * facility). The embedded form forwards through the local member's {@link RaftAgent} ({@link #of}); a
 * simulator routes to whichever member leads.
 *
 * <p><b>Contract.</b> Never blocks. Returns false on back-pressure (the caller retries later). A request
 * accepted here may still be lost (not the leader, leader crashed): lock-service callers retry what they
 * do not see applied, and the node applies a (session, request id) once.
 */
@FunctionalInterface
public interface CommandSender
{
    /**
     * @param type      {@link EntryType#SESSION_OPEN} (sessionId = the client's nonce, argument = TTL ns),
     *                  {@link EntryType#SESSION_COMMAND} (argument = request id; the buffer holds a
     *                  {@link LockCommand}), {@link EntryType#SESSION_KEEPALIVE} (argument = the client's send
     *                  time, told back through {@link LockEvents#onKeepAlive}) or {@link EntryType#SESSION_CLOSE}.
     * @return false on back-pressure.
     */
    boolean offer(int type, long sessionId, long argument, DirectBuffer buffer, int offset, int length);

    /**
     * @return a sender that forwards through {@code agent} to the leader of {@code groupId}
     * ({@link RaftAgent#forwardSession}): appended at once when this member leads, else passed to the leader
     * it knows; works on followers and learners. Allocation-free per call.
     */
    static CommandSender of(final RaftAgent agent, final int groupId)
    {
        return (type, sessionId, argument, buffer, offset, length) ->
            agent.forwardSession(groupId, type, sessionId, argument, buffer, offset, length);
    }
}
