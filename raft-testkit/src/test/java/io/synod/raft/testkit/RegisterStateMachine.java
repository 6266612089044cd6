package io.synod.raft.testkit;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A user's state machine for the simulator's tests: a register of one group that commands set or add
 * to, and a count of the commands applied. Order matters (a set after an add is not an add after a set),
 * so two replicas agree only if they applied the same commands in the same order.
 *
 * <pre>
 * command (10 bytes): [group u8][op u8: SET=1, ADD=2][operand i64]
 * response (16 bytes): [value i64][applied i64], the state after the command
 * snapshot (16 bytes): [value i64][applied i64]
 * </pre>
 *
 * A command tagged with another group is not applied; it is remembered as {@link #foreignCommands}, which
 * the multi-group test requires to stay 0. {@code forgetsValueOnRestore} plants a bug: a restored replica
 * starts from value 0 (a snapshot field the restore code forgot).
 */
final class RegisterStateMachine implements StateMachine, SnapshotSource
{
    static final int COMMAND_LENGTH = 10;
    static final byte SET = 1;
    static final byte ADD = 2;
    private static final int SNAPSHOT_LENGTH = 16;

    private final int groupId;
    private final boolean forgetsValueOnRestore;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[SNAPSHOT_LENGTH]);
    private long value;
    private long applied;
    private long foreignCommands;
    private int snapshotPosition;

    RegisterStateMachine(final int groupId, final boolean forgetsValueOnRestore)
    {
        this.groupId = groupId;
        this.forgetsValueOnRestore = forgetsValueOnRestore;
    }

    long value()
    {
        return value;
    }

    long applied()
    {
        return applied;
    }

    long foreignCommands()
    {
        return foreignCommands;
    }

    /** Writes a command for {@code groupId} at offset 0. */
    static int encode(final MutableDirectBuffer buffer, final int groupId, final byte op, final long operand)
    {
        buffer.putByte(0, (byte)groupId);
        buffer.putByte(1, op);
        buffer.putLong(2, operand);
        return COMMAND_LENGTH;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        if (length != COMMAND_LENGTH || command.getByte(offset) != groupId)
        {
            foreignCommands++;
        }
        else
        {
            final long operand = command.getLong(offset + 2);
            value = command.getByte(offset + 1) == SET ? operand : value + operand;
            applied++;
        }
        response.putLong(0, value);
        response.putLong(8, applied);
        return 16;
    }

    @Override
    public SnapshotSource snapshot()
    {
        snapshotPosition = 0;
        return this;
    }

    @Override
    public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
    {
        if (snapshotPosition >= SNAPSHOT_LENGTH)
        {
            return -1;
        }
        scratch.putLong(0, value);
        scratch.putLong(8, applied);
        final int length = Math.min(maxBytes, SNAPSHOT_LENGTH - snapshotPosition);
        buffer.putBytes(offset, scratch, snapshotPosition, length);
        snapshotPosition += length;
        return length;
    }

    @Override
    public void restore(final SnapshotReader reader)
    {
        reader.readFully(scratch, 0, SNAPSHOT_LENGTH);
        value = forgetsValueOnRestore ? 0 : scratch.getLong(0);
        applied = scratch.getLong(8);
    }
}
