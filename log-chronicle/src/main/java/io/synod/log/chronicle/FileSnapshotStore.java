package io.synod.log.chronicle;

import io.synod.raft.SnapshotStore;
import io.synod.raft.StoreIdentity;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A {@link SnapshotStore} in a directory of files, one per snapshot, replaced atomically and durably.
 *
 * <h2>Files</h2>
 * The latest snapshot is {@code snapshot-<index>-<term>.snap} (decimal). A snapshot being written is
 * {@code snapshot-<index>-<term>.snap.tmp}; a file found corrupt on open is renamed to
 * {@code <name>.corrupt} and kept for the operator. Each {@code .snap} file is a fixed header followed by
 * the stream:
 *
 * <pre>
 * header, little-endian, {@value #HEADER_LENGTH} bytes:
 *   0  int   magic            0x53504E53 ("SNPS")
 *   4  int   format version   {@value #FORMAT_VERSION}
 *   8  int   clusterId
 *  12  int   memberId
 *  16  long  index            last log index the snapshot covers
 *  24  long  term             term of that index
 *  32  long  length           bytes of the stream
 *  40  long  checksum         CRC32C of the stream, unsigned
 *  48  int   headerChecksum   CRC32C of bytes [0, 48)
 *  52  12 bytes reserved, zero
 *  64  the stream, {@code length} bytes
 * </pre>
 *
 * <h2>Atomicity and durability</h2>
 * {@link #begin} creates the temporary file and {@link #write} streams into it through a fixed buffer.
 * {@link #commit} checks the stream's CRC32C, writes the header, forces the file ({@code fsync}),
 * renames it to its final name ({@code ATOMIC_MOVE}) and forces the directory; only then is it the
 * latest snapshot and are the older files deleted. A crash before the rename leaves only a
 * {@code .tmp} file, which the next open deletes; a crash after it leaves the new file whole (and
 * perhaps an older one, which the next open deletes). With {@link Durability#PAGE_CACHE} the forces
 * are skipped: a process crash still leaves the old or the new snapshot, a machine crash may not.
 *
 * <h2>Recovery</h2>
 * {@link #open} deletes {@code .tmp} files, then tries the {@code .snap} files from the highest
 * {@code (index, term)} down: a file whose header, length or stream CRC32C does not verify is logged as
 * an error, moved aside as {@code .corrupt} and never used; the first one that verifies is the latest
 * and the rest are deleted. With none the store is empty and the member must be sent a snapshot by its
 * leader (InstallSnapshot). A verified header naming another cluster or member refuses the whole
 * directory with {@link IllegalStateException}.
 *
 * <p><b>Threading.</b> The node's thread only. <b>Allocation.</b> {@link #read} and {@link #write}
 * allocate nothing: bytes go through two direct buffers of {@value #IO_BUFFER_BYTES} bytes sized at
 * open. A snapshot of any size is streamed and never held in memory. {@link #begin}, {@link #commit}
 * and {@link #open} allocate a little (paths, names). <b>Failure.</b> An I/O failure throws
 * {@link UncheckedIOException}; the node must stop.
 */
public final class FileSnapshotStore implements SnapshotStore, StoreIdentity
{
    static final int MAGIC = 0x53504E53;
    static final int FORMAT_VERSION = 1;
    static final int HEADER_LENGTH = 64;
    static final int HEADER_CHECKSUM_OFFSET = 48;
    static final int IO_BUFFER_BYTES = 256 * 1024;
    static final String PREFIX = "snapshot-";
    static final String SUFFIX = ".snap";
    static final String TEMP_SUFFIX = ".tmp";
    static final String CORRUPT_SUFFIX = ".corrupt";

    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 4;
    private static final int CLUSTER_ID_OFFSET = 8;
    private static final int MEMBER_ID_OFFSET = 12;
    private static final int INDEX_OFFSET = 16;
    private static final int TERM_OFFSET = 24;
    private static final int LENGTH_OFFSET = 32;
    private static final int CHECKSUM_OFFSET = 40;
    private static final System.Logger LOGGER = System.getLogger("io.synod.log.chronicle");

    private final Path directory;
    private final Durability durability;
    private final int clusterId;
    private final int memberId;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer header = ByteBuffer.allocateDirect(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer readByteBuffer = ByteBuffer.allocateDirect(IO_BUFFER_BYTES);
    private final UnsafeBuffer readBuffer = new UnsafeBuffer(readByteBuffer);
    private final ByteBuffer writeByteBuffer = ByteBuffer.allocateDirect(IO_BUFFER_BYTES);
    private final UnsafeBuffer writeBuffer = new UnsafeBuffer(writeByteBuffer);

    // Invariant: latestChannel != null iff latestIndex > 0; the file holds HEADER_LENGTH + latestLength bytes.
    private FileChannel latestChannel;
    private Path latestFile;
    private long latestIndex;
    private long latestTerm;
    private long latestLength;
    private long latestChecksum;

    // Invariant: pendingChannel != null iff a snapshot is being written; of the bytes accepted,
    // pendingFlushed are in the file (and the CRC) and the next pendingBuffered wait in writeBuffer.
    private FileChannel pendingChannel;
    private Path pendingFile;
    private long pendingIndex;
    private long pendingTerm;
    private long pendingFlushed;
    private int pendingBuffered;
    private boolean closed;

    private FileSnapshotStore(final Path directory, final Durability durability, final int clusterId, final int memberId)
    {
        this.directory = directory;
        this.durability = durability;
        this.clusterId = clusterId;
        this.memberId = memberId;
    }

    /**
     * Opens the store in {@code directory} with {@link Durability#SYNC}, creating the directory if absent.
     *
     * @see #open(Path, Durability, int, int)
     */
    public static FileSnapshotStore open(final Path directory, final int clusterId, final int memberId)
    {
        return open(directory, Durability.SYNC, clusterId, memberId);
    }

    /**
     * Opens the store in {@code directory}, creating the directory if absent, and recovers its latest
     * snapshot: unfinished ({@code .tmp}) files are deleted, corrupt ones moved aside, and the newest that
     * verifies (header and stream CRC32C, read once in full) becomes the latest.
     *
     * @param directory  the store's own directory.
     * @param durability whether {@link #commit} forces files and directory to the device.
     * @param clusterId  the cluster this member belongs to; checked against every verified file.
     * @param memberId   this member's id (positive); checked against every verified file.
     * @return the open store, empty if no snapshot verifies.
     * @throws IllegalStateException if a snapshot in the directory belongs to another cluster or member.
     * @throws UncheckedIOException  if the directory cannot be read or changed.
     */
    public static FileSnapshotStore open(
        final Path directory, final Durability durability, final int clusterId, final int memberId)
    {
        if (memberId <= 0)
        {
            throw new IllegalArgumentException("memberId must be positive: " + memberId);
        }
        if (durability == null)
        {
            throw new IllegalArgumentException("durability is required");
        }
        final FileSnapshotStore store = new FileSnapshotStore(directory, durability, clusterId, memberId);
        try
        {
            Files.createDirectories(directory);
            store.recover();
        }
        catch (final IOException ex)
        {
            store.close();
            throw new UncheckedIOException("cannot open snapshot directory " + directory, ex);
        }
        catch (final RuntimeException ex)
        {
            store.close();
            throw ex;
        }
        return store;
    }

    /** @return the directory of this store. */
    /** @return the cluster id this store was opened for. */
    @Override
    public int clusterId()
    {
        return clusterId;
    }

    /** @return the member id this store was opened for. */
    @Override
    public int memberId()
    {
        return memberId;
    }

    public Path directory()
    {
        return directory;
    }

    /** @return the file of the latest snapshot, or null if there is none. */
    public Path latestFile()
    {
        return latestFile;
    }

    @Override
    public long index()
    {
        return latestIndex;
    }

    @Override
    public long term()
    {
        return latestTerm;
    }

    @Override
    public long length()
    {
        return latestLength;
    }

    @Override
    public long checksum()
    {
        return latestChecksum;
    }

    /**
     * {@inheritDoc}
     * <p>Reads {@code min(maxBytes, length() - position)} bytes with positional reads of the file; no
     * allocation.
     */
    @Override
    public int read(final long position, final MutableDirectBuffer buffer, final int offset, final int maxBytes)
    {
        checkOpen();
        if (position < 0 || maxBytes < 0)
        {
            throw new IllegalArgumentException("position=" + position + " maxBytes=" + maxBytes);
        }
        if (position >= latestLength)
        {
            return -1;
        }
        final int total = (int)Math.min(maxBytes, latestLength - position);
        int done = 0;
        while (done < total)
        {
            final int length = Math.min(total - done, IO_BUFFER_BYTES);
            readFully(latestChannel, latestFile, HEADER_LENGTH + position + done, length);
            buffer.putBytes(offset + done, readBuffer, 0, length);
            done += length;
        }
        return total;
    }

    /**
     * {@inheritDoc}
     * <p>Creates {@code snapshot-<index>-<term>.snap.tmp}.
     *
     * @throws UncheckedIOException if the file cannot be created.
     */
    @Override
    public void begin(final long index, final long term)
    {
        checkOpen();
        if (index <= 0 || term <= 0)
        {
            throw new IllegalArgumentException("snapshot index=" + index + " term=" + term);
        }
        abort();
        final Path file = directory.resolve(fileName(index, term) + TEMP_SUFFIX);
        try
        {
            pendingChannel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create snapshot file " + file, ex);
        }
        pendingFile = file;
        pendingIndex = index;
        pendingTerm = term;
        pendingFlushed = 0;
        pendingBuffered = 0;
        crc.reset();
    }

    @Override
    public boolean isWriting()
    {
        return pendingChannel != null;
    }

    @Override
    public long writtenLength()
    {
        return pendingChannel != null ? pendingFlushed + pendingBuffered : 0;
    }

    /**
     * {@inheritDoc}
     * <p>Copies into a fixed buffer and writes it to the file when full; no allocation.
     *
     * @throws IllegalStateException if no snapshot is being written.
     * @throws UncheckedIOException  if the write fails.
     */
    @Override
    public void write(final DirectBuffer buffer, final int offset, final int length)
    {
        if (pendingChannel == null)
        {
            throw new IllegalStateException("no snapshot being written");
        }
        if (length < 0)
        {
            throw new IllegalArgumentException("length=" + length);
        }
        int done = 0;
        while (done < length)
        {
            final int n = Math.min(length - done, IO_BUFFER_BYTES - pendingBuffered);
            writeBuffer.putBytes(pendingBuffered, buffer, offset + done, n);
            pendingBuffered += n;
            done += n;
            if (pendingBuffered == IO_BUFFER_BYTES)
            {
                flushPending();
            }
        }
    }

    /**
     * {@inheritDoc}
     * <p>On return the new snapshot is durable under its final name (see the class javadoc) and the
     * older files are gone. A checksum mismatch deletes the temporary file and leaves the latest as it
     * was.
     *
     * @throws IllegalStateException if no snapshot is being written.
     * @throws UncheckedIOException  if a write, force, rename or delete fails.
     */
    @Override
    public boolean commit(final long expectedChecksum)
    {
        if (pendingChannel == null)
        {
            throw new IllegalStateException("no snapshot being written");
        }
        flushPending();
        final long length = pendingFlushed;
        final long checksum = crc.getValue();
        if (expectedChecksum != ANY_CHECKSUM && expectedChecksum != checksum)
        {
            LOGGER.log(System.Logger.Level.WARNING, "snapshot " + pendingIndex + " discarded: CRC32C " +
                Long.toHexString(checksum) + " != expected " + Long.toHexString(expectedChecksum));
            abort();
            return false;
        }

        final Path finalFile = directory.resolve(fileName(pendingIndex, pendingTerm));
        final FileChannel channel = pendingChannel;
        try
        {
            encodeHeader(pendingIndex, pendingTerm, length, checksum);
            writeFully(channel, pendingFile, header, 0);
            if (durability == Durability.SYNC)
            {
                channel.force(true);
            }
            Files.move(pendingFile, finalFile, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot commit snapshot " + pendingFile, ex);
        }

        // Durable under its final name: it is now the latest; the older files may go.
        final FileChannel previousChannel = latestChannel;
        final Path previousFile = latestFile;
        latestChannel = channel;
        latestFile = finalFile;
        latestIndex = pendingIndex;
        latestTerm = pendingTerm;
        latestLength = length;
        latestChecksum = checksum;
        pendingChannel = null;
        pendingFile = null;
        pendingFlushed = 0;
        pendingBuffered = 0;

        closeQuietly(previousChannel);
        if (previousFile != null && !previousFile.equals(finalFile))
        {
            delete(previousFile);
            forceDirectory();
        }
        return true;
    }

    /** {@inheritDoc} Closes and deletes the temporary file; does nothing if no snapshot is being written. */
    @Override
    public void abort()
    {
        if (pendingChannel != null)
        {
            closeQuietly(pendingChannel);
            pendingChannel = null;
            delete(pendingFile);
            pendingFile = null;
            pendingFlushed = 0;
            pendingBuffered = 0;
        }
    }

    /** Aborts an unfinished snapshot and closes the latest one's file. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            try
            {
                abort();
            }
            finally
            {
                closeQuietly(latestChannel);
                latestChannel = null;
            }
        }
    }

    /** @return {@code snapshot-<index>-<term>.snap}. */
    static String fileName(final long index, final long term)
    {
        return PREFIX + index + "-" + term + SUFFIX;
    }

    // ------------------------------------------------------------------------------------------
    // Recovery
    // ------------------------------------------------------------------------------------------

    /** One {@code .snap} file whose header verified, not yet its stream. */
    private static final class Candidate
    {
        final Path file;
        final long index;
        final long term;
        final long length;
        final long checksum;

        Candidate(final Path file, final long index, final long term, final long length, final long checksum)
        {
            this.file = file;
            this.index = index;
            this.term = term;
            this.length = length;
            this.checksum = checksum;
        }
    }

    private void recover() throws IOException
    {
        final List<Path> snapFiles = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, PREFIX + "*"))
        {
            for (final Path file : stream)
            {
                final String name = file.getFileName().toString();
                if (name.endsWith(TEMP_SUFFIX))
                {
                    LOGGER.log(System.Logger.Level.INFO, "deleting unfinished snapshot " + file);
                    Files.delete(file);
                }
                else if (name.endsWith(SUFFIX))
                {
                    snapFiles.add(file);
                }
            }
        }

        final List<Candidate> candidates = new ArrayList<>();
        for (final Path file : snapFiles)
        {
            final Candidate candidate = readHeader(file);
            if (candidate != null)
            {
                candidates.add(candidate);
            }
        }
        // Newest first: the highest index, then the highest term.
        candidates.sort((a, b) -> a.index != b.index ? Long.compare(b.index, a.index) : Long.compare(b.term, a.term));

        for (final Candidate candidate : candidates)
        {
            if (latestChannel != null)
            {
                LOGGER.log(System.Logger.Level.INFO, "deleting superseded snapshot " + candidate.file);
                Files.delete(candidate.file);
                continue;
            }
            final FileChannel channel = FileChannel.open(candidate.file, StandardOpenOption.READ);
            final long streamChecksum;
            try
            {
                streamChecksum = streamChecksum(channel, candidate.file, candidate.length);
            }
            catch (final IOException | RuntimeException ex)
            {
                closeQuietly(channel);
                throw ex;
            }
            if (streamChecksum != candidate.checksum)
            {
                closeQuietly(channel);
                moveAside(candidate.file, "stream CRC32C " + Long.toHexString(streamChecksum) +
                    " != header " + Long.toHexString(candidate.checksum));
                continue;
            }
            latestChannel = channel;
            latestFile = candidate.file;
            latestIndex = candidate.index;
            latestTerm = candidate.term;
            latestLength = candidate.length;
            latestChecksum = candidate.checksum;
        }
        forceDirectory();
    }

    /**
     * @return the file's header if it verifies, else null after moving the file aside.
     * @throws IllegalStateException if a verified header names another cluster or member.
     */
    private Candidate readHeader(final Path file) throws IOException
    {
        final long fileSize;
        final int read;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            fileSize = channel.size();
            header.clear();
            int n = 0;
            while (header.hasRemaining() && n >= 0)
            {
                n = channel.read(header, header.position());
            }
            read = header.position();
        }
        if (read < HEADER_LENGTH)
        {
            moveAside(file, "shorter than its header: " + fileSize + " bytes");
            return null;
        }
        final int magic = header.getInt(MAGIC_OFFSET);
        final int version = header.getInt(VERSION_OFFSET);
        if (magic != MAGIC)
        {
            moveAside(file, "bad magic " + Integer.toHexString(magic));
            return null;
        }
        final int storedHeaderChecksum = header.getInt(HEADER_CHECKSUM_OFFSET);
        crc.reset();
        header.clear().limit(HEADER_CHECKSUM_OFFSET);
        crc.update(header);
        header.clear();
        if ((int)crc.getValue() != storedHeaderChecksum)
        {
            moveAside(file, "header CRC32C does not verify");
            return null;
        }
        if (version != FORMAT_VERSION)
        {
            throw new IllegalStateException("snapshot " + file + " has format version " + version +
                ", this build reads " + FORMAT_VERSION);
        }
        final int fileClusterId = header.getInt(CLUSTER_ID_OFFSET);
        final int fileMemberId = header.getInt(MEMBER_ID_OFFSET);
        if (fileClusterId != clusterId || fileMemberId != memberId)
        {
            throw new IllegalStateException("snapshot " + file + " belongs to clusterId=" + fileClusterId +
                " memberId=" + fileMemberId + ", not clusterId=" + clusterId + " memberId=" + memberId);
        }
        final long index = header.getLong(INDEX_OFFSET);
        final long term = header.getLong(TERM_OFFSET);
        final long length = header.getLong(LENGTH_OFFSET);
        final long checksum = header.getLong(CHECKSUM_OFFSET);
        if (index <= 0 || term <= 0 || length < 0 || !file.getFileName().toString().equals(fileName(index, term)))
        {
            moveAside(file, "header index=" + index + " term=" + term + " length=" + length + " does not match its name");
            return null;
        }
        if (fileSize != HEADER_LENGTH + length)
        {
            moveAside(file, "size " + fileSize + " != header " + HEADER_LENGTH + " + stream " + length);
            return null;
        }
        return new Candidate(file, index, term, length, checksum);
    }

    private long streamChecksum(final FileChannel channel, final Path file, final long length) throws IOException
    {
        crc.reset();
        long position = 0;
        while (position < length)
        {
            final int n = (int)Math.min(IO_BUFFER_BYTES, length - position);
            readFully(channel, file, HEADER_LENGTH + position, n);
            readByteBuffer.clear().limit(n);
            crc.update(readByteBuffer);
            position += n;
        }
        return crc.getValue();
    }

    private void moveAside(final Path file, final String reason) throws IOException
    {
        final Path aside = file.resolveSibling(file.getFileName() + CORRUPT_SUFFIX);
        LOGGER.log(System.Logger.Level.ERROR, "snapshot " + file + " is corrupt (" + reason + "): not used, moved to " +
            aside.getFileName() + "; the leader will send a fresh one");
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
    }

    // ------------------------------------------------------------------------------------------
    // I/O helpers
    // ------------------------------------------------------------------------------------------

    private void encodeHeader(final long index, final long term, final long length, final long checksum)
    {
        header.clear();
        for (int i = 0; i < HEADER_LENGTH; i += 4)
        {
            header.putInt(i, 0);
        }
        header.putInt(MAGIC_OFFSET, MAGIC);
        header.putInt(VERSION_OFFSET, FORMAT_VERSION);
        header.putInt(CLUSTER_ID_OFFSET, clusterId);
        header.putInt(MEMBER_ID_OFFSET, memberId);
        header.putLong(INDEX_OFFSET, index);
        header.putLong(TERM_OFFSET, term);
        header.putLong(LENGTH_OFFSET, length);
        header.putLong(CHECKSUM_OFFSET, checksum);
        crc.reset();
        header.limit(HEADER_CHECKSUM_OFFSET);
        crc.update(header);
        header.clear();
        header.putInt(HEADER_CHECKSUM_OFFSET, (int)crc.getValue());
    }

    /** Writes the buffered bytes to the file at their place, adding them to the stream's CRC32C. */
    private void flushPending()
    {
        if (pendingBuffered == 0)
        {
            return;
        }
        final long position = HEADER_LENGTH + pendingFlushed;
        writeByteBuffer.clear().limit(pendingBuffered);
        crc.update(writeByteBuffer);
        writeByteBuffer.clear().limit(pendingBuffered);
        try
        {
            writeFully(pendingChannel, pendingFile, writeByteBuffer, position);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write snapshot " + pendingFile, ex);
        }
        pendingFlushed += pendingBuffered;
        pendingBuffered = 0;
    }

    private void readFully(final FileChannel channel, final Path file, final long position, final int length)
    {
        readByteBuffer.clear().limit(length);
        try
        {
            while (readByteBuffer.hasRemaining())
            {
                final int n = channel.read(readByteBuffer, position + readByteBuffer.position());
                if (n < 0)
                {
                    throw new IllegalStateException("snapshot " + file + " ends before " + (position + length));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read snapshot " + file, ex);
        }
    }

    private static void writeFully(final FileChannel channel, final Path file, final ByteBuffer source, final long position)
        throws IOException
    {
        final int start = source.position();
        while (source.hasRemaining())
        {
            channel.write(source, position + source.position() - start);
        }
    }

    private void forceDirectory()
    {
        if (durability != Durability.SYNC)
        {
            return;
        }
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot force directory " + directory, ex);
        }
    }

    private static void delete(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete snapshot file " + file, ex);
        }
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Read-only or already forced: nothing of value is lost.
            }
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("snapshot store is closed: " + directory);
        }
    }
}
