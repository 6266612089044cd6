package io.synod.txn;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * A snapshot held whole in memory: written into a growing buffer when the snapshot starts, then streamed
 * out in the node's chunks; and read back whole before it is parsed. Simple and O(state) in memory and
 * allocation at each snapshot: the transaction state machines' state is small next to their logs (records
 * and intents), and the key-value part is copied once. A streaming writer is left for when shards grow
 * large. Package-private; the node's thread only.
 */
final class SnapshotBytes implements SnapshotSource
{
    /** Snapshots larger than this are refused (a corrupt length, or a state this design should stream). */
    static final int MAX_BYTES = 1 << 30;

    final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
    int length;
    private int position;

    /** Starts an empty snapshot. */
    SnapshotBytes clear()
    {
        length = 0;
        position = 0;
        return this;
    }

    void putLong(final long value)
    {
        buffer.putLong(length, value, LITTLE_ENDIAN);
        length += 8;
    }

    void putInt(final int value)
    {
        buffer.putInt(length, value, LITTLE_ENDIAN);
        length += 4;
    }

    /** Writes a length-prefixed byte array; null as length -1. */
    void putBytes(final byte[] bytes)
    {
        putInt(bytes == null ? -1 : bytes.length);
        if (bytes != null)
        {
            buffer.putBytes(length, bytes);
            length += bytes.length;
        }
    }

    /** Appends a whole stream, prefixed by its length. */
    void putStream(final SnapshotSource source)
    {
        final int at = length;
        length += 8;
        int read;
        while ((read = source.read(buffer, length, 64 * 1024)) >= 0)
        {
            length += read;
            buffer.checkLimit(length + 64 * 1024);
        }
        buffer.putLong(at, length - at - 8, LITTLE_ENDIAN);
    }

    @Override
    public int read(final MutableDirectBuffer out, final int offset, final int maxBytes)
    {
        if (position >= length)
        {
            return -1;
        }
        final int chunk = Math.min(maxBytes, length - position);
        out.putBytes(offset, buffer, position, chunk);
        position += chunk;
        return chunk;
    }

    /** Reads a whole stream into this buffer, for parsing with a {@link Cursor}. */
    SnapshotBytes load(final SnapshotReader reader)
    {
        if (reader.length() > MAX_BYTES || reader.length() < 0)
        {
            throw new IllegalStateException("snapshot of " + reader.length() + " bytes");
        }
        length = (int)reader.length();
        buffer.checkLimit(length);
        reader.readFully(buffer, 0, length);
        return this;
    }

    /** Reads a snapshot back, checking every length against what is left. */
    static final class Cursor
    {
        private final DirectBuffer buffer;
        private final int end;
        private int position;

        Cursor(final SnapshotBytes bytes)
        {
            this.buffer = bytes.buffer;
            this.end = bytes.length;
        }

        private void need(final long bytes)
        {
            if (bytes < 0 || position + bytes > end)
            {
                throw new IllegalStateException("snapshot truncated or malformed at " + position + " of " + end);
            }
        }

        long getLong()
        {
            need(8);
            final long value = buffer.getLong(position, LITTLE_ENDIAN);
            position += 8;
            return value;
        }

        int getInt()
        {
            need(4);
            final int value = buffer.getInt(position, LITTLE_ENDIAN);
            position += 4;
            return value;
        }

        /** @return a length-prefixed byte array, or null. */
        byte[] getBytes()
        {
            final int length = getInt();
            if (length == -1)
            {
                return null;
            }
            need(length);
            final byte[] bytes = new byte[length];
            buffer.getBytes(position, bytes);
            position += length;
            return bytes;
        }

        /** @return a length-prefixed embedded stream as a reader. */
        SnapshotReader getStream()
        {
            final long length = getLong();
            need(length);
            final int start = position;
            position += (int)length;
            return new SnapshotReader()
            {
                private int at = start;

                @Override
                public long length()
                {
                    return length;
                }

                @Override
                public long position()
                {
                    return at - start;
                }

                @Override
                public int read(final MutableDirectBuffer out, final int offset, final int maxBytes)
                {
                    final int left = start + (int)length - at;
                    if (left <= 0)
                    {
                        return -1;
                    }
                    final int chunk = Math.min(left, maxBytes);
                    out.putBytes(offset, buffer, at, chunk);
                    at += chunk;
                    return chunk;
                }
            };
        }

        /** @throws IllegalStateException if bytes are left over. */
        void end()
        {
            if (position != end)
            {
                throw new IllegalStateException("snapshot has " + (end - position) + " trailing bytes");
            }
        }
    }
}
