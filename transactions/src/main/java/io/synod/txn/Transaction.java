package io.synod.txn;

import io.synod.kv.KvCommand;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * A client's cross-shard transaction, built up and then encoded as one {@link CoordinatorCodec#BEGIN}:
 * the keys it read with the versions it read them at (checked at PREPARE; a changed one aborts it), the
 * keys it writes or deletes, grouped by the shard that owns each key in the given map. Read-only
 * transactions (reads alone) take the same path and commit only if every version still holds, which makes
 * a set of reads from different shards one atomic snapshot.
 *
 * <p>The transaction id is the idempotency key: a BEGIN retried with the same id (after a timeout, say)
 * never starts a second transaction. Make it unique per client and attempt.
 *
 * <p><b>Threading.</b> Not thread-safe; build on one thread. <b>Allocation.</b> Allocates (a client-side
 * convenience; the agent-thread paths do not use it).
 */
public final class Transaction
{
    private final ShardMap map;
    private final long txnId;
    private final long deadlineNs;
    /** Per shard group, in group order: the reads and writes there. */
    private final TreeMap<Integer, Part> parts = new TreeMap<>();

    private static final class Part
    {
        final List<byte[]> readKeys = new ArrayList<>();
        final List<Long> readVersions = new ArrayList<>();
        final List<byte[]> writeKeys = new ArrayList<>();
        final List<byte[]> writeValues = new ArrayList<>();
    }

    /**
     * @param map        the client's shard map (a stale one gets a typed rejection or a NO vote, never a wrong write).
     * @param txnId      unique, not 0: the idempotency key.
     * @param deadlineNs after this (the coordinator leader's clock) an undecided transaction is aborted.
     */
    public Transaction(final ShardMap map, final long txnId, final long deadlineNs)
    {
        if (txnId == 0)
        {
            throw new IllegalArgumentException("txnId 0 is reserved");
        }
        this.map = map;
        this.txnId = txnId;
        this.deadlineNs = deadlineNs;
    }

    /** @return the idempotency key. */
    public long txnId()
    {
        return txnId;
    }

    /** Records that the transaction read {@code key} at {@code version} (0: absent). */
    public Transaction read(final byte[] key, final long version)
    {
        checkKey(key);
        final Part part = part(key);
        part.readKeys.add(key.clone());
        part.readVersions.add(version);
        return this;
    }

    /** Writes {@code value} to {@code key} if the transaction commits. */
    public Transaction write(final byte[] key, final byte[] value)
    {
        checkKey(key);
        if (value.length > KvCommand.MAX_VALUE_LENGTH)
        {
            throw new IllegalArgumentException("value longer than " + KvCommand.MAX_VALUE_LENGTH);
        }
        final Part part = part(key);
        part.writeKeys.add(key.clone());
        part.writeValues.add(value.clone());
        return this;
    }

    /** Deletes {@code key} if the transaction commits. */
    public Transaction delete(final byte[] key)
    {
        checkKey(key);
        final Part part = part(key);
        part.writeKeys.add(key.clone());
        part.writeValues.add(null);
        return this;
    }

    private static void checkKey(final byte[] key)
    {
        if (key.length > KvCommand.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("key longer than " + KvCommand.MAX_KEY_LENGTH);
        }
    }

    private Part part(final byte[] key)
    {
        return parts.computeIfAbsent(map.ownerOf(key), group -> new Part());
    }

    /** @return the participant shard groups, ascending. */
    public int[] participants()
    {
        return parts.keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return the bytes {@link #encodeBegin} writes. */
    public int encodedLength()
    {
        int length = CoordinatorCodec.HEADER_LENGTH + CoordinatorCodec.BEGIN_HEADER_LENGTH;
        for (final Part part : parts.values())
        {
            length += 8 + prepareLength(part);
        }
        return length;
    }

    private static int prepareLength(final Part part)
    {
        int length = ShardCodec.PREPARE_HEADER_LENGTH;
        for (final byte[] key : part.readKeys)
        {
            length += 2 + key.length + 8;
        }
        for (int i = 0; i < part.writeKeys.size(); i++)
        {
            final byte[] value = part.writeValues.get(i);
            length += 6 + part.writeKeys.get(i).length + (value == null ? 0 : value.length);
        }
        return length;
    }

    /**
     * Writes the BEGIN command for the coordinator group at {@code offset}.
     *
     * @return its length ({@link #encodedLength()}).
     * @throws IllegalStateException for a transaction that names nothing, or a shard with more than
     * {@link ShardCodec#PREPARE_KEYS_MAX} keys.
     */
    public int encodeBegin(final MutableDirectBuffer buffer, final int offset)
    {
        if (parts.isEmpty() || parts.size() > CoordinatorCodec.PARTICIPANTS_MAX)
        {
            throw new IllegalStateException("a transaction names 1 to " + CoordinatorCodec.PARTICIPANTS_MAX + " shards: " + parts.size());
        }
        CoordinatorCodec.header(buffer, offset, CoordinatorCodec.BEGIN, txnId);
        int at = offset + CoordinatorCodec.HEADER_LENGTH;
        buffer.putLong(at, deadlineNs, LITTLE_ENDIAN);
        buffer.putShort(at + 8, (short)parts.size(), LITTLE_ENDIAN);
        buffer.putShort(at + 10, (short)0, LITTLE_ENDIAN);
        at += CoordinatorCodec.BEGIN_HEADER_LENGTH;
        for (final var entry : parts.entrySet())
        {
            final Part part = entry.getValue();
            if (part.readKeys.size() + part.writeKeys.size() > ShardCodec.PREPARE_KEYS_MAX)
            {
                throw new IllegalStateException("more than " + ShardCodec.PREPARE_KEYS_MAX + " keys on shard " + entry.getKey());
            }
            buffer.putInt(at, entry.getKey(), LITTLE_ENDIAN);
            buffer.putInt(at + 4, prepareLength(part), LITTLE_ENDIAN);
            at += 8;
            buffer.putLong(at, deadlineNs, LITTLE_ENDIAN);
            buffer.putShort(at + 8, (short)part.readKeys.size(), LITTLE_ENDIAN);
            buffer.putShort(at + 10, (short)part.writeKeys.size(), LITTLE_ENDIAN);
            at += ShardCodec.PREPARE_HEADER_LENGTH;
            for (int i = 0; i < part.readKeys.size(); i++)
            {
                final byte[] key = part.readKeys.get(i);
                buffer.putShort(at, (short)key.length, LITTLE_ENDIAN);
                buffer.putBytes(at + 2, key);
                buffer.putLong(at + 2 + key.length, part.readVersions.get(i), LITTLE_ENDIAN);
                at += 2 + key.length + 8;
            }
            for (int i = 0; i < part.writeKeys.size(); i++)
            {
                final byte[] key = part.writeKeys.get(i);
                final byte[] value = part.writeValues.get(i);
                buffer.putShort(at, (short)key.length, LITTLE_ENDIAN);
                buffer.putInt(at + 2, value == null ? -1 : value.length, LITTLE_ENDIAN);
                buffer.putBytes(at + 6, key);
                if (value != null)
                {
                    buffer.putBytes(at + 6 + key.length, value);
                }
                at += 6 + key.length + (value == null ? 0 : value.length);
            }
        }
        return at - offset;
    }
}
