package io.synod.kv;

import io.synod.kv.Kv.Result;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.synod.kv.Kv.bytes;
import static io.synod.kv.Kv.cas;
import static io.synod.kv.Kv.delete;
import static io.synod.kv.Kv.get;
import static io.synod.kv.Kv.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation and version rule of the class javadoc, one behaviour per test.
 */
class KeyValueStateMachineTest
{
    private final KeyValueStateMachine kv = new KeyValueStateMachine();
    private final byte[] key = bytes("alpha");

    @Test
    void shouldStartVersionAtOneOnFirstPut()
    {
        assertEquals(Result.ok(1), put(kv, key, bytes("a")));
        assertEquals(Result.ok(1, bytes("a")), get(kv, key));
    }

    @Test
    void shouldIncrementVersionByOneOnEachPutEvenWithTheSameValue()
    {
        put(kv, key, bytes("a"));
        assertEquals(Result.ok(2), put(kv, key, bytes("a")));
        assertEquals(Result.ok(3), put(kv, key, bytes("b")));
        assertEquals(Result.ok(3, bytes("b")), get(kv, key));
    }

    @Test
    void shouldKeepVersionsPerKey()
    {
        put(kv, key, bytes("a"));
        put(kv, key, bytes("a"));
        assertEquals(Result.ok(1), put(kv, bytes("beta"), bytes("b")));
        assertEquals(Result.ok(2, bytes("a")), get(kv, key));
    }

    @Test
    void shouldAnswerNotFoundWithVersionZeroForAbsentKey()
    {
        assertEquals(Result.of(KvResponse.NOT_FOUND, 0), get(kv, key));
    }

    @Test
    void shouldNotChangeStateOnGet()
    {
        put(kv, key, bytes("a"));
        final long digest = kv.digest();
        get(kv, key);
        get(kv, bytes("other"));
        assertEquals(digest, kv.digest());
        assertEquals(1, kv.size());
    }

    @Test
    void shouldDeleteExistingKeyAndReturnTheVersionItHad()
    {
        put(kv, key, bytes("a"));
        put(kv, key, bytes("b"));
        assertEquals(Result.ok(2), delete(kv, key));
        assertEquals(Result.of(KvResponse.NOT_FOUND, 0), get(kv, key));
        assertEquals(0, kv.size());
    }

    @Test
    void shouldAnswerNotFoundWhenDeletingAbsentKey()
    {
        assertEquals(Result.of(KvResponse.NOT_FOUND, 0), delete(kv, key));
        put(kv, key, bytes("a"));
        delete(kv, key);
        assertEquals(Result.of(KvResponse.NOT_FOUND, 0), delete(kv, key));
    }

    @Test
    void shouldRestartVersionAtOneWhenPuttingAfterDelete()
    {
        put(kv, key, bytes("a"));
        put(kv, key, bytes("b"));
        put(kv, key, bytes("c"));
        delete(kv, key);
        assertEquals(Result.ok(1), put(kv, key, bytes("d")));
        assertEquals(Result.ok(1, bytes("d")), get(kv, key));
    }

    @Test
    void shouldCompareAndSetWhenVersionMatches()
    {
        put(kv, key, bytes("a"));
        put(kv, key, bytes("b"));
        assertEquals(Result.ok(3), cas(kv, key, 2, bytes("c")));
        assertEquals(Result.ok(3, bytes("c")), get(kv, key));
    }

    @Test
    void shouldFailCompareAndSetWithCurrentVersionWhenVersionDiffers()
    {
        put(kv, key, bytes("a"));
        put(kv, key, bytes("b"));
        final long digest = kv.digest();
        assertEquals(Result.of(KvResponse.VERSION_MISMATCH, 2), cas(kv, key, 1, bytes("c")));
        assertEquals(Result.of(KvResponse.VERSION_MISMATCH, 2), cas(kv, key, 3, bytes("c")));
        assertEquals(digest, kv.digest());
        assertEquals(Result.ok(2, bytes("b")), get(kv, key));
    }

    @Test
    void shouldCreateAbsentKeyAtVersionOneWithCompareAndSetOfVersionZero()
    {
        assertEquals(Result.ok(1), cas(kv, key, 0, bytes("a")));
        assertEquals(Result.ok(1, bytes("a")), get(kv, key));
    }

