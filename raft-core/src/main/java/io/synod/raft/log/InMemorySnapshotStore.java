package io.synod.raft.log;

import io.synod.raft.SnapshotStore;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.zip.CRC32C;

/**
 * A {@link SnapshotStore} on the heap, durable for as long as the object lives: tests, the simulator
 * (which keeps it across simulated crashes) and members that do not need to survive a restart.
 */
public final class InMemorySnapshotStore implements SnapshotStore
{
    private ExpandableArrayBuffer latest = new ExpandableArrayBuffer(0);
    private long latestLength;
    private long latestIndex;
    private long latestTerm;
    private long latestChecksum;

    private ExpandableArrayBuffer pending = new ExpandableArrayBuffer(1024);
    private int pendingLength = -1;
    private long pendingIndex;
    private long pendingTerm;
    private final CRC32C crc = new CRC32C();

    @Override
    public long index()
    {
        return latestIndex;
    }

    @Override
    public long term()
    {
        return latestTerm;
    }

    @Override
    public long length()
    {
        return latestLength;
    }

    @Override
    public long checksum()
    {
        return latestChecksum;
    }

    @Override
    public int read(final long position, final MutableDirectBuffer buffer, final int offset, final int maxBytes)
    {
        if (position >= latestLength)
        {
            return -1;
        }
        final int length = (int)Math.min(maxBytes, latestLength - position);
        buffer.putBytes(offset, latest, (int)position, length);
        return length;
    }

    @Override
    public void begin(final long index, final long term)
    {
        pendingIndex = index;
        pendingTerm = term;
        pendingLength = 0;
        crc.reset();
    }

    @Override
    public boolean isWriting()
    {
        return pendingLength >= 0;
    }

    @Override
    public long writtenLength()
    {
        return Math.max(0, pendingLength);
    }

    @Override
    public void write(final DirectBuffer buffer, final int offset, final int length)
    {
        if (pendingLength < 0)
        {
            throw new IllegalStateException("no snapshot being written");
        }
        pending.putBytes(pendingLength, buffer, offset, length);
        crc.update(pending.byteArray(), pendingLength, length);
        pendingLength += length;
    }

    @Override
    public boolean commit(final long expectedChecksum)
    {
        if (pendingLength < 0)
        {
            throw new IllegalStateException("no snapshot being written");
        }
        final long checksum = crc.getValue();
        if (expectedChecksum != ANY_CHECKSUM && expectedChecksum != checksum)
        {
            pendingLength = -1;
            return false;
        }
        final ExpandableArrayBuffer previous = latest;
        latest = pending;
        latestLength = pendingLength;
        latestIndex = pendingIndex;
        latestTerm = pendingTerm;
        latestChecksum = checksum;
        pending = previous;
        pendingLength = -1;
        return true;
    }

    @Override
    public void abort()
    {
        pendingLength = -1;
    }

    @Override
    public void close()
    {
    }
}
