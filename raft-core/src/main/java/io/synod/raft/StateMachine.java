package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * The application's replicated state machine.
 *
 * <p><b>Threading.</b> Called only from the node's thread, in log order.
 * <p><b>Determinism.</b> {@link #apply} must be a deterministic function of the state and the
 * command: no clocks, no randomness, no I/O whose result differs between replicas. Every replica
 * applies the same commands in the same order and must reach the same state.
 * <p><b>Exceptions.</b> Must not throw; an exception from {@code apply} stops the node, because a
 * replica that skipped a command would diverge.
 * <p><b>Allocation.</b> Write the response into the given buffer instead of allocating one.
 * <p><b>Byte order.</b> Agrona buffers are little-endian: {@code command.getLong(offset)} reads the
 * bytes a {@code MutableDirectBuffer.putLong} wrote, or a {@code ByteBuffer} set to
 * {@code ByteOrder.LITTLE_ENDIAN}. A command encoded with a default (big-endian) {@code ByteBuffer}
 * reads back byte-swapped; decode it with {@code getLong(offset, ByteOrder.BIG_ENDIAN)} or encode
 * little-endian. Synod's own codecs are all little-endian.
 */
public interface StateMachine
{
    /**
     * Applies one committed command.
     *
     * @param index    the log index of the command (strictly increasing across calls).
     * @param term     the term in which the command was proposed.
     * @param command  buffer holding the command, valid only during the call.
     * @param response scratch buffer for the response, written from offset 0; it grows as needed.
     * @return the response length written into {@code response}.
     */
    int apply(long index, long term, DirectBuffer command, int offset, int length, ExpandableArrayBuffer response);

    /**
     * Applies a command sent in a client session ({@link io.synod.raft.EntryType#SESSION_COMMAND}): the node
     * has checked that the session is open and that this (session, sequence) was never applied, and keeps
     * the response for retries. A state machine whose state belongs to sessions (locks held, watches) uses
     * the ids; the default ignores them and calls {@link #apply}.
     */
    default int applyInSession(
        final long index, final long term, final long sessionId, final long sequence, final DirectBuffer command, final int offset,
        final int length, final ExpandableArrayBuffer response)
    {
        return apply(index, term, command, offset, length, response);
    }

    /**
     * A client session ended at {@code index}: closed by its client, or expired (log time passed its last
     * activity plus its TTL; decided by entries the leader stamped, so at the same index everywhere). Release
     * what it held. Sessions that ended together arrive in ascending id order. The default does nothing.
     */
    default void onSessionEnded(final long index, final long sessionId, final boolean expired)
    {
    }

    /**
     * A client session was opened at {@code index} (its id is that index), or an OPEN carrying the nonce of a
     * live session was applied again (the live session's id; a client matches its OPEN by the nonce). The
     * default does nothing.
     *
     * @param nonce the OPEN's nonce (0: none).
     * @param ttlNs the session's TTL in log time.
     */
    default void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
    }

    /**
     * A keep-alive of a live session was applied at {@code index}; its activity is now the current log
     * time. {@code token} is what the client sent with it (for example its send time, from which it counts
     * its lease). The default does nothing.
     */
    default void onKeepAlive(final long index, final long sessionId, final long token)
    {
    }

    /**
     * Log time may have passed a deadline of the state machine's own (a wait's timeout, say): called at
     * {@code index} after every TICK, and after any session entry that ended sessions, once their
     * {@link #onSessionEnded} calls are done. The same calls happen at the same indexes on every replica,
     * so a deadline acted on here is decided by the log, not by a local clock. The default does nothing.
     *
     * @param logTimeNs the largest leader time applied so far ({@link ClientSessions#logTimeNs}).
     */
    default void onLogTime(final long index, final long logTimeNs)
    {
    }

    /**
     * Gives the state machine the node's client sessions, once, in the {@link RaftNode} constructor before
     * anything is restored or applied: to check a session, read log time, or update the kept outcome of an
     * operation decided later ({@link ClientSessions#updateOutcome}). The default ignores them.
     */
    default void onSessions(final ClientSessions sessions)
    {
    }

    /**
     * Starts a snapshot of the state as of the last applied entry. The node then pulls the stream in
     * chunks of at most {@code RaftConfig#snapshotChunkBytes} per duty cycle and applies no entries
     * until the stream ends, so the source may read the live state: the duty cycle never stalls for
     * longer than one chunk, while applying (not replicating or committing) pauses for the whole
     * snapshot. Once the snapshot is durable the log prefix it covers is compacted.
     *
     * @return the stream; {@link SnapshotSource#NOT_NOW} to be asked again later (the next time entries
     * are applied); or null if this state machine does not take snapshots (the default): snapshots are then
     * off for the life of the node and the log grows without bound.
     */
    default SnapshotSource snapshot()
    {
        return null;
    }

    /**
     * Replaces the whole state with the one in a snapshot written by {@link #snapshot()} (possibly on
     * another member). Called on start-up when a snapshot exists, and when a follower installs one
     * sent by the leader. The start-up restore runs inside the {@link RaftNode} constructor, on the
     * constructing thread and before the node's agent runs: anything the state machine tells listeners
     * from here (for example a "restored" event) reaches them before the first duty cycle.
     */
    default void restore(final SnapshotReader reader)
    {
        throw new UnsupportedOperationException(getClass().getName() + " does not restore snapshots");
    }
}
