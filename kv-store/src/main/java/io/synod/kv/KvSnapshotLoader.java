package io.synod.kv;

import io.synod.raft.SnapshotReader;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

import static io.synod.kv.KvSnapshotSource.ENTRY_HEADER_LENGTH;
import static io.synod.kv.KvSnapshotSource.HEADER_LENGTH;
import static io.synod.kv.KvSnapshotSource.ORDER;
import static io.synod.kv.KvSnapshotSource.TRAILER_LENGTH;

/**
 * Rebuilds a {@link KvTable} from a stream written by {@link KvSnapshotSource}, checking every field:
 * the magic and format version, an entry count the stream can hold, key and value lengths within the
 * command limits, versions of at least 1, no duplicate keys, the end marker, a digest equal to that
 * of the rebuilt table, and nothing after the trailer. Any failure is an {@link IllegalStateException}
 * (a corrupt snapshot) and leaves the table empty, never half restored.
 *
 * <p>Allocates the table's arrays and each key and value: restore is not a steady-state path.
 */
final class KvSnapshotLoader
{
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[Math.max(HEADER_LENGTH, TRAILER_LENGTH)]);
    private final byte[] keyBytes = new byte[KvCommand.MAX_KEY_LENGTH];
    private final UnsafeBuffer key = new UnsafeBuffer(keyBytes);
    private final UnsafeBuffer valueView = new UnsafeBuffer(new byte[0]);

    /**
     * Replaces the contents of {@code table} with the snapshot in {@code reader}.
     *
     * @throws IllegalStateException if the stream is not a well-formed snapshot; the table is then empty.
     */
    void load(final SnapshotReader reader, final KvTable table)
    {
        try
        {
            loadChecked(reader, table);
        }
        catch (final IllegalStateException ex)
        {
            table.clear(0);
            throw ex;
        }
    }

    private void loadChecked(final SnapshotReader reader, final KvTable table)
    {
        final long remaining = reader.length() - reader.position();
        reader.readFully(scratch, 0, HEADER_LENGTH);
        final int magic = scratch.getInt(0, ORDER);
        final int formatVersion = scratch.getInt(4, ORDER);
        final long count = scratch.getLong(8, ORDER);
        if (magic != KvSnapshotSource.MAGIC || formatVersion != KvSnapshotSource.FORMAT_VERSION)
        {
            throw new IllegalStateException("not a key-value snapshot: magic=" + Integer.toHexString(magic) +
                " formatVersion=" + formatVersion);
        }
        final long maxCount = Math.max(0, remaining - HEADER_LENGTH - TRAILER_LENGTH) / ENTRY_HEADER_LENGTH;
        if (count < 0 || count > maxCount || count > KvTable.MAX_SIZE)
        {
            throw new IllegalStateException("snapshot entry count " + count + " impossible in " + remaining + " bytes");
        }

        table.clear((int)count);
        for (long i = 0; i < count; i++)
        {
            loadEntry(reader, table, i);
        }

        reader.readFully(scratch, 0, TRAILER_LENGTH);
        final int marker = scratch.getInt(0, ORDER);
        final int reserved = scratch.getInt(4, ORDER);
        final long digest = scratch.getLong(8, ORDER);
        if (marker != KvSnapshotSource.END_MARKER || reserved != 0)
        {
            throw new IllegalStateException("snapshot trailer missing after " + count + " entries at " + reader.position());
        }
        if (digest != table.digest())
        {
            throw new IllegalStateException("snapshot digest " + Long.toHexString(digest) + " != restored " +
                Long.toHexString(table.digest()));
        }
        if (reader.read(scratch, 0, 1) >= 0)
        {
            throw new IllegalStateException("snapshot has bytes after its trailer at " + reader.position());
        }
    }

    private void loadEntry(final SnapshotReader reader, final KvTable table, final long index)
    {
        reader.readFully(scratch, 0, ENTRY_HEADER_LENGTH);
        final int keyLength = scratch.getInt(0, ORDER);
        final int valueLength = scratch.getInt(4, ORDER);
        final long version = scratch.getLong(8, ORDER);
        if (keyLength < 0 || keyLength > KvCommand.MAX_KEY_LENGTH ||
            valueLength < 0 || valueLength > KvCommand.MAX_VALUE_LENGTH || version < 1)
        {
            throw new IllegalStateException("snapshot entry " + index + " malformed: keyLength=" + keyLength +
                " valueLength=" + valueLength + " version=" + version);
        }

        reader.readFully(key, 0, keyLength);
        final long keyHash = KvHash.hash(key, 0, keyLength);
        final int found = table.find(key, 0, keyLength, keyHash);
        if (found >= 0)
        {
            throw new IllegalStateException("snapshot entry " + index + " repeats a key");
        }

        final byte[] value = new byte[valueLength];
        valueView.wrap(value);
        reader.readFully(valueView, 0, valueLength);
        final long valueHash = KvHash.hash(valueView, 0, valueLength);
        table.insertArrays(-found - 1, Arrays.copyOf(keyBytes, keyLength), keyHash, value, valueLength,
            valueHash, version);
    }
}
