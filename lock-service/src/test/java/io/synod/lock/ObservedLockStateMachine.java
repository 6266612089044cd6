package io.synod.lock;

import io.synod.raft.ClientSessions;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A real {@link LockStateMachine} as one replica of a simulated cluster, with the state every entry led to
 * (recorded once the replica moves past the entry, since one entry may reach the machine through several
 * calls: an expiry, log time, the command) and after each restore, and every grant it reports, written
 * to the run's {@link LockHistory}. Applying and snapshotting are the wrapped machine's own.
 *
 * <p>With {@code losesAHoldInSnapshots} it is the planted bug of the simulation test: the snapshot it
 * writes leaves out the newest hold of the first resource that has one (the permits with it, so the
 * snapshot still decodes), as a codec that skipped a record would.
 */
final class ObservedLockStateMachine implements StateMachine
{
    final LockStateMachine machine;
    private final int memberId;
    private final LockHistory history;
    private final boolean losesAHoldInSnapshots;
    private final List<String> grants = new ArrayList<>();
    /** The entry whose effects are being taken in (0: none since the last record). */
    private long applying;

    ObservedLockStateMachine(final int memberId, final LockHistory history, final boolean losesAHoldInSnapshots)
    {
        this.machine = new LockStateMachine(new LockEvents()
        {
            @Override
            public void onGranted(
                final long index, final long sessionId, final long requestId, final long thread,
                final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
            {
                final String lock = name.getStringWithoutLengthAscii(0, nameLength);
                grants.add(lock + " to " + sessionId + "/" + thread + " request " + requestId + " fence " + fence + " count " + holdCount);
                final boolean mutex = LockCommandWorkload.isMutex(lock);
                history.onGrant(memberId, lock, index, fence, mutex && holdCount == 1 && fence == applying);
            }

            @Override
            public void onRestored(final LockStateMachine replica, final long index)
            {
                history.onState(memberId, index, replica, "restored a snapshot of");
            }
        }, 4, 64, 16);
        this.memberId = memberId;
        this.history = history;
        this.losesAHoldInSnapshots = losesAHoldInSnapshots;
    }

    /** Records the entry taken in so far once a later one arrives (or a snapshot is taken of it). */
    private void at(final long index)
    {
        if (index != applying)
        {
            record();
            applying = index;
        }
    }

    private void record()
    {
        if (applying != 0)
        {
            history.onGrants(memberId, applying, grants);
            history.onState(memberId, applying, machine, "applied");
        }
        grants.clear();
        applying = 0;
    }

    @Override
    public void onSessions(final ClientSessions sessions)
    {
        machine.onSessions(sessions);
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        at(index);
        return machine.apply(index, term, command, offset, length, response);
    }

    @Override
    public int applyInSession(
        final long index, final long term, final long sessionId, final long sequence, final DirectBuffer command,
        final int offset, final int length, final ExpandableArrayBuffer response)
    {
        at(index);
        return machine.applyInSession(index, term, sessionId, sequence, command, offset, length, response);
    }

    @Override
    public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
        at(index);
        machine.onSessionOpened(index, sessionId, nonce, ttlNs);
    }

    @Override
    public void onKeepAlive(final long index, final long sessionId, final long token)
    {
        at(index);
        machine.onKeepAlive(index, sessionId, token);
    }

    @Override
    public void onSessionEnded(final long index, final long sessionId, final boolean expired)
    {
        at(index);
        machine.onSessionEnded(index, sessionId, expired);
    }

    @Override
    public void onLogTime(final long index, final long logTimeNs)
    {
        at(index);
        machine.onLogTime(index, logTimeNs);
    }

    @Override
    public SnapshotSource snapshot()
    {
        record();
        if (losesAHoldInSnapshots)
        {
            for (final LockStateMachine.Resource resource : machine.resourceList)
            {
                if (!resource.holds.isEmpty())
                {
                    final LockStateMachine.Hold lost = resource.holds.remove(resource.holds.size() - 1);
                    resource.used -= lost.permits;
                    try
                    {
                        return machine.snapshot();
                    }
                    finally
                    {
                        resource.holds.add(lost);
                        resource.used += lost.permits;
                    }
                }
            }
        }
        return machine.snapshot();
    }

    @Override
    public void restore(final SnapshotReader reader)
    {
        record();
        machine.restore(reader);
    }

    /** @return the lock state machine inside {@code stateMachine}, as the simulated cluster hands it out. */
    static LockStateMachine of(final StateMachine stateMachine)
    {
        return stateMachine == null ? null : ((ObservedLockStateMachine)stateMachine).machine;
    }
}
