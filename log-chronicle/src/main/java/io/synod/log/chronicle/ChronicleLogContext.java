package io.synod.log.chronicle;

import java.nio.file.Path;

/**
 * Configuration for {@link ChronicleRaftLog#open(ChronicleLogContext)}: fluent setters named like the
 * property, validated by {@link #conclude()}.
 *
 * <p>Sizes: {@code segmentBytes} bounds how many bytes one Chronicle cycle file holds before the log rolls
 * to the next; prefix compaction deletes whole cycle files, so disk use is bounded by the live suffix plus
 * about one segment. {@code initialEntryCapacity} pre-sizes the in-memory index (16 bytes per entry); it
 * doubles, allocating, only if the live log outgrows it. {@code maxEntryLength} bounds one payload and the
 * scratch buffer (allocated at its full size on open).
 */
public final class ChronicleLogContext
{
    /** Default roll threshold for one cycle file: 64 MiB. */
    public static final long SEGMENT_BYTES_DEFAULT = 64L * 1024 * 1024;
    /** Default live entries the index holds before it grows: 64 Ki (1 MiB of index). */
    public static final int INITIAL_ENTRY_CAPACITY_DEFAULT = 64 * 1024;
    /** Default largest payload: 1 MiB. */
    public static final int MAX_ENTRY_LENGTH_DEFAULT = 1024 * 1024;
    /** Largest payload allowed at all. */
    public static final int MAX_ENTRY_LENGTH_LIMIT = 64 * 1024 * 1024;

    private Path directory;
    private Durability durability = Durability.SYNC;
    private int clusterId;
    private int memberId;
    private long segmentBytes = SEGMENT_BYTES_DEFAULT;
    private long blockSizeBytes;
    private int initialEntryCapacity = INITIAL_ENTRY_CAPACITY_DEFAULT;
    private int maxEntryLength = MAX_ENTRY_LENGTH_DEFAULT;

    /** @param directory the log's own directory; created if absent. @return this. */
    public ChronicleLogContext directory(final Path directory)
    {
        this.directory = directory;
        return this;
    }

    /** @return the log's directory. */
    public Path directory()
    {
        return directory;
    }

    /** @param durability what {@code flush()} waits for; default {@link Durability#SYNC}. @return this. */
    public ChronicleLogContext durability(final Durability durability)
    {
        this.durability = durability;
        return this;
    }

    /** @return the durability policy. */
    public Durability durability()
    {
        return durability;
    }

    /** @param clusterId recorded in a new log and checked on every later open. @return this. */
    public ChronicleLogContext clusterId(final int clusterId)
    {
        this.clusterId = clusterId;
        return this;
    }

    /** @return the cluster id. */
    public int clusterId()
    {
        return clusterId;
    }

    /** @param memberId positive; recorded in a new log and checked on every later open. @return this. */
    public ChronicleLogContext memberId(final int memberId)
    {
        this.memberId = memberId;
        return this;
    }

    /** @return the member id. */
    public int memberId()
    {
        return memberId;
    }

    /** @param segmentBytes bytes after which the log rolls to a new cycle file. @return this. */
    public ChronicleLogContext segmentBytes(final long segmentBytes)
    {
        this.segmentBytes = segmentBytes;
        return this;
    }

    /** @return the roll threshold in bytes. */
    public long segmentBytes()
    {
        return segmentBytes;
    }

    /**
     * @param blockSizeBytes Chronicle's mapping block size (how much of a cycle file is mapped and allocated
     *                       at a time); 0 keeps Chronicle's default. @return this.
     */
    public ChronicleLogContext blockSizeBytes(final long blockSizeBytes)
    {
        this.blockSizeBytes = blockSizeBytes;
        return this;
    }

    /** @return Chronicle's block size, 0 for its default. */
    public long blockSizeBytes()
    {
        return blockSizeBytes;
    }

    /** @param initialEntryCapacity live entries the in-memory index holds before it grows. @return this. */
    public ChronicleLogContext initialEntryCapacity(final int initialEntryCapacity)
    {
        this.initialEntryCapacity = initialEntryCapacity;
        return this;
    }

    /** @return the initial index capacity in entries. */
    public int initialEntryCapacity()
    {
        return initialEntryCapacity;
    }

    /** @param maxEntryLength the largest payload {@code append} accepts. @return this. */
    public ChronicleLogContext maxEntryLength(final int maxEntryLength)
    {
        this.maxEntryLength = maxEntryLength;
        return this;
    }

    /** @return the largest payload in bytes. */
    public int maxEntryLength()
    {
        return maxEntryLength;
    }

    /**
     * Checks the settings.
     *
     * @return this.
     * @throws IllegalArgumentException if one is missing or out of range.
     * @throws IllegalStateException    if the JVM lacks the flags Chronicle Queue needs ({@link ChronicleJvmFlags}).
     */
    public ChronicleLogContext conclude()
    {
        ChronicleJvmFlags.check();
        if (null == directory)
        {
            throw new IllegalArgumentException("directory is required");
        }
        if (null == durability)
        {
            throw new IllegalArgumentException("durability is required");
        }
        if (memberId <= 0)
        {
            throw new IllegalArgumentException("memberId must be positive: " + memberId);
        }
        if (maxEntryLength < 0 || maxEntryLength > MAX_ENTRY_LENGTH_LIMIT)
        {
            throw new IllegalArgumentException("maxEntryLength=" + maxEntryLength + " limit=" + MAX_ENTRY_LENGTH_LIMIT);
        }
        if (segmentBytes < 4096)
        {
            throw new IllegalArgumentException("segmentBytes=" + segmentBytes + " below 4096");
        }
        if (blockSizeBytes != 0 && blockSizeBytes < 64 * 1024)
        {
            throw new IllegalArgumentException("blockSizeBytes=" + blockSizeBytes + " below 64 KiB");
        }
        if (initialEntryCapacity < 1)
        {
            throw new IllegalArgumentException("initialEntryCapacity=" + initialEntryCapacity);
        }
        return this;
    }
}
