package io.synod.raft;

import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application-message path on one agent: a registered service receives {@link MessageType#MESSAGE}
 * frames from members and from connected clients, with the cycle's time, and answers through its
 * {@link ServiceChannel}; frames that fail a check are dropped and counted by reason like Raft frames,
 * and never reach the service; the path allocates nothing per message.
 */
class ServiceMessagePathTest
{
    private static final int CLUSTER = 9;
    private static final int SERVICE = 5;
    private static final long NOW_NS = 1_234_000_000L;

    /** One inbound frame at a time; outbound frames copied into a fixed buffer (no allocation). */
    private static final class OneFrameTransport implements Transport
    {
        final UnsafeBuffer inbound = new UnsafeBuffer(new byte[1024]);
        int inboundLength = -1;
        final UnsafeBuffer outbound = new UnsafeBuffer(new byte[1024]);
        int outboundLength;
        int outboundMember;
        long outboundClient;
        int sends;

        void offer(final byte[] frame)
        {
            inbound.putBytes(0, frame);
            inboundLength = frame.length;
        }

        @Override
        public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
        {
            outbound.putBytes(0, buffer, offset, length);
            outboundLength = length;
            outboundMember = memberId;
            outboundClient = 0;
            sends++;
            return true;
        }

        @Override
        public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
        {
            outbound.putBytes(0, buffer, offset, length);
            outboundLength = length;
            outboundMember = 0;
            outboundClient = clientId;
            sends++;
            return clientId != 666;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            if (inboundLength < 0)
            {
                return 0;
            }
            final int length = inboundLength;
            inboundLength = -1;
            handler.onFrame(inbound, 0, length);
            return 1;
        }
    }

    private final OneFrameTransport transport = new OneFrameTransport();
    private final RaftAgent agent;
    private long delivered;
    private long lastNowNs;
    private final MessageHeader header = new MessageHeader();

    ServiceMessagePathTest()
    {
        final RaftConfig config = new RaftConfig().clusterId(CLUSTER).memberId(1).members(1, 2, 3).observer(RaftObserver.NONE);
        final RaftNode node = new RaftNode(config, new InMemoryRaftLog(16, 1024), new InMemoryHardState(),
            AgentHarness.ECHO_REVERSED, transport, new SplittableRandom(1), AgentHarness.IGNORE);
        agent = new RaftAgent(() -> NOW_NS, transport, 4096, node);
        final ServiceChannel[] channel = new ServiceChannel[1];
        // An echo service: what a member sends goes back to it, what a client sends goes back to the client.
        channel[0] = agent.registerService(SERVICE, (nowNs, from, clientId, flags, buffer, offset, length) ->
        {
            delivered++;
            lastNowNs = nowNs;
            if (from != 0)
            {
                channel[0].sendToMember(from, flags, buffer, offset, length);
            }
            else
            {
                channel[0].sendToClient(clientId, flags, buffer, offset, length);
            }
        }, 200);
    }

    private static byte[] message(final int cluster, final int service, final int from, final int to, final long clientId, final byte[] body)
    {
        return io.synod.raft.codec.Frames.frame(MessageType.MESSAGE, 3, cluster, service, from, to, clientId, body);
    }

    private int cycle(final byte[] frame)
    {
        transport.offer(frame);
        transport.sends = 0;
        agent.doWork();
        return transport.sends;
    }

    @Test
    void shouldDeliverToTheServiceAndCarryItsRepliesToMembersAndClients()
    {
        final byte[] body = {10, 20, 30};
        assertEquals(1, cycle(message(CLUSTER, SERVICE, 2, 1, 0, body)));
        assertEquals(1, delivered);
        assertEquals(NOW_NS, lastNowNs, "the cycle's time");
        header.wrap(transport.outbound, 0);
        assertEquals(2, transport.outboundMember);
        assertEquals(MessageType.MESSAGE, header.type());
        assertEquals(SERVICE, header.groupId(), "the service id rides in the group id field");
        assertEquals(CLUSTER, header.clusterId());
        assertEquals(1, header.from());
        assertEquals(2, header.to());
        assertEquals(0, header.term());
        assertEquals(3, header.flags());
        assertEquals(3, header.bodyLength());
        assertEquals(30, transport.outbound.getByte(MessageHeader.LENGTH + 2));

        assertEquals(1, cycle(message(CLUSTER, SERVICE, 0, 1, 77, body)));
        assertEquals(77, transport.outboundClient, "a client's message is answered over its connection");
        header.wrap(transport.outbound, 0);
        assertEquals(0, header.to());
        assertEquals(77, header.term());

        final ServiceChannel channel = agent.service(SERVICE);
        assertEquals(2, channel.received());
        assertEquals(2, channel.sent());
        cycle(message(CLUSTER, SERVICE, 0, 1, 666, body));
        assertEquals(1, channel.sendFailures(), "a client the transport cannot reach: false, counted");
        assertTrue(!channel.sendToMember(2, 0, new UnsafeBuffer(new byte[201]), 0, 201), "over the registered limit");
        assertTrue(!channel.sendToMember(1, 0, new UnsafeBuffer(new byte[1]), 0, 1), "not to itself");
        assertEquals(3, channel.sendFailures());
    }

    @Test
    void shouldDropAndCountWhatFailsAChecksAndNeverCallTheService()
    {
        final byte[] body = {1};
        assertDropped(message(CLUSTER + 1, SERVICE, 2, 1, 0, body), FrameCheck.WRONG_CLUSTER);
        assertDropped(message(CLUSTER, SERVICE, 2, 3, 0, body), FrameCheck.UNKNOWN_MEMBER);
        assertDropped(message(CLUSTER, SERVICE, 0, 1, 0, body), FrameCheck.UNKNOWN_MEMBER);
        assertDropped(message(CLUSTER, SERVICE, 2, 1, 5, body), FrameCheck.UNKNOWN_MEMBER);
        assertDropped(message(CLUSTER, SERVICE, 1, 1, 0, body), FrameCheck.UNKNOWN_MEMBER);
        assertDropped(message(CLUSTER, SERVICE + 1, 2, 1, 0, body), FrameCheck.UNKNOWN_GROUP);
        assertDropped(io.synod.raft.codec.Frames.frame(MessageType.CLIENT_HELLO, 0, CLUSTER, 0, 0, 1, 9, "127.0.0.1:1".getBytes()),
            FrameCheck.BAD_TYPE);
        assertDropped(io.synod.raft.codec.Frames.frame(MessageType.CLIENT_HELLO, 0, CLUSTER, 0, 0, 1, 9, new byte[257]),
            FrameCheck.BAD_LENGTH);
        final byte[] truncated = message(CLUSTER, SERVICE, 2, 1, 0, new byte[]{1, 2});
        new UnsafeBuffer(truncated).putInt(28, 3, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertDropped(truncated, FrameCheck.BAD_LENGTH);
        assertEquals(0, delivered);
    }

    @Test
    void shouldRefuseServicesRegisteredTwiceOrAfterTheAgentRan()
    {
        assertThrows(IllegalArgumentException.class, () -> agent.registerService(SERVICE, (n, f, c, g, b, o, l) -> { }));
        assertThrows(IllegalArgumentException.class, () -> agent.registerService(0, (n, f, c, g, b, o, l) -> { }));
        agent.doWork();
        final IllegalStateException late =
            assertThrows(IllegalStateException.class, () -> agent.registerService(SERVICE + 1, (n, f, c, g, b, o, l) -> { }));
        assertTrue(late.getMessage().contains("before the agent runs"), late.getMessage());
    }

    @Test
    void shouldAllocateNothingPerMessage()
    {
        final byte[] fromMember = message(CLUSTER, SERVICE, 2, 1, 0, new byte[64]);
        final byte[] fromClient = message(CLUSTER, SERVICE, 0, 1, 42, new byte[64]);
        for (int i = 0; i < 20_000; i++)
        {
            cycle((i & 1) == 0 ? fromMember : fromClient);
        }
        // Measured over two run lengths: what the JVM allocates once (JIT, the MXBean itself) cancels out.
        final long shortRun = allocatedBy(50_000, fromMember, fromClient);
        final long longRun = allocatedBy(150_000, fromMember, fromClient);
        final double perMessage = (longRun - shortRun) / (2.0 * 100_000);
        System.out.println("service path: " + shortRun + " bytes for 100,000 messages, " + longRun + " for 300,000: " +
            String.format("%.4f", perMessage) + " bytes per message");
        assertTrue(perMessage < 0.01, "allocates per message: " + perMessage + " bytes");
    }

    private long allocatedBy(final int rounds, final byte[] fromMember, final byte[] fromClient)
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < rounds; i++)
        {
            transport.offer(fromMember);
            agent.doWork();
            transport.offer(fromClient);
            agent.doWork();
        }
        return threads.getThreadAllocatedBytes(threadId) - before;
    }

    private void assertDropped(final byte[] frame, final int reason)
    {
        final long before = agent.framesDropped(reason);
        assertEquals(0, cycle(frame), FrameCheck.reason(reason));
        assertEquals(before + 1, agent.framesDropped(reason), FrameCheck.reason(reason));
    }
}
