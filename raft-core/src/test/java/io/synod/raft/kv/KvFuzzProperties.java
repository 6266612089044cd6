package io.synod.raft.kv;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

import static io.synod.raft.kv.Kv.bytes;
import static io.synod.raft.kv.Kv.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Garbage never makes {@code apply} throw, every answer is a well-formed response, and a BAD_REQUEST
 * never changes the state.
 */
class KvFuzzProperties
{
    @Property(tries = 2000)
    void shouldNeverThrowOnRandomBytes(
        @ForAll @Size(max = 200) final byte[] garbage,
        @ForAll @IntRange(min = 0, max = 8) final int offset)
    {
        assertSafe(populated(), garbage, offset);
    }

    @Property(tries = 2000)
    void shouldNeverThrowOnACorruptedValidCommand(
        @ForAll @IntRange(min = 1, max = 4) final int opCode,
        @ForAll @Size(max = 40) final byte[] key,
        @ForAll @Size(max = 40) final byte[] value,
        @ForAll @LongRange(min = 0, max = 3) final long expectedVersion,
        @ForAll @IntRange(min = 0, max = 200) final int position,
        @ForAll final byte replacement,
        @ForAll @IntRange(min = -3, max = 3) final int lengthChange)
    {
        final byte[] command = switch (opCode)
        {
            case KvCommand.PUT -> KvClientCodec.put(key, value);
            case KvCommand.GET -> KvClientCodec.get(key);
            case KvCommand.DELETE -> KvClientCodec.delete(key);
            default -> KvClientCodec.compareAndSet(key, expectedVersion, value);
        };
        final byte[] corrupted = Arrays.copyOf(command, Math.max(0, command.length + lengthChange));
        if (corrupted.length > 0)
        {
            corrupted[position % corrupted.length] = replacement;
        }
        assertSafe(populated(), corrupted, 0);
    }

    private static KeyValueStateMachine populated()
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine(0);
        put(kv, bytes("a"), bytes("1"));
        put(kv, new byte[0], bytes("empty"));
        put(kv, bytes("b"), new byte[0]);
        return kv;
    }

    private static void assertSafe(final KeyValueStateMachine kv, final byte[] bytes, final int offset)
    {
        final long digest = kv.digest();
        final int size = kv.size();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + bytes.length]);
        buffer.putBytes(offset, bytes);
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(4);
        final int length = kv.apply(1, 1, buffer, offset, bytes.length, response);
        assertTrue(KvClientCodec.isValidResponse(response, 0, length));
        if (KvClientCodec.status(response, 0) == KvResponse.BAD_REQUEST)
        {
            assertEquals(digest, kv.digest());
            assertEquals(size, kv.size());
        }
    }
}
