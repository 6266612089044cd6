package io.synod.transport.aeron;

import io.synod.raft.HardState;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftLog;
import io.synod.raft.SnapshotStore;
import io.synod.raft.StateMachine;

/**
 * One more Raft group on a node, beside the builder's own (see {@link AeronRaftNode.Builder#group}): its
 * own state machine, log, hard state and snapshot store (each in a directory of its own), on the node's one
 * agent thread, transport and media driver. For example the application's state machine as group 0 and the
 * lock service as group 1:
 *
 * <pre>{@code
 * AeronRaftNode node = AeronRaftNode.builder().clusterId(7).memberId(1) ...
 *     .log(appLog).hardState(appHardState).stateMachine(app)                       // group 0
 *     .group(new GroupSpec(1).log(lockLog).hardState(lockHardState).stateMachine(locks))
 *     .build();
 * node.group(1).propose(bytes);
 * }</pre>
 *
 * <p>Every group has the node's cluster id, member id and initial members; its {@link RaftConfig} (timeouts,
 * windows, snapshot thresholds) is its own ({@code new RaftConfig()} unless given). Membership changes are
 * per group; the transport connects to every member of any group.
 *
 * <p><b>Threading.</b> Configure on one thread before {@code build()}; the node owns and closes the stores.
 */
public final class GroupSpec
{
    final int groupId;
    RaftConfig config = new RaftConfig();
    RaftLog log;
    HardState hardState;
    SnapshotStore snapshotStore;
    StateMachine stateMachine;

    /** @param groupId distinct from every other group of the node; carried in every frame of the group. */
    public GroupSpec(final int groupId)
    {
        if (groupId < 0)
        {
            throw new IllegalArgumentException("groupId must not be negative: " + groupId);
        }
        this.groupId = groupId;
    }

    /** @return the group id. */
    public int groupId()
    {
        return groupId;
    }

    /** Raft settings of this group; cluster, group, member and members are set by the node's builder. */
    public GroupSpec raftConfig(final RaftConfig config)
    {
        this.config = config;
        return this;
    }

    /** The group's log (required); its own directory. */
    public GroupSpec log(final RaftLog log)
    {
        this.log = log;
        return this;
    }

    /** The group's term and vote (required); its own file. */
    public GroupSpec hardState(final HardState hardState)
    {
        this.hardState = hardState;
        return this;
    }

    /** The group's snapshots; default none (the log is never compacted). */
    public GroupSpec snapshotStore(final SnapshotStore snapshotStore)
    {
        this.snapshotStore = snapshotStore;
        return this;
    }

    /** The group's state machine (required). */
    public GroupSpec stateMachine(final StateMachine stateMachine)
    {
        this.stateMachine = stateMachine;
        return this;
    }
}
