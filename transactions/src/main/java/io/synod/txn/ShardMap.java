package io.synod.txn;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Arrays;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Which Raft group owns a key, at a version: keys hash to one of {@link #SLOTS} slots and the map assigns
 * every slot to a shard group. Immutable; a change is a new map with a higher version, agreed through the
 * coordinator group ({@link CoordinatorStateMachine}), so every member agrees which group owns a key at a
 * given map version.
 *
 * <p><b>Why hash, not range.</b> The store offers point reads and writes and no range scans, so ranges buy
 * nothing, while hashing spreads sequential and prefix-sharing keys (account ids, user ids) over every
 * shard without a rebalancer watching for hot ranges. Fixed slots (Redis Cluster's shape, fewer of them)
 * rather than hashing straight onto shard numbers keep a future rebalance to moving whole slots between
 * groups, with no key rehashed. The hash is a fixed function of the key bytes (below), never
 * {@code Object.hashCode}, so clients in any language and every replica compute the same slot.
 *
 * <p><b>Layout</b> (little-endian), {@link #ENCODED_LENGTH} bytes:
 * <pre>
 *   0       8                                12
 *   +-------+----------------------------------+------------------------------+
 *   |version| slot count (int) = {@link #SLOTS}       | owner group per slot (int) ...|
 *   +-------+----------------------------------+------------------------------+
 * </pre>
 *
 * <p><b>Threading.</b> Immutable, safe to share. <b>Allocation.</b> {@link #slotOf} and {@link #ownerOf}
 * allocate nothing.
 */
public final class ShardMap
{
    /** Hash slots; a power of two. */
    public static final int SLOTS = 64;
    /** Bytes of an encoded map. */
    public static final int ENCODED_LENGTH = 12 + 4 * SLOTS;
    /** The largest group id a shard may have (group ids are ints; 0 is the coordinator group by convention). */
    public static final int GROUP_ID_MAX = 1 << 20;

    private final long version;
    private final int[] owners;

    private ShardMap(final long version, final int[] owners)
    {
        this.version = version;
        this.owners = owners;
    }

    /**
     * A map at {@code version} that deals the slots round-robin over {@code shardGroups}.
     *
     * @throws IllegalArgumentException for a version below 1, no groups, or a group id outside [1, GROUP_ID_MAX].
     */
    public static ShardMap roundRobin(final long version, final int... shardGroups)
    {
        if (shardGroups.length == 0)
        {
            throw new IllegalArgumentException("at least one shard group");
        }
        final int[] owners = new int[SLOTS];
        for (int slot = 0; slot < SLOTS; slot++)
        {
            owners[slot] = shardGroups[slot % shardGroups.length];
        }
        return of(version, owners);
    }

    /**
     * @param owners the owning group of each slot, {@link #SLOTS} of them (copied).
     * @throws IllegalArgumentException for a version below 1, a wrong slot count or a group id outside [1, GROUP_ID_MAX].
     */
    public static ShardMap of(final long version, final int[] owners)
    {
        if (version < 1 || owners.length != SLOTS)
        {
            throw new IllegalArgumentException("version must be positive and slots " + SLOTS + ": " + version + ", " + owners.length);
        }
        for (final int owner : owners)
        {
            if (owner < 1 || owner > GROUP_ID_MAX)
            {
                throw new IllegalArgumentException("shard group out of range: " + owner);
            }
        }
        return new ShardMap(version, owners.clone());
    }

    /** @return the map's version; a newer map has a higher one. */
    public long version()
    {
        return version;
    }

    /** @return the group owning {@code slot}. */
    public int owner(final int slot)
    {
        return owners[slot];
    }

    /** @return whether {@code group} owns at least one slot. */
    public boolean isShard(final int group)
    {
        for (final int owner : owners)
        {
            if (owner == group)
            {
                return true;
            }
        }
        return false;
    }

    /** @return the group owning the key. Allocation-free. */
    public int ownerOf(final DirectBuffer key, final int offset, final int length)
    {
        return owners[slotOf(key, offset, length)];
    }

    /** @return the group owning the key. Allocation-free. */
    public int ownerOf(final byte[] key)
    {
        return owners[slotOf(key)];
    }

    /**
     * The slot of a key: FNV-1a over the bytes, then a 64-bit finaliser (murmur3's fmix64), masked to
     * {@link #SLOTS}. Allocation-free.
     */
    public static int slotOf(final DirectBuffer key, final int offset, final int length)
    {
        long hash = 0xCBF29CE484222325L;
        for (int i = 0; i < length; i++)
        {
            hash = (hash ^ (key.getByte(offset + i) & 0xFF)) * 0x100000001B3L;
        }
        return (int)(fmix(hash) & (SLOTS - 1));
    }

    /** @return the slot of a key; see {@link #slotOf(DirectBuffer, int, int)}. */
    public static int slotOf(final byte[] key)
    {
        long hash = 0xCBF29CE484222325L;
        for (final byte b : key)
        {
            hash = (hash ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return (int)(fmix(hash) & (SLOTS - 1));
    }

    private static long fmix(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    /** Writes the map at {@code offset}. @return {@link #ENCODED_LENGTH}. */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putLong(offset, version, LITTLE_ENDIAN);
        buffer.putInt(offset + 8, SLOTS, LITTLE_ENDIAN);
        for (int slot = 0; slot < SLOTS; slot++)
        {
            buffer.putInt(offset + 12 + 4 * slot, owners[slot], LITTLE_ENDIAN);
        }
        return ENCODED_LENGTH;
    }

    /**
     * Reads a map written by {@link #encode}. Allocates.
     *
     * @return the map, or null if {@code length} or the content is not a valid map.
     */
    public static ShardMap decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < ENCODED_LENGTH || buffer.getInt(offset + 8, LITTLE_ENDIAN) != SLOTS)
        {
            return null;
        }
        final long version = buffer.getLong(offset, LITTLE_ENDIAN);
        final int[] owners = new int[SLOTS];
        for (int slot = 0; slot < SLOTS; slot++)
        {
            owners[slot] = buffer.getInt(offset + 12 + 4 * slot, LITTLE_ENDIAN);
            if (owners[slot] < 1 || owners[slot] > GROUP_ID_MAX)
            {
                return null;
            }
        }
        return version < 1 ? null : new ShardMap(version, owners);
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof ShardMap && ((ShardMap)other).version == version && Arrays.equals(((ShardMap)other).owners, owners);
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(version) * 31 + Arrays.hashCode(owners);
    }

    @Override
    public String toString()
    {
        return "ShardMap{version=" + version + ", owners=" + Arrays.toString(owners) + '}';
    }
}
