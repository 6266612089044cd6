package io.synod.txn;

import io.synod.raft.StateMachine;
import io.synod.raft.testkit.SimulatedCluster;
import org.agrona.collections.Long2LongHashMap;

/**
 * The parts of a transactions simulation shared by its members: group 0 is the coordinator group, groups
 * {@code 1..shards} the shards, every member hosts all of them (multi-raft on one agent). Keeps each
 * member's current state machines (so that the member's {@link TxnDriver} reads its own replicas) and the
 * global atomicity checks, fed by the state machines' listeners on every replica:
 * <ul>
 *   <li>a transaction's decision never changes, on any replica of the coordinator group;</li>
 *   <li>a participant commits only a transaction decided COMMIT somewhere in the coordinator group, and
 *   drops a prepared one only if it was decided ABORT;</li>
 *   <li>every replica of a shard resolves a transaction the same way.</li>
 * </ul>
 */
final class TxnCluster
{
    static final int COORDINATOR = 0;
    private static final int MEMBERS_MAX = 16;

    final int shards;
    final ShardMap map;
    final CoordinatorStateMachine[] coordinators = new CoordinatorStateMachine[MEMBERS_MAX];
    final ShardStateMachine[][] shardMachines;
    /** txn id to +1 (commit) or -1 (abort), as first decided anywhere. */
    final Long2LongHashMap decisions = new Long2LongHashMap(0);
    /** (group, txn) to +1 / -1 as first resolved by any replica of the group. */
    private final Long2LongHashMap resolutions = new Long2LongHashMap(0);
    private final Genesis genesis;
    long commitsApplied;
    long abortsApplied;

    /** Content every shard replica starts with (identically on every member and restart). */
    @FunctionalInterface
    interface Genesis
    {
        void load(ShardStateMachine shard);
    }

    TxnCluster(final int shards, final Genesis genesis)
    {
        this.shards = shards;
        final int[] groups = new int[shards];
        for (int i = 0; i < shards; i++)
        {
            groups[i] = i + 1;
        }
        this.map = ShardMap.roundRobin(1, groups);
        this.shardMachines = new ShardStateMachine[MEMBERS_MAX][shards + 1];
        this.genesis = genesis;
    }

    int groups()
    {
        return shards + 1;
    }

    /** The state machine factory: the coordinator in group 0, shards elsewhere; remembers them per member. */
    StateMachine create(final int memberId, final int groupId)
    {
        if (groupId == COORDINATOR)
        {
            final CoordinatorStateMachine coordinator = new CoordinatorStateMachine(map).listener(new CoordinatorStateMachine.Listener()
            {
                @Override
                public void onDecided(final long index, final long txnId, final boolean committed, final int reason)
                {
                    onDecision(txnId, committed);
                }
            });
            coordinators[memberId] = coordinator;
            return coordinator;
        }
        final ShardStateMachine shard = new ShardStateMachine(groupId, map);
        genesis.load(shard);
        shard.listener(this::onResolved);
        shardMachines[memberId][groupId] = shard;
        return shard;
    }

    private void onDecision(final long txnId, final boolean committed)
    {
        final long sign = committed ? 1 : -1;
        final long previous = decisions.get(txnId);
        if (previous == 0)
        {
            decisions.put(txnId, sign);
        }
        else if (previous != sign)
        {
            throw new AssertionError("txn " + Long.toHexString(txnId) + " decided both ways");
        }
    }

    private void onResolved(final int groupId, final long index, final long txnId, final boolean committed, final boolean prepared)
    {
        final long decided = decisions.get(txnId);
        if (committed && decided != 1)
        {
            throw new AssertionError("group " + groupId + " committed txn " + Long.toHexString(txnId) + " at " + index +
                " without a commit decision (" + decided + ")");
        }
        if (!committed && prepared && decided != -1)
        {
            throw new AssertionError("group " + groupId + " dropped prepared txn " + Long.toHexString(txnId) + " at " + index +
                " without an abort decision (" + decided + ")");
        }
        final long key = txnId * 131 + groupId;
        final long sign = committed ? 1 : -1;
        final long previous = resolutions.get(key);
        if (previous == 0)
        {
            resolutions.put(key, sign);
            if (committed)
            {
                commitsApplied++;
            }
            else
            {
                abortsApplied++;
            }
        }
        else if (previous != sign)
        {
            throw new AssertionError("replicas of group " + groupId + " resolved txn " + Long.toHexString(txnId) + " both ways");
        }
    }

    /** @return the member's coordinator replica, or null while it is down. */
    CoordinatorStateMachine coordinator(final SimulatedCluster cluster, final int memberId)
    {
        return cluster.isAlive(memberId) ? coordinators[memberId] : null;
    }

    /** @return a description of what is still in doubt on live members, or null if nothing is. */
    String inDoubt(final SimulatedCluster cluster)
    {
        for (int memberId = 1; memberId <= cluster.size(); memberId++)
        {
            if (!cluster.isAlive(memberId))
            {
                continue;
            }
            if (coordinators[memberId].unfinishedCount() > 0)
            {
                return "member " + memberId + ": " + coordinators[memberId].unfinishedCount() + " unfinished transactions";
            }
            for (int group = 1; group <= shards; group++)
            {
                final ShardStateMachine shard = shardMachines[memberId][group];
                if (shard.preparedCount() > 0 || shard.lockCount() > 0)
                {
                    return "member " + memberId + " group " + group + ": " + shard.preparedCount() + " prepared, " +
                        shard.lockCount() + " keys locked";
                }
            }
        }
        return null;
    }
}
