package io.synod.transport.aeron;

import io.synod.raft.HardState;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftLog;
import io.synod.raft.SnapshotStore;
import io.synod.raft.StateMachine;
import io.synod.raft.StoreFactory;

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
    StoreFactory<? extends RaftLog> logFactory;
    StoreFactory<? extends HardState> hardStateFactory;
    StoreFactory<? extends SnapshotStore> snapshotStoreFactory;
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
        this.logFactory = null;
        return this;
    }

    /** The group's log, opened by {@code build()} with the node's cluster and member ids; its own directory. */
    public GroupSpec log(final StoreFactory<? extends RaftLog> factory)
    {
        this.logFactory = factory;
        this.log = null;
        return this;
    }

    /** The group's term and vote (required); its own file. */
    public GroupSpec hardState(final HardState hardState)
    {
        this.hardState = hardState;
        this.hardStateFactory = null;
        return this;
    }

    /** The group's term and vote, opened by {@code build()} with the node's ids; its own file. */
    public GroupSpec hardState(final StoreFactory<? extends HardState> factory)
    {
        this.hardStateFactory = factory;
        this.hardState = null;
        return this;
    }

    /** The group's snapshots; default none (the log is never compacted). */
    public GroupSpec snapshotStore(final SnapshotStore snapshotStore)
    {
        this.snapshotStore = snapshotStore;
        this.snapshotStoreFactory = null;
        return this;
    }

    /** The group's snapshots, opened by {@code build()} with the node's ids; its own directory. */
    public GroupSpec snapshotStore(final StoreFactory<? extends SnapshotStore> factory)
    {
        this.snapshotStoreFactory = factory;
        this.snapshotStore = null;
        return this;
    }

    /** The group's state machine (required). */
    public GroupSpec stateMachine(final StateMachine stateMachine)
    {
        this.stateMachine = stateMachine;
        return this;
    }

    /** Opens what was given as factories; each opened store is added to {@code opened} (closed on failure). */
    void openStores(final int clusterId, final int memberId, final java.util.List<AutoCloseable> opened)
    {
        log = open(logFactory, log, clusterId, memberId, opened);
        hardState = open(hardStateFactory, hardState, clusterId, memberId, opened);
        snapshotStore = open(snapshotStoreFactory, snapshotStore, clusterId, memberId, opened);
    }

    /** @return the store {@code factory} opens with the ids (added to {@code opened}), or {@code store} without a factory. */
    static <T extends AutoCloseable> T open(
        final StoreFactory<? extends T> factory, final T store, final int clusterId, final int memberId,
        final java.util.List<AutoCloseable> opened)
    {
        if (factory == null)
        {
            return store;
        }
        final T fresh = factory.open(clusterId, memberId);
        opened.add(fresh);
        return fresh;
    }
}
