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
    /** Opens a client session. Payload: leader time (i64), TTL ns (i64). The session id is the entry's index. */
    public static final int SESSION_OPEN = 3;
    /** A command in a session. Payload: leader time (i64), session id (i64), sequence (i64), command. */
    public static final int SESSION_COMMAND = 4;
    /** Keeps a session alive. Payload: leader time (i64), session id (i64). */
    public static final int SESSION_KEEPALIVE = 5;
    /** Closes a session. Payload: leader time (i64), session id (i64). */
    public static final int SESSION_CLOSE = 6;

    /** Largest defined type; larger values on the wire are rejected. */
    public static final int MAX = SESSION_CLOSE;

    private EntryType()
    {
    }
}
