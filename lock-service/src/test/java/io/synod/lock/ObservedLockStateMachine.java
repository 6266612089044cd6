package io.synod.lock;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A real {@link LockStateMachine} as one replica of a simulated cluster, with every state it reaches
 * (after each command, after each restore) and every grant it reports written to the run's
 * {@link LockHistory}. Applying and snapshotting are the wrapped machine's own.
 *
 * <p>With {@code losesAHoldInSnapshots} it is the planted bug of the simulation test: the snapshot it
 * writes leaves out the newest hold of the first resource that has one (the permits with it, so the
 * snapshot still decodes), as a codec that skipped a record would.
 */
final class ObservedLockStateMachine implements StateMachine, LockEvents
{
    final LockStateMachine machine;
    private final int memberId;
    private final LockHistory history;
    private final boolean losesAHoldInSnapshots;
    private final List<String> grants = new ArrayList<>();
    private long applying;

    ObservedLockStateMachine(final int memberId, final LockHistory history, final boolean losesAHoldInSnapshots)
    {
        this.machine = new LockStateMachine(this, 4, 64, 64, 16);
        this.memberId = memberId;
        this.history = history;
        this.losesAHoldInSnapshots = losesAHoldInSnapshots;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        grants.clear();
        applying = index;
        final int responseLength = machine.apply(index, term, command, offset, length, response);
        history.onGrants(memberId, index, grants);
        history.onState(memberId, index, machine, "applied");
        return responseLength;
    }

    @Override
    public SnapshotSource snapshot()
    {
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
        machine.restore(reader);
    }

    @Override
    public void onRestored(final LockStateMachine replica, final long index)
    {
        history.onState(memberId, index, replica, "restored a snapshot of");
    }

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

    /** @return the lock state machine inside {@code stateMachine}, as the simulated cluster hands it out. */
    static LockStateMachine of(final StateMachine stateMachine)
    {
        return stateMachine == null ? null : ((ObservedLockStateMachine)stateMachine).machine;
    }

}
