package io.synod.raft;

import org.agrona.DirectBuffer;

/**
 * The node's client sessions as the state machine sees them (Raft dissertation §6.3): one facility for
 * every service on a group — exactly-once commands with a window of kept outcomes per session, expiry by
 * log time that the leader writes, a bounded table, all of it in snapshots. Handed over once by
 * {@link StateMachine#onSessions}.
 *
 * <p><b>Threading.</b> The node's thread, from inside the state machine's callbacks: what it changes must
 * change at the same index on every replica, so call {@link #updateOutcome} only while applying.
 * <p><b>Allocation.</b> None.
 */
public final class ClientSessions
{
    private final SessionTable table;

    ClientSessions(final SessionTable table)
    {
        this.table = table;
    }

    /** @return log time: the largest leader time applied so far (ns); what sessions expire by. */
    public long logTimeNs()
    {
        return table.logTimeNs();
    }

    /** @return true if the session is open and has not expired by log time. */
    public boolean isOpen(final long sessionId)
    {
        return table.isOpen(sessionId);
    }

    /**
     * @return true if the session is in the table: open, or past its TTL in log time but not ended yet
     * (the node ends expired sessions at its next sweep, at the same index on every replica; until then
     * what the session holds is still its own).
     */
    public boolean exists(final long sessionId)
    {
        return table.exists(sessionId);
    }

    /** @return sessions in the table. */
    public int count()
    {
        return table.size();
    }

    /**
     * Replaces the kept outcome of an operation decided after it was applied (a queued lock wait granted or
     * timed out later), so that a retry of its sequence gets the decision rather than "waiting". Call while
     * applying the entry that decides it.
     *
     * @return false if the session is gone or the sequence is no longer in its window (the retry then gets
     * {@link ProposalHandler#SESSION_STALE} or {@link ProposalHandler#SESSION_EXPIRED}).
     */
    public boolean updateOutcome(final long sessionId, final long sequence, final DirectBuffer response, final int offset, final int length)
    {
        return table.updateResponse(sessionId, sequence, response, offset, length);
    }

    /** @return the id of the live session opened with {@code nonce}, or 0. */
    public long sessionForNonce(final long nonce)
    {
        return table.sessionForNonce(nonce);
    }

    /** @return the session's last activity in log time, or {@link Long#MIN_VALUE} if it is not open. */
    public long lastActiveNs(final long sessionId)
    {
        return table.lastActiveNs(sessionId);
    }

    /**
     * Copies the kept outcome of a command (the response it was applied with, or as last updated by
     * {@link #updateOutcome}) into {@code out} at 0. Allocation-free.
     *
     * @return its length, or -1 when the session is not open or the sequence is not in its window.
     */
    public int outcome(final long sessionId, final long sequence, final org.agrona.MutableDirectBuffer out)
    {
        return table.outcome(sessionId, sequence, out);
    }
}
