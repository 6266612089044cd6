package io.synod.kv;

import io.synod.raft.SnapshotSource;
import io.synod.kv.Kv.Result;
import io.synod.raft.log.InMemorySnapshotStore;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.synod.kv.Kv.bytes;
import static io.synod.kv.Kv.get;
import static io.synod.kv.Kv.put;
import static io.synod.kv.KeyValueStateMachineTest.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshot streams: the format, restoring over existing state, the largest entries in the smallest
 * chunks, and refusal of every truncation and corruption.
 */
class KvSnapshotTest
{
    @Test
    void shouldStreamAnEmptyStateAsHeaderAndTrailerOnly()
    {
        final byte[] snapshot = Kv.snapshot(new KeyValueStateMachine(), 64);
        assertEquals(KvSnapshotSource.HEADER_LENGTH + KvSnapshotSource.TRAILER_LENGTH, snapshot.length);

        final KeyValueStateMachine restored = new KeyValueStateMachine();
        put(restored, bytes("stale"), bytes("x"));
        restored.restore(new Kv.BytesReader(snapshot, Integer.MAX_VALUE));
        assertEquals(0, restored.size());
        assertEquals(new KeyValueStateMachine().digest(), restored.digest());
    }

    @Test
    void shouldWriteTheDocumentedLayout()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        put(kv, bytes("k"), bytes("vv"));
        put(kv, bytes("k"), bytes("vvv"));
        final UnsafeBuffer snapshot = new UnsafeBuffer(Kv.snapshot(kv, 1000));

