package io.synod.coordinator;

import io.synod.client.ClientProtocol;
import io.synod.client.ClientRequest;
import io.synod.client.ClientResponse;
import io.synod.client.ListPage;
import io.synod.client.MemberStatus;
import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvClientCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.raft.ReadMode;
import io.synod.raft.Transport;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClientService} on one member, on virtual time: a {@link RaftAgent} over an in-memory log and a transport
 * that hands the agent client frames and keeps what the service sends back. Sessions, a retried write applied once,
 * reads in every mode, list bounded by its limit and by the message size, malformed frames dropped and counted, and
 * NOT_LEADER with the leader's id from a member that does not lead.
 */
class ClientServiceTest
{
    private static final int CLUSTER_ID = 9;
    private static final long CLIENT = 4711;

    /** Frames in, replies out; no network. */
    private static final class FakeTransport implements Transport
    {
        final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
        final ArrayDeque<byte[]> toClient = new ArrayDeque<>();

        @Override
        public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
        {
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            int polled = 0;
            byte[] frame;
            while (polled < fragmentLimit && (frame = inbound.poll()) != null)
            {
                handler.onFrame(new UnsafeBuffer(frame), 0, frame.length);
                polled++;
            }
            return polled;
        }

        @Override
        public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] body = new byte[length - MessageHeader.LENGTH];
            buffer.getBytes(offset + MessageHeader.LENGTH, body);
            toClient.add(body);
            return true;
        }
    }

    private final FakeTransport transport = new FakeTransport();
    private final KeyValueStateMachine stateMachine = new KeyValueStateMachine(16, true);
    private final LockPushes pushes = new LockPushes();
    private final io.synod.lock.LockStateMachine locks = new io.synod.lock.LockStateMachine(pushes);
    private final ServiceStateMachine services = new ServiceStateMachine(stateMachine, locks);
    private final ClientService service = new ClientService(stateMachine, locks, pushes);
    private long nowNs = TimeUnit.SECONDS.toNanos(1);
    private RaftAgent agent;
    private RaftNode node;

    private void start(final int... members)
    {
        final RaftConfig config = new RaftConfig().clusterId(CLUSTER_ID).memberId(1).members(members)
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(100)).heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(10))
            .leaseReads(true).appendBytesMax(SynodServer.APPEND_BYTES_MAX).observer(RaftObserver.NONE);
        node = new RaftNode(config, new InMemoryRaftLog(), new InMemoryHardState(), services, transport, new SplittableRandom(1), service);
        agent = new RaftAgent(() -> nowNs, transport, 1 << 16, node);
        final io.synod.raft.ServiceChannel channel = agent.registerService(ClientProtocol.SERVICE_ID, service, ClientProtocol.MAX_RESPONSE_LENGTH);
        service.bind(node, channel);
        pushes.bind(channel);
        agent.addDuty(pushes::doWork);
    }

    private void startLeader()
    {
        start(1);
        for (int i = 0; i < 1_000 && !(node.role() == RaftRole.LEADER && node.commitIndex() > 0); i++)
        {
            step();
        }
        assertEquals(RaftRole.LEADER, node.role());
    }

    private void step()
    {
        nowNs += TimeUnit.MILLISECONDS.toNanos(1);
        agent.doWork();
    }

    private void deliver(final byte[] body)
    {
        final byte[] frame = new byte[MessageHeader.LENGTH + body.length];
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        new MessageHeader().wrap(buffer, 0).encode(MessageType.MESSAGE, 0, CLUSTER_ID, ClientProtocol.SERVICE_ID, 0, 1, CLIENT, body.length);
        buffer.putBytes(MessageHeader.LENGTH, body);
        transport.inbound.add(frame);
    }

    private static byte[] request(final int op, final int readMode, final long requestId, final long session, final long argument, final byte[] body)
    {
        final byte[] frame = new byte[ClientRequest.HEADER_LENGTH + body.length];
        new ClientRequest().wrap(new UnsafeBuffer(frame), 0).encodeHeader(op, readMode, requestId, session, argument);
        System.arraycopy(body, 0, frame, ClientRequest.HEADER_LENGTH, body.length);
        return frame;
    }

    /** Delivers a request and runs the agent until its answer is out; null if none comes. */
    private ClientResponse call(final byte[] request)
    {
        transport.toClient.clear();
        deliver(request);
        byte[] answer = null;
        for (int i = 0; i < 200 && answer == null; i++)
        {
            step();
            answer = nextAnswer();
        }
        if (answer == null)
        {
            return null;
        }
        final ClientResponse response = new ClientResponse().wrap(new UnsafeBuffer(answer), 0);
        assertTrue(response.validate(answer.length));
        lastLength = answer.length;
        return response;
    }

    private int lastLength;
    private final java.util.List<io.synod.client.LockEvent> pushed = new java.util.ArrayList<>();

    /** @return the next answer sent to the client; pushes (LOCK_EVENT) on the way are decoded into {@link #pushed}. */
    private byte[] nextAnswer()
    {
        byte[] frame;
        while ((frame = transport.toClient.poll()) != null)
        {
            final ClientResponse response = new ClientResponse().wrap(new UnsafeBuffer(frame), 0);
            if (response.op() != ClientProtocol.LOCK_EVENT)
            {
                return frame;
            }
            pushed.add(io.synod.client.LockEvent.decode(response.buffer(), ClientResponse.HEADER_LENGTH,
                frame.length - ClientResponse.HEADER_LENGTH));
        }
        return null;
    }

    private static byte[] lockCommand(final int type, final String name, final long thread, final long waitNs)
    {
        final byte[] nameBytes = bytes(name);
        final byte[] body = new byte[io.synod.lock.LockCommand.HEADER_LENGTH + nameBytes.length];
        final UnsafeBuffer view = new UnsafeBuffer(body);
        new io.synod.lock.LockCommand().wrap(view, 0).type(type).thread(thread).waitTimeoutNs(waitNs)
            .kind(io.synod.lock.LockCommand.MUTEX).capacity(1).permits(1)
            .nameAndValue(new UnsafeBuffer(nameBytes), 0, nameBytes.length, view, 0, 0);
        return body;
    }

    private static io.synod.client.LockAnswer lockAnswer(final ClientResponse response)
    {
        assertEquals(ClientProtocol.OK, response.outcome(), () -> "reason " + ProposalHandler.reason(response.reason()));
        final int status = response.buffer().getInt(ClientResponse.HEADER_LENGTH, ByteOrder.LITTLE_ENDIAN);
        final long fence = response.buffer().getLong(ClientResponse.HEADER_LENGTH + 4, ByteOrder.LITTLE_ENDIAN);
        return new io.synod.client.LockAnswer(status, fence, response.index());
    }

    @Test
    void shouldGrantAQueuedAcquireByAPushThatIsResentUntilAcknowledged()
    {
        startLeader();
        final long a = openSession(1);
        final long b = openSession(2);
        final io.synod.client.LockAnswer first = lockAnswer(call(request(ClientProtocol.LOCK, 0, 10, a, 1,
            lockCommand(io.synod.lock.LockCommand.ACQUIRE, "orders", 1, -1))));
        assertEquals(io.synod.lock.LockStatus.GRANTED, first.status());
        assertTrue(first.fence() > 0);
        final io.synod.client.LockAnswer queued = lockAnswer(call(request(ClientProtocol.LOCK, 0, 11, b, 1,
            lockCommand(io.synod.lock.LockCommand.ACQUIRE, "orders", 1, -1))));
        assertEquals(io.synod.lock.LockStatus.QUEUED, queued.status());
        pushed.clear();
        final io.synod.client.LockAnswer released = lockAnswer(call(request(ClientProtocol.LOCK, 0, 12, a, 2,
            lockCommand(io.synod.lock.LockCommand.RELEASE, "orders", 1, 0))));
        assertEquals(io.synod.lock.LockStatus.RELEASED, released.status());
        assertEquals(first.fence(), released.fence());
        for (int i = 0; i < 10; i++)
        {
            step();
            nextAnswer();
        }
        final io.synod.client.LockEvent grant = pushed.stream().filter((e) -> e.kind() == io.synod.client.LockEvent.DECIDED)
            .findFirst().orElseThrow(() -> new AssertionError("no DECIDED push: " + pushed));
        assertEquals(b, grant.session());
        assertEquals(1, grant.sequence());
        assertEquals(io.synod.lock.LockStatus.GRANTED, grant.status());
        assertTrue(grant.fence() > first.fence(), "fences increase: " + grant.fence() + " after " + first.fence());
        // Not acknowledged: sent again after the resend interval; acknowledged: never again.
        pushed.clear();
        nowNs += LockPushes.RESEND_INTERVAL_NS;
        step();
        nextAnswer();
        assertTrue(pushed.stream().anyMatch((e) -> e.eventId() == grant.eventId()), "re-sent: " + pushed);
        deliver(request(ClientProtocol.EVENT_ACK, 0, 0, b, grant.eventId(), new byte[0]));
        step();
        pushed.clear();
        for (int i = 0; i < 3; i++)
        {
            nowNs += LockPushes.RESEND_INTERVAL_NS;
            step();
            nextAnswer();
        }
        assertTrue(pushed.stream().noneMatch((e) -> e.eventId() == grant.eventId()), "acknowledged, not re-sent: " + pushed);
        // A retry of the queued acquire's (session, sequence) is answered with its decision.
        final io.synod.client.LockAnswer retried = lockAnswer(call(request(ClientProtocol.LOCK, 0, 13, b, 1,
            lockCommand(io.synod.lock.LockCommand.ACQUIRE, "orders", 1, -1))));
        assertEquals(io.synod.lock.LockStatus.GRANTED, retried.status());
        assertEquals(grant.fence(), retried.fence());
        // Queries see the holder.
        final ClientResponse query = call(request(ClientProtocol.LOCK_QUERY, 0, 14, 0, 10, io.synod.client.LockPage.encodeQuery("ord", false)));
        final io.synod.client.LockPage page = io.synod.client.LockPage.decode(query.buffer(), ClientResponse.HEADER_LENGTH,
            lastLength - ClientResponse.HEADER_LENGTH);
        assertEquals(1, page.locks().size());
        assertEquals(b, page.locks().get(0).holders().get(0).session());
        assertEquals(grant.fence(), page.locks().get(0).holders().get(0).fence());
    }

    @Test
    void shouldRefuseAMalformedLockCommand()
    {
        startLeader();
        final long a = openSession(1);
        final byte[] command = lockCommand(io.synod.lock.LockCommand.ACQUIRE, "x", 1, -1);
        command[0] = 99;
        assertEquals(ClientProtocol.BAD_REQUEST, call(request(ClientProtocol.LOCK, 0, 10, a, 1, command)).outcome());
        assertEquals(0, services.malformedCommands());
    }

    private long openSession(final long nonce)
    {
        final ClientResponse open = call(request(ClientProtocol.OPEN_SESSION, 0, 1, nonce, TimeUnit.SECONDS.toNanos(30), new byte[0]));
        assertEquals(ClientProtocol.OK, open.outcome());
        return open.buffer().getLong(ClientResponse.HEADER_LENGTH, ByteOrder.LITTLE_ENDIAN);
    }

    private static KvResponse kv(final ClientResponse response)
    {
        assertEquals(ClientProtocol.OK, response.outcome(), () -> "reason " + ProposalHandler.reason(response.reason()));
        return new KvResponse().wrap(response.buffer(), ClientResponse.HEADER_LENGTH);
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldOpenASessionAndApplyARetriedWriteOnce()
    {
        startLeader();
        final long session = openSession(99);
        assertEquals(session, openSession(99), "an OPEN retried with its nonce finds the same session");
        final byte[] put = request(ClientProtocol.KV_WRITE, 0, 2, session, 1, KvClientCodec.put(bytes("k"), bytes("v")));
        assertEquals(1, kv(call(put)).version());
        assertEquals(1, kv(call(put)).version(), "the retry is answered from the session, not applied again");
        assertEquals(2, kv(call(request(ClientProtocol.KV_WRITE, 0, 3, session, 2, KvClientCodec.put(bytes("k"), bytes("w"))))).version());
        assertEquals(2, stateMachine.version(new UnsafeBuffer(bytes("k")), 0, 1));
        assertEquals(ClientProtocol.OK, call(request(ClientProtocol.KEEP_ALIVE, 0, 4, session, 0, new byte[0])).outcome());
        assertEquals(ClientProtocol.OK, call(request(ClientProtocol.CLOSE_SESSION, 0, 5, session, 0, new byte[0])).outcome());
        final ClientResponse expired = call(request(ClientProtocol.KV_WRITE, 0, 6, session, 3, KvClientCodec.put(bytes("k"), bytes("x"))));
        assertEquals(ClientProtocol.REJECTED, expired.outcome());
        assertEquals(ProposalHandler.SESSION_EXPIRED, expired.reason());
    }

    @Test
    void shouldServeGetsInEveryReadMode()
    {
        startLeader();
        final long session = openSession(1);
        kv(call(request(ClientProtocol.KV_WRITE, 0, 2, session, 1, KvClientCodec.put(bytes("key"), bytes("value")))));
        for (final ReadMode mode : ReadMode.values())
        {
            final ClientResponse answer = call(request(ClientProtocol.KV_GET, mode.ordinal(), 10 + mode.ordinal(), 0, 0, bytes("key")));
            final KvResponse value = kv(answer);
            assertEquals(KvResponse.OK, value.status(), mode.name());
            assertEquals("value", value.buffer().getStringWithoutLengthUtf8(value.valueOffset(), value.valueLength()), mode.name());
            assertTrue(answer.index() > 0, "the read index");
        }
        assertEquals(KvResponse.NOT_FOUND, kv(call(request(ClientProtocol.KV_GET, 0, 20, 0, 0, bytes("nope")))).status());
    }

    @Test
    void shouldBoundAListByItsLimitAndByTheMessageSize()
    {
        startLeader();
        final long session = openSession(1);
        final byte[] big = new byte[KvCommand.MAX_VALUE_LENGTH];
        Arrays.fill(big, (byte)'x');
        for (int i = 0; i < 6; i++)
        {
            kv(call(request(ClientProtocol.KV_WRITE, 0, 2 + i, session, 1 + i, KvClientCodec.put(bytes("big/" + i), big))));
            kv(call(request(ClientProtocol.KV_WRITE, 0, 20 + i, session, 10 + i, KvClientCodec.put(bytes("small/" + i), bytes("s" + i)))));
        }
        final ListPage bounded = list("big/", "", 10);
        assertEquals(3, bounded.entries().size(), "four 64 KiB values do not fit a 256 KiB answer");
        assertTrue(bounded.more());
        final ListPage rest = list("big/", "big/2", 10);
        assertEquals(3, rest.entries().size());
        assertEquals("big/3", rest.entries().get(0).keyString());
        final ListPage limited = list("small/", "", 4);
        assertEquals(4, limited.entries().size());
        assertTrue(limited.more());
        final ListPage end = list("small/", "small/3", 4);
        assertEquals(2, end.entries().size());
        assertEquals(false, end.more());
    }

    private ListPage list(final String prefix, final String after, final int limit)
    {
        final byte[] frame = new byte[ClientRequest.HEADER_LENGTH + ClientRequest.LIST_HEADER_LENGTH + prefix.length() + after.length()];
        final ClientRequest list = new ClientRequest().wrap(new UnsafeBuffer(frame), 0);
        list.encodeHeader(ClientProtocol.KV_LIST, 0, 77, 0, limit);
        list.encodeList(bytes(prefix), bytes(after));
        final ClientResponse answer = call(frame);
        assertEquals(ClientProtocol.OK, answer.outcome());
        final ListPage page = ListPage.decode(answer.buffer(), ClientResponse.HEADER_LENGTH, lastLength - ClientResponse.HEADER_LENGTH);
        assertNotNull(page);
        return page;
    }

    @Test
    void shouldDropAndCountMalformedFramesAndRefuseAMalformedCommand()
    {
        startLeader();
        final long session = openSession(1);
        assertNull(call(new byte[] {1, 2, 3}));
        assertNull(call(request(ClientProtocol.OP_MAX + 1, 0, 1, 0, 0, new byte[0])));
        assertNull(call(request(ClientProtocol.KV_GET, 9, 1, 0, 0, new byte[0])));
        assertEquals(3, service.badFrames());
        final ClientResponse getAsWrite = call(request(ClientProtocol.KV_WRITE, 0, 8, session, 1, KvClientCodec.get(bytes("k"))));
        assertEquals(ClientProtocol.BAD_REQUEST, getAsWrite.outcome());
        final ClientResponse truncated = call(request(ClientProtocol.KV_WRITE, 0, 9, session, 1, new byte[] {1, 0, 5, 0}));
        assertEquals(ClientProtocol.BAD_REQUEST, truncated.outcome());
        final ClientResponse status = call(request(ClientProtocol.STATUS, 0, 10, 0, 0, new byte[0]));
        final MemberStatus member = MemberStatus.decode(status.buffer(), ClientResponse.HEADER_LENGTH, MemberStatus.LENGTH);
        assertEquals("LEADER", member.role());
        assertEquals(3, member.badFrames());
        assertEquals(1, member.sessions());
    }

    @Test
    void shouldAnswerNotLeaderFromAMemberThatDoesNotLead()
    {
        start(1, 2);
        final ClientResponse answer = call(request(ClientProtocol.KV_WRITE, 0, 1, 5, 1, KvClientCodec.put(bytes("k"), bytes("v"))));
        assertEquals(ClientProtocol.REJECTED, answer.outcome());
        assertEquals(ProposalHandler.NOT_LEADER, answer.reason());
        assertEquals(ClientProtocol.REJECTED, call(request(ClientProtocol.OPEN_SESSION, 0, 2, 7, 1_000, new byte[0])).outcome());
    }
}
