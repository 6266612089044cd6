package io.synod.log.chronicle;

import io.synod.raft.SnapshotStore;
import org.agrona.MutableDirectBuffer;

import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test helpers for {@link SnapshotStore}s: a deterministic stream of any length (byte {@code p} of stream
 * {@code seed} depends on both, so a misplaced, lost or foreign chunk is seen), written and checked in
 * chunks without ever holding the stream.
 */
final class SnapshotStreams
{
    private SnapshotStreams()
    {
    }

    /** @return byte {@code position} of stream {@code seed}. */
    static byte byteAt(final long seed, final long position)
    {
        long x = position * 0x9E3779B97F4A7C15L + seed * 0xBF58476D1CE4E5B9L;
        x ^= x >>> 31;
        return (byte)(x >>> 17);
    }

    /** Fills {@code buffer[offset, offset + length)} with stream {@code seed} from {@code position}. */
    static void fill(final MutableDirectBuffer buffer, final int offset, final long seed, final long position, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(offset + i, byteAt(seed, position + i));
        }
    }

    /** @return CRC32C of the first {@code length} bytes of stream {@code seed}. */
    static long checksum(final long seed, final long length)
    {
        final CRC32C crc = new CRC32C();
        final byte[] chunk = new byte[64 * 1024];
        long position = 0;
        while (position < length)
        {
            final int n = (int)Math.min(chunk.length, length - position);
            for (int i = 0; i < n; i++)
            {
                chunk[i] = byteAt(seed, position + i);
            }
            crc.update(chunk, 0, n);
            position += n;
        }
        return crc.getValue();
    }

    /** Writes {@code length} bytes of stream {@code seed} into the unfinished snapshot in {@code chunk}-sized writes. */
    static void write(final SnapshotStore store, final MutableDirectBuffer scratch, final long seed, final long length, final int chunk)
    {
        long position = 0;
        while (position < length)
        {
            final int n = (int)Math.min(Math.min(chunk, scratch.capacity()), length - position);
            fill(scratch, 0, seed, position, n);
            store.write(scratch, 0, n);
            position += n;
        }
        assertEquals(length, store.writtenLength());
    }

    /** begin, write, commit(ANY_CHECKSUM): asserts the commit succeeded. */
    static void snapshot(
        final SnapshotStore store, final MutableDirectBuffer scratch, final long index, final long term, final long seed,
        final long length)
    {
        store.begin(index, term);
        write(store, scratch, seed, length, 1000);
        assertTrue(store.commit(SnapshotStore.ANY_CHECKSUM));
    }

    /** Asserts the latest snapshot is {@code (index, term)} holding stream {@code seed} of {@code length} bytes. */
    static void assertLatest(
        final SnapshotStore store, final MutableDirectBuffer scratch, final long index, final long term, final long seed,
        final long length)
    {
        assertEquals(index, store.index(), "index");
        assertEquals(term, store.term(), "term");
        assertEquals(length, store.length(), "length");
        assertEquals(checksum(seed, length), store.checksum(), "checksum");
        assertStream(store, scratch, seed, length, 777);
    }

    /** Reads the latest snapshot in {@code chunk}-sized reads and checks every byte against stream {@code seed}. */
    static void assertStream(
        final SnapshotStore store, final MutableDirectBuffer scratch, final long seed, final long length, final int chunk)
    {
        long position = 0;
        while (true)
        {
            final int n = store.read(position, scratch, 3, Math.min(chunk, scratch.capacity() - 3));
            if (n < 0)
            {
                break;
            }
            assertTrue(n > 0, "read returned 0 at " + position);
            for (int i = 0; i < n; i++)
            {
                if (scratch.getByte(3 + i) != byteAt(seed, position + i))
                {
                    throw new AssertionError("byte " + (position + i) + " differs from stream " + seed);
                }
            }
            position += n;
        }
        assertEquals(length, position, "bytes read");
    }
}
