package io.synod.bench.harness;

/** Which log a Synod member writes: in memory (no I/O), or Chronicle Queue under a durability policy. */
public enum LogKind
{
    /** {@code InMemoryRaftLog}: the cost of Raft and the transport without a disk. */
    MEMORY,
    /** {@code ChronicleRaftLog} with {@code Durability.PAGE_CACHE}: survives a process crash. */
    PAGE_CACHE,
    /** {@code ChronicleRaftLog} with {@code Durability.SYNC}: fdatasync before acknowledging. */
    SYNC
}
