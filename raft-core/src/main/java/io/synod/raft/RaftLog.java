package io.synod.raft;

import org.agrona.DirectBuffer;

/**
 * The replicated log port: an indexed sequence of entries {@code (index, term, type, payload)} that
 * starts after a compacted prefix (the last snapshot) and ends at {@link #lastIndex()}.
 *
 * <p><b>Threading.</b> Called only from the thread that drives the owning {@link RaftNode}; an
 * implementation needs no synchronisation.
 *
 * <p><b>Indexes.</b> Indexes start at 1. Index 0 is the empty-log sentinel with term 0. After
 * {@link #compactPrefix(long, long)} or {@link #resetTo(long, long)} the log remembers the last
 * compacted {@code (snapshotIndex, snapshotTerm)} so that {@link #termAt(long)} still answers for it;
 * that is what AppendEntries consistency checks need right after a snapshot.
 * Invariant: {@code snapshotIndex() <= lastIndex()} and {@code firstIndex() == snapshotIndex() + 1};
 * terms never decrease with increasing index.
 *
 * <p><b>Durability.</b> {@link #append} and {@link #truncateSuffix} may be buffered. Nothing is
 * durable until {@link #flush()} returns; the node calls {@code flush()} before it acknowledges an
 * entry to the leader and before a leader counts itself toward a commit. A crash may lose any
 * unflushed suffix of the operations, but never a flushed one, and never leaves a partial entry
 * readable.
 *
 * <p><b>Failure.</b> An I/O failure is thrown as an unchecked exception; the node treats it as fatal
 * and stops. It is never swallowed.
 *
 * <p><b>Allocation.</b> Implementations should not allocate per append or per read in steady state.
 */
public interface RaftLog extends AutoCloseable
{
    /** Term returned by {@link #termAt(long)} for an index the log cannot answer for. */
    long NO_TERM = -1;

    /**
     * Receives entries from {@link #read(long, long, EntryReader)}.
     */
    @FunctionalInterface
    interface EntryReader
    {
        /**
         * One entry. The buffer is valid only during the call.
         *
         * @return {@code true} if the entry was consumed and reading may go on; {@code false} to
         * stop before this entry (it is not counted as read).
         */
        boolean onEntry(long index, long term, int type, DirectBuffer buffer, int offset, int length);
    }

    /** @return the first index held in the log, {@code snapshotIndex() + 1}. */
    long firstIndex();

    /** @return the last index in the log, or {@link #snapshotIndex()} when no entry follows it. */
    long lastIndex();

    /** @return the term of {@link #lastIndex()}. */
    long lastTerm();

    /** @return the index of the last entry compacted away (covered by a snapshot), 0 if none. */
    long snapshotIndex();

    /** @return the term of {@link #snapshotIndex()}, 0 if none. */
    long snapshotTerm();

    /**
     * @return the term of the entry at {@code index} for {@code snapshotIndex() <= index <= lastIndex()}
     * (so 0 for index 0 while nothing is compacted), otherwise {@link #NO_TERM}.
     */
    long termAt(long index);

    /**
     * Appends one entry. Must be called with {@code index == lastIndex() + 1} and {@code term >= lastTerm()};
     * anything else is a programming error and throws {@link IllegalStateException}.
     */
    void append(long index, long term, int type, DirectBuffer buffer, int offset, int length);

    /**
     * Removes every entry with index {@code >= fromIndex}. The caller guarantees that none of them is
     * committed; {@code fromIndex <= snapshotIndex()} throws {@link IllegalStateException}.
     */
    void truncateSuffix(long fromIndex);

    /**
     * Declares that entries up to {@code commitIndex} are committed, so that a later
     * {@link #truncateSuffix(long)} at or below it is refused with {@link IllegalStateException}: a second
     * line of defence behind the node's own check (committed entries are never removed). The node calls
     * it in every {@code persist()}; the value never decreases while the log is open. The default keeps
     * nothing; the logs shipped with Synod keep it.
     */
    default void commitIndex(final long commitIndex)
    {
    }

    /**
     * Reads consecutive entries from {@code fromIndex} up to {@code toIndex} inclusive (clamped to
     * {@link #lastIndex()}) until the reader declines one.
     *
     * @return the number of entries the reader consumed.
     */
    int read(long fromIndex, long toIndex, EntryReader reader);

    /**
     * Releases every entry up to and including {@code upToIndex}, which a durable snapshot now
     * covers. {@code termAt(upToIndex)} keeps answering {@code upToTerm}. An index at or below
     * {@link #snapshotIndex()} is a no-op; above {@link #lastIndex()} throws.
     */
    void compactPrefix(long upToIndex, long upToTerm);

    /**
     * Discards the whole log and restarts it after a snapshot at {@code (snapshotIndex, snapshotTerm)}
     * (a follower that installed a snapshot it had no entries for).
     */
    void resetTo(long snapshotIndex, long snapshotTerm);

    /**
     * Makes every append and truncation so far durable under the log's durability policy before
     * returning. Throws on failure; the caller stops the node.
     */
    void flush();

    /** Releases the log's resources. */
    @Override
    void close();
}
