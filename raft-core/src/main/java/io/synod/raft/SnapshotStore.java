package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Where a member keeps its latest snapshot: the state machine's stream plus the index and term of the
 * last entry it covers, and a CRC32C of the stream.
 *
 * <p><b>Threading.</b> Called only on the node's thread.
 * <p><b>Atomicity.</b> A snapshot being written ({@link #begin} … {@link #commit}) never replaces the
 * latest one until {@link #commit} returns, and {@code commit} is durable on return: a crash at any
 * point leaves either the old or the new snapshot, whole.
 * <p><b>Failure.</b> I/O failures are unchecked exceptions; the node stops.
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
