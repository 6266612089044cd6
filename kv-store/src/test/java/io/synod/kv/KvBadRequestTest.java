package io.synod.kv;

import io.synod.kv.Kv.Result;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.function.Consumer;

import static io.synod.kv.Kv.bytes;
import static io.synod.kv.Kv.get;
import static io.synod.kv.Kv.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Oversized and malformed commands are answered BAD_REQUEST and change nothing; none throws.
 */
class KvBadRequestTest
{
    private static final Result BAD_REQUEST = Result.of(KvResponse.BAD_REQUEST, 0);

    private final KeyValueStateMachine kv = new KeyValueStateMachine();
    private long digestBefore;

    @BeforeEach
    void populate()
    {
        put(kv, bytes("a"), bytes("1"));
        put(kv, bytes("b"), bytes("2"));
        put(kv, bytes("b"), bytes("3"));
        digestBefore = kv.digest();
    }

    @Test
    void shouldRejectKeyLongerThanMaximum()
    {
        assertBadRequest(frame(KvCommand.PUT, KvCommand.MAX_KEY_LENGTH + 1, 1, 0, c -> {}));
        assertBadRequest(frame(KvCommand.GET, KvCommand.MAX_KEY_LENGTH + 1, 0, 0, c -> {}));
        assertBadRequest(frame(KvCommand.PUT, 0xFFFF, 0, 0, c -> {}));
    }

    @Test
    void shouldRejectValueLongerThanMaximum()
    {
        assertBadRequest(frame(KvCommand.PUT, 1, KvCommand.MAX_VALUE_LENGTH + 1, 0, c -> {}));
        assertBadRequest(frame(KvCommand.COMPARE_AND_SET, 1, KvCommand.MAX_VALUE_LENGTH + 1, 0, c -> {}));
    }

    @Test
    void shouldRefuseToEncodeOversizedKeyOrValueOnTheClient()
    {
        assertThrows(IllegalArgumentException.class,
            () -> KvClientCodec.put(new byte[KvCommand.MAX_KEY_LENGTH + 1], new byte[0]));
        assertThrows(IllegalArgumentException.class,
            () -> KvClientCodec.put(new byte[1], new byte[KvCommand.MAX_VALUE_LENGTH + 1]));
        assertThrows(IllegalArgumentException.class, () -> KvClientCodec.compareAndSet(new byte[1], -1, new byte[0]));
    }

    @Test
    void shouldRejectEveryTruncationOfAValidCommand()
    {
        final byte[] command = KvClientCodec.compareAndSet(bytes("a"), 1, bytes("new value"));
        for (int length = 0; length < command.length; length++)
        {
            assertBadRequest(Arrays.copyOf(command, length));
        }
    }

    @Test
    void shouldRejectAValidCommandWithTrailingBytes()
    {
        final byte[] command = KvClientCodec.put(bytes("a"), bytes("x"));
        assertBadRequest(Arrays.copyOf(command, command.length + 1));
    }

    @Test
    void shouldRejectUnknownOpCodes()
    {
        for (final int opCode : new int[]{0, 5, 6, 127, 128, 255})
        {
            assertBadRequest(frame(opCode, 1, 1, 0, c -> {}));
        }
    }

    @Test
    void shouldRejectNonZeroReservedByte()
    {
        assertBadRequest(frame(KvCommand.PUT, 1, 1, 0, c -> c.reserved(1)));
    }

    @Test
    void shouldRejectFieldsAnOpDoesNotUse()
    {
        assertBadRequest(frame(KvCommand.GET, 1, 1, 0, c -> {}));
        assertBadRequest(frame(KvCommand.DELETE, 1, 1, 0, c -> {}));
        assertBadRequest(frame(KvCommand.GET, 1, 0, 1, c -> {}));
        assertBadRequest(frame(KvCommand.DELETE, 1, 0, 1, c -> {}));
        assertBadRequest(frame(KvCommand.PUT, 1, 1, 2, c -> {}));
    }

    @Test
    void shouldRejectNegativeLengthsAndVersions()
    {
        assertBadRequest(frame(KvCommand.PUT, 1, 1, 0, c -> c.valueLength(-1)));
        assertBadRequest(frame(KvCommand.PUT, 1, 1, 0, c -> c.valueLength(Integer.MIN_VALUE)));
        assertBadRequest(frame(KvCommand.COMPARE_AND_SET, 1, 1, -1, c -> {}));
        assertBadRequest(frame(KvCommand.COMPARE_AND_SET, 1, 1, Long.MIN_VALUE, c -> {}));
    }

    @Test
    void shouldRejectLengthBeyondTheBufferWithoutReadingIt()
    {
        final byte[] command = KvClientCodec.put(bytes("a"), bytes("x"));
        final UnsafeBuffer buffer = new UnsafeBuffer(command);
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(8);
        assertEquals(BAD_REQUEST, Kv.decode(response, 0, kv.apply(1, 1, buffer, 0, command.length + 1, response)));
        assertEquals(BAD_REQUEST, Kv.decode(response, 0, kv.apply(1, 1, buffer, 4, command.length, response)));
        assertEquals(BAD_REQUEST, Kv.decode(response, 0, kv.apply(1, 1, buffer, 0, -1, response)));
        assertEquals(BAD_REQUEST, Kv.decode(response, 0, kv.apply(1, 1, buffer, 0, Integer.MAX_VALUE, response)));
        assertEquals(digestBefore, kv.digest());
    }

    private void assertBadRequest(final byte[] command)
    {
        assertEquals(BAD_REQUEST, Kv.apply(kv, command), () -> "command of " + command.length + " bytes");
        assertEquals(digestBefore, kv.digest());
        assertEquals(2, kv.size());
        assertEquals(Result.ok(2, bytes("3")), get(kv, bytes("b")));
    }

    /** A frame whose lengths match its size, so only the named field is wrong. */
    private static byte[] frame(
        final int opCode, final int keyLength, final int valueLength, final long expectedVersion, final Consumer<KvCommand> tweak)
    {
        final byte[] bytes = new byte[KvCommand.HEADER_LENGTH + keyLength + valueLength];
        final KvCommand command = new KvCommand().wrap(new UnsafeBuffer(bytes), 0);
        command.encodeHeader(opCode, keyLength, valueLength, expectedVersion);
        tweak.accept(command);
        return bytes;
    }
}
