package io.synod.quorum;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingStateMachineTest
{
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(64);
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(64);
    private long index;

    private int apply(final RingStateMachine machine, final int length)
    {
        assertEquals(RingCodec.RESPONSE_LENGTH, machine.apply(++index, 1, command, 0, length, response));
        assertEquals(machine.state().version(), RingCodec.responseVersion(response, 0));
        return RingCodec.responseStatus(response, 0);
    }

    private RingStateMachine bootstrapped(final int... members)
    {
        final RingStateMachine machine = new RingStateMachine(3);
        final long[][] tokens = new long[members.length][];
        for (int i = 0; i < members.length; i++)
        {
            tokens[i] = HashRing.tokens(members[i], 8);
        }
        assertEquals(RingCodec.OK, apply(machine, RingCodec.encodeBootstrap(command, 0, members, tokens)));
        return machine;
    }

    private int ack(final RingStateMachine machine, final int member, final long version)
    {
        return apply(machine, RingCodec.encodeAck(command, 0, member, version));
    }

    @Test
    void shouldStartEmptyAndBootstrapOnce()
    {
        final RingStateMachine machine = new RingStateMachine(3);
        assertEquals(0, machine.state().version());
        assertNull(machine.state().current());
        assertEquals(RingCodec.NO_RING, apply(machine, RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 8))));
        assertEquals(RingCodec.TOO_FEW_MEMBERS, apply(machine, RingCodec.encodeBootstrap(command, 0, new int[]{1, 2},
            new long[][]{HashRing.tokens(1, 8), HashRing.tokens(2, 8)})));
        assertEquals(RingCodec.OK, apply(machine, RingCodec.encodeBootstrap(command, 0, new int[]{1, 2, 3},
            new long[][]{HashRing.tokens(1, 8), HashRing.tokens(2, 8), HashRing.tokens(3, 8)})));
        assertEquals(1, machine.state().version());
        assertArrayEquals(new int[]{1, 2, 3}, machine.state().current().members());
        assertEquals(RingCodec.NOT_EMPTY, apply(machine, RingCodec.encodeBootstrap(command, 0, new int[]{5, 6, 7},
            new long[][]{HashRing.tokens(5, 8), HashRing.tokens(6, 8), HashRing.tokens(7, 8)})));
        assertEquals(3, machine.refused());
    }

    @Test
    void shouldWalkAnAddThroughItsPhasesOnceEveryParticipantAcknowledges()
    {
        final RingStateMachine machine = bootstrapped(1, 2, 3);
        assertEquals(RingCodec.OK, apply(machine, RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 8))));
        RingState state = machine.state();
        assertEquals(RingState.WRITE_BOTH, state.phase());
        assertEquals(2, state.version());
        assertArrayEquals(new int[]{1, 2, 3, 4}, state.participants());
        assertArrayEquals(new int[]{1, 2, 3, 4}, state.next().members());
        assertEquals(RingCodec.BUSY, apply(machine, RingCodec.encodeRemove(command, 0, 1)), "one change at a time");
        final int[] phases = {RingState.WRITE_BOTH, RingState.STREAMING, RingState.READ_NEW};
        for (int p = 0; p < phases.length; p++)
        {
            assertEquals(phases[p], machine.state().phase());
            final long version = machine.state().version();
            assertEquals(RingCodec.STALE_ACK, ack(machine, 2, version - 1), "an ACK of an older version counts for nothing");
            assertEquals(RingCodec.STALE_ACK, ack(machine, 9, version), "nor one from a non-participant");
            for (final int member : new int[]{4, 2, 2, 1})
            {
                assertEquals(RingCodec.OK, ack(machine, member, version));
                assertEquals(phases[p], machine.state().phase(), "member 3 has not acknowledged");
            }
            assertTrue(machine.state().acknowledged(2));
            assertFalse(machine.state().acknowledged(3));
            assertEquals(RingCodec.OK, ack(machine, 3, version));
            assertEquals(version + 1, machine.state().version());
        }
        state = machine.state();
        assertEquals(RingState.STABLE, state.phase());
        assertArrayEquals(new int[]{1, 2, 3, 4}, state.current().members());
        assertNull(state.next());
        assertEquals(5, state.version());
    }

    @Test
    void shouldRemoveAMemberButNeverBelowTheMinimum()
    {
        final RingStateMachine machine = bootstrapped(1, 2, 3, 4);
        assertEquals(RingCodec.NOT_MEMBER, apply(machine, RingCodec.encodeRemove(command, 0, 7)));
        assertEquals(RingCodec.OK, apply(machine, RingCodec.encodeRemove(command, 0, 2)));
        assertEquals(RingState.WRITE_BOTH, machine.state().phase());
        assertArrayEquals(new int[]{1, 3, 4}, machine.state().next().members());
        assertArrayEquals(new int[]{1, 2, 3, 4}, machine.state().participants(), "the leaving member streams its ranges too");
        for (int step = 0; step < 3; step++)
        {
            final long version = machine.state().version();
            for (final int member : new int[]{1, 2, 3, 4})
            {
                ack(machine, member, version);
            }
        }
        assertArrayEquals(new int[]{1, 3, 4}, machine.state().current().members());
        assertEquals(RingCodec.TOO_FEW_MEMBERS, apply(machine, RingCodec.encodeRemove(command, 0, 3)));
    }

    @Test
    void shouldRefuseBadCommandsWithAStatusAndChangeNothing()
    {
        final RingStateMachine machine = bootstrapped(1, 2, 3);
        final RingState before = machine.state();
        final long refused = machine.refused();
        // Truncated, wrong version, unknown type, non-positive member, token count that does not add up, no tokens.
        int length = RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 8));
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, length - 1));
        command.putByte(RingCodec.VERSION_OFFSET, (byte)9);
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, length));
        length = RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 8));
        command.putByte(RingCodec.TYPE_OFFSET, (byte)77);
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, length));
        length = RingCodec.encodeAdd(command, 0, -4, HashRing.tokens(4, 8));
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, length));
        length = RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 8));
        command.putInt(RingCodec.TOKEN_COUNT_OFFSET, Integer.MAX_VALUE);
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, length));
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, RingCodec.encodeAdd(command, 0, 4, new long[0])));
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, 3));
        command.putInt(RingCodec.MEMBER_OFFSET, 1_000);
        command.putByte(RingCodec.TYPE_OFFSET, (byte)RingCodec.BOOTSTRAP);
        assertEquals(RingCodec.BAD_COMMAND, apply(machine, 8));
        // Well formed but not applicable.
        assertEquals(RingCodec.ALREADY_MEMBER, apply(machine, RingCodec.encodeAdd(command, 0, 2, HashRing.tokens(9, 8))));
        assertEquals(RingCodec.TOKEN_TAKEN, apply(machine, RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(1, 8))));
        assertEquals(RingCodec.TOKEN_TAKEN, apply(machine, RingCodec.encodeAdd(command, 0, 4, new long[]{5, 5})));
        assertEquals(RingCodec.STALE_ACK, ack(machine, 1, machine.state().version()), "no change in progress");
        assertEquals(refused + 12, machine.refused());
        assertTrue(machine.state() == before, "nothing changed");
        // Random bytes never throw.
        final java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        for (int i = 0; i < 20_000; i++)
        {
            final int n = random.nextInt(40);
            for (int b = 0; b < n; b++)
            {
                command.putByte(b, (byte)random.nextInt(256));
            }
            if (random.nextBoolean())
            {
                command.putByte(RingCodec.VERSION_OFFSET, (byte)RingCodec.VERSION);
                command.putShort(2, (short)0);
            }
            machine.apply(++index, 1, command, 0, n, response);
        }
    }

    @Test
    void shouldRoundTripASnapshotInTheMiddleOfAChange()
    {
        final RingStateMachine machine = bootstrapped(1, 2, 3);
        apply(machine, RingCodec.encodeAdd(command, 0, 4, HashRing.tokens(4, 8)));
        ack(machine, 1, machine.state().version());
        ack(machine, 2, machine.state().version());
        final byte[] bytes = snapshotBytes(machine);

        final RingStateMachine copy = new RingStateMachine(3);
        copy.restore(reader(bytes));
        assertEquals(machine.appliedIndex(), copy.appliedIndex());
        assertEquals(machine.refused(), copy.refused());
        assertEquals(machine.state().toString(), copy.state().toString());
        assertArrayEquals(snapshotBytes(machine), snapshotBytes(copy), "the same state writes the same bytes");
        final int[] preference = new int[3];
        final int[] copied = new int[3];
        final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
        for (int k = 0; k < 200; k++)
        {
            key.putInt(0, k);
            final long hash = HashRing.hash(key, 0, 4);
            machine.state().next().preferenceList(hash, 3, preference);
            copy.state().next().preferenceList(hash, 3, copied);
            assertArrayEquals(preference, copied);
        }
        // The restored machine finishes the change like the original.
        for (final RingStateMachine m : Arrays.asList(machine, copy))
        {
            for (int step = 0; step < 3; step++)
            {
                final long version = m.state().version();
                for (final int member : new int[]{1, 2, 3, 4})
                {
                    ack(m, member, version);
                }
            }
        }
        assertEquals(machine.state().toString(), copy.state().toString());
        assertEquals(RingState.STABLE, copy.state().phase());
    }

    @Test
    void shouldRefuseACorruptOrForeignSnapshot()
    {
        final RingStateMachine machine = bootstrapped(1, 2, 3);
        final byte[] good = snapshotBytes(machine);
        final byte[] flipped = good.clone();
        flipped[20] ^= 1;
        assertTrue(assertThrows(IllegalStateException.class, () -> new RingStateMachine(3).restore(reader(flipped)))
            .getMessage().contains("checksum"));
        final byte[] future = good.clone();
        future[4] = 2;
        assertTrue(assertThrows(IllegalStateException.class, () -> new RingStateMachine(3).restore(reader(future)))
            .getMessage().contains("format 2"));
        assertThrows(IllegalStateException.class, () -> new RingStateMachine(3).restore(reader(new byte[]{1, 2, 3, 4, 5, 6, 7, 8})));
        assertThrows(IllegalStateException.class, () -> new RingStateMachine(3).restore(reader(Arrays.copyOf(good, good.length - 9))));
    }

    static byte[] snapshotBytes(final RingStateMachine machine)
    {
        final SnapshotSource source = machine.snapshot();
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(64);
        final UnsafeBuffer chunk = new UnsafeBuffer(new byte[64]);
        int length = 0;
        int read;
        while ((read = source.read(chunk, 0, 64)) > 0)
        {
            out.putBytes(length, chunk, 0, read);
            length += read;
        }
        final byte[] bytes = new byte[length];
        out.getBytes(0, bytes);
        return bytes;
    }

    static SnapshotReader reader(final byte[] bytes)
    {
        return new SnapshotReader()
        {
            int position;

            @Override
            public long length()
            {
                return bytes.length;
            }

            @Override
            public long position()
            {
                return position;
            }

            @Override
            public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
            {
                if (position == bytes.length)
                {
                    return -1;
                }
                final int n = Math.min(maxBytes, bytes.length - position);
                buffer.putBytes(offset, bytes, position, n);
                position += n;
                return n;
            }
        };
    }
}
