package io.synod.client;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client protocol's codecs: what a member accepts ({@link ClientRequest#validate}), what a client accepts
 * ({@link ClientResponse#validate}, {@link ListPage#decode}, {@link MemberStatus#decode}), and that random bytes
 * never make any of them throw or read past the frame.
 */
class ClientCodecTest
{
    private static final int READ_MODES = 3;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final ClientRequest request = new ClientRequest();

    private int header(final int op, final int readMode, final long session, final long argument)
    {
        return request.wrap(buffer, 0).encodeHeader(op, readMode, 77, session, argument);
    }

    @Test
    void shouldAcceptWellFormedRequests()
    {
        assertTrue(request.wrap(buffer, 0).validate(header(ClientProtocol.OPEN_SESSION, 0, 5, 1_000), READ_MODES));
        assertTrue(request.validate(header(ClientProtocol.KEEP_ALIVE, 0, 5, 0), READ_MODES));
        assertTrue(request.validate(header(ClientProtocol.STATUS, 0, 0, 0), READ_MODES));
        assertTrue(request.validate(header(ClientProtocol.KV_GET, 2, 0, 0) + 3, READ_MODES));
        assertTrue(request.validate(header(ClientProtocol.KV_WRITE, 0, 5, 1) + 20, READ_MODES));
        header(ClientProtocol.KV_LIST, 0, 0, 100);
        final int length = request.encodeList("ab".getBytes(StandardCharsets.UTF_8), "abc".getBytes(StandardCharsets.UTF_8));
        assertTrue(request.validate(length, READ_MODES));
        assertEquals(2, request.listPrefixLength());
        assertEquals(3, request.listAfterLength());
        assertEquals(77, request.requestId());
    }

    @Test
    void shouldRefuseMalformedRequests()
    {
        assertFalse(request.wrap(buffer, 0).validate(ClientRequest.HEADER_LENGTH - 1, READ_MODES), "short");
        assertFalse(request.validate(header(ClientProtocol.STATUS, 0, 0, 0) + 1, READ_MODES), "a body where none belongs");
        assertFalse(request.validate(header(ClientProtocol.OPEN_SESSION, 0, 5, 0), READ_MODES), "no TTL");
        assertFalse(request.validate(header(ClientProtocol.KEEP_ALIVE, 0, 0, 0), READ_MODES), "no session");
        assertFalse(request.validate(header(ClientProtocol.KV_WRITE, 0, 5, 0) + 20, READ_MODES), "no sequence");
        assertFalse(request.validate(header(ClientProtocol.KV_GET, READ_MODES, 0, 0), READ_MODES), "no such read mode");
        assertFalse(request.validate(header(ClientProtocol.KV_GET, 0, 0, 0) + ClientRequest.MAX_KEY_LENGTH + 1, READ_MODES), "key too long");
        assertFalse(request.validate(header(0, 0, 0, 0), READ_MODES), "op 0");
        assertFalse(request.validate(header(ClientProtocol.OP_MAX + 1, 0, 0, 0), READ_MODES), "unknown op");
        header(ClientProtocol.STATUS, 0, 0, 0);
        buffer.putByte(0, (byte)2);
        assertFalse(request.validate(ClientRequest.HEADER_LENGTH, READ_MODES), "another version");
        header(ClientProtocol.STATUS, 0, 0, 0);
        buffer.putByte(3, (byte)1);
        assertFalse(request.validate(ClientRequest.HEADER_LENGTH, READ_MODES), "reserved byte set");
        assertFalse(request.validate(buffer.capacity() + 1, READ_MODES), "longer than the buffer");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, ClientProtocol.LIST_LIMIT_MAX + 1})
    void shouldRefuseAListLimitOutOfBounds(final int limit)
    {
        header(ClientProtocol.KV_LIST, 0, 0, limit);
        assertFalse(request.validate(request.encodeList(new byte[0], new byte[0]), READ_MODES));
    }

    @Test
    void shouldRefuseListLengthsThatDoNotFillTheBody()
    {
        header(ClientProtocol.KV_LIST, 0, 0, 10);
        final int length = request.encodeList(new byte[] {1, 2}, new byte[] {3});
        assertFalse(request.validate(length - 1, READ_MODES));
        assertFalse(request.validate(length + 1, READ_MODES));
    }

    @Test
    void shouldRoundTripAListPage()
    {
        final int start = 40;
        int at = start + ListPage.HEADER_LENGTH;
        at = ListPage.encodeEntry(buffer, at, bytes("a"), bytes("1xx"), 1, 3);
        at = ListPage.encodeEntry(buffer, at, bytes("b"), new byte[0], 0, 1);
        ListPage.encodeHeader(buffer, start, 2, true);
        final ListPage page = ListPage.decode(buffer, start, at - start);
        assertEquals(2, page.entries().size());
        assertEquals("a", page.entries().get(0).keyString());
        assertEquals("1", page.entries().get(0).valueString());
        assertEquals(3, page.entries().get(0).version());
        assertTrue(page.more());
        assertArrayEquals(bytes("b"), page.continuationKey());
        assertNull(ListPage.decode(buffer, start, at - start - 1), "truncated");
        assertNull(ListPage.decode(buffer, start, at - start + 1), "trailing bytes");
        buffer.putInt(start, 3, ByteOrder.LITTLE_ENDIAN);
        assertNull(ListPage.decode(buffer, start, at - start), "count beyond the entries");
        assertEquals(List.of(), new ListPage(List.of(), false).entries());
        assertNull(new ListPage(List.of(), false).continuationKey());
    }

    @Test
    void shouldRoundTripAStatus()
    {
        MemberStatus.encode(buffer, 8, 2, 3, 7, 2, 1, 100, 99, 5, 0xABCDL, 4);
        final MemberStatus status = MemberStatus.decode(buffer, 8, MemberStatus.LENGTH);
        assertEquals(new MemberStatus(2, "LEADER", 7, 2, 1, 100, 99, 5, 0xABCDL, 4), status);
        assertNull(MemberStatus.decode(buffer, 8, MemberStatus.LENGTH - 1));
        buffer.putInt(12, 99, ByteOrder.LITTLE_ENDIAN);
        assertNull(MemberStatus.decode(buffer, 8, MemberStatus.LENGTH), "no such role");
    }

    /** Seeded fuzz: random frames, and valid frames with random bytes flipped, never throw in any decoder. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldNeverThrowOnRandomBytes(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[512]);
        final ClientResponse response = new ClientResponse();
        for (int i = 0; i < 20_000; i++)
        {
            final int length = random.nextInt(frame.capacity() + 1);
            for (int b = 0; b < length; b++)
            {
                frame.putByte(b, (byte)random.nextInt(256));
            }
            if (random.nextBoolean() && length >= ClientRequest.HEADER_LENGTH)
            {
                // Mostly-valid headers reach the body checks.
                frame.putByte(0, (byte)ClientProtocol.VERSION);
                frame.putByte(3, (byte)0);
                frame.putInt(4, 0);
                frame.putByte(1, (byte)(1 + random.nextInt(ClientProtocol.OP_MAX)));
            }
            request.wrap(frame, 0).validate(length, READ_MODES);
            response.wrap(frame, 0).validate(length);
            ListPage.decode(frame, 0, length);
            MemberStatus.decode(frame, 0, length);
        }
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
