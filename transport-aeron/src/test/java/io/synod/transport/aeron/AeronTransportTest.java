package io.synod.transport.aeron;

import io.aeron.ExclusivePublication;
import io.synod.raft.EntryType;
import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.VoteRequest;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.synod.transport.aeron.TestSupport.await;
import static io.synod.transport.aeron.TestSupport.freeEndpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport on real loopback UDP (and IPC), with raw frames: no Raft node involved.
 */
class AeronTransportTest
{
    private static final int CLUSTER_ID = 7;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static AeronRuntime runtime;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<byte[]> received2 = new ArrayList<>();

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

    private void onFrame2(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        received2.add(bytes);
    }

    private static AeronTransport.Context udp(final int memberId, final String e1, final String e2)
    {
        return new AeronTransport.Context().clusterId(CLUSTER_ID).memberId(memberId).endpoint(1, e1).endpoint(2, e2);
    }

    private static byte[] voteRequest(final int from, final int to, final long term)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MessageHeader.LENGTH + VoteRequest.LENGTH]);
        final int body = new MessageHeader().wrap(buffer, 0)
            .encode(MessageType.VOTE_REQUEST, 0, CLUSTER_ID, 0, from, to, term, VoteRequest.LENGTH);
        new VoteRequest().wrap(buffer, body).lastLogIndex(term * 10).lastLogTerm(term - 1);
        return buffer.byteArray();
    }

    private static byte[] appendRequest(final int from, final int to, final int payloadLength)
    {
        final int bodyLength = AppendRequest.FIXED_LENGTH + AppendRequest.ENTRY_HEADER_LENGTH + payloadLength;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MessageHeader.LENGTH + bodyLength]);
        final int body = new MessageHeader().wrap(buffer, 0)
            .encode(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, 0, from, to, 3, bodyLength);
        new AppendRequest().wrap(buffer, body).prevLogIndex(41).prevLogTerm(2).leaderCommit(40).entryCount(1);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
        for (int i = 0; i < payloadLength; i++)
        {
            payload.putByte(i, (byte)(i * 7 + 1));
        }
        AppendRequest.putEntry(buffer, body + AppendRequest.FIXED_LENGTH, 3, EntryType.COMMAND, payload, 0, payloadLength);
        return buffer.byteArray();
    }

    private void sendUntilDelivered(final AeronTransport from, final AeronTransport to, final int toMember, final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final int before = received2.size();
        await(TIMEOUT, () -> "frame delivered to member " + toMember,
            () ->
            {
                if (!deliveredSince(before, frame))
                {
                    from.send(toMember, buffer, 0, frame.length);
                }
                to.poll(this::onFrame2, 10);
            },
            () -> deliveredSince(before, frame));
    }

    private boolean deliveredSince(final int before, final byte[] frame)
    {
        for (int i = before; i < received2.size(); i++)
        {
            if (java.util.Arrays.equals(frame, received2.get(i)))
            {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldDeliverFramesBetweenTwoMembersOverUdp()
    {
        final String e1 = freeEndpoint();
        final String e2 = freeEndpoint();
        final AeronTransport t1 = track(new AeronTransport(runtime.aeron(), udp(1, e1, e2)));
        final AeronTransport t2 = track(new AeronTransport(runtime.aeron(), udp(2, e1, e2)));

        final byte[] frame = voteRequest(1, 2, 5);
        sendUntilDelivered(t1, t2, 2, frame);
        assertTrue(deliveredSince(0, frame));
        assertTrue(t1.sentFrames() >= 1);
        assertTrue(t2.receivedFrames() >= 1);
        assertEquals(0, t2.droppedFrames());
    }

    @Test
    void shouldReassembleFramesLargerThanTheMtuWithAndWithoutMac()
    {
        final String e1 = freeEndpoint();
        final String e2 = freeEndpoint();
        final FrameMac mac = FrameMac.fromSecret("a shared secret for the cluster");
        final AeronTransport t1 = track(new AeronTransport(runtime.aeron(), udp(1, e1, e2).mac(mac)));
        final AeronTransport t2 = track(new AeronTransport(runtime.aeron(), udp(2, e1, e2).mac(mac)));

        final byte[] small = voteRequest(1, 2, 9);
        sendUntilDelivered(t1, t2, 2, small);
        final byte[] large = appendRequest(1, 2, 60_000);
        sendUntilDelivered(t1, t2, 2, large);
        assertTrue(deliveredSince(0, large));
        assertEquals(0, t2.droppedFrames());
    }

    @Test
    void shouldDropAndCountFramesWithWrongMac()
    {
        final String e1 = freeEndpoint();
        final String e2 = freeEndpoint();
        final AeronTransport t1 = track(new AeronTransport(runtime.aeron(),
            udp(1, e1, e2).mac(FrameMac.fromSecret("the attacker's guess of a secret"))));
        final AeronTransport t2 = track(new AeronTransport(runtime.aeron(),
            udp(2, e1, e2).mac(FrameMac.fromSecret("a shared secret for the cluster"))));

        final UnsafeBuffer frame = new UnsafeBuffer(voteRequest(1, 2, 5));
        await(TIMEOUT, () -> "frames with a bad MAC counted",
            () ->
            {
                t1.send(2, frame, 0, frame.capacity());
                t2.poll(this::onFrame2, 10);
            },
            () -> t2.droppedFrames(FrameCheck.BAD_MAC) >= 3);
        assertTrue(received2.isEmpty());
        assertEquals(t2.droppedFrames(FrameCheck.BAD_MAC), t2.droppedFrames());
    }

    @Test
    void shouldDropAndCountGarbageInjectedIntoTheSubscription()
    {
        final String e1 = freeEndpoint();
        final String e2 = freeEndpoint();
        final AeronTransport t2 = track(new AeronTransport(runtime.aeron(), udp(2, e1, e2)));
        final AeronTransport.Context ctx2 = t2.context();
        final ExclusivePublication raw = track(runtime.aeron().addExclusivePublication(ctx2.channel(2), ctx2.memberStreamId(2)));
        await(TIMEOUT, () -> "raw publication connected", raw::isConnected);

        final SplittableRandom random = new SplittableRandom(42);
        final byte[] valid = voteRequest(1, 2, 5);
        final int frames = 2_000;
        int validSent = 0;
        for (int i = 0; i < frames; i++)
        {
            final byte[] frame;
            final boolean keepValid = i % 10 == 0;
            if (keepValid)
            {
                frame = valid.clone();
            }
            else if (random.nextBoolean())
            {
                frame = new byte[random.nextInt(1, 200)];
                random.nextBytes(frame);
            }
            else
            {
                frame = mutate(valid, random);
            }
            final UnsafeBuffer buffer = new UnsafeBuffer(frame);
            while (raw.offer(buffer, 0, frame.length) < 0)
            {
                t2.poll(this::onFrame2, 100);
            }
            validSent += keepValid ? 1 : 0;
            t2.poll(this::onFrame2, 100);
        }
        await(TIMEOUT, () -> "all injected frames read: " + t2.receivedFrames(),
            () -> t2.poll(this::onFrame2, 100), () -> t2.receivedFrames() == frames);

        assertEquals(frames, t2.droppedFrames() + received2.size());
        assertTrue(received2.size() >= validSent, "every valid frame is delivered");
        for (final byte[] frame : received2)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(frame);
            assertEquals(FrameCheck.OK, FrameCheck.checkHeader(new MessageHeader(), buffer, 0, frame.length));
        }
        long byReason = 0;
        for (int reason = 1; reason < FrameCheck.REASON_COUNT; reason++)
        {
            byReason += t2.droppedFrames(reason);
        }
        assertEquals(t2.droppedFrames(), byReason);
    }

    static byte[] mutate(final byte[] valid, final SplittableRandom random)
    {
        final byte[] frame = random.nextInt(4) == 0 ?
            java.util.Arrays.copyOf(valid, random.nextInt(1, valid.length * 2)) : valid.clone();
        final int flips = random.nextInt(1, 4);
        for (int j = 0; j < flips; j++)
        {
            final int index = random.nextInt(Math.min(frame.length, MessageHeader.LENGTH + 8));
            frame[index] = (byte)random.nextInt(256);
        }
        return frame;
    }

    @Test
    void shouldReportAnUnreachablePeerAsFalseWithoutThrowing()
    {
        final String e1 = freeEndpoint();
        final String e2 = freeEndpoint();
        final AeronTransport t1 = track(new AeronTransport(runtime.aeron(), udp(1, e1, e2)));
        final UnsafeBuffer frame = new UnsafeBuffer(voteRequest(1, 2, 5));
        for (int i = 0; i < 1000; i++)
        {
            assertFalse(t1.send(2, frame, 0, frame.capacity()));
        }
        assertFalse(t1.send(99, frame, 0, frame.capacity()));
        assertTrue(t1.sendFailures() >= 1001);
        assertEquals(0, t1.sentFrames());
    }

    @Test
    void shouldConnectToAndForgetAMemberAtRunTime()
    {
        final String e1 = freeEndpoint();
        final String e2 = freeEndpoint();
        final String e3 = freeEndpoint();
        final AeronTransport t1 = track(new AeronTransport(runtime.aeron(), udp(1, e1, e2)));
        final AeronTransport t3 = track(new AeronTransport(runtime.aeron(), udp(3, e1, e2).endpoint(3, e3)));
        final byte[] frame = voteRequest(1, 3, 5);
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);

        assertFalse(t1.hasPeer(3));
        assertFalse(t1.send(3, buffer, 0, frame.length), "no endpoint known for member 3");
        assertEquals(1, t1.sendsToUnknownMember());

        assertTrue(t1.addPeer(3, e3), "publication added without waiting for the driver");
        assertFalse(t1.addPeer(3, e3), "same endpoint again: nothing to do");
        assertEquals(2, t1.peerCount());
        sendUntilDelivered(t1, t3, 3, frame);

        assertTrue(t1.removePeer(3));
        assertFalse(t1.removePeer(3));
        assertFalse(t1.hasPeer(3));
        assertFalse(t1.send(3, buffer, 0, frame.length), "member 3 forgotten");
        assertEquals(2, t1.sendsToUnknownMember());
        assertThrows(IllegalArgumentException.class, () -> t1.addPeer(1, e1), "this member is not its own peer");
    }

    @Test
    void shouldReconnectToAPeerWhoseDriverRestarted()
    {
        final String e1 = freeEndpoint();
        final String e2 = freeEndpoint();
        final AeronTransport t1 = track(new AeronTransport(runtime.aeron(), udp(1, e1, e2)));

        final AeronRuntime peerRuntime = AeronRuntime.embedded();
        AeronTransport t2 = new AeronTransport(peerRuntime.aeron(), udp(2, e1, e2));
        sendUntilDelivered(t1, t2, 2, voteRequest(1, 2, 1));
        t2.close();
        peerRuntime.close();

        final AeronRuntime restarted = track(AeronRuntime.embedded());
        t2 = track(new AeronTransport(restarted.aeron(), udp(2, e1, e2)));
        final byte[] frame = voteRequest(1, 2, 2);
        sendUntilDelivered(t1, t2, 2, frame);
        assertTrue(deliveredSince(0, frame));
    }

    @Test
    void shouldDeliverOverIpcInOneDriver()
    {
        final AeronTransport t1 = track(new AeronTransport(runtime.aeron(),
            new AeronTransport.Context().clusterId(CLUSTER_ID).memberId(1).members(1, 2, 3).ipc(true).streamId(8000)));
        final AeronTransport t2 = track(new AeronTransport(runtime.aeron(),
            new AeronTransport.Context().clusterId(CLUSTER_ID).memberId(2).members(1, 2, 3).ipc(true).streamId(8000)));
        final byte[] frame = appendRequest(1, 2, 100_000);
        sendUntilDelivered(t1, t2, 2, frame);
        assertTrue(deliveredSince(0, frame));
    }
}
