package io.synod.kv;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Fixed, unseeded 64-bit hashing of byte strings (a MurmurHash3-style mix over little-endian words),
 * used for the table's slots and the order-independent state digest. The same bytes hash the same on
 * every JVM and platform, so digests can be compared across replicas.
 */
final class KvHash
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final long C1 = 0x87C37B91114253D5L;
    private static final long C2 = 0x4CF5AD432745937FL;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private KvHash()
    {
    }

    /**
     * @return the hash of {@code length} bytes of {@code buffer} from {@code offset}.
     */
    static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        long h = GOLDEN ^ (length * C2);
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            h ^= mixWord(buffer.getLong(offset + i, ORDER));
            h = Long.rotateLeft(h, 27) * 5 + 0x52DCE729L;
        }
        long tail = 0;
        for (int shift = 0; i < length; i++, shift += 8)
        {
            tail |= (buffer.getByte(offset + i) & 0xFFL) << shift;
        }
        h ^= mixWord(tail);
        return mix(h);
    }

    /**
     * @return the contribution of one entry to the digest: depends on all of key, value and version.
     */
    static long entry(final long keyHash, final long valueHash, final long version)
    {
        return mix(keyHash * GOLDEN + mix(valueHash ^ (version * C1)));
    }

    /**
     * @return the 64-bit finaliser of MurmurHash3 (a bijection that spreads every input bit).
     */
    static long mix(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    private static long mixWord(final long word)
    {
        return Long.rotateLeft(word * C1, 31) * C2;
    }
}
