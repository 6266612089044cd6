package io.synod.transport.aeron;

import io.aeron.ExclusivePublication;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.ServiceChannel;
import io.synod.raft.StateMachine;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.synod.transport.aeron.TestSupport.await;
import static io.synod.transport.aeron.TestSupport.freeEndpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application-message path over real loopback UDP: two members, each an {@link AeronTransport} with a
 * {@link RaftAgent} driving a Raft group and an echo service beside it, and an {@link AeronServiceClient}
 * in the same JVM but on its own endpoint. Member-to-member messages and client round trips are
 * delivered and answered, with a frame MAC on; a client that never said hello, an unknown service and a
 * hello naming a bad endpoint are dropped and counted; a round trip allocates nothing on the thread that
 * runs the agents and the client.
 */
class ServiceMessageAeronTest
{
    private static final int CLUSTER_ID = 11;
    private static final int ECHO = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final FrameMac MAC = FrameMac.fromSecret("the cluster's shared secret, for this test");

    private static final io.synod.raft.ProposalHandler IGNORE = new io.synod.raft.ProposalHandler()
    {
        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
        }
    };

    private static AeronRuntime runtime;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final String[] endpoints = {null, freeEndpoint(), freeEndpoint()};
    private final AeronTransport[] transports = new AeronTransport[3];
    private final RaftAgent[] agents = new RaftAgent[3];
    private final ServiceChannel[] channels = new ServiceChannel[3];
    private final long[] echoed = new long[3];
    private long replies;
    private long lastReply;
    private int lastReplyFrom;

    @BeforeAll
    static void startDriver()
    {
        runtime = AeronRuntime.embedded();
    }

    @AfterAll
    static void stopDriver()
    {
        CloseHelper.close(runtime);
    }

    @AfterEach
    void closeAll()
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(closeables.get(i));
        }
    }

    private <T extends AutoCloseable> T track(final T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    private void startMember(final int member)
    {
        transports[member] = track(new AeronTransport(runtime.aeron(), new AeronTransport.Context()
            .clusterId(CLUSTER_ID).memberId(member).endpoint(1, endpoints[1]).endpoint(2, endpoints[2]).mac(MAC)));
        final RaftConfig config = new RaftConfig().clusterId(CLUSTER_ID).memberId(member).members(1, 2)
            .electionTimeoutNs(TimeUnit.SECONDS.toNanos(30)).heartbeatIntervalNs(TimeUnit.SECONDS.toNanos(1))
            .observer(RaftObserver.NONE);
        final StateMachine none = (index, term, command, offset, length, response) -> 0;
        final RaftNode node = new RaftNode(config, new InMemoryRaftLog(), new InMemoryHardState(), none, transports[member],
            new SplittableRandom(member), IGNORE);
        agents[member] = new RaftAgent(new SystemNanoClock(), transports[member], 4096, node);
        channels[member] = agents[member].registerService(ECHO, (nowNs, from, clientId, flags, buffer, offset, length) ->
        {
            echoed[member]++;
            if (from != 0)
            {
                channels[member].sendToMember(from, flags, buffer, offset, length);
            }
            else
            {
                channels[member].sendToClient(clientId, flags, buffer, offset, length);
            }
        }, 1024);
    }

    private AeronServiceClient client(final long clientId)
    {
        return track(new AeronServiceClient(runtime.aeron(), new AeronServiceClient.Context()
            .clusterId(CLUSTER_ID).clientId(clientId).endpoint(freeEndpoint())
            .member(1, endpoints[1]).member(2, endpoints[2]).mac(MAC), 1024));
    }

    private void onReply(final int from, final int serviceId, final int flags, final DirectBuffer buffer, final int offset, final int length)
    {
        replies++;
        lastReply = buffer.getLong(offset, ByteOrder.LITTLE_ENDIAN);
        lastReplyFrom = from;
    }

    private final AeronServiceClient.MessageHandler replyHandler = this::onReply;

    private void runAgents()
    {
        agents[1].doWork();
        agents[2].doWork();
    }

    private void connect(final AeronServiceClient client, final int member)
    {
        await(TIMEOUT, () -> "client connected to member " + member,
            () ->
            {
                client.hello(member);
                runAgents();
                client.poll(replyHandler, 10);
            },
            () -> client.isConnected(member));
    }

    @Test
    void shouldCarryMessagesBetweenMembersAndRoundTripsWithClients()
    {
        startMember(1);
        startMember(2);
        final UnsafeBuffer body = new UnsafeBuffer(new byte[8]);
        body.putLong(0, 4242, ByteOrder.LITTLE_ENDIAN);
        // Member 1 to member 2's echo, which sends it back to member 1's echo, which sends it back... count a few.
        await(TIMEOUT, () -> "member-to-member echo",
            () ->
            {
                if (echoed[2] == 0)
                {
                    channels[1].sendToMember(2, 0, body, 0, 8);
                }
                runAgents();
            },
            () -> echoed[1] >= 3 && echoed[2] >= 3);

        final AeronServiceClient client = client(77);
        connect(client, 2);
        assertEquals(1, transports[2].connectedClients());
        for (long request = 1; request <= 50; request++)
        {
            body.putLong(0, request, ByteOrder.LITTLE_ENDIAN);
            final long expected = request;
            await(TIMEOUT, () -> "reply " + expected,
                () ->
                {
                    if (lastReply != expected)
                    {
                        client.send(2, ECHO, 0, body, 0, 8);
                    }
                    runAgents();
                    client.poll(replyHandler, 10);
                },
                () -> lastReply == expected);
            assertEquals(2, lastReplyFrom);
        }
        assertEquals(0, transports[2].droppedFrames(FrameCheck.BAD_MAC));
    }

    @Test
    void shouldDropAndCountMessagesFromStrangersToUnknownServicesAndBadHellos()
    {
        startMember(1);
        startMember(2);
        final UnsafeBuffer body = new UnsafeBuffer(new byte[8]);
        final AeronServiceClient stranger = client(99);
        await(TIMEOUT, () -> "a client that never said hello is dropped",
            () ->
            {
                stranger.send(1, ECHO, 0, body, 0, 8);
                runAgents();
            },
            () -> transports[1].droppedFrames(FrameCheck.UNKNOWN_MEMBER) >= 3);

        connect(stranger, 1);
        await(TIMEOUT, () -> "an unknown service is dropped by the agent",
            () ->
            {
                stranger.send(1, ECHO + 1, 0, body, 0, 8);
                runAgents();
            },
            () -> agents[1].framesDropped(FrameCheck.UNKNOWN_GROUP) >= 3);

        // A hello whose endpoint would smuggle channel parameters, straight onto member 1's stream.
        final ExclusivePublication raw = track(runtime.aeron().addExclusivePublication(
            transports[1].context().channel(1), transports[1].context().memberStreamId(1)));
        final byte[] endpoint = "127.0.0.1:9|interface=10.0.0.1".getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer hello = new UnsafeBuffer(new byte[MessageHeader.LENGTH + endpoint.length + FrameMac.TAG_LENGTH]);
        new MessageHeader().wrap(hello, 0).encode(MessageType.CLIENT_HELLO, 0, CLUSTER_ID, 0, 0, 1, 5, endpoint.length);
        hello.putBytes(MessageHeader.LENGTH, endpoint);
        MAC.sign(hello, 0, MessageHeader.LENGTH + endpoint.length);
        await(TIMEOUT, () -> "a hello with a bad endpoint is dropped",
            () ->
            {
                raw.offer(hello, 0, hello.capacity());
                runAgents();
            },
            () -> transports[1].droppedFrames(FrameCheck.BAD_FIELD) >= 1);
        assertEquals(1, transports[1].connectedClients(), "only the client that said hello properly");
        assertEquals(0, echoed[1]);
    }

    @Test
    void shouldAllocateNothingPerClientRoundTrip()
    {
        startMember(1);
        startMember(2);
        final AeronServiceClient client = client(123);
        connect(client, 1);
        final UnsafeBuffer body = new UnsafeBuffer(new byte[64]);
        roundTrips(client, body, 20_000);
        // Two run lengths: what is allocated once (JIT, the MXBean) cancels out of the difference.
        final long shortRun = allocatedBy(client, body, 10_000);
        final long longRun = allocatedBy(client, body, 30_000);
        final double perTrip = (longRun - shortRun) / 20_000.0;
        System.out.println("service round trips over UDP, bytes allocated on the agents' and client's thread: " + shortRun +
            " for 10,000, " + longRun + " for 30,000 (" + String.format("%.4f", perTrip) + " B per round trip)");
        assertTrue(perTrip < 0.01, perTrip + " bytes per round trip");
    }

    private long allocatedBy(final AeronServiceClient client, final UnsafeBuffer body, final int trips)
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(threadId);
        roundTrips(client, body, trips);
        return threads.getThreadAllocatedBytes(threadId) - before;
    }

    private void roundTrips(final AeronServiceClient client, final UnsafeBuffer body, final int trips)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        for (long request = replies + 1, last = replies + trips; request <= last; request++)
        {
            body.putLong(0, request, ByteOrder.LITTLE_ENDIAN);
            long sentAt = 0;
            while (lastReply != request)
            {
                if (sentAt == 0 || System.nanoTime() - sentAt > 50_000_000L)
                {
                    client.send(1, ECHO, 0, body, 0, 64);
                    sentAt = System.nanoTime();
                }
                runAgents();
                client.poll(replyHandler, 10);
                if (System.nanoTime() > deadlineNs)
                {
                    throw new AssertionError("round trip " + request + " not answered in " + TIMEOUT);
                }
            }
        }
    }
}
