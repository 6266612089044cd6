package io.synod.log.chronicle;

import io.synod.raft.SnapshotStore;
import io.synod.raft.log.InMemorySnapshotStore;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.synod.log.chronicle.SnapshotStreams.assertLatest;
import static io.synod.log.chronicle.SnapshotStreams.checksum;
import static io.synod.log.chronicle.SnapshotStreams.snapshot;
import static io.synod.log.chronicle.SnapshotStreams.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link SnapshotStore} contract, run against {@link FileSnapshotStore} and, as the reference,
 * {@link InMemorySnapshotStore}: the latest snapshot changes only when a commit returns true, and reads
 * return exactly the committed stream, into heap and direct buffers alike.
 */
class FileSnapshotStoreContractTest
{
    enum Kind
    {
        FILE, IN_MEMORY
    }

    @TempDir
    Path dir;

    private final MutableDirectBuffer heapScratch = new UnsafeBuffer(new byte[64 * 1024]);
    private final MutableDirectBuffer directScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));

    private SnapshotStore open(final Kind kind)
    {
        return kind == Kind.FILE ? FileSnapshotStore.open(dir.resolve("snapshots"), 7, 1) : new InMemorySnapshotStore();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldStartEmpty(final Kind kind)
    {
        try (SnapshotStore store = open(kind))
        {
            assertEquals(0, store.index());
            assertEquals(0, store.term());
            assertEquals(0, store.length());
            assertFalse(store.isWriting());
            assertEquals(0, store.writtenLength());
            assertEquals(-1, store.read(0, heapScratch, 0, 100));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldRoundTripHeapAndDirectBuffers(final Kind kind)
    {
        try (SnapshotStore store = open(kind))
        {
            final long length = 300_001;
            store.begin(10, 2);
            assertTrue(store.isWriting());
            // Alternate the source buffer kind chunk by chunk.
            long position = 0;
            int chunk = 1;
            while (position < length)
            {
                final MutableDirectBuffer source = (chunk & 1) == 0 ? heapScratch : directScratch;
                final int n = (int)Math.min(Math.min(chunk * 997L, source.capacity()), length - position);
                SnapshotStreams.fill(source, 0, 42, position, n);
                store.write(source, 0, n);
                position += n;
                chunk++;
            }
            assertEquals(length, store.writtenLength());
            assertTrue(store.commit(checksum(42, length)));
            assertFalse(store.isWriting());

            assertLatest(store, heapScratch, 10, 2, 42, length);
            assertLatest(store, directScratch, 10, 2, 42, length);
            SnapshotStreams.assertStream(store, directScratch, 42, length, directScratch.capacity() - 3);
            assertEquals(-1, store.read(length, heapScratch, 0, 10));
            assertEquals(5, store.read(length - 5, heapScratch, 0, 10));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldRoundTripAnEmptyStream(final Kind kind)
    {
        try (SnapshotStore store = open(kind))
        {
            store.begin(3, 1);
            assertTrue(store.commit(SnapshotStore.ANY_CHECKSUM));
            assertEquals(3, store.index());
            assertEquals(0, store.length());
            assertEquals(checksum(0, 0), store.checksum());
            assertEquals(-1, store.read(0, heapScratch, 0, 10));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldKeepTheLatestWhileTheNextIsWrittenAndReplaceItOnCommit(final Kind kind)
    {
        try (SnapshotStore store = open(kind))
        {
            snapshot(store, heapScratch, 100, 3, 1, 50_000);
            store.begin(200, 4);
            write(store, heapScratch, 2, 80_000, 4096);
            assertLatest(store, heapScratch, 100, 3, 1, 50_000);

            assertTrue(store.commit(SnapshotStore.ANY_CHECKSUM));
            assertLatest(store, heapScratch, 200, 4, 2, 80_000);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldKeepTheLatestOnAbort(final Kind kind)
    {
        try (SnapshotStore store = open(kind))
        {
            snapshot(store, heapScratch, 100, 3, 1, 50_000);
            store.begin(200, 4);
            write(store, heapScratch, 2, 10_000, 4096);
            store.abort();
            assertFalse(store.isWriting());
            assertEquals(0, store.writtenLength());
            assertLatest(store, heapScratch, 100, 3, 1, 50_000);
            store.abort(); // nothing being written: no-op
            assertThrows(IllegalStateException.class, () -> store.write(heapScratch, 0, 1));
            assertThrows(IllegalStateException.class, () -> store.commit(SnapshotStore.ANY_CHECKSUM));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldDiscardOnChecksumMismatch(final Kind kind)
    {
        try (SnapshotStore store = open(kind))
        {
            snapshot(store, heapScratch, 100, 3, 1, 50_000);
            store.begin(200, 4);
            write(store, heapScratch, 2, 70_000, 4096);
            assertFalse(store.commit(checksum(2, 70_000) ^ 1));
            assertFalse(store.isWriting());
            assertLatest(store, heapScratch, 100, 3, 1, 50_000);

            store.begin(200, 4);
            write(store, heapScratch, 2, 70_000, 4096);
            assertTrue(store.commit(checksum(2, 70_000)));
            assertLatest(store, heapScratch, 200, 4, 2, 70_000);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldDiscardAnUnfinishedSnapshotOnBegin(final Kind kind)
    {
        try (SnapshotStore store = open(kind))
        {
            store.begin(50, 1);
            write(store, heapScratch, 9, 30_000, 4096);
            store.begin(60, 2);
            assertEquals(0, store.writtenLength());
            write(store, heapScratch, 5, 20_000, 4096);
            assertTrue(store.commit(checksum(5, 20_000)));
            assertLatest(store, heapScratch, 60, 2, 5, 20_000);
        }
    }
}
