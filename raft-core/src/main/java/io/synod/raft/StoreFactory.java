package io.synod.raft;

/**
 * Opens one of a member's stores ({@link RaftLog}, {@link HardState}, {@link SnapshotStore}) once the
 * member's identity is known, so that an embedding builder is given the cluster and member ids once and
 * hands them to every store it opens. A store still checks what it finds on disk against the ids it is
 * opened with and refuses a mismatch (another member's directory) with a clear error.
 *
 * <p>For example {@code ChronicleRaftLog.factory(dir.resolve("log"), Durability.SYNC)}, or a lambda:
 * {@code (clusterId, memberId) -> new InMemoryRaftLog()}.
 *
 * @param <T> the store.
 */
@FunctionalInterface
public interface StoreFactory<T>
{
    /**
     * Opens (recovering) or creates the store of {@code memberId} in {@code clusterId}.
     *
     * @throws IllegalStateException if what is stored belongs to another cluster or member, or cannot be read.
     */
    T open(int clusterId, int memberId);
}
