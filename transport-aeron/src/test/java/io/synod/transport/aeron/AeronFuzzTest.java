package io.synod.transport.aeron;

import io.aeron.ExclusivePublication;
import io.synod.raft.EntryType;
import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.AppendResponse;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.VoteRequest;
import io.synod.transport.aeron.load.ClusterClient;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.synod.transport.aeron.TestCluster.CLUSTER_ID;
import static io.synod.transport.aeron.TestCluster.TIMEOUT;
import static io.synod.transport.aeron.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and mutated frames injected into the leader's subscription, over UDP from a separate media
 * driver, while a client proposes: every injected frame is dropped and counted, nothing escapes into
 * the node, and the cluster keeps committing identically.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronFuzzTest
{
    private static final int INJECTED = 5_000;

    @Test
    void shouldDropEveryForgedFrameWhenFramesAreAuthenticated()
    {
        run(FrameMac.fromSecret("the cluster's shared secret, 32 bytes"), 0xF022L);
    }

    @Test
    void shouldDropEveryMalformedFrameWithoutAuthentication()
    {
        run(null, 0xBADL);
    }

    private static void run(final FrameMac mac, final long seed)
    {
        final ClusterClient client = new ClusterClient(3, 30_000, 24, 64);
        try (TestCluster cluster = new TestCluster(3, client, mac, false);
            AeronRuntime injector = AeronRuntime.embedded())
        {
            cluster.startAll();
            final AeronRaftNode leader = cluster.awaitLeader();
            final long term = leader.term();
            final AeronTransport target = leader.transport();
            final ExclusivePublication raw = injector.aeron().addExclusivePublication(
                target.context().channel(leader.memberId()), target.context().memberStreamId(leader.memberId()));
            await(TIMEOUT, () -> "injector connected", raw::isConnected);

            final Thread proposer = new Thread(() -> client.run(client.total(), System.nanoTime() + TIMEOUT.toNanos() * 2));
            proposer.start();

            final SplittableRandom random = new SplittableRandom(seed);
            final long droppedBefore = target.droppedFrames();
            int injected = 0;
            while (injected < INJECTED)
            {
                final byte[] frame = forgedFrame(random, leader.memberId(), mac == null);
                final UnsafeBuffer buffer = new UnsafeBuffer(frame);
                final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
                while (raw.offer(buffer, 0, frame.length) < 0)
                {
                    assertTrue(System.nanoTime() < deadlineNs, "injector back-pressured too long");
                    Thread.yield();
                }
                injected++;
            }
            final int expected = injected;
            await(TIMEOUT, () -> "dropped " + (target.droppedFrames() - droppedBefore) + " of " + expected,
                () -> target.droppedFrames() - droppedBefore >= expected);

            await(TIMEOUT, cluster::describe, () -> client.acked() == client.total());
            cluster.awaitConverged();
            cluster.assertNoFailures();

            assertEquals(expected, target.droppedFrames() - droppedBefore, "exactly the injected frames were dropped");
            assertEquals(0, leader.counters().droppedFrames().get(), "nothing reached the Raft layer");
            assertEquals(term, leader.term(), "the leader was not disturbed");
            final long hash = cluster.stateMachines[1].hash();
            for (int m = 2; m <= 3; m++)
            {
                assertEquals(hash, cluster.stateMachines[m].hash());
            }
        }
    }

    /**
     * A random or mutated frame that must fail the transport's checks: with a MAC any frame does
     * (the injector does not know the secret); without, only frames a local copy of the checks
     * rejects are sent, so the expected count is exact.
     */
    private static byte[] forgedFrame(final SplittableRandom random, final int target, final boolean mustBeMalformed)
    {
        while (true)
        {
            final byte[] frame;
            switch (random.nextInt(3))
            {
                case 0:
                    frame = new byte[random.nextInt(0, 300)];
                    random.nextBytes(frame);
                    break;
                case 1:
                    frame = AeronTransportTest.mutate(validFrame(random, target), random);
                    break;
                default:
                    frame = validFrame(random, target);
                    if (mustBeMalformed)
                    {
                        breakHeader(frame, random);
                    }
                    break;
            }
            if (!mustBeMalformed || !passesChecks(frame, target))
            {
                return frame;
            }
        }
    }

    private static byte[] validFrame(final SplittableRandom random, final int target)
    {
        final int from = target % 3 + 1;
        final UnsafeBuffer buffer;
        final MessageHeader header = new MessageHeader();
        switch (random.nextInt(3))
        {
            case 0:
                buffer = new UnsafeBuffer(new byte[MessageHeader.LENGTH + VoteRequest.LENGTH]);
                header.wrap(buffer, 0).encode(MessageType.VOTE_REQUEST, 0, CLUSTER_ID, 0, from, target, 99, VoteRequest.LENGTH);
                new VoteRequest().wrap(buffer, MessageHeader.LENGTH).lastLogIndex(1_000_000).lastLogTerm(98);
                break;
            case 1:
                buffer = new UnsafeBuffer(new byte[MessageHeader.LENGTH + AppendResponse.LENGTH]);
                header.wrap(buffer, 0).encode(MessageType.APPEND_RESPONSE, 0, CLUSTER_ID, 0, from, target, 1, AppendResponse.LENGTH);
                new AppendResponse().wrap(buffer, MessageHeader.LENGTH).success(true).index(1_000_000);
                break;
            default:
                final int payload = random.nextInt(0, 64);
                final int body = AppendRequest.FIXED_LENGTH + AppendRequest.ENTRY_HEADER_LENGTH + payload;
                buffer = new UnsafeBuffer(new byte[MessageHeader.LENGTH + body]);
                header.wrap(buffer, 0).encode(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, 0, from, target, 99, body);
                new AppendRequest().wrap(buffer, MessageHeader.LENGTH).prevLogIndex(0).prevLogTerm(0).leaderCommit(0).entryCount(1);
                AppendRequest.putEntry(buffer, MessageHeader.LENGTH + AppendRequest.FIXED_LENGTH, 99, EntryType.COMMAND,
                    new UnsafeBuffer(new byte[payload]), 0, payload);
                break;
        }
        return buffer.byteArray();
    }

    private static void breakHeader(final byte[] frame, final SplittableRandom random)
    {
        final MessageHeader header = new MessageHeader().wrap(new UnsafeBuffer(frame), 0);
        switch (random.nextInt(6))
        {
            case 0 -> header.version(random.nextInt(2, 256));
            case 1 -> header.type(random.nextInt(MessageType.MAX + 1, 256));
            case 2 -> header.clusterId(CLUSTER_ID + random.nextInt(1, 1000));
            case 3 -> header.from(random.nextInt(4, 1000));
            case 4 -> header.to(random.nextInt(4, 1000));
            default -> header.bodyLength(header.bodyLength() + random.nextInt(1, 100));
        }
    }

    private static boolean passesChecks(final byte[] frame, final int target)
    {
        final MessageHeader header = new MessageHeader();
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        return FrameCheck.checkHeader(header, buffer, 0, frame.length) == FrameCheck.OK &&
            header.clusterId() == CLUSTER_ID &&
            header.to() == target &&
            Arrays.asList(1, 2, 3).contains(header.from()) && header.from() != target;
    }
}
