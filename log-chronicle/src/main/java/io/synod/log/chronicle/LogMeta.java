package io.synod.log.chronicle;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The log's {@code log.meta} file: whose log the directory holds and which part of the queue is live, in the
 * two checksummed slots of a {@link DualSlotFile} (written alternately, forced on every write). Payload,
 * little-endian:
 * <pre>
 *    0  cluster id      int
 *    4  member id       int
 *    8  snapshot index  long   the log starts after it
 *   16  snapshot term   long
 *   24  first cycle     int    the oldest cycle file still needed
 *   28  last cycle      int    the newest cycle file known to exist
 * </pre>
 * Invariant (kept by the log): every cycle in {@code [firstCycle, lastCycle]} has a file on disk.
 */
final class LogMeta implements AutoCloseable
{
    private static final int MAGIC = 0x53594C47; // "GLYS"
    private static final int CLUSTER_ID_OFFSET = 0;
    private static final int MEMBER_ID_OFFSET = 4;
    private static final int SNAPSHOT_INDEX_OFFSET = 8;
    private static final int SNAPSHOT_TERM_OFFSET = 16;
    private static final int FIRST_CYCLE_OFFSET = 24;
    private static final int LAST_CYCLE_OFFSET = 28;
    private static final int PAYLOAD_LENGTH = 32;

    private final DualSlotFile file;
    private long snapshotIndex;
    private long snapshotTerm;
    private int firstCycle;
    private int lastCycle;

    private LogMeta(final DualSlotFile file)
    {
        this.file = file;
        final ByteBuffer payload = file.payload();
        snapshotIndex = payload.getLong(SNAPSHOT_INDEX_OFFSET);
        snapshotTerm = payload.getLong(SNAPSHOT_TERM_OFFSET);
        firstCycle = payload.getInt(FIRST_CYCLE_OFFSET);
        lastCycle = payload.getInt(LAST_CYCLE_OFFSET);
    }

    /**
     * Reads an existing {@code log.meta}.
     *
     * @throws IllegalStateException  if it belongs to another cluster or member.
     * @throws LogCorruptionException if its content is impossible.
     */
    static LogMeta open(final Path path, final int clusterId, final int memberId)
    {
        final DualSlotFile file = DualSlotFile.open(path, MAGIC, PAYLOAD_LENGTH);
        try
        {
            final ByteBuffer payload = file.payload();
            final int fileClusterId = payload.getInt(CLUSTER_ID_OFFSET);
            final int fileMemberId = payload.getInt(MEMBER_ID_OFFSET);
            if (fileClusterId != clusterId || fileMemberId != memberId)
            {
                throw new IllegalStateException(
                    "log " + path.getParent() + " belongs to clusterId=" + fileClusterId + " memberId=" + fileMemberId +
                    ", not clusterId=" + clusterId + " memberId=" + memberId);
            }
            final LogMeta meta = new LogMeta(file);
            if (meta.snapshotIndex < 0 || meta.snapshotTerm < 0 || meta.firstCycle > meta.lastCycle)
            {
                throw new LogCorruptionException(
                    path.toString(), meta.snapshotIndex, "impossible metadata: snapshot (" + meta.snapshotIndex + ", " +
                    meta.snapshotTerm + ") cycles [" + meta.firstCycle + ", " + meta.lastCycle + "]");
            }
            return meta;
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }

    /** Creates {@code log.meta} for a new, empty log whose first and last cycle is {@code cycle}. */
    static LogMeta create(final Path path, final int clusterId, final int memberId, final int cycle)
    {
        final ByteBuffer payload = ByteBuffer.allocate(PAYLOAD_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        payload.putInt(CLUSTER_ID_OFFSET, clusterId);
        payload.putInt(MEMBER_ID_OFFSET, memberId);
        payload.putInt(FIRST_CYCLE_OFFSET, cycle);
        payload.putInt(LAST_CYCLE_OFFSET, cycle);
        return new LogMeta(DualSlotFile.create(path, MAGIC, payload));
    }

    /** Records a new state durably (the write is forced before this returns). */
    void write(final long snapshotIndex, final long snapshotTerm, final int firstCycle, final int lastCycle)
    {
        if (!(firstCycle <= lastCycle))
        {
            throw new IllegalStateException("meta firstCycle=" + firstCycle + " after lastCycle=" + lastCycle);
        }
        final ByteBuffer payload = file.payload();
        payload.putLong(SNAPSHOT_INDEX_OFFSET, snapshotIndex);
        payload.putLong(SNAPSHOT_TERM_OFFSET, snapshotTerm);
        payload.putInt(FIRST_CYCLE_OFFSET, firstCycle);
        payload.putInt(LAST_CYCLE_OFFSET, lastCycle);
        file.write();
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        this.firstCycle = firstCycle;
        this.lastCycle = lastCycle;
    }

    long snapshotIndex()
    {
        return snapshotIndex;
    }

    long snapshotTerm()
    {
        return snapshotTerm;
    }

    int firstCycle()
    {
        return firstCycle;
    }

    int lastCycle()
    {
        return lastCycle;
    }

    @Override
    public void close()
    {
        file.close();
    }
}