    @Test
    void shouldFailCompareAndSetOfVersionZeroWhenKeyExists()
    {
        put(kv, key, bytes("a"));
        assertEquals(Result.of(KvResponse.VERSION_MISMATCH, 1), cas(kv, key, 0, bytes("b")));
        assertEquals(Result.ok(1, bytes("a")), get(kv, key));
    }

    @Test
    void shouldFailCompareAndSetOnAbsentKeyWithVersionZeroInResponse()
    {
        assertEquals(Result.of(KvResponse.VERSION_MISMATCH, 0), cas(kv, key, 1, bytes("a")));
        put(kv, key, bytes("a"));
        delete(kv, key);
        assertEquals(Result.of(KvResponse.VERSION_MISMATCH, 0), cas(kv, key, 1, bytes("b")));
        assertEquals(0, kv.size());
    }

    @Test
    void shouldTreatEmptyKeyAndEmptyValueAsOrdinary()
    {
        final byte[] empty = new byte[0];
        assertEquals(Result.ok(1), put(kv, empty, empty));
        assertEquals(Result.ok(1, empty), get(kv, empty));
        assertEquals(Result.ok(2), put(kv, empty, bytes("x")));
        assertEquals(Result.ok(2, bytes("x")), get(kv, empty));
        assertEquals(Result.of(KvResponse.NOT_FOUND, 0), get(kv, bytes("x")));
        assertEquals(Result.ok(2), delete(kv, empty));
    }

    @Test
    void shouldAcceptTheLongestKeyAndValue()
    {
        final byte[] longKey = filled(KvCommand.MAX_KEY_LENGTH, 7);
        final byte[] longValue = filled(KvCommand.MAX_VALUE_LENGTH, 9);
        assertEquals(Result.ok(1), put(kv, longKey, longValue));
        assertEquals(Result.ok(1, longValue), get(kv, longKey));
    }

    @Test
    void shouldShrinkAndGrowValuesOfOneKey()
    {
        put(kv, key, filled(1000, 1));
        put(kv, key, filled(10, 2));
        assertEquals(Result.ok(2, filled(10, 2)), get(kv, key));
        put(kv, key, filled(5000, 3));
        assertEquals(Result.ok(3, filled(5000, 3)), get(kv, key));
        put(kv, key, new byte[0]);
        assertEquals(Result.ok(4, new byte[0]), get(kv, key));
    }

    @Test
    void shouldDistinguishKeysThatArePrefixesOfEachOther()
    {
        put(kv, bytes("abcdefgh"), bytes("8"));
        put(kv, bytes("abcdefghi"), bytes("9"));
        put(kv, bytes("abcdefg"), bytes("7"));
        assertEquals(Result.ok(1, bytes("8")), get(kv, bytes("abcdefgh")));
        assertEquals(Result.ok(1, bytes("9")), get(kv, bytes("abcdefghi")));
        assertEquals(Result.ok(1, bytes("7")), get(kv, bytes("abcdefg")));
    }

    @Test
    void shouldKeepEveryKeyAcrossTableGrowthAndDeletes()
    {
        final KeyValueStateMachine small = new KeyValueStateMachine(0);
        for (int i = 0; i < 20_000; i++)
        {
            put(small, bytes("k" + i), bytes("v" + i));
        }
        for (int i = 0; i < 20_000; i += 3)
        {
            assertEquals(Result.ok(1), delete(small, bytes("k" + i)));
        }
        for (int i = 0; i < 20_000; i++)
        {
            final Result expected = i % 3 == 0 ? Result.of(KvResponse.NOT_FOUND, 0) : Result.ok(1, bytes("v" + i));
            assertEquals(expected, get(small, bytes("k" + i)), "k" + i);
        }
        assertEquals(20_000 - 6667, small.size());
    }

    @Test
    void shouldReadLocallyAsGetWouldWithoutChangingState()
    {
        put(kv, key, bytes("a"));
        put(kv, key, bytes("bb"));
        final long digest = kv.digest();
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(key);
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(8);

        final int length = kv.read(keyBuffer, 0, key.length, out, 5);
        assertEquals(Result.ok(2, bytes("bb")), Kv.decode(out, 5, length));
        assertEquals(2, kv.version(keyBuffer, 0, key.length));

        final UnsafeBuffer absent = new UnsafeBuffer(bytes("zz"));
        assertEquals(Result.of(KvResponse.NOT_FOUND, 0), Kv.decode(out, 0, kv.read(absent, 0, 2, out, 0)));
        assertEquals(0, kv.version(absent, 0, 2));

        final UnsafeBuffer tooLong = new UnsafeBuffer(new byte[KvCommand.MAX_KEY_LENGTH + 1]);
        assertEquals(Result.of(KvResponse.BAD_REQUEST, 0),
            Kv.decode(out, 0, kv.read(tooLong, 0, tooLong.capacity(), out, 0)));
        assertEquals(digest, kv.digest());
    }

