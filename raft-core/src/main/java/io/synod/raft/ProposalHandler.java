package io.synod.raft;

import org.agrona.DirectBuffer;

/**
 * Receives the outcome of every proposal, keyed by the caller's correlation id. Registered once, so
 * completing a proposal allocates nothing.
 *
 * <p><b>Threading.</b> Called on the agent's thread. Implementations must not block; copy what they
 * need out of the response buffer, which is valid only during the call.
 * <p><b>Outcomes.</b> Exactly one call per accepted proposal on the node that is still alive: either
 * {@link #onCommitted} once the entry is applied here, or {@link #onRejected}. A node that crashes
 * reports nothing; the caller's own timeout covers that case, and the outcome is then unknown.
 */
public interface ProposalHandler
{
    /** The node is not the leader; {@code leaderHint} is the leader it knows of, or 0. */
    int NOT_LEADER = 1;
    /** A bound was reached (pending proposals, ring buffer); retry later. */
    int BACK_PRESSURE = 2;
    /** The entry was overwritten by another leader's entry: it was definitely not applied. */
    int LEADERSHIP_LOST = 3;
    /** The command is larger than {@code RaftConfig#maxCommandBytes}. */
    int TOO_LARGE = 4;
    /** The node is shutting down; the entry may or may not commit later. */
    int CLOSED = 5;
    /**
     * This member skipped the entry by installing a leader's snapshot: it may or may not have
     * committed. Retry with a client session for exactly-once.
     */
    int OUTCOME_UNKNOWN = 6;
    /** A read waited for its leader's confirmation longer than an election timeout; retry. */
    int TIMEOUT = 7;
    /** The client session does not exist (never opened, closed, or expired by log time); open a new one. */
    int SESSION_EXPIRED = 8;
    /** The sequence is older than the session's window of kept outcomes: a retry whose outcome was discarded. */
    int SESSION_STALE = 9;
    /** A membership change is already in flight (its entry is not committed yet): one change at a time. */
    int CHANGE_IN_PROGRESS = 10;
    /** The leader has not committed an entry of its own term yet; retry shortly (no-op-first rule). */
    int NOT_READY = 11;
    /** The member named is not in the configuration. */
    int UNKNOWN_MEMBER_ID = 12;
    /** The member named is already in the configuration (in that role). */
    int ALREADY_MEMBER = 13;
    /** Removing the last voter would leave no cluster. */
    int LAST_VOTER = 14;
    /** The learner is further behind the leader's log than {@code RaftConfig#promotionLagMax}. */
    int LEARNER_BEHIND = 15;
    /** A leadership transfer is in progress; proposals pause until it ends. */
    int TRANSFER_IN_PROGRESS = 16;
    /** The session table is full ({@code RaftConfig#sessionsMax}): close sessions, or retry once some expire. */
    int SESSION_LIMIT = 17;

    /**
     * The proposal committed and was applied at {@code index}; the response is what the state machine
     * wrote.
     */
    void onCommitted(int groupId, long correlationId, long index, DirectBuffer response, int offset, int length);

    /** The proposal was not (or will not be) applied, for {@code reason}. */
    void onRejected(int groupId, long correlationId, int reason, int leaderHint);

    /**
     * The leader accepted the proposal and appended it at {@code index} in {@code term}; its outcome
     * follows later ({@link #onCommitted} or {@link #onRejected}). Called before {@code propose} returns,
     * on the agent thread, for commands, session entries and membership changes alike. The pair
     * identifies the entry: should the entry at {@code index} later carry another term, this one was
     * lost ({@link #LEADERSHIP_LOST}). The default does nothing.
     */
    default void onAppended(final int groupId, final long correlationId, final long index, final long term)
    {
    }

    /**
     * A read requested with {@code RaftAgent#read} may be served now: the state machine has applied at
     * least {@code readIndex}, and (unless the read was {@link ReadMode#STALE}) the result is
     * linearizable. Read the state machine in this call: it runs on the agent thread, between applies.
     */
    default void onReadReady(final int groupId, final long correlationId, final long readIndex)
    {
    }

    /** A read could not be served, for {@code reason} ({@link #NOT_LEADER}, {@link #BACK_PRESSURE}, {@link #TIMEOUT}). */
    default void onReadRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
    {
    }

    static String reason(final int reason)
    {
        switch (reason)
        {
            case NOT_LEADER:
                return "NOT_LEADER";
            case BACK_PRESSURE:
                return "BACK_PRESSURE";
            case LEADERSHIP_LOST:
                return "LEADERSHIP_LOST";
            case TOO_LARGE:
                return "TOO_LARGE";
            case CLOSED:
                return "CLOSED";
            case OUTCOME_UNKNOWN:
                return "OUTCOME_UNKNOWN";
            case TIMEOUT:
                return "TIMEOUT";
            case SESSION_EXPIRED:
                return "SESSION_EXPIRED";
            case SESSION_STALE:
                return "SESSION_STALE";
            case CHANGE_IN_PROGRESS:
                return "CHANGE_IN_PROGRESS";
            case NOT_READY:
                return "NOT_READY";
            case UNKNOWN_MEMBER_ID:
                return "UNKNOWN_MEMBER_ID";
            case ALREADY_MEMBER:
                return "ALREADY_MEMBER";
            case LAST_VOTER:
                return "LAST_VOTER";
            case LEARNER_BEHIND:
                return "LEARNER_BEHIND";
            case TRANSFER_IN_PROGRESS:
                return "TRANSFER_IN_PROGRESS";
            case SESSION_LIMIT:
                return "SESSION_LIMIT";
            default:
                return "UNKNOWN(" + reason + ")";
        }
    }
}
