package io.synod.quorum;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link ReplicaStore} in memory: nothing survives the process, so {@link #flush()} is a no-op. For tests,
 * simulations and caches; also the index that {@link ChronicleReplicaStore} rebuilds on start.
 *
 * <p>Records live in per-key arrays found through a hash of (keyspace, key) with chaining; a record is
 * overwritten in place while it fits, so the steady state (rewriting existing keys) allocates nothing.
 * Not thread-safe.
 */
public final class InMemoryReplicaStore implements ReplicaStore
{
    /** One key's record. Invariant: {@code record.length >= recordLength}. */
    private static final class Slot
    {
        final int keyspaceId;
        final byte[] key;
        byte[] record;
        int recordLength;
        Slot next;

        Slot(final int keyspaceId, final byte[] key)
        {
            this.keyspaceId = keyspaceId;
            this.key = key;
        }
    }

    private final Long2ObjectHashMap<Slot> slots = new Long2ObjectHashMap<>(1024, 0.65f, true);
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer recordView = new UnsafeBuffer(0, 0);
    private long epoch;
    private int size;

    @Override
    public int read(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final MutableDirectBuffer dst,
        final int dstOffset)
    {
        final Slot slot = find(keyspaceId, key, keyOffset, keyLength);
        if (slot == null)
        {
            return -1;
        }
        if (slot.recordLength > dst.capacity() - dstOffset)
        {
            throw new IllegalArgumentException("record of " + slot.recordLength + " bytes does not fit " + (dst.capacity() - dstOffset));
        }
        dst.putBytes(dstOffset, slot.record, 0, slot.recordLength);
        return slot.recordLength;
    }

    @Override
    public void write(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer record,
        final int recordOffset, final int recordLength)
    {
        Slot slot = find(keyspaceId, key, keyOffset, keyLength);
        if (slot == null)
        {
            final byte[] copy = new byte[keyLength];
            key.getBytes(keyOffset, copy);
            slot = new Slot(keyspaceId, copy);
            final long hash = hash(keyspaceId, key, keyOffset, keyLength);
            slot.next = slots.get(hash);
            slots.put(hash, slot);
            size++;
        }
        if (slot.record == null || slot.record.length < recordLength)
        {
            slot.record = new byte[Math.max(16, Integer.highestOneBit(Math.max(1, recordLength - 1)) << 1)];
        }
        record.getBytes(recordOffset, slot.record, 0, recordLength);
        slot.recordLength = recordLength;
    }

    @Override
    public void delete(final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final long hash = hash(keyspaceId, key, keyOffset, keyLength);
        Slot previous = null;
        for (Slot slot = slots.get(hash); slot != null; previous = slot, slot = slot.next)
        {
            if (slot.keyspaceId == keyspaceId && equal(slot.key, key, keyOffset, keyLength))
            {
                if (previous != null)
                {
                    previous.next = slot.next;
                }
                else if (slot.next != null)
                {
                    slots.put(hash, slot.next);
                }
                else
                {
                    slots.remove(hash);
                }
                size--;
                return;
            }
        }
    }

    @Override
    public void flush()
    {
    }

    @Override
    public long startEpoch()
    {
        return ++epoch;
    }

    @Override
    public void forEach(final RecordVisitor visitor)
    {
        slots.forEach((hash, head) ->
        {
            for (Slot slot = head; slot != null; slot = slot.next)
            {
                keyView.wrap(slot.key);
                recordView.wrap(slot.record, 0, slot.recordLength);
                visitor.onRecord(slot.keyspaceId, keyView, 0, slot.key.length, recordView, 0, slot.recordLength);
            }
        });
    }

    @Override
    public int size()
    {
        return size;
    }

    @Override
    public void close()
    {
    }

    private Slot find(final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        for (Slot slot = slots.get(hash(keyspaceId, key, keyOffset, keyLength)); slot != null; slot = slot.next)
        {
            if (slot.keyspaceId == keyspaceId && equal(slot.key, key, keyOffset, keyLength))
            {
                return slot;
            }
        }
        return null;
    }

    private static boolean equal(final byte[] stored, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        if (stored.length != keyLength)
        {
            return false;
        }
        for (int i = 0; i < keyLength; i++)
        {
            if (stored[i] != key.getByte(keyOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    private static long hash(final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return HashRing.mix(HashRing.hash(key, keyOffset, keyLength) ^ keyspaceId);
    }
}