    @Test
    void shouldDigestContentsIndependentlyOfHistory()
    {
        final KeyValueStateMachine other = new KeyValueStateMachine(0);
        put(kv, bytes("a"), bytes("1"));
        put(kv, bytes("b"), bytes("2"));
        put(kv, bytes("c"), bytes("3"));
        delete(kv, bytes("c"));

        put(other, bytes("b"), bytes("2"));
        put(other, bytes("x"), bytes("9"));
        put(other, bytes("a"), bytes("1"));
        delete(other, bytes("x"));

        assertEquals(kv.digest(), other.digest());
        assertTrue(kv.contentEquals(other));
        assertTrue(other.contentEquals(kv));

        put(other, bytes("a"), bytes("1"));
        assertNotEquals(kv.digest(), other.digest(), "the version is part of the state");
        assertFalse(kv.contentEquals(other));
    }

    @Test
    void shouldDigestEmptyStatesEqually()
    {
        assertEquals(new KeyValueStateMachine().digest(), new KeyValueStateMachine(100_000).digest());
        put(kv, key, bytes("a"));
        delete(kv, key);
        assertEquals(new KeyValueStateMachine().digest(), kv.digest());
    }

    @Test
    void shouldEncodeWithBufferAndArrayCodecsIdentically()
    {
        final byte[] value = bytes("value");
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(key);
        final UnsafeBuffer valueBuffer = new UnsafeBuffer(value);

        int length = KvClientCodec.encodePut(buffer, 2, keyBuffer, 0, key.length, valueBuffer, 0, value.length);
        assertArrayEquals(KvClientCodec.put(key, value), Arrays.copyOfRange(buffer.byteArray(), 2, 2 + length));
        length = KvClientCodec.encodePut(buffer, 2, key, value);
        assertArrayEquals(KvClientCodec.put(key, value), Arrays.copyOfRange(buffer.byteArray(), 2, 2 + length));
        length = KvClientCodec.encodeGet(buffer, 2, keyBuffer, 0, key.length);
        assertArrayEquals(KvClientCodec.get(key), Arrays.copyOfRange(buffer.byteArray(), 2, 2 + length));
        length = KvClientCodec.encodeDelete(buffer, 2, keyBuffer, 0, key.length);
        assertArrayEquals(KvClientCodec.delete(key), Arrays.copyOfRange(buffer.byteArray(), 2, 2 + length));
        length = KvClientCodec.encodeCompareAndSet(buffer, 2, keyBuffer, 0, key.length, 5, valueBuffer, 0, value.length);
        assertArrayEquals(KvClientCodec.compareAndSet(key, 5, value), Arrays.copyOfRange(buffer.byteArray(), 2, 2 + length));

        final KvCommand command = new KvCommand().wrap(buffer, 2);
        assertTrue(command.validate(length));
        assertEquals(KvCommand.COMPARE_AND_SET, command.opCode());
        assertEquals(key.length, command.keyLength());
        assertEquals(value.length, command.valueLength());
        assertEquals(5, command.expectedVersion());
    }

    @Test
    void shouldDecodeValueOfOkResponseOnlyWithClientCodec()
    {
        put(kv, key, bytes("hello"));
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(8);
        final UnsafeBuffer command = new UnsafeBuffer(KvClientCodec.get(key));
        final int length = kv.apply(1, 1, command, 0, command.capacity(), response);
        assertTrue(new KvResponse().wrap(response, 0).validate(length));
        assertArrayEquals(bytes("hello"), KvClientCodec.value(response, 0));
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[8]);
        assertEquals(5, KvClientCodec.copyValue(response, 0, copy, 1));
        assertEquals('h', copy.getByte(1));

        final UnsafeBuffer missing = new UnsafeBuffer(KvClientCodec.get(bytes("nope")));
        kv.apply(1, 1, missing, 0, missing.capacity(), response);
        assertEquals(null, KvClientCodec.value(response, 0));
    }

    static byte[] filled(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i);
        }
        return bytes;
    }
}
