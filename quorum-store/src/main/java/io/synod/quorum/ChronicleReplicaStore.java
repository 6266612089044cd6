package io.synod.quorum;

import io.synod.log.chronicle.Durability;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A durable {@link ReplicaStore}: every write is appended to a Chronicle Queue (memory-mapped, the
 * write-ahead log) and applied to an in-memory index ({@link InMemoryReplicaStore}), which is rebuilt on
 * open by replaying the queue. {@link #flush()} follows the {@link Durability} chosen at open: {@code SYNC}
 * forces the queue file to the device (survives power loss), {@code PAGE_CACHE} relies on the page cache
 * (survives a process crash).
 *
 * <p>Document layout (little-endian): CRC32C of the rest (i32) | keyspace id (i32) | key length (u16) |
 * record length (i32) | key | record; a {@link #delete} is a document with record length -1 and no record. On open, a document whose CRC fails is a torn write if it is the
 * last one (dropped: it was never flushed, so never acknowledged) and corruption anywhere else (the open
 * fails with {@link IllegalStateException}: a corrupt replica must not serve).
 *
 * <p>The epoch ({@link #startEpoch()}) lives in a file beside the queue, replaced atomically and forced.
 *
 * <p><b>Compaction.</b> Overwritten and deleted records (collected tombstones, delivered hints) are garbage
 * in the queue, and so are removal markers. When the queue holds more than
 * {@code compactionMinDocuments} documents and more than twice as many as there are keys, {@link #flush()}
 * rewrites the live records (no marker, no removed key) into a new queue generation ({@code queue-<n>}), forces it, switches the
 * {@code current} file to it atomically and deletes the old generation: the disk holds at most about twice
 * the live data plus {@code compactionMinDocuments} documents, at an amortised cost of one rewritten record
 * per write. A crash before the switch leaves the old generation current; the half-written one is deleted
 * on the next open (as is an old one left after the switch).
 *
 * <p><b>Threading.</b> One thread. <b>Allocation.</b> None per read, and per write of a record no longer
 * than the key's previous one.
 */
public final class ChronicleReplicaStore implements ReplicaStore
{
    static final int HEADER_LENGTH = 14;
    /** The record length of a removal marker: the key's earlier documents no longer count. */
    static final int DELETED = -1;
    private static final String EPOCH_FILE = "epoch";
    private static final String CURRENT_FILE = "current";
    /** Documents below which the queue is never compacted. */
    public static final long COMPACTION_MIN_DOCUMENTS_DEFAULT = 100_000;

    private final Path directory;
    private final Durability durability;
    private final InMemoryReplicaStore index = new InMemoryReplicaStore();
    private final long compactionMinDocuments;
    private SingleChronicleQueue queue;
    private ExcerptAppender appender;
    private long generation;
    private long documents;
    private long compactions;
    private final UnsafeBuffer scratch;
    private final CRC32C crc = new CRC32C();
    private FileChannel syncChannel;
    private boolean dirty;
    private long recovered;
    private boolean tornTail;

    private ChronicleReplicaStore(
        final Path directory, final Durability durability, final int documentLengthMax, final long compactionMinDocuments)
    {
        this.directory = directory;
        this.durability = durability;
        this.compactionMinDocuments = compactionMinDocuments;
        this.scratch = new UnsafeBuffer(new byte[HEADER_LENGTH + documentLengthMax]);
        this.generation = readLong(directory.resolve(CURRENT_FILE), 0);
        deleteOtherGenerations();
        this.queue = openQueue(generation);
        this.appender = queue.createAppender();
        appender.singleThreadedCheckDisabled(true);
    }

    private Path queueDirectory(final long gen)
    {
        return directory.resolve(gen == 0 ? "queue" : "queue-" + gen);
    }

    private SingleChronicleQueue openQueue(final long gen)
    {
        return SingleChronicleQueueBuilder.binary(queueDirectory(gen).toFile())
            .rollCycle(RollCycles.FAST_DAILY)
            .timeProvider(new SetTimeProvider(0)) // one cycle file: it rolls by size, never by the wall clock
            .checkInterrupts(false)
            .build();
    }

    private void deleteOtherGenerations()
    {
        try (Stream<Path> entries = Files.list(directory))
        {
            for (final Path entry : (Iterable<Path>)entries::iterator)
            {
                final String name = entry.getFileName().toString();
                if ((name.equals("queue") || name.startsWith("queue-")) && !entry.equals(queueDirectory(generation)))
                {
                    deleteRecursively(entry);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + directory, ex);
        }
    }

    private static void deleteRecursively(final Path path) throws IOException
    {
        try (Stream<Path> walk = Files.walk(path))
        {
            for (final Path file : (Iterable<Path>)walk.sorted(java.util.Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * Opens (replaying) or creates the store in {@code directory}.
     *
     * @param recordLengthMax the longest key plus record a write will carry ({@link QuorumConfig#recordLengthMax()}
     *                        plus {@link QuorumConfig#keyLengthMax()} is enough).
     * @throws IllegalStateException if the queue is corrupt (other than a torn last document).
     */
    public static ChronicleReplicaStore open(final Path directory, final Durability durability, final int recordLengthMax)
    {
        return open(directory, durability, recordLengthMax, COMPACTION_MIN_DOCUMENTS_DEFAULT);
    }

    /** As above, compacting once the queue holds more than {@code compactionMinDocuments} (and twice the keys). */
    public static ChronicleReplicaStore open(
        final Path directory, final Durability durability, final int recordLengthMax, final long compactionMinDocuments)
    {
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + directory, ex);
        }
        final ChronicleReplicaStore store = new ChronicleReplicaStore(directory, durability, recordLengthMax, compactionMinDocuments);
        try
        {
            store.replay();
        }
        catch (final RuntimeException ex)
        {
            store.close();
            throw ex;
        }
        return store;
    }

    private void replay()
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        try (ExcerptTailer tailer = queue.createTailer())
        {
            boolean badSeen = false;
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final long length = dc.wire().bytes().readRemaining();
                    if (badSeen)
                    {
                        throw new IllegalStateException(directory + ": corrupt document before document " + recovered +
                            " of the replica log: refusing to serve from it");
                    }
                    if (length < HEADER_LENGTH || length > scratch.capacity())
                    {
                        badSeen = true;
                        continue;
                    }
                    dc.wire().bytes().read(scratch.byteArray(), 0, (int)length);
                    if (!verify((int)length))
                    {
                        badSeen = true;
                        continue;
                    }
                    final int keyspaceId = scratch.getInt(4);
                    final int keyLength = scratch.getShort(8) & 0xFFFF;
                    final int recordLength = scratch.getInt(10);
                    view.wrap(scratch, 0, (int)length);
                    if (recordLength == DELETED)
                    {
                        index.delete(keyspaceId, view, HEADER_LENGTH, keyLength);
                    }
                    else
                    {
                        index.write(keyspaceId, view, HEADER_LENGTH, keyLength, view, HEADER_LENGTH + keyLength, recordLength);
                    }
                    recovered++;
                }
            }
            tornTail = badSeen;
            documents = recovered;
        }
    }

    private boolean verify(final int length)
    {
        final int keyLength = scratch.getShort(8) & 0xFFFF;
        final int recordLength = scratch.getInt(10);
        if (recordLength < DELETED || HEADER_LENGTH + keyLength + (long)Math.max(0, recordLength) != length)
        {
            return false;
        }
        crc.reset();
        crc.update(scratch.byteArray(), 4, length - 4);
        return (int)crc.getValue() == scratch.getInt(0);
    }

    @Override
    public int read(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final MutableDirectBuffer dst,
        final int dstOffset)
    {
        return index.read(keyspaceId, key, keyOffset, keyLength, dst, dstOffset);
    }

    @Override
    public void write(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer record,
        final int recordOffset, final int recordLength)
    {
        final int length = HEADER_LENGTH + keyLength + recordLength;
        if (length > scratch.capacity() || keyLength > 0xFFFF)
        {
            throw new IllegalArgumentException("document of " + length + " bytes exceeds " + scratch.capacity());
        }
        append(appender, keyspaceId, key, keyOffset, keyLength, record, recordOffset, recordLength);
        index.write(keyspaceId, key, keyOffset, keyLength, record, recordOffset, recordLength);
        documents++;
        dirty = true;
    }

    /**
     * Appends a removal marker (record length {@value #DELETED}) and drops the key from the index; the next
     * compaction leaves both the marker and the key's earlier documents behind.
     */
    @Override
    public void delete(final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        if (HEADER_LENGTH + keyLength > scratch.capacity() || keyLength > 0xFFFF)
        {
            throw new IllegalArgumentException("key of " + keyLength + " bytes exceeds " + scratch.capacity());
        }
        append(appender, keyspaceId, key, keyOffset, keyLength, key, keyOffset, DELETED);
        index.delete(keyspaceId, key, keyOffset, keyLength);
        documents++;
        dirty = true;
    }

    private void append(
        final ExcerptAppender to, final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer record, final int recordOffset, final int recordLength)
    {
        final int stored = Math.max(0, recordLength);
        final int length = HEADER_LENGTH + keyLength + stored;
        scratch.putInt(4, keyspaceId);
        scratch.putShort(8, (short)keyLength);
        scratch.putInt(10, recordLength);
        scratch.putBytes(HEADER_LENGTH, key, keyOffset, keyLength);
        scratch.putBytes(HEADER_LENGTH + keyLength, record, recordOffset, stored);
        crc.reset();
        crc.update(scratch.byteArray(), 4, length - 4);
        scratch.putInt(0, (int)crc.getValue());
        try (DocumentContext dc = to.writingDocument())
        {
            dc.wire().bytes().write(scratch.byteArray(), 0, length);
        }
    }

    /**
     * Rewrites the live records into a new queue generation and switches to it (see the class javadoc).
     * Durable on return under either policy: a compaction is forced before the switch.
     */
    public void compact()
    {
        final long next = generation + 1;
        final Path nextDirectory = queueDirectory(next);
        try
        {
            if (Files.exists(nextDirectory))
            {
                deleteRecursively(nextDirectory);
            }
            final SingleChronicleQueue nextQueue = openQueue(next);
            final ExcerptAppender nextAppender = nextQueue.createAppender();
            nextAppender.singleThreadedCheckDisabled(true);
            index.forEach((keyspaceId, key, keyOffset, keyLength, record, recordOffset, recordLength) ->
                append(nextAppender, keyspaceId, key, keyOffset, keyLength, record, recordOffset, recordLength));
            try (FileChannel channel = FileChannel.open(cycleFile(nextDirectory), StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                channel.force(false);
            }
            writeLong(directory.resolve(CURRENT_FILE), next);
            final Path previous = queueDirectory(generation);
            closeQueue();
            queue = nextQueue;
            appender = nextAppender;
            generation = next;
            documents = index.size();
            compactions++;
            deleteRecursively(previous);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("compaction of the replica log in " + directory + " failed: the replica must stop", ex);
        }
    }

    private void closeQueue()
    {
        try
        {
            if (syncChannel != null)
            {
                syncChannel.close();
                syncChannel = null;
            }
        }
        catch (final IOException ignored)
        {
            // the data is as durable as the last flush made it
        }
        appender.close();
        queue.close();
    }

    @Override
    public void flush()
    {
        if (documents > compactionMinDocuments && documents > 2L * index.size())
        {
            compact(); // durable: the live records are forced in the new generation
            dirty = false;
            return;
        }
        if (!dirty || durability != Durability.SYNC)
        {
            dirty = false;
            return;
        }
        try
        {
            if (syncChannel == null)
            {
                syncChannel = FileChannel.open(cycleFile(queueDirectory(generation)), StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            syncChannel.force(false);
            dirty = false;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("flush of the replica log in " + directory + " failed: the replica must stop", ex);
        }
    }

    private Path cycleFile(final Path queueDirectory) throws IOException
    {
        try (Stream<Path> files = Files.list(queueDirectory))
        {
            return files.filter(file -> file.getFileName().toString().endsWith(".cq4")).sorted().reduce((a, b) -> b)
                .orElseThrow(() -> new IOException("no queue file in " + directory));
        }
    }

    @Override
    public long startEpoch()
    {
        final long epoch = readLong(directory.resolve(EPOCH_FILE), 0) + 1;
        writeLong(directory.resolve(EPOCH_FILE), epoch);
        return epoch;
    }

    private static long readLong(final Path file, final long absent)
    {
        try
        {
            if (!Files.exists(file))
            {
                return absent;
            }
            final byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != 8)
            {
                throw new IllegalStateException(file + " is " + bytes.length + " bytes, not 8: refusing to guess");
            }
            return ByteBuffer.wrap(bytes).getLong();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
    }

    /** Replaces {@code file} with {@code value} atomically, forced with its directory. */
    private void writeLong(final Path file, final long value)
    {
        final Path next = file.resolveSibling(file.getFileName() + ".next");
        try
        {
            try (FileChannel channel = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                channel.write(ByteBuffer.allocate(8).putLong(0, value));
                channel.force(true);
            }
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ))
            {
                dir.force(true);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write " + file, ex);
        }
    }

    @Override
    public void forEach(final RecordVisitor visitor)
    {
        index.forEach(visitor);
    }

    @Override
    public int size()
    {
        return index.size();
    }

    /** @return documents replayed at open. */
    public long recovered()
    {
        return recovered;
    }

    /** @return documents in the current queue generation (live and overwritten). */
    public long documents()
    {
        return documents;
    }

    /** @return compactions done since open. */
    public long compactions()
    {
        return compactions;
    }

    /** @return the current queue generation. */
    public long generation()
    {
        return generation;
    }

    /** @return whether open dropped a torn last document. */
    public boolean tornTail()
    {
        return tornTail;
    }

    @Override
    public void close()
    {
        closeQueue();
    }
}
