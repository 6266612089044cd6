package io.synod.quorum;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A replica's storage port: one record per (keyspace, key) — a {@link DvvSet} encoding for the default
 * mode, a tagged register for the atomic mode — written by the replica protocol and made durable by
 * {@link #flush()} <em>before</em> the replica acknowledges (a write that a quorum acknowledged must survive
 * the crash of any of them).
 *
 * <p><b>Threading.</b> One thread: the agent thread of the node that owns it.
 * <p><b>Blocking.</b> {@link #flush()} may block for the durability policy (an fsync under SYNC).
 * <p><b>Durability.</b> {@link #write} is visible to {@link #read} at once and durable only after the
 * next {@link #flush()} returns; a crash may lose any suffix of the writes since the last flush, never
 * an earlier one, never part of a record.
 * <p><b>Failure.</b> Any method may throw {@link IllegalStateException} for a storage failure (a failed
 * flush, corruption found on open): the node stops; it is never logged and ignored.
 * <p><b>Allocation.</b> {@link #read}, and {@link #write} of a record no longer than the key's previous
 * one, allocate nothing in the implementations shipped here.
 */
public interface ReplicaStore extends AutoCloseable
{
    /**
     * Copies the key's record into {@code dst}.
     *
     * @return the record's length, or -1 if the key has none.
     * @throws IllegalArgumentException if {@code dst} cannot hold it (a caller's sizing error).
     */
    int read(int keyspaceId, DirectBuffer key, int keyOffset, int keyLength, MutableDirectBuffer dst, int dstOffset);

    /** Replaces the key's record (durable after the next {@link #flush()}). */
    void write(int keyspaceId, DirectBuffer key, int keyOffset, int keyLength, DirectBuffer record, int recordOffset, int recordLength);

    /**
     * Removes the key's record (durable after the next {@link #flush()}); nothing if it has none. Tombstone
     * collection and delivered hints use it, so a store's size follows its live keys.
     */
    void delete(int keyspaceId, DirectBuffer key, int keyOffset, int keyLength);

    /** Makes every earlier {@link #write} and {@link #delete} durable before returning. */
    void flush();

    /**
     * Starts a new epoch, durably: a number larger than any this store returned before, in any earlier
     * run. Nodes build request ids from it so that a restarted node never reuses one (a late reply to a
     * request of the previous run must not count for a new request).
     */
    long startEpoch();

    /** Visits every record (anti-entropy, tests). Allocation per call is allowed. */
    void forEach(RecordVisitor visitor);

    /** @return keys stored. */
    int size();

    /** Releases files and memory; durable state stays. */
    @Override
    void close();

    /** One record seen by {@link #forEach}; the buffers are valid only during the call. */
    @FunctionalInterface
    interface RecordVisitor
    {
        void onRecord(int keyspaceId, DirectBuffer key, int keyOffset, int keyLength, DirectBuffer record, int recordOffset, int recordLength);
    }
}
