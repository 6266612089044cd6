package io.synod.quorum;

import io.synod.log.chronicle.Durability;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The durable replica store: what was flushed is there after reopening (the index rebuilt from the queue,
 * the last write of each key winning), the epoch only grows across runs, and a corrupt document that is
 * not the last refuses the open.
 */
class ChronicleReplicaStoreTest
{
    @TempDir
    Path directory;

    private static UnsafeBuffer bytes(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String read(final ReplicaStore store, final int keyspace, final String key)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
        final int length = store.read(keyspace, bytes(key), 0, key.length(), dst, 0);
        return length < 0 ? null : dst.getStringWithoutLengthAscii(0, length);
    }

    private static void write(final ReplicaStore store, final int keyspace, final String key, final String record)
    {
        store.write(keyspace, bytes(key), 0, key.length(), bytes(record), 0, record.length());
    }

    @Test
    void shouldRebuildTheIndexFromTheQueueOnOpen()
    {
        for (final Durability durability : Durability.values())
        {
            final Path dir = directory.resolve(durability.name());
            try (ChronicleReplicaStore store = ChronicleReplicaStore.open(dir, durability, 512))
            {
                assertEquals(1, store.startEpoch());
                write(store, 1, "alpha", "one");
                write(store, 1, "beta", "two");
                write(store, 2, "alpha", "other keyspace");
                write(store, 1, "alpha", "three, longer than one");
                store.flush();
                assertEquals("three, longer than one", read(store, 1, "alpha"));
            }
            try (ChronicleReplicaStore store = ChronicleReplicaStore.open(dir, durability, 512))
            {
                assertEquals(2, store.startEpoch(), "the epoch survives and grows");
                assertEquals(4, store.recovered());
                assertEquals(3, store.size());
                assertEquals("three, longer than one", read(store, 1, "alpha"));
                assertEquals("two", read(store, 1, "beta"));
                assertEquals("other keyspace", read(store, 2, "alpha"));
                assertEquals(null, read(store, 1, "gamma"));
                final int[] visited = {0};
                store.forEach((keyspace, key, keyOffset, keyLength, record, recordOffset, recordLength) -> visited[0]++);
                assertEquals(3, visited[0]);
            }
        }
    }

    /**
     * Deletes (collected tombstones) survive reopening, and compaction drops them: under a delete-heavy load
     * the queue stays bounded by the live keys plus the compaction threshold, not by the keys ever written.
     */
    @Test
    void shouldForgetDeletedKeysAcrossReopenAndDropThemOnCompaction()
    {
        final Path dir = directory.resolve("deletes");
        final long threshold = 100;
        try (ChronicleReplicaStore store = ChronicleReplicaStore.open(dir, Durability.PAGE_CACHE, 512, threshold))
        {
            write(store, 1, "kept", "live");
            for (int i = 0; i < 1_000; i++)
            {
                write(store, 1, "key-" + i, "value of " + i);
                store.flush();
                store.delete(1, bytes("key-" + i), 0, ("key-" + i).length());
                store.flush();
                assertTrue(store.documents() <= threshold + 2, "documents " + store.documents() + " after " + i + " deletes");
            }
            store.delete(1, bytes("never-written"), 0, "never-written".length());
            write(store, 1, "gone-after-reopen", "x");
            store.delete(1, bytes("gone-after-reopen"), 0, "gone-after-reopen".length());
            store.flush();
            assertEquals(1, store.size());
            assertTrue(store.compactions() >= 1_000 * 2 / threshold - 1, "compactions " + store.compactions());
        }
        try (ChronicleReplicaStore store = ChronicleReplicaStore.open(dir, Durability.PAGE_CACHE, 512, threshold))
        {
            assertEquals(1, store.size());
            assertEquals("live", read(store, 1, "kept"));
            assertEquals(null, read(store, 1, "gone-after-reopen"));
            assertEquals(null, read(store, 1, "key-999"));
            assertTrue(store.recovered() <= threshold + 5, "recovered " + store.recovered());
        }
    }

    @Test
    void shouldCompactOverwrittenRecordsAndKeepTheLiveOnes() throws IOException
    {
        final Path dir = directory.resolve("compaction");
        try (ChronicleReplicaStore store = ChronicleReplicaStore.open(dir, Durability.SYNC, 512, 100))
        {
            for (int round = 0; round < 500; round++)
            {
                write(store, 1, "key-" + round % 10, "value " + round);
                store.flush();
                assertTrue(store.documents() <= 101, "bounded: " + store.documents() + " documents for 10 keys");
            }
            assertTrue(store.compactions() >= 4, "compacted " + store.compactions() + " times");
            assertEquals("value 499", read(store, 1, "key-9"));
        }
        try (Stream<Path> entries = Files.list(dir))
        {
            assertEquals(1, entries.filter(entry -> entry.getFileName().toString().startsWith("queue")).count(),
                "the old generations are deleted");
        }
        try (ChronicleReplicaStore store = ChronicleReplicaStore.open(dir, Durability.SYNC, 512, 100))
        {
            assertEquals(10, store.size());
            for (int k = 0; k < 10; k++)
            {
                assertEquals("value " + (490 + k), read(store, 1, "key-" + k));
            }
            assertTrue(store.generation() >= 4 && store.recovered() <= 101);
        }
    }

    @Test
    void shouldRefuseToOpenOverACorruptDocumentThatIsNotTheLast() throws IOException
    {
        final Path dir = directory.resolve("corrupt");
        try (ChronicleReplicaStore store = ChronicleReplicaStore.open(dir, Durability.SYNC, 512))
        {
            write(store, 1, "victim-key", "payload-AAAA");
            write(store, 1, "second", "payload-BBBB");
            write(store, 1, "third", "payload-CCCC");
            store.flush();
        }
        final Path file;
        try (Stream<Path> files = Files.list(dir.resolve("queue")))
        {
            file = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        final byte[] content = Files.readAllBytes(file);
        final byte[] needle = "payload-AAAA".getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + needle.length <= content.length && at < 0; i++)
        {
            boolean match = true;
            for (int j = 0; j < needle.length && match; j++)
            {
                match = content[i + j] == needle[j];
            }
            at = match ? i : -1;
        }
        assertTrue(at > 0, "found the record in the queue file");
        content[at + 8] ^= 0x01;
        Files.write(file, content);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> ChronicleReplicaStore.open(dir, Durability.SYNC, 512));
        assertTrue(ex.getMessage().contains("corrupt"), ex.getMessage());
    }
}
