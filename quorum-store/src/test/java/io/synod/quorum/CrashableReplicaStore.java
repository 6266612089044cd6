package io.synod.quorum;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * A member's disk in a simulation: it outlives the member's node across crashes. Writes are visible at
 * once and durable only after {@link #flush()}; {@link #crash} keeps a random prefix of the unflushed writes
 * and loses the rest, as the {@link ReplicaStore} contract allows. A store that {@link #ackBeforeFlush}
 * forgets to flush (a planted bug) loses what it acknowledged.
 */
final class CrashableReplicaStore implements ReplicaStore
{
    private record Write(String key, byte[] record)
    {
    }

    private final Map<String, byte[]> durable = new TreeMap<>();
    private final Map<String, byte[]> visible = new HashMap<>();
    private final List<Write> unflushed = new ArrayList<>();
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer recordView = new UnsafeBuffer(0, 0);
    private long epoch;
    boolean ackBeforeFlush;

    static String key(final int keyspaceId, final DirectBuffer key, final int offset, final int length)
    {
        final StringBuilder builder = new StringBuilder().append(keyspaceId).append('/');
        for (int i = 0; i < length; i++)
        {
            builder.append((char)(key.getByte(offset + i) & 0xFF));
        }
        return builder.toString();
    }

    @Override
    public int read(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final MutableDirectBuffer dst,
        final int dstOffset)
    {
        final byte[] record = visible.get(key(keyspaceId, key, keyOffset, keyLength));
        if (record == null)
        {
            return -1;
        }
        dst.putBytes(dstOffset, record);
        return record.length;
    }

    @Override
    public void write(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer record,
        final int recordOffset, final int recordLength)
    {
        final byte[] copy = new byte[recordLength];
        record.getBytes(recordOffset, copy);
        final String name = key(keyspaceId, key, keyOffset, keyLength);
        visible.put(name, copy);
        unflushed.add(new Write(name, copy));
    }

    @Override
    public void delete(final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final String name = key(keyspaceId, key, keyOffset, keyLength);
        visible.remove(name);
        unflushed.add(new Write(name, null));
    }

    @Override
    public void flush()
    {
        if (ackBeforeFlush)
        {
            return;
        }
        for (final Write write : unflushed)
        {
            apply(write);
        }
        unflushed.clear();
    }

    private void apply(final Write write)
    {
        if (write.record() == null)
        {
            durable.remove(write.key());
        }
        else
        {
            durable.put(write.key(), write.record());
        }
    }

    /** The member crashed: a prefix of the unflushed writes reached the disk, the rest is gone. */
    void crash(final RandomGenerator random)
    {
        final int survive = unflushed.isEmpty() ? 0 : random.nextInt(unflushed.size() + 1);
        for (int i = 0; i < survive; i++)
        {
            apply(unflushed.get(i));
        }
        unflushed.clear();
        visible.clear();
        visible.putAll(durable);
    }

    @Override
    public long startEpoch()
    {
        return ++epoch;
    }

    @Override
    public void forEach(final RecordVisitor visitor)
    {
        for (final Map.Entry<String, byte[]> entry : new TreeMap<>(visible).entrySet())
        {
            final String name = entry.getKey();
            final int slash = name.indexOf('/');
            final byte[] key = new byte[name.length() - slash - 1];
            for (int i = 0; i < key.length; i++)
            {
                key[i] = (byte)name.charAt(slash + 1 + i);
            }
            keyView.wrap(key);
            recordView.wrap(entry.getValue());
            visitor.onRecord(Integer.parseInt(name.substring(0, slash)), keyView, 0, key.length, recordView, 0, entry.getValue().length);
        }
    }

    @Override
    public int size()
    {
        return visible.size();
    }

    @Override
    public void close()
    {
    }
}
