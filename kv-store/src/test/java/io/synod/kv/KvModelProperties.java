package io.synod.kv;

import io.synod.raft.Gen;
import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import io.synod.kv.Kv.Result;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The state machine against a "dumb oracle": a {@link HashMap} following the version rules of the
 * class javadoc literally. Few keys and a table sized for none, so probing, growth and
 * backward-shift deletion are all exercised. Each case draws its history from its seed ({@link Gen}); a
 * failure names the seed and the command that replays it.
 */
@ExtendWith(ReplaySeed.class)
class KvModelProperties
{
    /** One operation: op code, key number, expected version, value length. */
    record Op(int opCode, int key, long expectedVersion, int valueLength)
    {
    }

    record Versioned(byte[] value, long version)
    {
    }

    static LongStream seeds300()
    {
        return Seeds.upTo(300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds300")
    void shouldMatchTheModelOnEveryResponse(final long seed)
    {
        final List<Op> ops = history(new Gen(seed));
        final KeyValueStateMachine kv = new KeyValueStateMachine(0);
        final Map<ByteBuffer, Versioned> model = new HashMap<>();
        int step = 0;
        for (final Op op : ops)
        {
            final byte[] key = key(op.key());
            final byte[] value = KeyValueStateMachineTest.filled(op.valueLength(), step);
            final Versioned current = model.get(ByteBuffer.wrap(key));
            final long currentVersion = current == null ? 0 : current.version();
            final Result expected;
            final Result actual;
            switch (op.opCode())
            {
                case KvCommand.PUT ->
                {
                    expected = Result.ok(currentVersion + 1);
                    model.put(ByteBuffer.wrap(key), new Versioned(value, currentVersion + 1));
                    actual = Kv.put(kv, key, value);
                }
                case KvCommand.GET ->
                {
                    expected = current == null ? Result.of(KvResponse.NOT_FOUND, 0) : Result.ok(currentVersion, current.value());
                    actual = Kv.get(kv, key);
                }
                case KvCommand.DELETE ->
                {
                    expected = current == null ? Result.of(KvResponse.NOT_FOUND, 0) : Result.ok(currentVersion);
                    model.remove(ByteBuffer.wrap(key));
                    actual = Kv.delete(kv, key);
                }
                default ->
                {
                    if (op.expectedVersion() == currentVersion)
                    {
                        expected = Result.ok(currentVersion + 1);
                        model.put(ByteBuffer.wrap(key), new Versioned(value, currentVersion + 1));
                    }
                    else
                    {
                        expected = Result.of(KvResponse.VERSION_MISMATCH, currentVersion);
                    }
                    actual = Kv.cas(kv, key, op.expectedVersion(), value);
                }
            }
            assertEquals(expected, actual, "step " + step + " " + op);
            assertEquals(model.size(), kv.size(), "step " + step);
            step++;
        }

        for (int k = 0; k < 40; k++)
        {
            final Versioned v = model.get(ByteBuffer.wrap(key(k)));
            assertEquals(v == null ? Result.of(KvResponse.NOT_FOUND, 0) : Result.ok(v.version(), v.value()),
                Kv.get(kv, key(k)));
        }
    }

    /** Up to 400 operations of any kind on 40 keys, expected versions 0 to 4, values up to 100 bytes. */
    static List<Op> history(final Gen gen)
    {
        return gen.list(0, 400, g -> new Op(g.intBetween(1, 4), g.intBetween(0, 39), g.longBetween(0, 4), g.intBetween(0, 100)));
    }

    static byte[] key(final int k)
    {
        // Lengths 0..12: the empty key, tails shorter than a word, and keys spanning words.
        final byte[] key = new byte[k % 13];
        for (int i = 0; i < key.length; i++)
        {
            key[i] = (byte)(k * 7 + i);
        }
        return key;
    }
}
