package io.synod.log.chronicle;

import io.synod.raft.RaftLog;
import io.synod.raft.StoreIdentity;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.NavigableSet;
import java.util.zip.CRC32C;

/**
 * A {@link RaftLog} on Chronicle Queue in a directory of its own.
 *
 * <p><b>On disk.</b> {@code <dir>/log.meta}: cluster id, member id, snapshot {@code (index, term)}, first and
 * last cycle, in two checksummed slots written alternately and forced. {@code <dir>/queue/}: a Chronicle Queue
 * whose documents are records laid out as in {@code LogRecord}: {@code index, term, type, length, crc32c,
 * payload}. The queue's clock is virtual: the log itself moves it one cycle on when the current cycle file
 * holds {@link ChronicleLogContext#segmentBytes()} bytes, so cycle files are numbered contiguously and a
 * missing one is detected.
 *
 * <p><b>Truncation.</b> The queue is append-only, so {@link #truncateSuffix(long)} appends a TRUNCATE record;
 * entries appended after it take the truncated indexes. Readers go through an in-memory index (raft index to
 * Chronicle index and term), so they never see a truncated entry, and recovery replays the records in queue
 * order, so after a restart the TRUNCATE removes the same entries again. The TRUNCATE and the entries after
 * it are ordered documents of one queue: a crash leaves a prefix of them, never the new entries without the
 * TRUNCATE. Truncating at or below {@link #snapshotIndex()} or the {@link #commitIndex(long) commit index}
 * is refused with {@link IllegalStateException}.
 *
 * <p><b>Compaction.</b> {@link #compactPrefix(long, long)} records the snapshot and the first cycle still
 * needed in {@code log.meta} (forced), then deletes every older cycle file. {@link #resetTo(long, long)} rolls
 * to a new cycle, writes a RESET record there, records it in {@code log.meta} and deletes every older cycle.
 * Both are durable when they return.
 *
 * <p><b>Recovery on open.</b> An empty directory starts a new log. Otherwise: the identity in {@code log.meta}
 * must match (else {@link IllegalStateException}); cycle files from the first to the last must all be present;
 * every record is read and its length and CRC32C verified, and indexes must be consecutive and terms must not
 * decrease. An invalid last record is a torn write: it is voided (a VOID record naming it is appended, so the
 * decision survives the next restart) and the log ends before it. An invalid record anywhere else, a missing
 * cycle file or an impossible sequence throws {@link LogCorruptionException} naming the file and the index.
 *
 * <p><b>Durability.</b> See {@link Durability}. Appends and truncations are written to the memory map at
 * once; {@link #flush()} makes them durable under the policy.
 *
 * <p><b>Threading.</b> One thread at a time (the node's); it may differ from the thread that opened the log.
 *
 * <p><b>Allocation.</b> {@link #append}, {@link #read}, {@link #truncateSuffix} and {@link #flush()} do not
 * allocate in steady state. Rolling to a new cycle file, compaction, reset, opening and growing the index
 * beyond {@link ChronicleLogContext#initialEntryCapacity()} do.
 *
 * <p><b>Failure.</b> I/O failures are thrown unchecked ({@link UncheckedIOException} or Chronicle's own
 * runtime exceptions); the owner must stop. A record that fails its checksum when read throws
 * {@link LogCorruptionException}.
 */
public final class ChronicleRaftLog implements RaftLog, StoreIdentity
{
    static
    {
        // Before any Chronicle class initialises: no usage analytics from anything this module runs.
        System.setProperty("chronicle.analytics.disable", "true");
    }

    /** Name of the metadata file in the log directory. */
    public static final String META_FILE_NAME = "log.meta";
    /** Name of the Chronicle Queue directory in the log directory. */
    public static final String QUEUE_DIRECTORY_NAME = "queue";

    static final RollCycle ROLL_CYCLE = RollCycles.FAST_HOURLY;
    static final String CYCLE_FILE_SUFFIX = CycleFiles.SUFFIX;

    /** Chronicle's header word in front of each document, counted towards the segment size. */
    private static final int DOCUMENT_OVERHEAD = 4;

