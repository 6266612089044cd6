package io.synod.raft.testkit;

import io.synod.raft.HardState;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftLog;
import io.synod.raft.RaftNode;
import io.synod.raft.StateMachine;
import io.synod.raft.Transport;
import io.synod.raft.log.InMemorySnapshotStore;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * One member's durable storage for one Raft group (log, hard state, snapshot store) and the node that
 * runs on it in the current incarnation. The storage outlives crashes; the node does not. Shared by
 * {@link LoopbackCluster} and {@link Simulation}, which differ in how frames travel and how faults are
 * chosen, not in what a crash does to a member's storage.
 *
 * <p>Not thread-safe; owned by one simulated cluster.
 */
final class SimulatedReplica
{
    /** The log's disk, which a crash can cut back to what was flushed; null for a log that never loses writes. */
    final SimulatedDisk disk;
    private final RaftLog fixedLog;
    final HardState hardState;
    /** Kept across crashes; a crash discards an unfinished snapshot. */
    final InMemorySnapshotStore snapshotStore = new InMemorySnapshotStore();
    /** Invariant: null while the member is down. */
    RaftNode node;

    private SimulatedReplica(final SimulatedDisk disk, final RaftLog fixedLog, final HardState hardState)
    {
        this.disk = disk;
        this.fixedLog = fixedLog;
        this.hardState = hardState;
    }

    /** A replica whose log lives on a disk that crashes lose unflushed writes from. */
    static SimulatedReplica onDisk(final SimulatedDisk disk, final HardState hardState)
    {
        return new SimulatedReplica(disk, null, hardState);
    }

    /** A replica whose log keeps everything across crashes (pre-sized in-memory logs, for allocation tests). */
    static SimulatedReplica onLog(final RaftLog log, final HardState hardState)
    {
        return new SimulatedReplica(null, log, hardState);
    }

    /** @return the log as the node uses it now (a crash may replace it with what a restart opens). */
    RaftLog log()
    {
        return disk != null ? disk.log() : fixedLog;
    }

    /**
     * Starts this incarnation's node on the durable storage (restoring the latest snapshot, if any).
     *
     * @param snapshots whether the node gets the snapshot store (null turns snapshots off).
     */
    RaftNode start(
        final RaftConfig config,
        final boolean snapshots,
        final StateMachine stateMachine,
        final Transport transport,
        final RandomGenerator random,
        final ProposalHandler handler)
    {
        node = new RaftNode(config, log(), hardState, snapshots ? snapshotStore : null, stateMachine, transport, random, handler);
        return node;
    }

    /**
     * The process died: the disk keeps a random part of what was not flushed (one draw of {@code random}
     * split off, only for a disk that can lose writes), an unfinished snapshot is discarded, an armed
     * hard-state crash is cancelled, and the node is gone.
     */
    void crash(final SplittableRandom random)
    {
        if (disk != null)
        {
            disk.crash(random.split());
        }
        snapshotStore.abort();
        disarmHardState();
        node = null;
    }

    /** Cancels every armed storage crash (the liveness phase injects no more faults). */
    void disarm()
    {
        disarmHardState();
        if (disk != null)
        {
            disk.disarm();
        }
    }

    private void disarmHardState()
    {
        if (hardState instanceof CrashableHardState)
        {
            ((CrashableHardState)hardState).disarm();
        }
    }
}
