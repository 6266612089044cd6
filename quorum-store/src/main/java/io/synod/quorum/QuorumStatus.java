package io.synod.quorum;

/**
 * Outcomes of quorum-store requests, as {@code int} codes (the hot path carries no objects). Only
 * {@link #OK} and {@link #NOT_FOUND} are successes; {@link #TIMEOUT} is indeterminate for a write (it may
 * have reached some replicas and may still surface later); the others are refusals that changed nothing.
 */
public final class QuorumStatus
{
    /** Done: a write reached {@code w} replicas durably, or a read heard {@code r}. */
    public static final int OK = 0;
    /** A read heard {@code r} replicas and none holds a value (absent, or only deletes). */
    public static final int NOT_FOUND = 1;
    /** Not enough replicas answered in time. For a write: outcome unknown. */
    public static final int TIMEOUT = 2;
    /** A malformed request (bad key, bad context bytes). */
    public static final int BAD_REQUEST = 3;
    /** The key would hold more concurrent values than {@code siblingsMax}: read, resolve, write with the context. */
    public static final int TOO_MANY_SIBLINGS = 4;
    /** No free request slot ({@code requestsMax} in flight): retry later. */
    public static final int BACK_PRESSURE = 5;
    /** The causal context was issued by another keyspace. */
    public static final int WRONG_KEYSPACE = 6;
    /** A key or value over its configured maximum. */
    public static final int TOO_LARGE = 7;
    /** W or R is zero, unknown, or larger than N. */
    public static final int BAD_CONSISTENCY = 8;
    /**
     * Last-writer-wins only: a replica refused a write whose timestamp is further ahead of its clock than
     * {@code maxClockOffsetNs}, or the coordinator is still sleeping out the offset after a restart.
     */
    public static final int CLOCK_SKEW = 9;
    /**
     * This member has no ring it may coordinate with: the ring group has not applied BOOTSTRAP yet, the member is
     * not on the ring (old or new), or it restarted and has not yet applied the ring version it used before
     * ({@link RingStateMachine}). Nothing was sent; retry at another member or later.
     */
    public static final int NO_RING = 10;

    private QuorumStatus()
    {
    }

    /** @return the code's name. */
    public static String name(final int status)
    {
        switch (status)
        {
            case OK:
                return "OK";
            case NOT_FOUND:
                return "NOT_FOUND";
            case TIMEOUT:
                return "TIMEOUT";
            case BAD_REQUEST:
                return "BAD_REQUEST";
            case TOO_MANY_SIBLINGS:
                return "TOO_MANY_SIBLINGS";
            case BACK_PRESSURE:
                return "BACK_PRESSURE";
            case WRONG_KEYSPACE:
                return "WRONG_KEYSPACE";
            case TOO_LARGE:
                return "TOO_LARGE";
            case BAD_CONSISTENCY:
                return "BAD_CONSISTENCY";
            case CLOCK_SKEW:
                return "CLOCK_SKEW";
            case NO_RING:
                return "NO_RING";
            default:
                return "UNKNOWN(" + status + ")";
        }
    }
}
