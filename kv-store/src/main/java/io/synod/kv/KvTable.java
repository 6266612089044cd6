package io.synod.kv;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The storage behind {@link KeyValueStateMachine}: an open-addressing hash table with linear probing
 * and backward-shift deletion (no tombstones), kept in parallel arrays indexed by slot.
 *
 * <p><b>Memory.</b> Per slot: two array references (key, value), a value length, a version, the key
 * hash and the entry's digest contribution, about 32 bytes with compressed references; the capacity
 * is a power of two kept at most {@link #LOAD_PERCENT}% full. Per key: its exact {@code byte[]} and a
 * value {@code byte[]} that may be larger than the value (see {@link #maybeReuse}).
 * <p><b>Allocation.</b> A new key allocates its key and value arrays; growth allocates new slot arrays
 * (amortised, doubling). Overwriting a value of the same or a somewhat smaller size, lookups and
 * deletes allocate nothing.
 * <p><b>Hashing.</b> Fixed and unseeded ({@link KvHash}), so keys chosen to collide can slow probing;
 * the digest must not depend on a per-replica seed, and the table's slot order never leaks into the
 * state (only into the byte order of a snapshot).
 */
final class KvTable
{
    /** Grow when more than this percentage of slots is used. */
    static final int LOAD_PERCENT = 65;
    /** The largest capacity (slots); the table holds at most {@code MAX_CAPACITY * LOAD_PERCENT / 100} keys. */
    static final int MAX_CAPACITY = 1 << 30;
    /** The most keys a table can hold. */
    static final int MAX_SIZE = (int)((long)MAX_CAPACITY * LOAD_PERCENT / 100);
    private static final int MIN_CAPACITY = 16;
    private static final byte[] EMPTY = new byte[0];

    // Invariant: keys[slot] == null iff the slot is free; every key sits in the probe run from its home slot.
    private byte[][] keys;
    private byte[][] values;
    private int[] valueLengths;
    private long[] versions;
    private long[] keyHashes;
    private long[] entryHashes;
    private int mask;
    private int size;
    private int resizeThreshold;
    // Invariant: digestSum == sum of entryHashes[slot] over used slots (wrapping).
    private long digestSum;
    private final UnsafeBuffer storedView = new UnsafeBuffer(EMPTY);

    KvTable(final int expectedKeys)
    {
        allocate(capacityFor(expectedKeys));
    }

    /** @return the number of keys. */
    int size()
    {
        return size;
    }

    /** @return the number of slots. */
    int capacity()
    {
        return keys.length;
    }

    /** @return an order-independent digest of every (key, value, version). */
    long digest()
    {
        return KvHash.mix(digestSum + size * 0x165667B19E3779F9L);
    }

    /** Removes every key and resizes for {@code expectedKeys}. */
    void clear(final int expectedKeys)
    {
        allocate(capacityFor(expectedKeys));
    }

    /**
     * @return the slot holding the key, or {@code -(insertionSlot + 1)} if it is absent.
     */
    int find(final DirectBuffer key, final int offset, final int length, final long keyHash)
    {
        final byte[][] keys = this.keys;
        int slot = home(keyHash);
        byte[] stored;
        while ((stored = keys[slot]) != null)
        {
            if (keyHashes[slot] == keyHash && equals(stored, key, offset, length))
            {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -(slot + 1);
    }

    /** @return the key at a slot, or null if the slot is free. */
    byte[] key(final int slot)
    {
        return keys[slot];
    }

    /** @return the array holding the value at a used slot; only its first {@link #valueLength} bytes count. */
    byte[] value(final int slot)
    {
        return values[slot];
    }

    int valueLength(final int slot)
    {
        return valueLengths[slot];
    }

    long version(final int slot)
    {
        return versions[slot];
    }

    /**
     * Replaces the value at a used slot and increments its version.
     *
     * @return the new version.
     */
    long update(final int slot, final DirectBuffer value, final int offset, final int length)
    {
        final byte[] array = maybeReuse(values[slot], length);
        value.getBytes(offset, array, 0, length);
        values[slot] = array;
        valueLengths[slot] = length;
        final long version = versions[slot] + 1;
        versions[slot] = version;
        setEntryHash(slot, KvHash.entry(keyHashes[slot], KvHash.hash(value, offset, length), version));
        return version;
    }

    /**
     * Inserts an absent key at the insertion slot returned by {@link #find} (as {@code -(slot + 1)}),
     * copying key and value.
     *
     * @return the key array the table now holds (the ordered index shares it).
     */
    byte[] insert(
        final int findResult,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final long keyHash,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long version)
    {
        final byte[] keyArray = keyLength == 0 ? EMPTY : new byte[keyLength];
        key.getBytes(keyOffset, keyArray, 0, keyLength);
        final byte[] valueArray = valueLength == 0 ? EMPTY : new byte[valueLength];
        value.getBytes(valueOffset, valueArray, 0, valueLength);
        final long valueHash = KvHash.hash(value, valueOffset, valueLength);
        insertArrays(-findResult - 1, keyArray, keyHash, valueArray, valueLength, valueHash, version);
        return keyArray;
    }

    /**
     * Inserts a key whose arrays the table may keep (restore: the value array was read in place).
     */
    void insertArrays(
        final int slot,
        final byte[] keyArray,
        final long keyHash,
        final byte[] valueArray,
        final int valueLength,
        final long valueHash,
        final long version)
    {
        if (!(keys[slot] == null && size < MAX_SIZE))
        {
            throw new IllegalStateException("insert into used slot " + slot + " or full table, size=" + size);
        }
        keys[slot] = keyArray;
        values[slot] = valueArray;
        valueLengths[slot] = valueLength;
        versions[slot] = version;
        keyHashes[slot] = keyHash;
        entryHashes[slot] = 0;
        setEntryHash(slot, KvHash.entry(keyHash, valueHash, version));
        if (++size > resizeThreshold)
        {
            grow();
        }
    }

    /**
     * Removes the key at a used slot, shifting later members of its probe run back so that no
     * tombstone is needed.
     */
    void remove(final int slot)
    {
        digestSum -= entryHashes[slot];
        size--;
        int hole = slot;
        int next = (slot + 1) & mask;
        while (keys[next] != null)
        {
            final int ideal = home(keyHashes[next]);
            // The entry at next may fill the hole iff the hole lies on its probe path [ideal, next].
            if (((next - ideal) & mask) >= ((next - hole) & mask))
            {
                moveSlot(next, hole);
                hole = next;
            }
            next = (next + 1) & mask;
        }
        keys[hole] = null;
        values[hole] = null;
        valueLengths[hole] = 0;
        versions[hole] = 0;
        keyHashes[hole] = 0;
        entryHashes[hole] = 0;
    }

    /**
     * Copies the value at a used slot into {@code buffer} at {@code offset}.
     */
    void copyValue(final int slot, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putBytes(offset, values[slot], 0, valueLengths[slot]);
    }

    /**
     * @return the value array to write {@code length} bytes into: {@code current} when it fits and is not
     * more than four times (plus 64 bytes) too large, else a new exact array. Reuse keeps overwrites
     * allocation-free; the bound keeps a key that once held 64 KiB from pinning it for ever.
     */
    static byte[] maybeReuse(final byte[] current, final int length)
    {
        final int capacity = current.length;
        if (length <= capacity && capacity <= 4L * length + 64)
        {
            return current;
        }
        return length == 0 ? EMPTY : new byte[length];
    }

    /**
     * @return a power-of-two capacity that holds {@code expectedKeys} below the load factor.
     */
    static int capacityFor(final int expectedKeys)
    {
        if (!(expectedKeys >= 0 && expectedKeys <= MAX_SIZE))
        {
            throw new IllegalArgumentException("expectedKeys must be 0.." + MAX_SIZE + ": " + expectedKeys);
        }
        final long needed = (long)expectedKeys * 100 / LOAD_PERCENT + 1;
        long capacity = MIN_CAPACITY;
        while (capacity < needed)
        {
            capacity <<= 1;
        }
        return (int)Math.min(capacity, MAX_CAPACITY);
    }

    private int home(final long keyHash)
    {
        return (int)(keyHash ^ (keyHash >>> 32)) & mask;
    }

    private void setEntryHash(final int slot, final long entryHash)
    {
        digestSum += entryHash - entryHashes[slot];
        entryHashes[slot] = entryHash;
    }

    private void moveSlot(final int from, final int to)
    {
        keys[to] = keys[from];
        values[to] = values[from];
        valueLengths[to] = valueLengths[from];
        versions[to] = versions[from];
        keyHashes[to] = keyHashes[from];
        entryHashes[to] = entryHashes[from];
    }

    private boolean equals(final byte[] stored, final DirectBuffer key, final int offset, final int length)
    {
        if (stored.length != length)
        {
            return false;
        }
        final UnsafeBuffer view = storedView;
        view.wrap(stored);
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            if (view.getLong(i) != key.getLong(offset + i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (stored[i] != key.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    private void allocate(final int capacity)
    {
        keys = new byte[capacity][];
        values = new byte[capacity][];
        valueLengths = new int[capacity];
        versions = new long[capacity];
        keyHashes = new long[capacity];
        entryHashes = new long[capacity];
        mask = capacity - 1;
        size = 0;
        digestSum = 0;
        resizeThreshold = (int)((long)capacity * LOAD_PERCENT / 100);
    }

    private void grow()
    {
        if (!(keys.length < MAX_CAPACITY))
        {
            throw new IllegalStateException("table at its maximum capacity " + MAX_CAPACITY);
        }
        final byte[][] oldKeys = keys;
        final byte[][] oldValues = values;
        final int[] oldValueLengths = valueLengths;
        final long[] oldVersions = versions;
        final long[] oldKeyHashes = keyHashes;
        final long[] oldEntryHashes = entryHashes;
        final int oldSize = size;
        final long oldDigestSum = digestSum;
        allocate(oldKeys.length << 1);
        for (int from = 0; from < oldKeys.length; from++)
        {
            if (oldKeys[from] != null)
            {
                int slot = home(oldKeyHashes[from]);
                while (keys[slot] != null)
                {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[from];
                values[slot] = oldValues[from];
                valueLengths[slot] = oldValueLengths[from];
                versions[slot] = oldVersions[from];
                keyHashes[slot] = oldKeyHashes[from];
                entryHashes[slot] = oldEntryHashes[from];
            }
        }
        size = oldSize;
        digestSum = oldDigestSum;
    }
}
