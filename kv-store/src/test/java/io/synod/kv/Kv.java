package io.synod.kv;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test support: apply commands given as arrays, decoded responses, and snapshots as byte arrays.
 */
final class Kv
{
    /** A decoded response. */
    record Result(int status, long version, byte[] value)
    {
        static Result ok(final long version)
        {
            return new Result(KvResponse.OK, version, new byte[0]);
        }

        static Result ok(final long version, final byte[] value)
        {
            return new Result(KvResponse.OK, version, value);
        }

        static Result of(final int status, final long version)
        {
            return new Result(status, version, new byte[0]);
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Result r && r.status == status && r.version == version && Arrays.equals(r.value, value);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(value) * 31 + Long.hashCode(version) * 7 + status;
        }

        @Override
        public String toString()
        {
            return KvResponse.statusName(status) + " v" + version + " " + value.length + "B";
        }
    }

    private Kv()
    {
    }

    static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Applies a command given as a whole array, at a non-zero offset, and decodes the response. */
    static Result apply(final KeyValueStateMachine kv, final byte[] command)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[command.length + 7]);
        buffer.putBytes(3, command);
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(8);
        final int length = kv.apply(1, 1, buffer, 3, command.length, response);
        return decode(response, 0, length);
    }

    static Result decode(final org.agrona.DirectBuffer response, final int offset, final int length)
    {
        assertTrue(KvClientCodec.isValidResponse(response, offset, length), "well-formed response of " + length + " bytes");
        final byte[] value = new byte[KvClientCodec.valueLength(response, offset)];
        response.getBytes(KvClientCodec.valueOffset(offset), value);
        return new Result(KvClientCodec.status(response, offset), KvClientCodec.version(response, offset), value);
    }

    static Result put(final KeyValueStateMachine kv, final byte[] key, final byte[] value)
    {
        return apply(kv, KvClientCodec.put(key, value));
    }

    static Result get(final KeyValueStateMachine kv, final byte[] key)
    {
        return apply(kv, KvClientCodec.get(key));
    }

    static Result delete(final KeyValueStateMachine kv, final byte[] key)
    {
        return apply(kv, KvClientCodec.delete(key));
    }

    static Result cas(final KeyValueStateMachine kv, final byte[] key, final long expected, final byte[] value)
    {
        return apply(kv, KvClientCodec.compareAndSet(key, expected, value));
    }

    /** Streams a snapshot in chunks of {@code maxChunkBytes} (4 MiB at most), checking every chunk's size. */
    static byte[] snapshot(final KeyValueStateMachine kv, final int maxChunkBytes)
    {
        final int chunkBytes = Math.min(maxChunkBytes, 1 << 22);
        final SnapshotSource source = kv.snapshot();
        final MutableDirectBuffer chunk = new UnsafeBuffer(new byte[chunkBytes + 2]);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int read;
        int calls = 0;
        while ((read = source.read(chunk, 1, chunkBytes)) != -1)
        {
            assertTrue(read >= 1 && read <= chunkBytes, "chunk of " + read + " with max " + chunkBytes);
            final byte[] bytes = new byte[read];
            chunk.getBytes(1, bytes);
            out.writeBytes(bytes);
            assertTrue(++calls < 100_000_000, "snapshot never ends");
        }
        assertTrue(source.read(chunk, 1, chunkBytes) == -1, "stays ended");
        return out.toByteArray();
    }

    /** A reader over an array that returns at most {@code readLimit} bytes per call. */
    static final class BytesReader implements SnapshotReader
    {
        private final byte[] bytes;
        private final int readLimit;
        private int position;

        BytesReader(final byte[] bytes, final int readLimit)
        {
            this.bytes = bytes;
            this.readLimit = readLimit;
        }

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
            if (position >= bytes.length)
            {
                return -1;
            }
            final int length = Math.min(Math.min(maxBytes, readLimit), bytes.length - position);
            buffer.putBytes(offset, bytes, position, length);
            position += length;
            return length;
        }
    }
}
