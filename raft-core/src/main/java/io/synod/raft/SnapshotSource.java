package io.synod.raft;

import org.agrona.MutableDirectBuffer;

/**
 * The stream a {@link StateMachine} writes its snapshot into, pulled by the node in bounded chunks
 * over several duty cycles (see {@link StateMachine#snapshot()}).
 *
 * <p><b>Threading.</b> Called only on the node's thread. While a source is open the node applies no
 * entries, so the source may read the live state directly: nothing changes under it.
 */
@FunctionalInterface
public interface SnapshotSource
{
    /**
     * Writes the next bytes of the snapshot.
     *
     * @param buffer   destination.
     * @param offset   where to start writing.
     * @param maxBytes the most bytes to write in this call (at least 64).
     * @return bytes written, at least 1, or -1 once the whole snapshot has been written.
     */
    int read(MutableDirectBuffer buffer, int offset, int maxBytes);

    /**
     * Returned by {@link StateMachine#snapshot()} to decline a snapshot for now (the state machine is busy,
     * or would rather wait for a quieter moment): nothing is written, and the node asks again the next time
     * it applies entries, or at once on {@link RaftNode#requestSnapshot()}. Compared by identity; never read.
     */
    SnapshotSource NOT_NOW = (buffer, offset, maxBytes) -> -1;
}
