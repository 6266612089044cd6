package io.synod.raft;

import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.Frames;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.VoteResponse;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.synod.raft.AgentHarness.CLUSTER_ID;
import static io.synod.raft.AgentHarness.GROUP_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vote request from a member our configuration does not list is heard when the candidate's log is at
 * least as up to date as ours (our configuration may lag behind the one that made it, or us, a voter),
 * and dropped as UNKNOWN_MEMBER otherwise (a removed member lags behind the log that removed it).
 */
class VoteFromOutsideConfigurationTest
{
    private static final int SELF = 1;
    private static final int LEADER = 2;
    private static final int STRANGER = 4;

    @Test
    void shouldGrantAVoteToAnUpToDateCandidateOutsideTheConfiguration()
    {
        // A member that has heard from no leader yet (a leader it heard from would hold its vote: §4.2.3).
        final AgentHarness harness = AgentHarness.follower();
        harness.deliver(Frames.frame(MessageType.VOTE_REQUEST, 0, CLUSTER_ID, GROUP_ID, STRANGER, SELF, 2, Frames.voteRequestBody(3, 1)));
        harness.run(1, 1_000_000L);

        assertEquals(0, harness.node.counters().framesDropped(FrameCheck.UNKNOWN_MEMBER));
        final AgentHarness.Sent reply = harness.sent.get(harness.sent.size() - 1);
        assertEquals(STRANGER, reply.to());
        final MessageHeader header = new MessageHeader().wrap(new UnsafeBuffer(reply.frame()), 0);
        assertEquals(MessageType.VOTE_RESPONSE, header.type());
        assertTrue(new VoteResponse().wrap(new UnsafeBuffer(reply.frame()), MessageHeader.LENGTH).granted());
        assertEquals(2, harness.node.term());
    }

    @Test
    void shouldDropALaggingCandidateOutsideTheConfigurationWithoutMovingItsTerm()
    {
        final AgentHarness harness = followerWithTwoEntries();
        final int sentBefore = harness.sent.size();
        harness.deliver(Frames.frame(MessageType.VOTE_REQUEST, 0, CLUSTER_ID, GROUP_ID, STRANGER, SELF, 5, Frames.voteRequestBody(1, 1)));
        harness.run(1, 1_000_000L);

        assertEquals(1, harness.node.counters().framesDropped(FrameCheck.UNKNOWN_MEMBER));
        assertEquals(1, harness.node.term(), "a removed member's higher term does not disturb us");
        assertEquals(sentBefore, harness.sent.size());
    }

    /** Member 1 of {1, 2, 3}, follower in term 1 holding entries 1 and 2 of term 1 from leader 2. */
    private static AgentHarness followerWithTwoEntries()
    {
        final AgentHarness harness = AgentHarness.follower();
        final long[] entry = { 1, EntryType.COMMAND, 4 };
        harness.deliver(Frames.frame(MessageType.APPEND_REQUEST, 0, CLUSTER_ID, GROUP_ID, LEADER, SELF, 1,
            Frames.appendRequestBody(0, 0, 0, entry, entry)));
        harness.run(1, 1_000_000L);
        assertEquals(2, harness.node.log().lastIndex());
        harness.sent.clear();
        return harness;
    }
}
