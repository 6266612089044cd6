package io.synod.raft;

import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.AppendResponse;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.Frames;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Arrays;

import static io.synod.raft.AgentHarness.CLUSTER_ID;
import static io.synod.raft.AgentHarness.GROUP_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way a frame can be wrong is dropped and counted under its own reason, by the agent (before a
 * group is chosen) or by the node; a good frame is counted as received.
 */
class RaftAgentFrameDropTest
{
    private static final int SELF = 1;
    private static final int LEADER = 2;

    private AgentHarness harness;

    @BeforeEach
    void setUp()
    {
        harness = AgentHarness.follower();
        harness.doWork();
    }

    @Test
    void shouldReceiveHeartbeatAndAcknowledgeIt()
    {
        deliver(heartbeat());

        assertEquals(1, harness.received());
        assertEquals(0, harness.dropped());
        assertEquals(LEADER, harness.node.leaderId());
        assertEquals(1, harness.sent.size());
        final byte[] reply = harness.sent.get(0).frame();
        final MessageHeader header = new MessageHeader().wrap(new UnsafeBuffer(reply), 0);
        assertEquals(LEADER, harness.sent.get(0).to());
        assertEquals(MessageType.APPEND_RESPONSE, header.type());
        assertTrue(new AppendResponse().wrap(new UnsafeBuffer(reply), MessageHeader.LENGTH).success());
    }

    @Test
    void shouldDropFrameShorterThanHeader()
    {
        deliver(Arrays.copyOf(heartbeat(), MessageHeader.LENGTH - 1));
        assertDroppedByAgent(FrameCheck.BAD_LENGTH);
    }

    @Test
    void shouldDropEmptyFrame()
    {
        deliver(new byte[0]);
        assertDroppedByAgent(FrameCheck.BAD_LENGTH);
    }

    @Test
    void shouldDropFrameWithBodyLengthMismatch()
    {
        final byte[] frame = heartbeat();
        new MessageHeader().wrap(new UnsafeBuffer(frame), 0).bodyLength(AppendRequest.FIXED_LENGTH + 16);
        deliver(frame);
        assertDroppedByAgent(FrameCheck.BAD_LENGTH);
    }

    @Test
    void shouldDropTruncatedFrame()
    {
        final byte[] frame = heartbeat();
        deliver(Arrays.copyOf(frame, frame.length - 1));
        assertDroppedByAgent(FrameCheck.BAD_LENGTH);
    }

    @Test
    void shouldDropFrameWithBadVersion()
    {
        final byte[] frame = heartbeat();
        frame[0] = (byte)(MessageHeader.VERSION + 1);
        deliver(frame);
        assertDroppedByAgent(FrameCheck.BAD_VERSION);
    }

    @Test
    void shouldDropFrameWithUnknownType()
    {
        final byte[] frame = heartbeat();
        frame[1] = (byte)(MessageType.MAX + 1);
        deliver(frame);
        assertDroppedByAgent(FrameCheck.BAD_TYPE);
    }

