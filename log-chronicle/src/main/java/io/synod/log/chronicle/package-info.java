/**
 * On-disk storage for a Raft member: the log port on Chronicle Queue ({@link io.synod.log.chronicle.ChronicleRaftLog}:
 * memory-mapped, a CRC32C per entry, suffix truncation and prefix compaction by appended records, recovery that
 * voids a torn last write and refuses any other damage, {@link io.synod.log.chronicle.Durability#SYNC} or
 * {@link io.synod.log.chronicle.Durability#PAGE_CACHE}).
 *
 * <p>The module also holds the member's other files, which never touch Chronicle:
 * {@link io.synod.log.chronicle.FileHardState} (term and vote) and {@link io.synod.log.chronicle.FileSnapshotStore}
 * (snapshots), both written through {@code DualSlotFile} (two checksummed slots, so a crash in a write leaves the
 * previous value whole). They live here because a member that keeps its log on disk keeps these beside it, in one
 * directory, with the same durability policy; a user who wants them without Chronicle can still take them from this
 * module, since nothing in them loads a Chronicle class.
 *
 * <p>Chronicle's usage analytics are disabled before any Chronicle class loads
 * ({@code chronicle.analytics.disable=true}); the JVM flags Chronicle needs on Java 17 are listed in the
 * project README.
 */
package io.synod.log.chronicle;