        assertEquals(16 + 16 + 1 + 3 + 16, snapshot.capacity());
        assertEquals(KvSnapshotSource.MAGIC, snapshot.getInt(0, KvSnapshotSource.ORDER));
        assertEquals(1, snapshot.getInt(4, KvSnapshotSource.ORDER));
        assertEquals(1, snapshot.getLong(8, KvSnapshotSource.ORDER));
        assertEquals(1, snapshot.getInt(16, KvSnapshotSource.ORDER));
        assertEquals(3, snapshot.getInt(20, KvSnapshotSource.ORDER));
        assertEquals(2, snapshot.getLong(24, KvSnapshotSource.ORDER));
        assertEquals('k', snapshot.getByte(32));
        assertEquals('v', snapshot.getByte(35));
        assertEquals(KvSnapshotSource.END_MARKER, snapshot.getInt(36, KvSnapshotSource.ORDER));
        assertEquals(kv.digest(), snapshot.getLong(44, KvSnapshotSource.ORDER));
    }

    @Test
    void shouldSplitTheLargestEntriesIntoChunksOfOneByteOrMore()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        put(kv, filled(KvCommand.MAX_KEY_LENGTH, 1), filled(KvCommand.MAX_VALUE_LENGTH, 2));
        put(kv, filled(KvCommand.MAX_KEY_LENGTH, 3), filled(KvCommand.MAX_VALUE_LENGTH, 4));
        put(kv, new byte[0], new byte[0]);

        final byte[] whole = Kv.snapshot(kv, Integer.MAX_VALUE);
        for (final int chunk : new int[]{1, 7, 64, 1000})
        {
            assertTrue(Arrays.equals(whole, Kv.snapshot(kv, chunk)), "chunk " + chunk);
        }
        final KeyValueStateMachine restored = new KeyValueStateMachine(0);
        restored.restore(new Kv.BytesReader(whole, 3));
        assertTrue(restored.contentEquals(kv));
        assertEquals(Result.ok(1, filled(KvCommand.MAX_VALUE_LENGTH, 4)), get(restored, filled(KvCommand.MAX_KEY_LENGTH, 3)));
    }

    @Test
    void shouldRestartTheStreamOnASecondSnapshotCall()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        put(kv, bytes("a"), filled(500, 1));
        final SnapshotSource source = kv.snapshot();
        source.read(new UnsafeBuffer(new byte[64]), 0, 64);
        assertTrue(Arrays.equals(Kv.snapshot(kv, 100_000), Kv.snapshot(kv, 64)));
    }

    @Test
    void shouldRestoreThroughTheInMemorySnapshotStore()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        for (int i = 0; i < 1000; i++)
        {
            put(kv, bytes("key-" + i), filled(i, i));
        }
        final InMemorySnapshotStore store = new InMemorySnapshotStore();
        store.begin(10, 2);
        final byte[] snapshot = Kv.snapshot(kv, 256);
        store.write(new UnsafeBuffer(snapshot), 0, snapshot.length);
        assertTrue(store.commit(InMemorySnapshotStore.ANY_CHECKSUM));

        final Kv.BytesReader reader = new Kv.BytesReader(readAll(store), 4096);
        final KeyValueStateMachine restored = new KeyValueStateMachine();
        restored.restore(reader);
        assertTrue(restored.contentEquals(kv));
        assertEquals(kv.digest(), restored.digest());
    }

    @Test
    void shouldRefuseEveryTruncationAndLeaveTheStateEmpty()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        put(kv, bytes("a"), bytes("12345"));
        put(kv, bytes("bb"), new byte[0]);
        put(kv, new byte[0], bytes("x"));
        final byte[] snapshot = Kv.snapshot(kv, 64);
        for (int length = 0; length < snapshot.length; length++)
        {
            final KeyValueStateMachine restored = new KeyValueStateMachine();
            put(restored, bytes("old"), bytes("state"));
            final byte[] truncated = Arrays.copyOf(snapshot, length);
            assertThrows(IllegalStateException.class, () -> restored.restore(new Kv.BytesReader(truncated, 5)),
                "truncated to " + length);
            assertEquals(0, restored.size());
        }
    }

    @Test
    void shouldRefuseBytesAfterTheTrailer()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        put(kv, bytes("a"), bytes("1"));
        final byte[] snapshot = Kv.snapshot(kv, 64);
        assertThrows(IllegalStateException.class, () ->
            new KeyValueStateMachine().restore(new Kv.BytesReader(Arrays.copyOf(snapshot, snapshot.length + 1), 64)));
    }

    @Test
    void shouldRefuseEverySingleByteCorruption()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        put(kv, bytes("a"), bytes("12345"));
        put(kv, bytes("a"), bytes("123"));
        put(kv, bytes("bcdefghij"), new byte[0]);
        final byte[] snapshot = Kv.snapshot(kv, 64);
        for (int position = 0; position < snapshot.length; position++)
        {
            for (final int flip : new int[]{0x01, 0x80, 0xFF})
            {
                final byte[] corrupted = snapshot.clone();
                corrupted[position] ^= (byte)flip;
                final int at = position;
                assertThrows(IllegalStateException.class,
                    () -> new KeyValueStateMachine().restore(new Kv.BytesReader(corrupted, 64)),
                    () -> "byte " + at + " ^ " + flip);
            }
        }
    }

    @Test
    void shouldRefuseADuplicateKey()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine();
        put(kv, bytes("a"), bytes("1"));
        final byte[] one = Kv.snapshot(kv, 64);
        // Header with count 2, the entry twice, then the trailer; the digest check would also catch it.
        final int entryLength = one.length - 32;
        final byte[] twice = new byte[one.length + entryLength];
        System.arraycopy(one, 0, twice, 0, 16 + entryLength);
        System.arraycopy(one, 16, twice, 16 + entryLength, entryLength + 16);
        new UnsafeBuffer(twice).putLong(8, 2, KvSnapshotSource.ORDER);
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> new KeyValueStateMachine().restore(new Kv.BytesReader(twice, 64)));
        assertTrue(ex.getMessage().contains("repeats a key"), ex.getMessage());
    }

    private static byte[] readAll(final InMemorySnapshotStore store)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[(int)store.length()]);
        long position = 0;
        int read;
        while ((read = store.read(position, buffer, (int)position, 1000)) > 0)
        {
            position += read;
        }
        return buffer.byteArray();
    }
}
