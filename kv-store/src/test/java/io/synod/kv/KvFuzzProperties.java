package io.synod.kv;

import io.synod.raft.Gen;
import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.LongStream;

import static io.synod.kv.Kv.bytes;
import static io.synod.kv.Kv.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Garbage never makes {@code apply} throw, every answer is a well-formed response, and a BAD_REQUEST
 * never changes the state. Each case draws its bytes from its seed ({@link Gen}); a failure names the seed
 * and the command that replays it.
 */
@ExtendWith(ReplaySeed.class)
class KvFuzzProperties
{
    static LongStream seeds2000()
    {
        return Seeds.upTo(2000);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds2000")
    void shouldNeverThrowOnRandomBytes(final long seed)
    {
        final Gen gen = new Gen(seed);
        final byte[] garbage = gen.bytes(200);
        final int offset = gen.intBetween(0, 8);
        assertSafe(populated(), garbage, offset);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds2000")
    void shouldNeverThrowOnACorruptedValidCommand(final long seed)
    {
        final Gen gen = new Gen(seed);
        final int opCode = gen.intBetween(1, 4);
        final byte[] key = gen.bytes(40);
        final byte[] value = gen.bytes(40);
        final long expectedVersion = gen.longBetween(0, 3);
        final int position = gen.intBetween(0, 200);
        final byte replacement = gen.anyByte();
        final int lengthChange = gen.intBetween(-3, 3);
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
