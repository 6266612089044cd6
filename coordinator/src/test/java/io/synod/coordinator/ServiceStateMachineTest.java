package io.synod.coordinator;

import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvClientCodec;
import io.synod.lock.LockStateMachine;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceStateMachineTest
{
    private final KeyValueStateMachine kv = new KeyValueStateMachine(16, true);
    private final ServiceStateMachine services = new ServiceStateMachine(kv, new LockStateMachine());
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer();
    private long index;

    private int apply(final int tag, final byte[] command)
    {
        final byte[] entry = new byte[1 + command.length];
        entry[0] = (byte)tag;
        System.arraycopy(command, 0, entry, 1, command.length);
        return services.apply(++index, 1, new UnsafeBuffer(entry), 0, entry.length, response);
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Pulls a whole snapshot in chunks of {@code chunk} bytes. */
    private static byte[] snapshot(final ServiceStateMachine machine, final int chunk)
    {
        final SnapshotSource source = machine.snapshot();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[chunk]);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int read;
        while ((read = source.read(buffer, 0, chunk)) >= 0)
        {
            out.write(buffer.byteArray(), 0, read);
        }
        return out.toByteArray();
    }

    private static SnapshotReader reader(final byte[] bytes)
    {
        return new SnapshotReader()
        {
            private int position;

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

    @Test
    void shouldRouteByServiceTagAndCountUnknownTags()
    {
        assertTrue(apply(ServiceStateMachine.KV, KvClientCodec.put(bytes("k"), bytes("v"))) > 0);
        assertEquals(1, kv.size());
        assertEquals(0, apply(77, KvClientCodec.put(bytes("x"), bytes("y"))), "an unknown tag is a no-op");
        assertEquals(0, services.apply(++index, 1, new UnsafeBuffer(new byte[0]), 0, 0, response), "no tag at all");
        assertEquals(2, services.malformedCommands());
        assertEquals(1, kv.size());
    }

    @Test
    void shouldRoundTripEveryServiceInOneSnapshotWhateverTheChunkSize()
    {
        for (int i = 0; i < 200; i++)
        {
            apply(ServiceStateMachine.KV, KvClientCodec.put(bytes("key-" + i), new byte[i]));
        }
        for (final int chunk : new int[] {64, 100, 4096})
        {
            final byte[] stream = snapshot(services, chunk);
            final KeyValueStateMachine restoredKv = new KeyValueStateMachine(16, true);
            new ServiceStateMachine(restoredKv, new LockStateMachine()).restore(reader(stream));
            assertTrue(restoredKv.contentEquals(kv), "chunk " + chunk);
            assertEquals(kv.digest(), restoredKv.digest());
        }
    }

    @Test
    void shouldRefuseAnotherFormatVersionByName()
    {
        apply(ServiceStateMachine.KV, KvClientCodec.put(bytes("k"), bytes("v")));
        final byte[] stream = snapshot(services, 256);
        new UnsafeBuffer(stream).putInt(4, 2, ByteOrder.LITTLE_ENDIAN);
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> new ServiceStateMachine(new KeyValueStateMachine(), new LockStateMachine()).restore(reader(stream)));
        assertTrue(ex.getMessage().contains("format version 2") && ex.getMessage().contains("reads version 1"), ex.getMessage());
    }

    @Test
    void shouldRefuseTruncatedOrTrailingOrForeignStreams()
    {
        apply(ServiceStateMachine.KV, KvClientCodec.put(bytes("k"), bytes("v")));
        final byte[] stream = snapshot(services, 256);
        final ServiceStateMachine target = new ServiceStateMachine(new KeyValueStateMachine(), new LockStateMachine());
        assertThrows(IllegalStateException.class, () -> target.restore(reader(Arrays.copyOf(stream, stream.length - 3))));
        assertThrows(IllegalStateException.class, () -> target.restore(reader(Arrays.copyOf(stream, stream.length + 1))));
        final byte[] foreign = stream.clone();
        foreign[0] ^= 1;
        assertThrows(IllegalStateException.class, () -> target.restore(reader(foreign)));
        final byte[] wrongTag = stream.clone();
        new UnsafeBuffer(wrongTag).putInt(ServiceSnapshot.HEADER_LENGTH, 9, ByteOrder.LITTLE_ENDIAN);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> target.restore(reader(wrongTag)));
        assertTrue(ex.getMessage().contains("service 9"), ex.getMessage());
    }
}
