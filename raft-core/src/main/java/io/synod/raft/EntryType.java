package io.synod.raft;

/**
 * Types of log entries. Stored with every entry in the log and on the wire.
 */
public final class EntryType
{
    /** Appended by a new leader in its term so that earlier entries can commit (Raft §5.4.2, Figure 8). */
    public static final int NOOP = 0;
    /** An application command, passed to the {@link StateMachine}. */
    public static final int COMMAND = 1;
    /** Reserved for membership configuration entries. */
    public static final int CONFIGURATION = 2;
    /**
     * Opens a client session (payload: {@code codec.SessionEntry}, with the TTL and an optional nonce). The
     * session id is the entry's index; an OPEN with the nonce of a live session returns that session.
     */
    public static final int SESSION_OPEN = 3;
    /** A command in a session: session id, sequence, command ({@code codec.SessionEntry}). */
    public static final int SESSION_COMMAND = 4;
    /** Keeps a session alive ({@code codec.SessionEntry}). */
    public static final int SESSION_KEEPALIVE = 5;
    /** Closes a session ({@code codec.SessionEntry}). */
    public static final int SESSION_CLOSE = 6;
    /**
     * The leader's clock, written at {@code RaftConfig#sessionTickIntervalNs} while sessions exist so that an
     * idle cluster still expires dead clients; the first TICK of a term renews every session
     * ({@code codec.SessionEntry}). Never proposed by clients.
     */
    public static final int SESSION_TICK = 7;

    /** Largest defined type; larger values on the wire are rejected. */
    public static final int MAX = SESSION_TICK;

    private EntryType()
    {
    }
}
