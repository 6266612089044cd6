package io.synod.log.chronicle;

import io.synod.raft.HardState;
import io.synod.raft.RaftLog;
import io.synod.raft.SnapshotStore;
import io.synod.raft.StoreFactory;

import java.nio.file.Path;

/**
 * Factories for a member's stores in this module, for builders that take {@link StoreFactory}s and hand
 * them the cluster and member ids (given once, to the builder):
 *
 * <pre>{@code
 * AeronRaftNode.builder().clusterId(7).memberId(1)
 *     .log(ChronicleStores.log(dir.resolve("log"), Durability.SYNC))
 *     .hardState(ChronicleStores.hardState(dir.resolve("hard-state")))
 *     .snapshotStore(ChronicleStores.snapshots(dir.resolve("snapshots"), Durability.SYNC))
 * }</pre>
 *
 * Each store still checks what it finds on disk against those ids and refuses another member's or
 * cluster's files with a clear error.
 */
public final class ChronicleStores
{
    private ChronicleStores()
    {
    }

    /** @return opens {@link ChronicleRaftLog#open(Path, Durability, int, int)} in {@code directory}. */
    public static StoreFactory<RaftLog> log(final Path directory, final Durability durability)
    {
        return (clusterId, memberId) -> ChronicleRaftLog.open(directory, durability, clusterId, memberId);
    }

    /** @return opens {@link FileHardState#open(Path, int, int)} in {@code file}. */
    public static StoreFactory<HardState> hardState(final Path file)
    {
        return (clusterId, memberId) -> FileHardState.open(file, clusterId, memberId);
    }

    /** @return opens {@link FileSnapshotStore#open(Path, Durability, int, int)} in {@code directory}. */
    public static StoreFactory<SnapshotStore> snapshots(final Path directory, final Durability durability)
    {
        return (clusterId, memberId) -> FileSnapshotStore.open(directory, durability, clusterId, memberId);
    }
}
