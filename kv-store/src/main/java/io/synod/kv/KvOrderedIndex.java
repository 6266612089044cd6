package io.synod.kv;

import java.util.Arrays;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The keys of a {@link KvTable} in unsigned byte order, for {@link KeyValueStateMachine#list}: a red-black
 * tree over the very key arrays the table holds (no copy), so a range of {@code limit} keys costs
 * O(log n + limit) and never a scan of the table.
 *
 * <p><b>Memory.</b> One tree node per key (about 40 bytes with compressed references).
 * <p><b>Allocation.</b> Adding a key allocates its tree node (the key's own arrays are allocated by the table
 * anyway); removing one and walking a range allocate nothing but the walk's iterator.
 * <p><b>Threading.</b> The node's thread, like the table.
 */
final class KvOrderedIndex
{
    private final TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);

    void add(final byte[] key)
    {
        keys.add(key);
    }

    void remove(final byte[] key)
    {
        keys.remove(key);
    }

    void clear()
    {
        keys.clear();
    }

    int size()
    {
        return keys.size();
    }

    /**
     * @return the keys from {@code from} on, in unsigned byte order ({@code from} itself only when inclusive).
     */
    NavigableSet<byte[]> tail(final byte[] from, final boolean inclusive)
    {
        return keys.tailSet(from, inclusive);
    }

    /** Rebuilds the index from every key of the table (after a restore): O(n log n). */
    void rebuild(final KvTable table)
    {
        keys.clear();
        for (int slot = 0, capacity = table.capacity(); slot < capacity; slot++)
        {
            final byte[] key = table.key(slot);
            if (key != null)
            {
                keys.add(key);
            }
        }
    }
}
