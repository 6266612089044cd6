package io.synod.raft.log;

import io.synod.raft.RaftLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * A {@link RaftLog} held on the heap. {@link #flush()} does nothing: the log is as durable as the
 * process. Used by tests, the simulator and nodes that do not need to survive a restart.
 *
 * <p><b>Allocation.</b> Sized at construction for {@code entryCapacity} entries and {@code byteCapacity}
 * payload bytes; it allocates only when it must grow beyond them (doubling), and space released by
 * {@link #compactPrefix} is reused by shifting the live suffix down.
 */
public final class InMemoryRaftLog implements RaftLog
{
    private static final int DEFAULT_ENTRY_CAPACITY = 1024;
    private static final int DEFAULT_BYTE_CAPACITY = 64 * 1024;

    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private byte[] data;
    private long[] terms;
    private int[] types;
    private int[] offsets;
    private int[] lengths;

    /** Slot of {@code firstIndex()} in the arrays. */
    private int startSlot;
    /** Number of live entries. Invariant: {@code startSlot + count <= terms.length}. */
    private int count;
    /** First free byte in {@code data}. */
    private int dataEnd;

    private long snapshotIndex;
    private long snapshotTerm;
    /** Invariant: never decreases; nothing at or below it is truncated. */
    private long commitIndex;

    public InMemoryRaftLog()
    {
        this(DEFAULT_ENTRY_CAPACITY, DEFAULT_BYTE_CAPACITY);
    }

    public InMemoryRaftLog(final int entryCapacity, final int byteCapacity)
    {
        if (entryCapacity < 1 || byteCapacity < 0)
        {
            throw new IllegalArgumentException("entryCapacity=" + entryCapacity + " byteCapacity=" + byteCapacity);
        }
        data = new byte[byteCapacity];
        terms = new long[entryCapacity];
        types = new int[entryCapacity];
        offsets = new int[entryCapacity];
        lengths = new int[entryCapacity];
    }

    @Override
    public long firstIndex()
    {
        return snapshotIndex + 1;
    }

    @Override
    public long lastIndex()
    {
        return snapshotIndex + count;
    }

    @Override
    public long lastTerm()
    {
        return count == 0 ? snapshotTerm : terms[startSlot + count - 1];
    }

    @Override
    public long snapshotIndex()
    {
        return snapshotIndex;
    }

    @Override
    public long snapshotTerm()
    {
        return snapshotTerm;
    }

    @Override
    public long termAt(final long index)
    {
        if (index == snapshotIndex)
        {
            return snapshotTerm;
        }
        if (index < snapshotIndex || index > snapshotIndex + count)
        {
            return NO_TERM;
        }
        return terms[slot(index)];
    }

    @Override
    public void append(final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        if (index != lastIndex() + 1)
        {
            throw new IllegalStateException("append index=" + index + " expected=" + (lastIndex() + 1));
        }
        if (term < lastTerm())
        {
            throw new IllegalStateException("append term=" + term + " below lastTerm=" + lastTerm());
        }
        ensureCapacity(length);
        final int slot = startSlot + count;
        buffer.getBytes(offset, data, dataEnd, length);
        terms[slot] = term;
        types[slot] = type;
        offsets[slot] = dataEnd;
        lengths[slot] = length;
        dataEnd += length;
        count++;
    }

    @Override
    public void commitIndex(final long commitIndex)
    {
        if (commitIndex < this.commitIndex)
        {
            throw new IllegalStateException("commitIndex must not decrease: " + this.commitIndex + " -> " + commitIndex);
        }
        this.commitIndex = commitIndex;
    }

    /** @return the commit index last declared with {@link #commitIndex(long)}, 0 if none. */
    public long commitIndex()
    {
        return commitIndex;
    }

    @Override
    public void truncateSuffix(final long fromIndex)
    {
        if (fromIndex <= snapshotIndex)
        {
            throw new IllegalStateException("truncate fromIndex=" + fromIndex + " at or below snapshotIndex=" + snapshotIndex);
        }
        if (fromIndex <= commitIndex)
        {
            throw new IllegalStateException("truncate fromIndex=" + fromIndex + " at or below commitIndex=" + commitIndex);
        }
        if (fromIndex > lastIndex())
        {
            return;
        }
        final int slot = slot(fromIndex);
        dataEnd = offsets[slot];
        count = slot - startSlot;
    }

    @Override
    public int read(final long fromIndex, final long toIndex, final EntryReader reader)
    {
        if (fromIndex <= snapshotIndex)
        {
            throw new IllegalStateException("read fromIndex=" + fromIndex + " is compacted (snapshotIndex=" + snapshotIndex + ")");
        }
        final long last = Math.min(toIndex, lastIndex());
        int read = 0;
        for (long index = fromIndex; index <= last; index++)
        {
            final int slot = slot(index);
            view.wrap(data, offsets[slot], lengths[slot]);
            if (!reader.onEntry(index, terms[slot], types[slot], view, 0, lengths[slot]))
            {
                break;
            }
            read++;
        }
        return read;
    }

    @Override
    public void compactPrefix(final long upToIndex, final long upToTerm)
    {
        if (upToIndex <= snapshotIndex)
        {
            return;
        }
        if (upToIndex > lastIndex())
        {
            throw new IllegalStateException("compact upToIndex=" + upToIndex + " beyond lastIndex=" + lastIndex());
        }
        if (terms[slot(upToIndex)] != upToTerm)
        {
            throw new IllegalStateException("compact upToTerm=" + upToTerm + " but log has " + terms[slot(upToIndex)]);
        }
        final int removed = (int)(upToIndex - snapshotIndex);
        startSlot += removed;
        count -= removed;
        snapshotIndex = upToIndex;
        snapshotTerm = upToTerm;
    }

    @Override
    public void resetTo(final long snapshotIndex, final long snapshotTerm)
    {
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        startSlot = 0;
        count = 0;
        dataEnd = 0;
    }

    @Override
    public void flush()
    {
    }

    @Override
    public void close()
    {
    }

    private int slot(final long index)
    {
        return startSlot + (int)(index - snapshotIndex - 1);
    }

    private void ensureCapacity(final int length)
    {
        if (startSlot + count < terms.length && dataEnd + length <= data.length)
        {
            return;
        }
        shiftDown();
        if (count == terms.length)
        {
            final int newCapacity = terms.length * 2;
            terms = Arrays.copyOf(terms, newCapacity);
            types = Arrays.copyOf(types, newCapacity);
            offsets = Arrays.copyOf(offsets, newCapacity);
            lengths = Arrays.copyOf(lengths, newCapacity);
        }
        if (dataEnd + length > data.length)
        {
            data = Arrays.copyOf(data, Math.max(data.length * 2, dataEnd + length));
        }
    }

    /** Moves the live entries to slot 0 and byte 0, reclaiming the compacted prefix. */
    private void shiftDown()
    {
        if (startSlot == 0)
        {
            return;
        }
        final int dataStart = count == 0 ? dataEnd : offsets[startSlot];
        System.arraycopy(terms, startSlot, terms, 0, count);
        System.arraycopy(types, startSlot, types, 0, count);
        System.arraycopy(lengths, startSlot, lengths, 0, count);
        for (int i = 0; i < count; i++)
        {
            offsets[i] = offsets[startSlot + i] - dataStart;
        }
        System.arraycopy(data, dataStart, data, 0, dataEnd - dataStart);
        dataEnd -= dataStart;
        startSlot = 0;
    }
}
