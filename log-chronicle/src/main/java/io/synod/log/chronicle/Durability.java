package io.synod.log.chronicle;

/**
 * What {@link ChronicleRaftLog#flush()} waits for before it returns, chosen when the log is opened.
 *
 * <p>Chronicle Queue writes through a memory map, so every append is in the operating system's page
 * cache as soon as it is written. The policies differ only in whether {@code flush()} also forces those
 * pages to the device.
 */
public enum Durability
{
    /**
     * {@code flush()} forces the written range of the memory-mapped file to the device ({@code msync}) and,
     * after a file roll, the directory and the log's metadata file ({@code fsync}) before it returns. An
     * acknowledged entry survives a process crash and a machine crash (power loss).
     */
    SYNC,

    /**
     * {@code flush()} returns once the entries are in the page cache, which they are as soon as they are
     * written. An acknowledged entry survives a crash of the process but not of the machine or the
     * operating system. Much cheaper; see {@code bench/README.md} for the measured difference.
     */
    PAGE_CACHE
}
