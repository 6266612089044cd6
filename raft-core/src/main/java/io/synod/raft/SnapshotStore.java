package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Where a member keeps its latest snapshot: the state machine's stream plus the index and term of the
 * last entry it covers, and a CRC32C of the stream.
 *
 * <p><b>Threading.</b> Called only on the node's thread.
 * <p><b>Atomicity.</b> A snapshot being written ({@link #begin} … {@link #commit}) never replaces the
 * latest one until {@link #commit} returns, and {@code commit} is durable on return: a crash at any
 * point leaves either the old or the new snapshot, whole.
 * <p><b>Failure.</b> I/O failures are unchecked exceptions; the node stops.
 *
 * <p><b>What a stored snapshot holds.</b> The stream starts with the node's own replicated state, then
 * the state machine's stream exactly as its {@link SnapshotSource} wrote it (little-endian):
 * <pre>
 *  +-------------------------------+------------------------------+
 *  | session table length (i32)    | client session table ...     | 0
 *  +-------------------------------+------------------------------+
 *  | index of the configuration entry in force (i64)              |
 *  +-------------------------------+------------------------------+
 *  | configuration length (i32)    | configuration ...            |
 *  +-------------------------------+------------------------------+
 *  | the state machine's stream ...                               | {@link #stateMachineOffset()}
 *  +--------------------------------------------------------------+
 * </pre>
 * {@link StateMachine#restore} sees only the last part. A tool that reads a stored snapshot (to inspect
 * or export the state) starts at {@link #stateMachineOffset()} rather than parsing the node's part, whose
 * layout may change between versions.
 */
public interface SnapshotStore extends AutoCloseable
{
    /** @return the last log index covered by the latest snapshot, 0 if there is none. */
    long index();

    /** @return the term of {@link #index()}, 0 if there is none. */
    long term();

    /** @return the length in bytes of the latest snapshot's stream. */
    long length();

    /** @return CRC32C of the latest snapshot's stream, as an unsigned value. */
    long checksum();

    /**
     * Reads bytes of the latest snapshot.
     *
     * @return bytes read, or -1 at or beyond its end.
     */
    int read(long position, MutableDirectBuffer buffer, int offset, int maxBytes);

    /**
     * Where the state machine's part of the latest snapshot starts in its stream: read from there with
     * {@link #read} to get exactly the bytes the {@link SnapshotSource} wrote. Reads the node's part to
     * find it; allocates a little.
     *
     * @return the position, or -1 if there is no snapshot.
     * @throws IllegalStateException if the node's part is malformed.
     */
    default long stateMachineOffset()
    {
        if (index() == 0)
        {
            return -1;
        }
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[12]);
        if (read(0, scratch, 0, 4) != 4)
        {
            throw new IllegalStateException("snapshot " + index() + " too short for its session table length");
        }
        final long configurationAt = 4L + scratch.getInt(0, ByteOrder.LITTLE_ENDIAN);
        if (configurationAt < 4 || configurationAt + 12 > length() || read(configurationAt, scratch, 0, 12) != 12)
        {
            throw new IllegalStateException("snapshot " + index() + ": bad session table length " + (configurationAt - 4));
        }
        final long offset = configurationAt + 12 + scratch.getInt(8, ByteOrder.LITTLE_ENDIAN);
        if (offset < configurationAt + 12 || offset > length())
        {
            throw new IllegalStateException("snapshot " + index() + ": bad configuration length");
        }
        return offset;
    }

    /** Starts writing a new snapshot covering the log up to {@code (index, term)}, discarding any unfinished one. */
    void begin(long index, long term);

    /** @return true while a snapshot is being written. */
    boolean isWriting();

    /** @return bytes written to the unfinished snapshot. */
    long writtenLength();

    /** Appends bytes to the unfinished snapshot. */
    void write(DirectBuffer buffer, int offset, int length);

    /**
     * Finishes the unfinished snapshot and makes it the latest, durably.
     *
     * @param expectedChecksum the CRC32C the stream must have, or {@link #ANY_CHECKSUM}.
     * @return false (and the snapshot is discarded) if the stream's checksum differs.
     */
    boolean commit(long expectedChecksum);

    /** Discards the unfinished snapshot. */
    void abort();

    @Override
    void close();

    /** Passed to {@link #commit(long)} when the writer computed the stream itself. */
    long ANY_CHECKSUM = -1;
}
