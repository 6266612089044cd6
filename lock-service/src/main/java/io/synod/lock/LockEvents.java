package io.synod.lock;

import org.agrona.DirectBuffer;

/**
 * What the {@link LockStateMachine} did while applying one entry, reported on every replica in log
 * order. Clients co-located with a replica learn grants, losses and keep-alive acknowledgements here.
 *
 * <p><b>Threading.</b> Called on the node's thread, inside {@code apply}; must not block and must not
 * propose synchronously into the same state machine. Buffers are valid only during the call.
 * <p><b>Replay.</b> A restarted replica replays the log and reports the same events again, in the
 * same order with the same indexes; listeners must ignore events they are not waiting for.
 * <p><b>Snapshots.</b> A replica restored from a snapshot reports {@link #onRestored} instead of the
 * events of the entries the snapshot covers.
 * <p><b>Allocation.</b> None: names are passed as a buffer over the resource's own bytes.
 */
public interface LockEvents
{
    LockEvents NONE = new LockEvents()
    {
    };

    /** A session was opened at {@code index}; its id is {@code sessionId} (== index, or the original on a duplicate). */
    default void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
    }

    /** A keep-alive sent by the client at {@code sentAtNs} (its own clock) was applied. */
    default void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
    {
    }

    /** A session ended: closed by its client, or expired by the leader's log time. */
    default void onSessionClosed(final long index, final long sessionId, final boolean expired)
    {
    }

    /**
     * A request was granted at {@code index}. {@code fence} is the log index of the grant (a reentrant
     * acquire reports the original fence and the new {@code holdCount}).
     */
    default void onGranted(
        final long index, final long sessionId, final long requestId, final long thread,
        final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
    {
    }

    /** A request was queued at {@code position} (0 = next). */
    default void onQueued(
        final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
    {
    }

    /** A request failed with a {@link LockStatus}; {@code requestId} is the client's nonce for a failed OPEN. */
    default void onFailed(final long index, final long sessionId, final long requestId, final int status)
    {
    }

    /** A RELEASE was applied; {@code holdCount} is what the session and thread still hold (0: released). */
    default void onReleased(
        final long index, final long sessionId, final long requestId,
        final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
    {
    }

    /** A hold was taken away because its session ended (expired or closed). */
    default void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
    {
    }

    /** The set of holders of a resource changed at {@code index} (for observers: read it with {@link LockStateMachine#forEachHolder}). */
    default void onHoldersChanged(final long index, final DirectBuffer name, final int nameLength)
    {
    }

    /**
     * The replica's whole state was replaced by a snapshot that covers every entry up to {@code index}:
     * on start-up from a stored snapshot, or when the leader sent one (InstallSnapshot) because this
     * replica fell behind the compacted log. No per-entry event is reported for the entries the
     * snapshot covers, so a listener that waits for outcomes reconciles here by reading
     * {@code replica} (on this thread, during the call, see {@link LockStateMachine}'s queries), then
     * continues with the events of index + 1 onwards. On start-up {@code index} may be below what the
     * listener has already seen: the entries after it are applied again and reported again.
     *
     * @param replica the state machine that was restored (a restart may build a new one).
     * @param index   the last entry the snapshot covers.
     */
    default void onRestored(final LockStateMachine replica, final long index)
    {
    }
}
