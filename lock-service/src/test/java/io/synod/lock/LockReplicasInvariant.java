package io.synod.lock;

import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulationInvariant;
import org.agrona.ExpandableArrayBuffer;

import java.util.Arrays;

/**
 * The lock service's safety, checked by the simulator after every step:
 * <ol>
 * <li>live replicas at the same applied index hold byte-identical state ({@link LockStateMachine#encodeSnapshot}),
 * and every replica, whenever it reached an index (applying or restoring a snapshot), held the state the
 * first replica to reach it held ({@link LockHistory});</li>
 * <li>on every live replica, no mutex has two holders, no resource has more permits used than its
 * capacity, the permits of the holds add up to what is used, and every hold belongs to a live session;</li>
 * <li>per lock, fences granted never go back in log order, a mutex's new hold is fenced above every earlier
 * grant, and every replica reported the same grants at the same index ({@link LockHistory#onGrant}).</li>
 * </ol>
 */
final class LockReplicasInvariant implements SimulationInvariant
{
    private final LockHistory history;
    private final ExpandableArrayBuffer first = new ExpandableArrayBuffer(1024);
    private final ExpandableArrayBuffer other = new ExpandableArrayBuffer(1024);
    private long checks;

    LockReplicasInvariant(final LockHistory history)
    {
        this.history = history;
    }

    @Override
    public void check(final SimulatedCluster cluster)
    {
        checks++;
        history.assertNoViolation();
        for (int member = 1; member <= cluster.size(); member++)
        {
            final LockStateMachine machine = ObservedLockStateMachine.of(cluster.stateMachine(member, 0));
            if (machine == null)
            {
                continue;
            }
            checkExclusion(member, machine);
            final long index = cluster.appliedIndex(member, 0);
            for (int peer = member + 1; peer <= cluster.size(); peer++)
            {
                final LockStateMachine peerMachine = ObservedLockStateMachine.of(cluster.stateMachine(peer, 0));
                if (peerMachine != null && cluster.appliedIndex(peer, 0) == index)
                {
                    checkSameState(member, machine, peer, peerMachine, index);
                }
            }
        }
    }

    private void checkSameState(
        final int member, final LockStateMachine machine, final int peer, final LockStateMachine peerMachine, final long index)
    {
        final int length = machine.encodeSnapshot(first);
        final int peerLength = peerMachine.encodeSnapshot(other);
        if (!Arrays.equals(first.byteArray(), 0, length, other.byteArray(), 0, peerLength))
        {
            throw new AssertionError("members " + member + " and " + peer + " both applied up to index " + index +
                " but hold different lock state (" + length + " and " + peerLength + " bytes)");
        }
    }

    private static void checkExclusion(final int member, final LockStateMachine machine)
    {
        machine.forEachResource((name, nameLength, kind, capacity, used, holders, waiters) ->
        {
            final String lock = name.getStringWithoutLengthAscii(0, nameLength);
            if (used > capacity || used < 0)
            {
                throw new AssertionError("member " + member + ": " + lock + " has " + used + " of " + capacity + " permits in use");
            }
            if (kind == LockCommand.MUTEX && (capacity != 1 || holders > 1))
            {
                throw new AssertionError("member " + member + ": mutex " + lock + " has " + holders + " holders");
            }
            final int[] permits = {0};
            machine.forEachHolder(name, 0, nameLength, (sessionId, thread, fence, held, holdCount, value, valueLength) ->
            {
                if (!machine.hasSession(sessionId))
                {
                    throw new AssertionError("member " + member + ": " + lock + " held by session " + sessionId +
                        " which is gone (fence " + fence + ")");
                }
                if (held < 1 || holdCount < 1)
                {
                    throw new AssertionError("member " + member + ": empty hold of " + lock + " by " + sessionId);
                }
                permits[0] += held;
            });
            if (permits[0] != used || (kind == LockCommand.SEMAPHORE && capacity != LockCommandWorkload.SEMAPHORE_CAPACITY))
            {
                throw new AssertionError("member " + member + ": " + lock + " holds add up to " + permits[0] +
                    " permits, used " + used + " of " + capacity);
            }
        });
    }

    long checks()
    {
        return checks;
    }
}