    private final Path directory;
    private final CycleFiles cycleFiles;
    private final Durability durability;
    private final int clusterId;
    private final int memberId;
    private final long segmentBytes;
    private final long blockSizeBytes;
    private final int maxEntryLength;

    private final CycleClock clock = new CycleClock(ROLL_CYCLE.lengthInMillis());
    private final CRC32C crc = new CRC32C();
    /** Holds one record while it is encoded or verified: header then payload. */
    final UnsafeBuffer scratch;
    /** The payload part of {@link #scratch}, handed to readers. */
    private final UnsafeBuffer payloadView = new UnsafeBuffer(0, 0);

    /** Snapshot and live cycles as last recorded. Invariant: every cycle from its first to its last has a file. */
    LogMeta meta;
    private SingleChronicleQueue queue;
    private ExcerptAppender appender;
    private ExcerptTailer tailer;

    /** Forced by {@link #flush()} under {@link Durability#SYNC}: the file of {@link #syncCycle}. */
    private FileChannel syncChannel;
    private int syncCycle = Integer.MIN_VALUE;

    /** Chronicle index of each live entry. Invariant: slot {@code startSlot + k} holds index {@code snapshotIndex + 1 + k}. */
    long[] positions;
    long[] terms;
    int startSlot;
    /** Live entries. Invariant: {@code startSlot + count <= terms.length}. */
    int count;

    long snapshotIndex;
    long snapshotTerm;
    /** Highest index the owner declared committed; truncation at or below it is refused. */
    private long commitIndex;

    /** Bytes written to the cycle of {@link #clock} so far. */
    private long cycleBytes;
    private boolean closed;

    private ChronicleRaftLog(final ChronicleLogContext ctx)
    {
        directory = ctx.directory();
        cycleFiles = new CycleFiles(directory.resolve(QUEUE_DIRECTORY_NAME), ROLL_CYCLE);
        durability = ctx.durability();
        clusterId = ctx.clusterId();
        memberId = ctx.memberId();
        segmentBytes = ctx.segmentBytes();
        blockSizeBytes = ctx.blockSizeBytes();
        maxEntryLength = ctx.maxEntryLength();
        scratch = new UnsafeBuffer(new byte[LogRecord.HEADER_LENGTH + maxEntryLength]);
        positions = new long[ctx.initialEntryCapacity()];
        terms = new long[ctx.initialEntryCapacity()];
    }

    /**
     * Opens (recovering) or creates the log in {@code directory} with the default settings of
     * {@link ChronicleLogContext}.
     *
     * @param directory  the log's own directory; created if absent.
     * @param durability what {@link #flush()} waits for.
     * @param clusterId  the cluster the log belongs to; checked against an existing log.
     * @param memberId   the member the log belongs to (positive); checked against an existing log.
     * @return the open log.
     * @throws LogCorruptionException if recovery finds corruption (anything but a torn last record).
     * @throws IllegalStateException  if the directory holds another cluster's or member's log.
     */
    public static ChronicleRaftLog open(
        final Path directory, final Durability durability, final int clusterId, final int memberId)
    {
        return open(new ChronicleLogContext()
            .directory(directory)
            .durability(durability)
            .clusterId(clusterId)
            .memberId(memberId));
    }

    /**
     * Opens (recovering) or creates the log described by {@code ctx}, after {@link ChronicleLogContext#conclude()}.
     *
     * @param ctx the settings.
     * @return the open log.
     * @throws LogCorruptionException if recovery finds corruption (anything but a torn last record).
     * @throws IllegalStateException  if the directory holds another cluster's or member's log, or the JVM lacks
     *                                the flags Chronicle needs ({@link ChronicleJvmFlags}, checked by conclude).
     */
    public static ChronicleRaftLog open(final ChronicleLogContext ctx)
    {
        ctx.conclude();
        final ChronicleRaftLog log = new ChronicleRaftLog(ctx);
        try
        {
            log.openAndRecover();
        }
        catch (final RuntimeException ex)
        {
            log.closeQuietly(ex);
            throw ex;
        }
        return log;
    }

