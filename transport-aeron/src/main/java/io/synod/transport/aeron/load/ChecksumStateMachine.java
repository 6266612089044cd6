package io.synod.transport.aeron.load;

import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.LongArrayList;

import java.nio.ByteOrder;

/**
 * A deterministic state machine for demos and tests: it folds every command into a running 64-bit
 * hash (FNV-1a over index and bytes), counts commands, and can record the first eight bytes of each
 * command (its id) with its log index. Two replicas that applied the same commands in the same order
 * have the same {@link #hash()}.
 *
 * <p><b>Threading.</b> {@link #apply} on the agent thread; {@link #hash()}, {@link #count()} and
 * {@link #lastIndex()} from any thread; {@link #copyRecorded} from any thread (it synchronises with
 * the recorder).
 * <p><b>Allocation.</b> None per command unless recording, which grows a pre-sized list.
 */
public final class ChecksumStateMachine implements StateMachine
{
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;

    private final boolean record;
    private final LongArrayList recordedIndexes;
    private final LongArrayList recordedIds;
    private volatile long hash = FNV_OFFSET;
    private volatile long count;
    private volatile long lastIndex;

    /**
     * @param record         whether to keep (index, id) of every command.
     * @param expectedCommands initial capacity of the record.
     */
    public ChecksumStateMachine(final boolean record, final int expectedCommands)
    {
        this.record = record;
        this.recordedIndexes = record ? new LongArrayList(expectedCommands, Long.MIN_VALUE) : null;
        this.recordedIds = record ? new LongArrayList(expectedCommands, Long.MIN_VALUE) : null;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        long h = hash;
        h = (h ^ index) * FNV_PRIME;
        for (int i = 0; i < length; i++)
        {
            h = (h ^ (command.getByte(offset + i) & 0xFF)) * FNV_PRIME;
        }
        if (record && length >= 8)
        {
            synchronized (this)
            {
                recordedIndexes.addLong(index);
                recordedIds.addLong(command.getLong(offset, ByteOrder.LITTLE_ENDIAN));
            }
        }
        hash = h;
        lastIndex = index;
        count = count + 1;
        response.putLong(0, index, ByteOrder.LITTLE_ENDIAN);
        return 8;
    }

    /** @return the running hash of every applied command and its index. */
    public long hash()
    {
        return hash;
    }

    /** @return commands applied. */
    public long count()
    {
        return count;
    }

    /** @return the index of the last applied command, 0 if none. */
    public long lastIndex()
    {
        return lastIndex;
    }

    /**
     * Copies the recorded ids of commands at log indexes {@code <= maxIndex}.
     *
     * @return {@code [index0, id0, index1, id1, ...]}.
     */
    public synchronized long[] copyRecorded(final long maxIndex)
    {
        if (!record)
        {
            throw new IllegalStateException("not recording");
        }
        final LongArrayList out = new LongArrayList();
        for (int i = 0; i < recordedIndexes.size(); i++)
        {
            if (recordedIndexes.getLong(i) <= maxIndex)
            {
                out.addLong(recordedIndexes.getLong(i));
                out.addLong(recordedIds.getLong(i));
            }
        }
        return out.toLongArray();
    }
}
