package io.synod.log.chronicle;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.synod.log.chronicle.SnapshotStreams.assertLatest;
import static io.synod.log.chronicle.SnapshotStreams.checksum;
import static io.synod.log.chronicle.SnapshotStreams.snapshot;
import static io.synod.log.chronicle.SnapshotStreams.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What only a file store must do: survive reopening, ignore and clean what a crash left half-written, refuse
 * corrupt files (moving them aside, falling back to an older valid one), refuse another member's directory,
 * and stream a large snapshot without holding it.
 */
class FileSnapshotStoreTest
{
    private static final int CLUSTER_ID = 7;
    private static final int MEMBER_ID = 1;

    @TempDir
    Path root;

    private final MutableDirectBuffer scratch = new UnsafeBuffer(new byte[64 * 1024]);

    private Path dir()
    {
        return root.resolve("snapshots");
    }

    private FileSnapshotStore open()
    {
        return FileSnapshotStore.open(dir(), CLUSTER_ID, MEMBER_ID);
    }

    private List<String> files() throws IOException
    {
        try (Stream<Path> list = Files.list(dir()))
        {
            return list.map((p) -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void shouldSurviveReopenAndKeepOnlyTheLatestFile() throws IOException
    {
        try (FileSnapshotStore store = open())
        {
            snapshot(store, scratch, 100, 3, 1, 50_000);
            snapshot(store, scratch, 200, 4, 2, 60_000);
            assertEquals(List.of(FileSnapshotStore.fileName(200, 4)), files());
        }
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 200, 4, 2, 60_000);
            assertEquals(dir().resolve(FileSnapshotStore.fileName(200, 4)), store.latestFile());
            snapshot(store, scratch, 300, 4, 3, 10);
        }
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 300, 4, 3, 10);
        }
    }

    @Test
    void shouldDeleteTheTemporaryFileOfASnapshotUnfinishedAtCloseOrCrash() throws IOException
    {
        try (FileSnapshotStore store = open())
        {
            snapshot(store, scratch, 100, 3, 1, 50_000);
            store.begin(200, 4);
            write(store, scratch, 2, 300_000, 4096);
            assertTrue(files().contains(FileSnapshotStore.fileName(200, 4) + FileSnapshotStore.TEMP_SUFFIX));
        }
        assertEquals(List.of(FileSnapshotStore.fileName(100, 3)), files());

        // A crash leaves the temporary file behind, half-written and without a header.
        final Path tmp = dir().resolve(FileSnapshotStore.fileName(200, 4) + FileSnapshotStore.TEMP_SUFFIX);
        Files.write(tmp, new byte[12345]);
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 100, 3, 1, 50_000);
        }
        assertEquals(List.of(FileSnapshotStore.fileName(100, 3)), files());
    }

    @Test
    void shouldPickTheNewestWhenACrashLeftTheOlderFileBehind() throws IOException
    {
        final Path older = createOlderAndNewer();
        assertTrue(Files.exists(older));
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 200, 4, 2, 60_000);
        }
        assertEquals(List.of(FileSnapshotStore.fileName(200, 4)), files());
    }

    @Test
    void shouldMoveACorruptNewestAsideAndFallBackToTheOlder() throws IOException
    {
        createOlderAndNewer();
        final Path newer = dir().resolve(FileSnapshotStore.fileName(200, 4));
        flipByte(newer, FileSnapshotStore.HEADER_LENGTH + 33_333); // in the stream: only the stream CRC sees it
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 100, 3, 1, 50_000);
        }
        assertEquals(List.of(FileSnapshotStore.fileName(100, 3), FileSnapshotStore.fileName(200, 4) + ".corrupt"), files());
    }

    @Test
    void shouldRefuseACorruptHeaderOrATornFile() throws IOException
    {
        createOlderAndNewer();
        flipByte(dir().resolve(FileSnapshotStore.fileName(200, 4)), 20); // the index field
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 100, 3, 1, 50_000);
        }

        final Path only = dir().resolve(FileSnapshotStore.fileName(100, 3));
        try (RandomAccessFile file = new RandomAccessFile(only.toFile(), "rw"))
        {
            file.setLength(file.length() - 1); // torn: shorter than its header says
        }
        try (FileSnapshotStore store = open())
        {
            assertEquals(0, store.index());
            assertEquals(0, store.length());
            assertNull(store.latestFile());
            assertEquals(-1, store.read(0, scratch, 0, 10));
            // An empty store takes the next snapshot (from the leader) as usual.
            snapshot(store, scratch, 500, 5, 5, 1000);
        }
        assertEquals(List.of(
            FileSnapshotStore.fileName(100, 3) + ".corrupt",
            FileSnapshotStore.fileName(200, 4) + ".corrupt",
            FileSnapshotStore.fileName(500, 5)), files());
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 500, 5, 5, 1000);
        }
    }

    @Test
    void shouldRefuseAnotherClustersOrMembersDirectory()
    {
        try (FileSnapshotStore store = open())
        {
            snapshot(store, scratch, 100, 3, 1, 1000);
        }
        final IllegalStateException otherCluster =
            assertThrows(IllegalStateException.class, () -> FileSnapshotStore.open(dir(), CLUSTER_ID + 1, MEMBER_ID));
        assertTrue(otherCluster.getMessage().contains(FileSnapshotStore.fileName(100, 3)), otherCluster.getMessage());
        assertTrue(otherCluster.getMessage().contains("clusterId=" + CLUSTER_ID), otherCluster.getMessage());
        final IllegalStateException otherMember =
            assertThrows(IllegalStateException.class, () -> FileSnapshotStore.open(dir(), CLUSTER_ID, MEMBER_ID + 1));
        assertTrue(otherMember.getMessage().contains("memberId=" + MEMBER_ID), otherMember.getMessage());
        try (FileSnapshotStore store = open())
        {
            assertLatest(store, scratch, 100, 3, 1, 1000);
        }
    }

    @Test
    void shouldStreamALargeSnapshotWithoutHoldingIt()
    {
        final long length = Long.getLong("synod.snapshot.large.bytes", 100L * 1024 * 1024);
        final long seed = 77;
        final long expected = checksum(seed, length);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final MutableDirectBuffer chunk = new UnsafeBuffer(new byte[32 * 1024]);

        try (FileSnapshotStore store = open())
        {
            final long startNs = System.nanoTime();
            final long allocatedBefore = threads.getThreadAllocatedBytes(threadId);
            store.begin(1_000_000, 9);
            write(store, chunk, seed, length, chunk.capacity());
            final long writeAllocated = threads.getThreadAllocatedBytes(threadId) - allocatedBefore;
            assertTrue(store.commit(expected));
            final long writeNs = System.nanoTime() - startNs;

            final long readStartNs = System.nanoTime();
            final long readAllocatedBefore = threads.getThreadAllocatedBytes(threadId);
            long position = 0;
            int n;
            long bytesRead = 0;
            while ((n = store.read(position, chunk, 0, chunk.capacity())) > 0)
            {
                // Spot-check one byte per chunk (the contract test compares all); reopening checks the CRC32C.
                if (chunk.getByte(n - 1) != SnapshotStreams.byteAt(seed, position + n - 1))
                {
                    throw new AssertionError("byte " + (position + n - 1));
                }
                bytesRead += n;
                position += n;
            }
            final long readAllocated = threads.getThreadAllocatedBytes(threadId) - readAllocatedBefore;
            final long readNs = System.nanoTime() - readStartNs;
            assertEquals(length, bytesRead);
            // The stream is 100 MB; the store's buffers are fixed. A few hundred bytes of slack for the JIT.
            assertTrue(writeAllocated < 64 * 1024, "write allocated " + writeAllocated + " bytes");
            assertTrue(readAllocated < 64 * 1024, "read allocated " + readAllocated + " bytes");
            System.out.printf("large snapshot %,d bytes: write+fsync %d ms, read %d ms, allocated write %d B read %d B%n",
                length, writeNs / 1_000_000, readNs / 1_000_000, writeAllocated, readAllocated);
        }
        final long reopenStartNs = System.nanoTime();
        try (FileSnapshotStore store = open())
        {
            // Reopening verifies the stream's CRC32C in full.
            assertEquals(1_000_000, store.index());
            assertEquals(length, store.length());
            assertEquals(expected, store.checksum());
        }
        System.out.printf("large snapshot reopen (full CRC32C check) %d ms%n", (System.nanoTime() - reopenStartNs) / 1_000_000);
    }

    /** Leaves {@code (100, 3)} and {@code (200, 4)} as a crash between the rename and the delete would. */
    private Path createOlderAndNewer() throws IOException
    {
        final Path older = dir().resolve(FileSnapshotStore.fileName(100, 3));
        final Path saved = root.resolve("saved");
        try (FileSnapshotStore store = open())
        {
            snapshot(store, scratch, 100, 3, 1, 50_000);
            Files.copy(older, saved);
            snapshot(store, scratch, 200, 4, 2, 60_000);
        }
        Files.move(saved, older, StandardCopyOption.ATOMIC_MOVE);
        return older;
    }

    private static void flipByte(final Path file, final long position) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.seek(position);
            final int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x10);
        }
    }
}
