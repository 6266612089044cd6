package io.synod.raft;

import io.synod.raft.codec.Frames;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.synod.raft.AgentHarness.CLUSTER_ID;
import static io.synod.raft.AgentHarness.GROUP_ID;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Frames that pass every header and body check but contradict the node's state (forged, corrupted in
 * a way no checksum caught, or from a buggy peer). RaftNode's contract: "A bad frame is dropped and
 * counted, never thrown."
 */
class RaftNodeMalformedFrameTest
{
    private static final int SELF = 1;
    private static final int PEER = 2;
    private static final long STEP_NS = 50_000_000L;

    @Test
    void shouldBecomeLeaderThroughPreVoteAndVote()
    {
        final AgentHarness harness = AgentHarness.follower();
        electSelf(harness);
        assertEquals(RaftRole.LEADER, harness.node.role());
        assertEquals(1, harness.node.term());
    }

    @Test
    void shouldNotThrowWhenAppendPutsLowerTermEntryAfterCommittedOne()
    {
        final AgentHarness harness = AgentHarness.follower();
        harness.doWork();
        // Index 1 in term 2, committed.
        harness.deliver(append(2, Frames.appendRequestBody(0, 0, 1, new long[]{ 2, EntryType.COMMAND, 1 })));
        harness.doWork();
        assertEquals(1, harness.node.commitIndex());

        // prevLogIndex 0 is below commitIndex, so the consistency check is skipped; index 2 then gets term 1 < 2.
        harness.deliver(append(2, Frames.appendRequestBody(0, 0, 0, new long[]{ 1, EntryType.COMMAND, 1 }, new long[]{ 1, EntryType.COMMAND, 1 })));
        assertDoesNotThrow(harness::doWork);
        assertEquals(2, harness.node.log().lastTerm(), "log terms must never decrease");
    }

    @Test
    void shouldNotThrowWhenLeaderGetsRejectionNamingIndexBeyondItsLog()
    {
        final AgentHarness harness = AgentHarness.follower();
        electSelf(harness);
        final long lastIndex = harness.node.log().lastIndex();

        harness.deliver(Frames.frame(MessageType.APPEND_RESPONSE, 0, CLUSTER_ID, GROUP_ID, PEER, SELF, harness.node.term(),
            Frames.appendResponseBody(false, lastIndex + 1000, -1, lastIndex + 1000, lastIndex + 1000)));
        assertDoesNotThrow(() -> harness.run(3, STEP_NS));
        assertEquals(RaftRole.LEADER, harness.node.role());
    }

    /** Lets the election timer fire, then grants the pre-vote and the vote from member 2. */
    static void electSelf(final AgentHarness harness)
    {
        for (int i = 0; i < 100 && harness.node.role() == RaftRole.FOLLOWER; i++)
        {
            harness.run(1, STEP_NS);
        }
        assertEquals(RaftRole.PRE_CANDIDATE, harness.node.role());
        final long term = harness.node.term();
        harness.deliver(Frames.frame(MessageType.VOTE_RESPONSE, MessageHeader.FLAG_PRE_VOTE, CLUSTER_ID, GROUP_ID, PEER, SELF, term + 1,
            Frames.voteResponseBody(true)));
        harness.doWork();
        assertEquals(RaftRole.CANDIDATE, harness.node.role());
        harness.deliver(Frames.frame(MessageType.VOTE_RESPONSE, 0, CLUSTER_ID, GROUP_ID, PEER, SELF, term + 1, Frames.voteResponseBody(true)));
        harness.doWork();
        assertEquals(RaftRole.LEADER, harness.node.role());
        // The vote requests and first heartbeats went out through the transport.
        assertEquals(MessageType.APPEND_REQUEST,
            new MessageHeader().wrap(new UnsafeBuffer(harness.sent.get(harness.sent.size() - 1).frame()), 0).type());
    }

    private static byte[] append(final long term, final byte[] body)
    {
        return Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, PEER, SELF, term, body);
    }
}
