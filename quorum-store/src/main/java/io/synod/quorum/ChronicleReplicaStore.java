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
 * record length (i32) | key | record. On open, a document whose CRC fails is a torn write if it is the
 * last one (dropped: it was never flushed, so never acknowledged) and corruption anywhere else (the open
 * fails with {@link IllegalStateException}: a corrupt replica must not serve).
 *
 * <p>The epoch ({@link #startEpoch()}) lives in a file beside the queue, replaced atomically and forced.
 *
 * <p>Not yet: compaction of overwritten records (the queue grows with every write; a bounded snapshot
 * and compaction is issue 15's next storage slice).
 *
 * <p><b>Threading.</b> One thread. <b>Allocation.</b> None per read, and per write of a record no longer
 * than the key's previous one.
 */
public final class ChronicleReplicaStore implements ReplicaStore
{
    static final int HEADER_LENGTH = 14;
    private static final String EPOCH_FILE = "epoch";

    private final Path directory;
    private final Durability durability;
    private final InMemoryReplicaStore index = new InMemoryReplicaStore();
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final UnsafeBuffer scratch;
    private final CRC32C crc = new CRC32C();
    private FileChannel syncChannel;
    private boolean dirty;
    private long recovered;
    private boolean tornTail;

    private ChronicleReplicaStore(final Path directory, final Durability durability, final int documentLengthMax)
    {
        this.directory = directory;
        this.durability = durability;
        this.scratch = new UnsafeBuffer(new byte[HEADER_LENGTH + documentLengthMax]);
        this.queue = SingleChronicleQueueBuilder.binary(directory.resolve("queue").toFile())
            .rollCycle(RollCycles.FAST_DAILY)
            .timeProvider(new SetTimeProvider(0)) // one cycle file: it rolls by size, never by the wall clock
            .checkInterrupts(false)
            .build();
        this.appender = queue.createAppender();
        appender.singleThreadedCheckDisabled(true);
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
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + directory, ex);
        }
        final ChronicleReplicaStore store = new ChronicleReplicaStore(directory, durability, recordLengthMax);
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
                    index.write(keyspaceId, view, HEADER_LENGTH, keyLength, view, HEADER_LENGTH + keyLength, recordLength);
                    recovered++;
                }
            }
            tornTail = badSeen;
        }
    }

    private boolean verify(final int length)
    {
        final int keyLength = scratch.getShort(8) & 0xFFFF;
        final int recordLength = scratch.getInt(10);
        if (recordLength < 0 || HEADER_LENGTH + keyLength + (long)recordLength != length)
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
        scratch.putInt(4, keyspaceId);
        scratch.putShort(8, (short)keyLength);
        scratch.putInt(10, recordLength);
        scratch.putBytes(HEADER_LENGTH, key, keyOffset, keyLength);
        scratch.putBytes(HEADER_LENGTH + keyLength, record, recordOffset, recordLength);
        crc.reset();
        crc.update(scratch.byteArray(), 4, length - 4);
        scratch.putInt(0, (int)crc.getValue());
        try (DocumentContext dc = appender.writingDocument())
        {
            dc.wire().bytes().write(scratch.byteArray(), 0, length);
        }
        index.write(keyspaceId, key, keyOffset, keyLength, record, recordOffset, recordLength);
        dirty = true;
    }

    @Override
    public void flush()
    {
        if (!dirty || durability != Durability.SYNC)
        {
            dirty = false;
            return;
        }
        try
        {
            if (syncChannel == null)
            {
                syncChannel = FileChannel.open(cycleFile(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            syncChannel.force(false);
            dirty = false;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("flush of the replica log in " + directory + " failed: the replica must stop", ex);
        }
    }

    private Path cycleFile() throws IOException
    {
        try (Stream<Path> files = Files.list(directory.resolve("queue")))
        {
            return files.filter(file -> file.getFileName().toString().endsWith(".cq4")).sorted().reduce((a, b) -> b)
                .orElseThrow(() -> new IOException("no queue file in " + directory));
        }
    }

    @Override
    public long startEpoch()
    {
        final Path file = directory.resolve(EPOCH_FILE);
        final Path next = directory.resolve(EPOCH_FILE + ".next");
        try
        {
            long epoch = 0;
            if (Files.exists(file))
            {
                final byte[] bytes = Files.readAllBytes(file);
                if (bytes.length != 8)
                {
                    throw new IllegalStateException(file + " is " + bytes.length + " bytes, not 8: refusing to guess the epoch");
                }
                epoch = ByteBuffer.wrap(bytes).getLong();
            }
            epoch++;
            try (FileChannel channel = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                channel.write(ByteBuffer.allocate(8).putLong(0, epoch));
                channel.force(true);
            }
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ))
            {
                dir.force(true);
            }
            return epoch;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot advance the epoch in " + directory, ex);
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

    /** @return whether open dropped a torn last document. */
    public boolean tornTail()
    {
        return tornTail;
    }

    @Override
    public void close()
    {
        try
        {
            if (syncChannel != null)
            {
                syncChannel.close();
            }
        }
        catch (final IOException ignored)
        {
            // closing: the data is as durable as the last flush made it
        }
        appender.close();
        queue.close();
    }
}
