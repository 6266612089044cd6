package io.synod.lock;

/**
 * Outcome codes of lock-service requests, as carried by {@link LockEvents#onFailed} and by the
 * response of every command (status i32, fence i64).
 */
public final class LockStatus
{
    public static final int GRANTED = 0;
    /** Queued behind earlier waiters (FIFO); a grant or a failure follows. */
    public static final int QUEUED = 1;
    /** A try-once acquire found the resource taken. */
    public static final int WOULD_BLOCK = 2;
    /** The wait passed its log-time deadline before a grant. */
    public static final int TIMED_OUT = 3;
    /** The session does not exist: never opened, closed, or expired by the leader. */
    public static final int SESSION_EXPIRED = 4;
    /** The same session and thread already hold the lock {@code maxHoldCount} times. */
    public static final int HOLD_LIMIT = 5;
    /** Kind, capacity or mode does not match the resource (e.g. read-to-write upgrade), or bad arguments. */
    public static final int ILLEGAL = 6;
    /** Release of something the session and thread do not hold. */
    public static final int NOT_HELD = 7;
    /** A bound was reached (sessions, waiters per resource, resources). */
    public static final int LIMIT = 8;
    /** The session was closed by its client while the request waited. */
    public static final int SESSION_CLOSED = 9;
    /** Released (response to RELEASE). */
    public static final int RELEASED = 10;
    /**
     * A duplicate of a request already applied (a retry). The node now answers a retry with the request's
     * kept outcome instead, so the state machine no longer reports this; kept so the code stays reserved.
     */
    public static final int DUPLICATE = 11;

    private LockStatus()
    {
    }

    public static String name(final int status)
    {
        switch (status)
        {
            case GRANTED:
                return "GRANTED";
            case QUEUED:
                return "QUEUED";
            case WOULD_BLOCK:
                return "WOULD_BLOCK";
            case TIMED_OUT:
                return "TIMED_OUT";
            case SESSION_EXPIRED:
                return "SESSION_EXPIRED";
            case HOLD_LIMIT:
                return "HOLD_LIMIT";
            case ILLEGAL:
                return "ILLEGAL";
            case NOT_HELD:
                return "NOT_HELD";
            case LIMIT:
                return "LIMIT";
            case SESSION_CLOSED:
                return "SESSION_CLOSED";
            case RELEASED:
                return "RELEASED";
            case DUPLICATE:
                return "DUPLICATE";
            default:
                return "UNKNOWN(" + status + ")";
        }
    }
}
