package io.synod.quorum;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input at both edges. Callers get a clear refusal code and nothing starts: W or R above N, an empty or
 * oversize key, an oversize value, a context from another keyspace, garbage context bytes. Members' messages
 * that are malformed — garbage, truncated, flipped bytes, another version, another keyspace, sets that break
 * the DVV rules — are dropped and counted and never throw; the nodes keep working afterwards.
 */
class BadInputTest
{
    private final LoopbackQuorum quorum = new LoopbackQuorum();
    private final UnsafeBuffer key = new UnsafeBuffer("key-1".getBytes());
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[1024]);

    @Test
    void shouldRefuseBadRequestsWithClearCodes()
    {
        final QuorumNode node = quorum.nodes[1];
        final long now = quorum.nowNs();
        final UnsafeBuffer none = new UnsafeBuffer(new byte[0]);
        assertEquals(QuorumStatus.BAD_CONSISTENCY, node.put(now, 1, key, 0, 5, none, 0, 0, value, 0, 8, 4, 0), "W > N");
        assertEquals(QuorumStatus.BAD_CONSISTENCY, node.get(now, 2, key, 0, 5, 4, 0), "R > N");
        assertEquals(QuorumStatus.BAD_CONSISTENCY, node.get(now, 2, key, 0, 5, -7, 0), "unknown level");
        assertEquals(QuorumStatus.BAD_REQUEST, node.put(now, 3, key, 0, 0, none, 0, 0, value, 0, 8, 0, 0), "empty key");
        assertEquals(QuorumStatus.TOO_LARGE, node.put(now, 4, new UnsafeBuffer(new byte[65]), 0, 65, none, 0, 0, value, 0, 8, 0, 0));
        assertEquals(QuorumStatus.TOO_LARGE, node.put(now, 5, key, 0, 5, none, 0, 0, value, 0, 257, 0, 0), "oversize value");
        assertEquals(QuorumStatus.TOO_LARGE, quorum.atomics[1].write(now, 6, key, 0, 5, value, 0, 257));

        final DvvSet other = new DvvSet(4, 4, 16);
        other.event(2, value, 0, 1, (byte)0);
        final UnsafeBuffer foreign = new UnsafeBuffer(new byte[64]);
        final int foreignLength = other.encodeContext(LoopbackQuorum.KEYSPACE + 1, foreign, 0);
        assertEquals(QuorumStatus.WRONG_KEYSPACE, node.put(now, 7, key, 0, 5, foreign, 0, foreignLength, value, 0, 8, 0, 0));
        assertEquals(1, node.wrongKeyspace());
        assertEquals(QuorumStatus.BAD_REQUEST, node.put(now, 8, key, 0, 5, foreign, 0, 5, value, 0, 8, 0, 0), "garbage context");
        assertEquals(0, node.inFlight(), "no refused request holds a slot");
        assertEquals(0, quorum.completed, "no callback for a refusal");

        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new QuorumConfig().n(3).w(4).conclude());
        assertTrue(bad.getMessage().contains("w = 4 is not valid for n = 3"), bad.getMessage());

        final IllegalArgumentException hints = assertThrows(IllegalArgumentException.class,
            () -> new QuorumConfig().hintedHandoff(true).hintTtlNs(10_000).tombstoneGraceNs(10_000).conclude());
        assertTrue(hints.getMessage().contains("must be below tombstoneGraceNs"), hints.getMessage());

        // W + R <= N is allowed, and flagged.
        quorum.cluster.awaitLeader(5_000_000_000L);
        assertEquals(QuorumStatus.OK, node.put(quorum.nowNs(), 9, key, 0, 5, none, 0, 0, value, 0, 8, Consistency.ONE, Consistency.ONE));
        quorum.awaitCompleted(1, 1_000);
        assertEquals(QuorumStatus.OK, quorum.lastStatus);
        assertTrue(!quorum.lastOverlaps, "W + R <= N is flagged as not reading its own writes");
        assertEquals(QuorumStatus.OK, node.get(quorum.nowNs(), 10, key, 0, 5, Consistency.QUORUM, Consistency.QUORUM));
        quorum.awaitCompleted(2, 1_000);
        assertTrue(quorum.lastOverlaps);
    }

    @Test
    void shouldDropAndCountMalformedMessagesWithoutThrowing()
    {
        quorum.cluster.awaitLeader(5_000_000_000L);
        final QuorumNode node = quorum.nodes[2];
        final AtomicNode atomic = quorum.atomics[2];
        final UnsafeBuffer message = new UnsafeBuffer(new byte[2048]);
        final long now = quorum.nowNs();

        // Valid messages of every type, as templates.
        final DvvSet set = new DvvSet(16, 16, 256);
        set.event(1, value, 0, 16, (byte)0);
        final int[] lengths = new int[10];
        final byte[][] templates = new byte[10][];
        int t = 0;
        QuorumCodec.encodeHeader(message, QuorumCodec.PUT_REQUEST, 0, 0, LoopbackQuorum.KEYSPACE, 77);
        int at = QuorumCodec.encodeKey(message, key, 0, 5);
        lengths[t] = at + set.encode(message, at);
        templates[t++] = copy(message, lengths[t - 1]);
        QuorumCodec.encodeHeader(message, QuorumCodec.GET_REQUEST, 0, 0, LoopbackQuorum.KEYSPACE, 78);
        lengths[t] = QuorumCodec.encodeKey(message, key, 0, 5);
        templates[t++] = copy(message, lengths[t - 1]);
        QuorumCodec.encodeHeader(message, QuorumCodec.GET_REPLY, 0, 0, LoopbackQuorum.KEYSPACE, 79);
        message.putInt(QuorumCodec.STATUS_OFFSET, 0);
        lengths[t] = QuorumCodec.GET_REPLY_SET_OFFSET + set.encode(message, QuorumCodec.GET_REPLY_SET_OFFSET);
        templates[t++] = copy(message, lengths[t - 1]);
        lengths[t] = QuorumCodec.encodeReply(message, QuorumCodec.PUT_REPLY, LoopbackQuorum.KEYSPACE, 80, 0);
        templates[t++] = copy(message, lengths[t - 1]);
        QuorumCodec.encodeHeader(message, QuorumCodec.QUERY, 0, 0, LoopbackQuorum.KEYSPACE, 81);
        lengths[t] = QuorumCodec.encodeKey(message, key, 0, 5);
        templates[t++] = copy(message, lengths[t - 1]);
        QuorumCodec.encodeHeader(message, QuorumCodec.UPDATE, 0, 0, LoopbackQuorum.KEYSPACE, 82);
        message.putLong(QuorumCodec.TS_OFFSET, 1);
        message.putInt(QuorumCodec.WRITER_OFFSET, 1);
        message.putLong(QuorumCodec.NONCE_OFFSET, 1);
        message.putShort(QuorumCodec.UPDATE_KEY_LENGTH_OFFSET, (short)5);
        message.putInt(QuorumCodec.UPDATE_VALUE_LENGTH_OFFSET, 3);
        message.putBytes(QuorumCodec.UPDATE_KEY_OFFSET, key, 0, 5);
        lengths[t] = QuorumCodec.UPDATE_KEY_OFFSET + 5 + 3;
        templates[t++] = copy(message, lengths[t - 1]);

        final SplittableRandom random = new SplittableRandom(15);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
        long sent = 0;
        for (int i = 0; i < 50_000; i++)
        {
            final byte[] template = templates[random.nextInt(t)];
            frame.putBytes(0, template);
            int length = template.length;
            switch (random.nextInt(5))
            {
                case 0:
                    length = random.nextInt(length); // truncated
                    break;
                case 1:
                    for (int flips = 1 + random.nextInt(3); flips > 0; flips--)
                    {
                        frame.putByte(random.nextInt(length), (byte)random.nextInt(256));
                    }
                    break;
                case 2:
                    length = random.nextInt(300); // garbage
                    for (int b = 0; b < length; b++)
                    {
                        frame.putByte(b, (byte)random.nextInt(256));
                    }
                    break;
                case 3:
                    frame.putInt(QuorumCodec.KEYSPACE_OFFSET, LoopbackQuorum.KEYSPACE + 1);
                    break;
                default:
                    frame.putByte(QuorumCodec.VERSION_OFFSET, (byte)9);
                    break;
            }
            node.onMessage(now, 1 + random.nextInt(3), 0, 0, frame, 0, length);
            atomic.onMessage(now, 1 + random.nextInt(3), 0, 0, frame, 0, length);
            sent++;
        }
        System.out.println("bad input: " + sent + " malformed messages to each node; dvv dropped " + node.droppedTotal() +
            " (bad length " + node.dropped(QuorumCodec.BAD_LENGTH) + ", bad version " + node.dropped(QuorumCodec.BAD_VERSION) +
            ", bad type " + node.dropped(QuorumCodec.BAD_TYPE) + ", bad field " + node.dropped(QuorumCodec.BAD_FIELD) +
            ", malformed sets " + node.malformedSets() + ", wrong keyspace " + node.wrongKeyspace() + "), stale replies " +
            node.staleReplies() + "; abd dropped " + atomic.droppedTotal());
        assertTrue(node.droppedTotal() > sent / 2 && atomic.droppedTotal() > sent / 2);
        assertTrue(node.malformedSets() > 0 && node.wrongKeyspace() > 0 && node.dropped(QuorumCodec.BAD_VERSION) > 0);

        // Still serving: a DVV write and read through the member that took the garbage.
        final UnsafeBuffer fresh = new UnsafeBuffer("fresh".getBytes());
        final UnsafeBuffer none = new UnsafeBuffer(new byte[0]);
        final long before = quorum.completed;
        assertEquals(QuorumStatus.OK, node.put(quorum.nowNs(), 1, fresh, 0, 5, none, 0, 0, value, 0, 8, Consistency.ALL, 0));
        quorum.awaitCompleted(before + 1, 1_000);
        assertEquals(QuorumStatus.OK, quorum.lastStatus);
        assertEquals(QuorumStatus.OK, node.get(quorum.nowNs(), 2, fresh, 0, 5, Consistency.ALL, 0));
        quorum.awaitCompleted(before + 2, 1_000);
        assertEquals(QuorumStatus.OK, quorum.lastStatus);
        assertEquals(1, quorum.lastSiblings);
    }

    private static byte[] copy(final UnsafeBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
