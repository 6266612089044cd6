package io.synod.quorum;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.Transport;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client protocol on the application-message path: a remote client's CLIENT_PUT and CLIENT_GET (from 0,
 * with its connection id) run on the member's node and are answered to that client — status, overlap and
 * strictness flags, the siblings' set whose join is the context; a delete with that context hides the value;
 * refusals are answered at once; a member's message type sent by a client is dropped and counted.
 */
class ClientProtocolTest
{
    private static final int KEYSPACE = 5;
    private static final long CLIENT = 9;

    /** Replies to clients copied out; no members to send to. */
    private static final class ClientCapture implements Transport
    {
        final UnsafeBuffer last = new UnsafeBuffer(new byte[64 * 1024]);
        int lastLength;
        long lastClient;

        @Override
        public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
        {
            return true;
        }

        @Override
        public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
        {
            last.putBytes(0, buffer, offset, length);
            lastLength = length;
            lastClient = clientId;
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            return 0;
        }
    }

    private final ClientCapture transport = new ClientCapture();
    private final QuorumNode node;
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[4096]);

    ClientProtocolTest()
    {
        final RaftConfig config = new RaftConfig().clusterId(7).memberId(1).members(1).observer(RaftObserver.NONE);
        final ProposalHandler ignore = new ProposalHandler()
        {
            @Override
            public void onCommitted(final int groupId, final long correlationId, final long index, final DirectBuffer response,
                final int offset, final int length)
            {
            }

            @Override
            public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
            {
            }
        };
        final RaftNode raft = new RaftNode(config, new InMemoryRaftLog(16, 1024), new InMemoryHardState(),
            (index, term, command, offset, length, response) -> 0, transport, new SplittableRandom(1), ignore);
        final RaftAgent agent = new RaftAgent(() -> 1_000_000L, transport, 4096, raft);
        final QuorumListener local = new QuorumListener()
        {
            @Override
            public void onPutComplete(final long correlationId, final int status, final boolean overlaps, final boolean strict)
            {
                throw new AssertionError("a client's put reached the local listener");
            }

            @Override
            public void onGetComplete(final long correlationId, final int status, final DvvSet siblings, final boolean overlaps)
            {
                throw new AssertionError("a client's get reached the local listener");
            }
        };
        node = QuorumNode.attach(new QuorumConfig().keyspaceId(KEYSPACE).n(1).w(1).r(1), agent, 1,
            new HashRing(new int[]{1}, 8), new InMemoryReplicaStore(), local);
    }

    private int clientPut(final long requestId, final int w, final byte flags, final DirectBuffer context, final int contextLength,
        final String value)
    {
        QuorumCodec.encodeHeader(message, ClientRequests.CLIENT_PUT, w, flags, KEYSPACE, requestId);
        message.putByte(QuorumCodec.FORWARD_R_OFFSET, (byte)Consistency.ONE);
        message.putShort(QuorumCodec.FORWARD_KEY_LENGTH_OFFSET, (short)3);
        message.putShort(QuorumCodec.FORWARD_CONTEXT_LENGTH_OFFSET, (short)contextLength);
        message.putInt(QuorumCodec.FORWARD_VALUE_LENGTH_OFFSET, value.length());
        int at = QuorumCodec.FORWARD_KEY_OFFSET;
        message.putStringWithoutLengthAscii(at, "key");
        at += 3;
        message.putBytes(at, context, 0, contextLength);
        at += contextLength;
        at += message.putStringWithoutLengthAscii(at, value);
        node.onMessage(1_000_000L, 0, CLIENT, 0, message, 0, at);
        return QuorumCodec.status(transport.last, MessageHeader.LENGTH);
    }

    private DvvSet clientGet(final long requestId)
    {
        QuorumCodec.encodeHeader(message, ClientRequests.CLIENT_GET, Consistency.ONE, Consistency.ONE, KEYSPACE, requestId);
        final int length = QuorumCodec.encodeKey(message, new UnsafeBuffer("key".getBytes()), 0, 3);
        node.onMessage(1_000_000L, 0, CLIENT, 0, message, 0, length);
        final int body = MessageHeader.LENGTH;
        assertEquals(ClientRequests.CLIENT_GET_REPLY, QuorumCodec.type(transport.last, body));
        assertEquals(requestId, QuorumCodec.requestId(transport.last, body));
        final DvvSet set = new DvvSet(16, 16, 1024);
        assertTrue(set.decode(transport.last, body + QuorumCodec.GET_REPLY_SET_OFFSET,
            transport.lastLength - body - QuorumCodec.GET_REPLY_SET_OFFSET));
        return set;
    }

    @Test
    void shouldServeRemoteClientsOnTheMessagePath()
    {
        final UnsafeBuffer none = new UnsafeBuffer(new byte[0]);
        assertEquals(QuorumStatus.OK, clientPut(42, Consistency.ONE, (byte)0, none, 0, "hello"));
        assertEquals(CLIENT, transport.lastClient);
        final int body = MessageHeader.LENGTH;
        assertEquals(ClientRequests.CLIENT_PUT_REPLY, QuorumCodec.type(transport.last, body));
        assertEquals(42, QuorumCodec.requestId(transport.last, body));
        assertEquals(ClientRequests.FLAG_OVERLAPS | ClientRequests.FLAG_STRICT, QuorumCodec.flags(transport.last, body));

        final DvvSet read = clientGet(43);
        assertEquals(QuorumStatus.OK, QuorumCodec.status(transport.last, body));
        assertEquals(1, read.valueCount());
        assertEquals("hello", read.valueBuffer().getStringWithoutLengthAscii(read.valueOffset(0), read.valueLength(0)));

        final UnsafeBuffer context = new UnsafeBuffer(new byte[256]);
        final int contextLength = read.encodeContext(KEYSPACE, context, 0);
        assertEquals(QuorumStatus.OK, clientPut(44, Consistency.ONE, DvvSet.TOMBSTONE, context, contextLength, ""));
        final DvvSet deleted = clientGet(45);
        assertEquals(QuorumStatus.NOT_FOUND, QuorumCodec.status(transport.last, body));
        assertEquals(0, deleted.liveValueCount(), "the delete superseded the value it read");

        assertEquals(QuorumStatus.BAD_CONSISTENCY, clientPut(46, 5, (byte)0, none, 0, "x"), "W > N refused at once, answered");
        assertEquals(QuorumStatus.BAD_REQUEST, clientPut(47, Consistency.ONE, (byte)4, none, 0, "x"), "unknown value flags");
        assertEquals(6, node.clientRequests());

        final long dropped = node.droppedTotal();
        QuorumCodec.encodeHeader(message, QuorumCodec.GET_REQUEST, 0, 0, KEYSPACE, 48);
        node.onMessage(1_000_000L, 0, CLIENT, 0, message, 0, QuorumCodec.encodeKey(message, new UnsafeBuffer("key".getBytes()), 0, 3));
        assertEquals(dropped + 1, node.droppedTotal(), "a member's message type from a client is dropped and counted");
        assertEquals(0, node.inFlight());
    }
}
