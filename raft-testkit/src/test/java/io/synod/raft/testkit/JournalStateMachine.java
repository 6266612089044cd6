package io.synod.raft.testkit;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * A test state machine whose state is every command applied, in order ([length i32][bytes]...), so its
 * snapshot grows with the commands (a transfer of many chunks) and two replicas hold the same state
 * exactly when their journals are equal. Answers each command with nothing.
 */
final class JournalStateMachine implements StateMachine
{
    private final ExpandableArrayBuffer journal = new ExpandableArrayBuffer(1024);
    private int length;

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int commandLength,
        final ExpandableArrayBuffer response)
    {
        journal.putInt(length, commandLength, ByteOrder.LITTLE_ENDIAN);
        journal.putBytes(length + 4, command, offset, commandLength);
        length += 4 + commandLength;
        return 0;
    }

    @Override
    public SnapshotSource snapshot()
    {
        final int total = length;
        return new SnapshotSource()
        {
            private int position;

            @Override
            public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
            {
                if (position >= total)
                {
                    return -1;
                }
                final int n = Math.min(maxBytes, total - position);
                buffer.putBytes(offset, journal, position, n);
                position += n;
                return n;
            }
        };
    }

    @Override
    public void restore(final SnapshotReader reader)
    {
        length = (int)(reader.length() - reader.position());
        reader.readFully(journal, 0, length);
    }

    boolean sameState(final JournalStateMachine other)
    {
        if (length != other.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (journal.getByte(i) != other.journal.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    /** @return a command of {@code length} bytes derived from {@code seed}. */
    static byte[] command(final long seed, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i);
        }
        return bytes;
    }
}