    @Override
    public int clusterId()
    {
        return clusterId;
    }

    @Override
    public int memberId()
    {
        return memberId;
    }

    /** @return the durability policy chosen at open. */
    public Durability durability()
    {
        return durability;
    }

    /** @return the log's directory. */
    public Path directory()
    {
        return directory;
    }

    /**
     * Declares that entries up to {@code commitIndex} are committed, so that {@link #truncateSuffix(long)} can
     * refuse to remove them. Not persisted: after a restart the owner declares it again (until then the
     * durable {@link #snapshotIndex()} is the bound).
     *
     * @param commitIndex the commit index; never decreases.
     * @throws IllegalStateException if it decreases.
     */
    public void commitIndex(final long commitIndex)
    {
        if (commitIndex < this.commitIndex)
        {
            throw new IllegalStateException("commitIndex must not decrease: " + this.commitIndex + " -> " + commitIndex);
        }
        this.commitIndex = commitIndex;
    }

    /** @return the commit index last declared with {@link #commitIndex(long)}, 0 if none. */
    public long commitIndex()
    {
        return commitIndex;
    }

    @Override
    public long firstIndex()
    {
        return snapshotIndex + 1;
    }

    @Override
    public long lastIndex()
    {
        return snapshotIndex + count;
    }

    @Override
    public long lastTerm()
    {
        return 0 == count ? snapshotTerm : terms[startSlot + count - 1];
    }

    @Override
    public long snapshotIndex()
    {
        return snapshotIndex;
    }

    @Override
    public long snapshotTerm()
    {
        return snapshotTerm;
    }

