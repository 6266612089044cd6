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

    /** Largest defined type; larger values on the wire are rejected. */
    public static final int MAX = CONFIGURATION;

    private EntryType()
    {
    }
}