    @Test
    void shouldDropFrameForUnknownGroup()
    {
        deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID + 1, LEADER, SELF, 1, Frames.appendRequestBody(0, 0, 0)));
        assertDroppedByAgent(FrameCheck.UNKNOWN_GROUP);
    }

    @Test
    void shouldDropFrameFromAnotherCluster()
    {
        deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID + 1, GROUP_ID, LEADER, SELF, 1, Frames.appendRequestBody(0, 0, 0)));
        assertDroppedByNode(FrameCheck.WRONG_CLUSTER);
    }

    @Test
    void shouldDropFrameFromUnknownMember()
    {
        // Vote requests from outside the configuration are heard when the candidate's log is up to date
        // (RaftNode#candidateUpToDate); responses and everything else from an unknown member are not.
        deliver(Frames.frame(MessageType.VOTE_RESPONSE, 0, CLUSTER_ID, GROUP_ID, 4, SELF, 1, Frames.voteResponseBody(true)));
        assertDroppedByNode(FrameCheck.UNKNOWN_MEMBER);
    }

    @Test
    void shouldDropFrameClaimingToComeFromItself()
    {
        deliver(Frames.frame(MessageType.VOTE_REQUEST, 0, CLUSTER_ID, GROUP_ID, SELF, SELF, 1, Frames.voteRequestBody(0, 0)));
        assertDroppedByNode(FrameCheck.UNKNOWN_MEMBER);
    }

    @Test
    void shouldDropFrameAddressedToAnotherMember()
    {
        deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, LEADER, 3, 1, Frames.appendRequestBody(0, 0, 0)));
        assertDroppedByNode(FrameCheck.UNKNOWN_MEMBER);
    }

    @Test
    void shouldDropAppendWhoseEntryOverflowsTheBody()
    {
        final byte[] body = Frames.appendRequestBody(0, 0, 0, new long[]{ 1, EntryType.COMMAND, 8 });
        new UnsafeBuffer(body).putInt(AppendRequest.FIXED_LENGTH + 12, 9, ByteOrder.LITTLE_ENDIAN);
        deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, LEADER, SELF, 1, body));
        assertDroppedByNode(FrameCheck.BAD_FIELD);
        assertEquals(0, harness.node.log().lastIndex());
    }

    @Test
    void shouldDropAppendWithMoreEntriesThanTheBodyHolds()
    {
        final byte[] body = Frames.appendRequestBody(0, 0, 0, new long[]{ 1, EntryType.COMMAND, 0 });
        new UnsafeBuffer(body).putInt(24, 2, ByteOrder.LITTLE_ENDIAN);
        deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, LEADER, SELF, 1, body));
        assertDroppedByNode(FrameCheck.BAD_FIELD);
        assertEquals(0, harness.node.log().lastIndex());
    }

    @Test
    void shouldDropAppendWhoseEntryTermIsAboveTheMessageTerm()
    {
        final byte[] body = Frames.appendRequestBody(0, 0, 0, new long[]{ 1, EntryType.COMMAND, 4 }, new long[]{ 3, EntryType.COMMAND, 4 });
        deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, LEADER, SELF, 2, body));
        assertDroppedByNode(FrameCheck.BAD_FIELD);
        assertEquals(0, harness.node.log().lastIndex());
        assertEquals(0, harness.node.term(), "a dropped frame must not move the term");
    }

    @Test
    void shouldAppendEntriesOfWellFormedAppend()
    {
        final byte[] body = Frames.appendRequestBody(0, 0, 1, new long[]{ 1, EntryType.NOOP, 0 }, new long[]{ 2, EntryType.COMMAND, 5 });
        deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, LEADER, SELF, 2, body));

        assertEquals(1, harness.received());
        assertEquals(0, harness.dropped());
        assertEquals(2, harness.node.log().lastIndex());
        assertEquals(2, harness.node.log().lastTerm());
        assertEquals(1, harness.node.commitIndex());
        assertEquals(1, harness.node.lastApplied());
    }

    @Test
    void shouldHandleEachFrameOfABatchAsIfItArrivedAlone()
    {
        deliver(batch(LEADER, heartbeat(), heartbeat()));

        assertEquals(2, harness.received());
        assertEquals(0, harness.dropped());
        assertEquals(LEADER, harness.node.leaderId());
    }

    @Test
    void shouldDropBatchWhoseInnerFrameOverrunsIt()
    {
        final byte[] batch = batch(LEADER, heartbeat());
        new MessageHeader().wrap(new UnsafeBuffer(batch), MessageHeader.LENGTH).bodyLength(AppendRequest.FIXED_LENGTH + 1);
        deliver(batch);
        assertDroppedByAgent(FrameCheck.BAD_LENGTH);
    }

    @Test
    void shouldDropBatchInsideABatch()
    {
        deliver(batch(LEADER, batch(LEADER, heartbeat())));
        assertDroppedByAgent(FrameCheck.BAD_LENGTH);
    }

    @Test
    void shouldDropInnerFrameThatSpeaksForAnotherMember()
    {
        deliver(batch(3, heartbeat()));
        assertDroppedByAgent(FrameCheck.UNKNOWN_MEMBER);
    }

    /** Sends small frames to two members through a batcher: one batch each, order kept, a large frame flushes first. */
    @Test
    void shouldCoalesceSmallFramesPerMemberAndKeepTheirOrder()
    {
        final AgentHarness sink = AgentHarness.follower();
        final FrameBatcher batcher = new FrameBatcher(sink, CLUSTER_ID, SELF, 128, 1024);
        final byte[] small = heartbeat();
        final byte[] large = new byte[200];
        assertTrue(batcher.send(2, new UnsafeBuffer(small), 0, small.length));
        assertTrue(batcher.send(2, new UnsafeBuffer(small), 0, small.length));
        assertTrue(batcher.send(3, new UnsafeBuffer(small), 0, small.length));
        assertTrue(sink.sent.isEmpty(), "small frames wait for the flush");
        batcher.send(2, new UnsafeBuffer(large), 0, large.length);
        assertEquals(2, sink.sent.size(), "the large frame goes after the batch held for the same member");
        assertEquals(MessageType.BATCH, new MessageHeader().wrap(new UnsafeBuffer(sink.sent.get(0).frame()), 0).type());
        assertEquals(MessageHeader.LENGTH + 2 * small.length, sink.sent.get(0).frame().length);
        assertEquals(large.length, sink.sent.get(1).frame().length);
        assertEquals(1, batcher.flush());
        assertEquals(3, sink.sent.size());
        assertEquals(3, sink.sent.get(2).to());
        assertTrue(Arrays.equals(small, sink.sent.get(2).frame()), "a lone frame goes as it is, without a batch");
        assertEquals(0, batcher.flush());
        assertEquals(1, batcher.batchesSent());
    }

    private static byte[] batch(final int from, final byte[]... frames)
    {
        int length = 0;
        for (final byte[] frame : frames)
        {
            length += frame.length;
        }
        final byte[] body = new byte[length];
        int offset = 0;
        for (final byte[] frame : frames)
        {
            System.arraycopy(frame, 0, body, offset, frame.length);
            offset += frame.length;
        }
        return Frames.frame(MessageType.BATCH, 0, CLUSTER_ID, 0, from, SELF, 0, body);
    }

    private void deliver(final byte[] frame)
    {
        harness.deliver(frame);
        harness.doWork();
    }

    private void assertDroppedByAgent(final int reason)
    {
        assertEquals(1, harness.agent.framesDropped(reason), FrameCheck.reason(reason));
        assertEquals(1, harness.agent.framesDropped());
        assertEquals(0, harness.node.counters().framesDropped());
        assertEquals(0, harness.received());
        assertTrue(harness.sent.isEmpty(), "a dropped frame gets no reply");
    }

    private void assertDroppedByNode(final int reason)
    {
        assertEquals(1, harness.node.counters().framesDropped(reason), FrameCheck.reason(reason));
        assertEquals(1, harness.node.counters().framesDropped());
        assertEquals(0, harness.agent.framesDropped());
        assertEquals(0, harness.received());
        assertTrue(harness.sent.isEmpty(), "a dropped frame gets no reply");
    }

    private static byte[] heartbeat()
    {
        return Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, LEADER, SELF, 1, Frames.appendRequestBody(0, 0, 0));
    }
}
