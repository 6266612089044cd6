package io.synod.coordinator;

/**
 * The exit codes of every {@code synod} command (documented in the README):
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><td>0</td><td>success (a get found the key, a cas or put applied, a server stopped cleanly)</td></tr>
 *   <tr><td>1</td><td>the operation was applied or served but said no: get/del of an absent key (NOT_FOUND), cas of
 *   the wrong version (VERSION_MISMATCH)</td></tr>
 *   <tr><td>2</td><td>usage or configuration error: unknown key or flag, bad value, port in use, data directory locked or
 *   another cluster's/member's</td></tr>
 *   <tr><td>3</td><td>rejected by the cluster (definitely not applied), or no member reachable</td></tr>
 *   <tr><td>4</td><td>outcome unknown: no answer in time after the request may have reached the cluster</td></tr>
 *   <tr><td>5</td><td>the server stopped on a failure (a failed flush, a corrupt log)</td></tr>
 * </table>
 */
public final class SynodExit
{
    /** Success. */
    public static final int OK = 0;
    /** Applied or served, but the answer is "no" (not found, version mismatch). */
    public static final int NO = 1;
    /** Usage or configuration error. */
    public static final int CONFIG = 2;
    /** Rejected by the cluster, or unreachable. */
    public static final int REJECTED = 3;
    /** Outcome unknown. */
    public static final int UNKNOWN = 4;
    /** The server failed. */
    public static final int FAILED = 5;

    private SynodExit()
    {
    }
}
