package io.synod.examples.embedded;

// snippet: state-machine
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** The application's replicated state machine: a counter. A command is a long to add; the response is the new value. */
public final class Counter implements StateMachine
{
    private volatile long value;

    /** Encodes "add {@code delta}". Agrona buffers are little-endian; so is the command. */
    public static byte[] add(final long delta)
    {
        final byte[] command = new byte[Long.BYTES];
        new UnsafeBuffer(command).putLong(0, delta);       // not ByteBuffer.putLong: that is big-endian
        return command;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        if (length != Long.BYTES)
        {
            return 0;                                      // the leader's no-op entry carries no command
        }
        value += command.getLong(offset);                  // deterministic: same commands, same order, same value
        response.putLong(0, value);
        return Long.BYTES;
    }

    /** The value this replica has applied; read it at a read point for a linearizable answer. */
    public long value()
    {
        return value;
    }
}
// end snippet
