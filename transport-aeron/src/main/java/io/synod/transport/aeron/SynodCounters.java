package io.synod.transport.aeron;

import io.aeron.Aeron;
import io.aeron.Counter;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Aeron counter type ids and allocation for Synod nodes, so that {@code AeronStat} (and any
 * {@code CountersReader}) shows a running node. Each counter's key holds
 * {@code clusterId (i32), groupId (i32), memberId (i32)}, little-endian; its label reads
 * {@code "synod <name>: cluster=C group=G member=M"}.
 *
 * <p>Type ids are in a range Aeron and Aeron Cluster leave to applications.
 */
public final class SynodCounters
{
    /** Role of the member, as {@code RaftRole.ordinal()}. */
    public static final int ROLE_TYPE_ID = 5101;
    /** Current term. */
    public static final int TERM_TYPE_ID = 5102;
    /** Commit index. */
    public static final int COMMIT_INDEX_TYPE_ID = 5103;
    /** Last index applied to the state machine. */
    public static final int LAST_APPLIED_TYPE_ID = 5104;
    /** Member id of the known leader, 0 if none. */
    public static final int LEADER_ID_TYPE_ID = 5105;
    /** Inbound frames dropped: bad MAC, bad header, wrong cluster, unknown member (transport and node together). */
    public static final int DROPPED_FRAMES_TYPE_ID = 5110;
    /** Frames handed to Aeron. */
    public static final int SENT_FRAMES_TYPE_ID = 5111;
    /** Frames received from Aeron (before any check). */
    public static final int RECEIVED_FRAMES_TYPE_ID = 5112;
    /** Sends that failed: not connected, back-pressured after the retries, oversize, unknown member. */
    public static final int SEND_FAILURES_TYPE_ID = 5113;
    /** Bytes handed to Aeron (frames and MAC trailers, without Aeron's own headers). */
    public static final int SENT_BYTES_TYPE_ID = 5114;
    /** Bytes received from Aeron. */
    public static final int RECEIVED_BYTES_TYPE_ID = 5115;

    /** Length of the counter key. */
    public static final int KEY_LENGTH = 12;

    private SynodCounters()
    {
    }

    /**
     * Allocates one counter in the driver's counters file.
     *
     * @param aeron     connected client.
     * @param typeId    one of the type ids above.
     * @param name      short name for the label.
     * @param clusterId key and label part.
     * @param groupId   key and label part; 0 for per-transport counters.
     * @param memberId  key and label part.
     * @return the counter; close it to free the slot.
     */
    public static Counter allocate(
        final Aeron aeron, final int typeId, final String name, final int clusterId, final int groupId, final int memberId)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        key.putInt(0, clusterId, java.nio.ByteOrder.LITTLE_ENDIAN);
        key.putInt(4, groupId, java.nio.ByteOrder.LITTLE_ENDIAN);
        key.putInt(8, memberId, java.nio.ByteOrder.LITTLE_ENDIAN);
        final String label = "synod " + name + ": cluster=" + clusterId + " group=" + groupId + " member=" + memberId;
        final UnsafeBuffer labelBuffer = new UnsafeBuffer(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return aeron.addCounter(typeId, key, 0, KEY_LENGTH, labelBuffer, 0, labelBuffer.capacity());
    }
}