    @Override
    public long termAt(final long index)
    {
        if (index == snapshotIndex)
        {
            return snapshotTerm;
        }
        if (index < snapshotIndex || index > snapshotIndex + count)
        {
            return NO_TERM;
        }
        return terms[slot(index)];
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code type} is negative or {@code length} exceeds
     *                                  {@link ChronicleLogContext#maxEntryLength()}.
     */
    @Override
    public void append(
        final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        checkOpen();
        if (index != lastIndex() + 1)
        {
            throw new IllegalStateException("append index=" + index + " expected=" + (lastIndex() + 1));
        }
        if (term < lastTerm())
        {
            throw new IllegalStateException("append term=" + term + " below lastTerm=" + lastTerm());
        }
        if (type < 0)
        {
            throw new IllegalArgumentException("entry type must not be negative: " + type);
        }
        if (length < 0 || length > maxEntryLength)
        {
            throw new IllegalArgumentException("entry length=" + length + " maxEntryLength=" + maxEntryLength);
        }
        ensureCapacity();
        buffer.getBytes(offset, scratch, LogRecord.HEADER_LENGTH, length);
        final long position = writeRecord(index, term, type, length);
        final int slot = startSlot + count;
        positions[slot] = position;
        terms[slot] = term;
        count++;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Writes a TRUNCATE record (durable at the next {@link #flush()}) unless {@code fromIndex > lastIndex()},
     * which changes nothing.
     *
     * @throws IllegalStateException if {@code fromIndex} is at or below {@link #snapshotIndex()} or
     *                               {@link #commitIndex()}.
     */
    @Override
    public void truncateSuffix(final long fromIndex)
    {
        checkOpen();
        if (fromIndex <= snapshotIndex)
        {
            throw new IllegalStateException(
                "truncate fromIndex=" + fromIndex + " at or below snapshotIndex=" + snapshotIndex);
        }
        if (fromIndex <= commitIndex)
        {
            throw new IllegalStateException("truncate fromIndex=" + fromIndex + " at or below commitIndex=" + commitIndex);
        }
        if (fromIndex > lastIndex())
        {
            return;
        }
        writeRecord(fromIndex, 0, LogRecord.TYPE_TRUNCATE, 0);
        count = (int)(fromIndex - snapshotIndex - 1);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each record's CRC32C is verified before it is handed to the reader.
     *
     * @throws IllegalStateException  if {@code fromIndex <= snapshotIndex()}.
     * @throws LogCorruptionException if a record fails verification.
     */
    @Override
    public int read(final long fromIndex, final long toIndex, final EntryReader reader)
    {
        checkOpen();
        if (fromIndex <= snapshotIndex)
        {
            throw new IllegalStateException(
                "read fromIndex=" + fromIndex + " is compacted (snapshotIndex=" + snapshotIndex + ")");
        }
        final long last = Math.min(toIndex, lastIndex());
        int read = 0;
        for (long index = fromIndex; index <= last; index++)
        {
            final int slot = slot(index);
            final long position = positions[slot];
            if (tailer.index() != position && !tailer.moveToIndex(position))
            {
                throw corruption(ROLL_CYCLE.toCycle(position), index, "entry not found in queue");
            }
            final int length;
            final int type;
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    throw corruption(ROLL_CYCLE.toCycle(position), index, "entry not present in queue");
                }
                final String failure = loadRecord(dc.wire().bytes());
                if (null != failure)
                {
                    throw corruption(ROLL_CYCLE.toCycle(position), index, failure);
                }
                type = scratch.getInt(LogRecord.TYPE_OFFSET, LogRecord.ORDER);
                length = scratch.getInt(LogRecord.LENGTH_OFFSET, LogRecord.ORDER);
                if (scratch.getLong(LogRecord.INDEX_OFFSET, LogRecord.ORDER) != index ||
                    scratch.getLong(LogRecord.TERM_OFFSET, LogRecord.ORDER) != terms[slot] || type < 0)
                {
                    throw corruption(ROLL_CYCLE.toCycle(position), index, "record does not match the index");
                }
            }
            payloadView.wrap(scratch, LogRecord.HEADER_LENGTH, length);
            if (!reader.onEntry(index, terms[slot], type, payloadView, 0, length))
            {
                break;
            }
            read++;
        }
        return read;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Durable on return: records the snapshot in {@code log.meta}, then deletes the cycle files that hold
     * only compacted entries.
     *
     * @throws IllegalStateException if {@code upToIndex > lastIndex()} or {@code upToTerm} is not its term.
     */
    @Override
    public void compactPrefix(final long upToIndex, final long upToTerm)
    {
        checkOpen();
        if (upToIndex <= snapshotIndex)
        {
            return;
        }
        if (upToIndex > lastIndex())
        {
            throw new IllegalStateException("compact upToIndex=" + upToIndex + " beyond lastIndex=" + lastIndex());
        }
        if (terms[slot(upToIndex)] != upToTerm)
        {
            throw new IllegalStateException("compact upToTerm=" + upToTerm + " but log has " + terms[slot(upToIndex)]);
        }
        final int firstCycle = upToIndex < lastIndex() ?
            ROLL_CYCLE.toCycle(positions[slot(upToIndex + 1)]) : clock.cycle();
        flush();
        meta.write(upToIndex, upToTerm, Math.max(meta.firstCycle(), firstCycle), meta.lastCycle());
        final int removed = (int)(upToIndex - snapshotIndex);
        startSlot += removed;
        count -= removed;
        snapshotIndex = upToIndex;
        snapshotTerm = upToTerm;
        deleteCyclesBefore(meta.firstCycle());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Durable on return: rolls to a new cycle file, writes a RESET record there, records the snapshot in
     * {@code log.meta} and deletes every older cycle file.
     */
    @Override
    public void resetTo(final long snapshotIndex, final long snapshotTerm)
    {
        checkOpen();
        if (snapshotIndex < 0 || snapshotTerm < 0)
        {
            throw new IllegalArgumentException("resetTo snapshotIndex=" + snapshotIndex + " snapshotTerm=" + snapshotTerm);
        }
        rollCycle();
        writeRecord(snapshotIndex, snapshotTerm, LogRecord.TYPE_RESET, 0);
        flush();
        meta.write(snapshotIndex, snapshotTerm, clock.cycle(), clock.cycle());
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        startSlot = 0;
        count = 0;
        deleteCyclesBefore(meta.firstCycle());
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link Durability#SYNC}: forces the current cycle file (and, after a roll, the directory and
     * {@code log.meta}). {@link Durability#PAGE_CACHE}: the data is already in the page cache; only the
     * metadata after a roll is written.
     */
    @Override
    public void flush()
    {
        checkOpen();
        if (Durability.SYNC == durability)
        {
            forceCycleFile(clock.cycle());
        }
        if (clock.cycle() > meta.lastCycle())
        {
            if (Durability.SYNC == durability)
            {
                DualSlotFile.forceDirectory(cycleFiles.directory());
            }
            meta.write(snapshotIndex, snapshotTerm, meta.firstCycle(), clock.cycle());
        }
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            closeQuietly(null);
        }
    }

    /** @return the path of the cycle file that holds {@code cycle}. */
    Path cycleFile(final int cycle)
    {
        return cycleFiles.path(cycle);
    }

    /** @return the Chronicle index of the live entry {@code index} (tests). */
    long positionOf(final long index)
    {
        return positions[slot(index)];
    }

    private int slot(final long index)
    {
        return startSlot + (int)(index - snapshotIndex - 1);
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("log is closed: " + directory);
        }
    }

    /**
     * Encodes the header for the payload already in {@link #scratch}, writes the record as one document,
     * rolling first if the cycle file is full.
     *
     * @return the Chronicle index of the document.
     */
    private long writeRecord(final long index, final long term, final int type, final int length)
    {
        final int recordLength = LogRecord.encodeHeader(scratch, crc, index, term, type, length);
        if (cycleBytes > 0 && cycleBytes + recordLength + DOCUMENT_OVERHEAD > segmentBytes)
        {
            rollCycle();
        }
        try (DocumentContext dc = appender.writingDocument())
        {
            dc.wire().bytes().write(scratch.byteArray(), 0, recordLength);
        }
        cycleBytes += recordLength + DOCUMENT_OVERHEAD;
        return appender.lastIndexAppended();
    }

    /** Moves the queue's clock to the next cycle so that the next document starts a new cycle file. */
    private void rollCycle()
    {
        if (Durability.SYNC == durability)
        {
            forceCycleFile(clock.cycle());
        }
        clock.cycle(clock.cycle() + 1);
        cycleBytes = 0;
    }

    private void forceCycleFile(final int cycle)
    {
        try
        {
            if (cycle != syncCycle)
            {
                if (null != syncChannel)
                {
                    syncChannel.close();
                    syncChannel = null;
                    syncCycle = Integer.MIN_VALUE;
                }
                final Path file = cycleFile(cycle);
                if (!Files.exists(file))
                {
                    return;
                }
                syncChannel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                syncCycle = cycle;
            }
            syncChannel.force(false);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot force " + cycleFile(cycle), ex);
        }
    }

    /**
     * Copies the document's record into {@link #scratch} and verifies it.
     *
     * @return {@code null} if valid, else why not.
     */
    private String loadRecord(final Bytes<?> bytes)
    {
        final long documentLength = bytes.readRemaining();
        if (documentLength > scratch.capacity())
        {
            return "record of " + documentLength + " bytes exceeds the largest possible " + scratch.capacity();
        }
        bytes.read(scratch.byteArray(), 0, (int)documentLength);
        return LogRecord.verify(scratch, crc, (int)documentLength);
    }

    void ensureCapacity()
    {
        if (startSlot + count < terms.length)
        {
            return;
        }
        if (startSlot > 0)
        {
            System.arraycopy(positions, startSlot, positions, 0, count);
            System.arraycopy(terms, startSlot, terms, 0, count);
            startSlot = 0;
        }
        if (count == terms.length)
        {
            positions = Arrays.copyOf(positions, count * 2);
            terms = Arrays.copyOf(terms, count * 2);
        }
    }

    /** Deletes the cycle files before {@code firstCycle}; {@code log.meta} already says they are not needed. */
    private void deleteCyclesBefore(final int firstCycle)
    {
        cycleFiles.deleteBefore(firstCycle);
        queue.refreshDirectoryListing();
    }

    LogCorruptionException corruption(final int cycle, final long index, final String reason)
    {
        return new LogCorruptionException(cycleFile(cycle).toString(), index, reason);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Open and recovery
    // ---------------------------------------------------------------------------------------------------------

    private void openAndRecover()
    {
        final Path metaPath = directory.resolve(META_FILE_NAME);
        try
        {
            Files.createDirectories(cycleFiles.directory());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + cycleFiles.directory(), ex);
        }

        boolean fresh = false;
        if (Files.exists(metaPath))
        {
            meta = LogMeta.open(metaPath, clusterId, memberId);
            snapshotIndex = meta.snapshotIndex();
            snapshotTerm = meta.snapshotTerm();
        }
        else
        {
            if (!cycleFiles.onDisk().isEmpty())
            {
                throw new LogCorruptionException(
                    metaPath.toString(), LogCorruptionException.UNKNOWN_INDEX, "log metadata missing but cycle files exist");
            }
            meta = LogMeta.create(metaPath, clusterId, memberId, (int)(System.currentTimeMillis() / ROLL_CYCLE.lengthInMillis()));
            fresh = true;
        }

        NavigableSet<Long> cycles = cycleFiles.dropUnfinishedLast(meta.lastCycle());
        if (!fresh && cycles.isEmpty() && 0 == snapshotIndex && meta.firstCycle() == meta.lastCycle())
        {
            // A log created but killed before its first record reached the disk: nothing was ever acknowledged.
            fresh = true;
        }
        // Files before the first cycle: left by a compaction or reset that stopped before deleting them.
        cycleFiles.deleteBefore(meta.firstCycle());
        cycles = cycles.tailSet((long)meta.firstCycle(), true);
        final int lastCycle = cycles.isEmpty() ? meta.lastCycle() : Math.max(meta.lastCycle(), cycles.last().intValue());
        if (!fresh)
        {
            cycleFiles.checkContiguous(meta, cycles, lastCycle);
        }

        clock.cycle(lastCycle);
        final SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder
            .binary(cycleFiles.directory().toFile())
            .rollCycle(ROLL_CYCLE)
            .timeProvider(clock)
            .checkInterrupts(false);
        if (0 != blockSizeBytes)
        {
            builder.blockSize(blockSizeBytes);
        }
        queue = builder.build();
        appender = queue.createAppender();
        appender.singleThreadedCheckDisabled(true);
        tailer = queue.createTailer();
        tailer.singleThreadedCheckDisabled(true);

        if (fresh)
        {
            // The first cycle file exists from the start, so a missing one is always detected.
            writeRecord(0, 0, LogRecord.TYPE_RESET, 0);
            forceCycleFile(clock.cycle());
            DualSlotFile.forceDirectory(cycleFiles.directory());
            meta.write(0, 0, clock.cycle(), clock.cycle());
            return;
        }
        recover();
    }

    /**
     * Replays every record from the first cycle: rebuilds the index, applies TRUNCATE, RESET and VOID records,
     * voids a torn last record and refuses anything else that does not verify.
     */
    private void recover()
    {
        final RecoveryScan scan = new RecoveryScan(this);
        int cycle = Integer.MIN_VALUE;
        long lastPosition = -1;
        long lastHeaderOffset = -1;
        try
        {
            tailer.toStart();
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final long position = dc.index();
                    final int documentCycle = ROLL_CYCLE.toCycle(position);
                    if (documentCycle != cycle)
                    {
                        if (Integer.MIN_VALUE != cycle && documentCycle != cycle + 1)
                        {
                            throw corruption(cycle + 1, scan.expectedIndex(), "cycle file missing");
                        }
                        if (Integer.MIN_VALUE == cycle && documentCycle != meta.firstCycle())
                        {
                            throw corruption(meta.firstCycle(), scan.expectedIndex(), "first cycle file missing or empty");
                        }
                        cycle = documentCycle;
                        cycleBytes = 0;
                    }
                    final long documentLength = dc.wire().bytes().readRemaining();
                    final long headerOffset = dc.wire().bytes().readPosition() - DOCUMENT_OVERHEAD;
                    cycleBytes += documentLength + DOCUMENT_OVERHEAD;
                    lastPosition = position;
                    lastHeaderOffset = headerOffset;
                    final String failure = loadRecord(dc.wire().bytes());
                    scan.onRecord(position, documentCycle, headerOffset, failure);
                }
            }
        }
        catch (final LogCorruptionException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw new LogCorruptionException(
                cycleFile(Integer.MIN_VALUE == cycle ? meta.firstCycle() : cycle).toString(), scan.expectedIndex(),
                "Chronicle Queue cannot read the cycle file: " + ex, ex);
        }
        if (Integer.MIN_VALUE == cycle || cycle < clock.cycle())
        {
            // The last cycle file exists but has no complete document in it.
            cycleBytes = 0;
        }

        if (-1 == scan.badPosition && Integer.MIN_VALUE != cycle)
        {
            checkScanReachedTheEnd(cycle, lastHeaderOffset, scan.expectedIndex(), "records cannot be read");
        }
        if (-1 != scan.badPosition)
        {
            // A torn last record: the write in progress when the process stopped. Void it durably.
            if (scan.badPosition != lastPosition)
            {
                throw new IllegalStateException("bad record " + scan.badPosition + " is not the last " + lastPosition);
            }
            checkScanReachedTheEnd(scan.badCycle, scan.badHeaderOffset, scan.badExpectedIndex,
                "record fails verification (" + scan.badReason + ")");
            writeRecord(scan.badPosition, 0, LogRecord.TYPE_VOID, 0);
            forceCycleFile(clock.cycle());
        }
        scan.finish();
        if (clock.cycle() > meta.lastCycle() || scan.metaNeedsUpdate)
        {
            forceCycleFile(clock.cycle());
            DualSlotFile.forceDirectory(cycleFiles.directory());
            meta.write(snapshotIndex, snapshotTerm, Math.max(meta.firstCycle(), scan.firstCycleNeeded), clock.cycle());
            deleteCyclesBefore(meta.firstCycle());
        }
    }

    /**
     * Chronicle stops reading at a damaged document header as if the queue ended there. The scan may end only
     * at the last document Chronicle committed (its write position in the cycle) or after it (a write torn by
     * a crash), and later cycles must hold no committed document; otherwise records were lost to damage in
     * the middle of the log.
     */
    private void checkScanReachedTheEnd(
        final int endCycle, final long endHeaderOffset, final long index, final String reason)
    {
        final long writePosition = chronicleWritePosition(endCycle);
        if (endHeaderOffset < writePosition)
        {
            throw corruption(endCycle, index, reason + ": Chronicle's write position " + writePosition +
                " is beyond the last readable record at " + endHeaderOffset);
        }
        for (int cycle = endCycle + 1; cycle <= clock.cycle(); cycle++)
        {
            if (chronicleWritePosition(cycle) > 0)
            {
                throw corruption(cycle, index, reason + ": the scan stopped in an earlier cycle file");
            }
        }
    }

    private long chronicleWritePosition(final int cycle)
    {
        final SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (null == store)
        {
            return -1;
        }
        try
        {
            return store.writePosition();
        }
        finally
        {
            queue.closeStore(store);
        }
    }

    private void closeQuietly(final RuntimeException primary)
    {
        RuntimeException failure = primary;
        final AutoCloseable[] resources = { syncChannel, tailer, appender, queue, meta };
        for (final AutoCloseable resource : resources)
        {
            if (null != resource)
            {
                try
                {
                    resource.close();
                }
                catch (final Exception ex)
                {
                    if (null == failure)
                    {
                        failure = new IllegalStateException("failed to close " + directory, ex);
                    }
                    else
                    {
                        failure.addSuppressed(ex);
                    }
                }
            }
        }
        if (null == primary && null != failure)
        {
            throw failure;
        }
    }
}
