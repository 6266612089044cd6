package io.synod.log.chronicle;

import io.synod.raft.HardState;
import io.synod.raft.StoreIdentity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link HardState} (current term and vote) in its own small file, updated atomically and durably: two
 * checksummed slots written alternately, each forced to the device before {@link #store(long, int)} returns
 * (see {@code DualSlotFile} for the layout). A crash during a store leaves either the old or the new value,
 * never a mix. The file also records the cluster and member it belongs to and refuses to open for another.
 *
 * <pre>
 * payload, little-endian:
 *   0  int   clusterId
 *   4  int   memberId
 *   8  long  term
 *  16  int   votedFor
 * </pre>
 *
 * <p><b>Threading.</b> The node's thread only. <b>Allocation.</b> {@link #store} does not allocate.
 * <b>Failure.</b> A failed store throws {@link java.io.UncheckedIOException}; the node must stop.
 * A file with no valid slot fails to open with {@link LogCorruptionException}.
 */
public final class FileHardState implements HardState, StoreIdentity
{
    static final int MAGIC = 0x53594853; // "SHYS"
    private static final int CLUSTER_ID_OFFSET = 0;
    private static final int MEMBER_ID_OFFSET = 4;
    private static final int TERM_OFFSET = 8;
    private static final int VOTED_FOR_OFFSET = 16;
    private static final int PAYLOAD_LENGTH = 20;

    private final DualSlotFile slotFile;
    private final int clusterId;
    private final int memberId;
    private long term;
    private int votedFor;
    private boolean closed;

    private FileHardState(final DualSlotFile slotFile)
    {
        this.slotFile = slotFile;
        final ByteBuffer payload = slotFile.payload();
        clusterId = payload.getInt(CLUSTER_ID_OFFSET);
        memberId = payload.getInt(MEMBER_ID_OFFSET);
        term = payload.getLong(TERM_OFFSET);
        votedFor = payload.getInt(VOTED_FOR_OFFSET);
    }

    /**
     * Opens the hard state in {@code file}, creating it (term 0, no vote) if it does not exist.
     *
     * @param file      the file; its directory must exist.
     * @param clusterId the cluster this node belongs to.
     * @param memberId  this node's member id (positive).
     * @return the open hard state.
     * @throws IllegalStateException  if the file was written by another cluster or member.
     * @throws LogCorruptionException if neither slot of the file is valid.
     */
    public static FileHardState open(final Path file, final int clusterId, final int memberId)
    {
        if (memberId <= 0)
        {
            throw new IllegalArgumentException("memberId must be positive: " + memberId);
        }
        final DualSlotFile slotFile;
        if (Files.exists(file))
        {
            slotFile = DualSlotFile.open(file, MAGIC, PAYLOAD_LENGTH);
            final ByteBuffer payload = slotFile.payload();
            final int fileClusterId = payload.getInt(CLUSTER_ID_OFFSET);
            final int fileMemberId = payload.getInt(MEMBER_ID_OFFSET);
            if (fileClusterId != clusterId || fileMemberId != memberId)
            {
                slotFile.close();
                throw new IllegalStateException(
                    "hard state " + file + " belongs to clusterId=" + fileClusterId + " memberId=" + fileMemberId +
                    ", not clusterId=" + clusterId + " memberId=" + memberId);
            }
        }
        else
        {
            final ByteBuffer payload = ByteBuffer.allocate(PAYLOAD_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            payload.putInt(CLUSTER_ID_OFFSET, clusterId);
            payload.putInt(MEMBER_ID_OFFSET, memberId);
            payload.putLong(TERM_OFFSET, 0);
            payload.putInt(VOTED_FOR_OFFSET, NO_VOTE);
            slotFile = DualSlotFile.create(file, MAGIC, payload);
        }
        return new FileHardState(slotFile);
    }

    /** @return the cluster id recorded in (and checked against) this file. */
    @Override
    public int clusterId()
    {
        return clusterId;
    }

    /** @return the member id recorded in (and checked against) this file. */
    @Override
    public int memberId()
    {
        return memberId;
    }

    @Override
    public long term()
    {
        return term;
    }

    @Override
    public int votedFor()
    {
        return votedFor;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if {@code term} is below the stored term, or the file is closed.
     */
    @Override
    public void store(final long term, final int votedFor)
    {
        if (closed)
        {
            throw new IllegalStateException("hard state is closed: " + slotFile.file());
        }
        if (term < this.term)
        {
            throw new IllegalStateException("term must not decrease: " + this.term + " -> " + term);
        }
        if (votedFor < 0)
        {
            throw new IllegalArgumentException("votedFor=" + votedFor);
        }
        final ByteBuffer payload = slotFile.payload();
        payload.putLong(TERM_OFFSET, term);
        payload.putInt(VOTED_FOR_OFFSET, votedFor);
        slotFile.write();
        this.term = term;
        this.votedFor = votedFor;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            slotFile.close();
        }
    }
}
