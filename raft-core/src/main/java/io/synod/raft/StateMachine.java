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
