package io.synod.raft;

import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.Frames;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.synod.raft.AgentHarness.CLUSTER_ID;
import static io.synod.raft.AgentHarness.GROUP_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leader tells followers of a new commit index in the cycle it advances (or in the cycle a follower's
 * acknowledgement lets it learn more of it), with an AppendEntries at the follower's match point that has
 * no entries if there are none to send; member 1 leads members 2 and 3 here, which are scripted. The
 * rules: one such message per follower per cycle, none to a follower being probed or whose in-flight
 * window is full, and no AppendEntries ever carries a commit index beyond its own last index.
 */
class LeaderCommitPropagationTest
{
    private static final long STEP_NS = 1_000_000L;

    /** One AppendEntries the leader sent. */
    record Append(int to, long prevLogIndex, int entryCount, long leaderCommit)
    {
    }

    private AgentHarness harness;
    private long noop;

    @BeforeEach
    void electMemberOne()
    {
        harness = AgentHarness.follower();
        RaftNodeMalformedFrameTest.electSelf(harness);
        noop = harness.node.log().lastIndex();
        harness.sent.clear();
    }

    @Test
    void shouldSendTheCommitToReplicatingFollowersInTheCycleItAdvancesButNotToAProbedOne()
    {
        acknowledge(2, noop);
        List<Append> appends = cycle();
        assertEquals(noop, harness.node.commitIndex());
        assertEquals(List.of(new Append(2, noop, 0, noop)), appends, "member 3 is being probed: its probe is in flight");

        acknowledge(3, noop);
        appends = cycle();
        assertEquals(List.of(new Append(3, noop, 0, noop)), appends, "the probe carried the old commit index");

        assertEquals(List.of(), cycle(), "both were told: nothing more until the next heartbeat");
    }

    @Test
    void shouldTellEachFollowerTheCommitUpToWhatItAcknowledged()
    {
        acknowledge(2, noop);
        acknowledge(3, noop);
        cycle();
        propose();
        final long index = noop + 1;
        assertEquals(List.of(new Append(2, noop, 1, noop), new Append(3, noop, 1, noop)), cycle(),
            "new entries carry the commit index: no other message");

        acknowledge(2, index);
        assertEquals(List.of(new Append(2, index, 0, index)), cycle(),
            "member 3 has not acknowledged the entry: it is told when it does, never beyond its match point");

        acknowledge(3, index);
        assertEquals(List.of(new Append(3, index, 0, index)), cycle());
        assertEquals(List.of(), cycle());
    }

    @Test
    void shouldNotSendTheCommitToAFollowerWithAFullWindowAndNeverBeyondWhatTheMessageCovers()
    {
        acknowledge(2, noop);
        acknowledge(3, noop);
        cycle();
        final int window = harness.node.config().inflightAppendsMax();
        final List<Append> all = new ArrayList<>();
        // Member 3 stops answering: its window fills with one entry per cycle, then it gets nothing.
        for (int i = 1; i <= window + 3; i++)
        {
            propose();
            final List<Append> appends = cycle();
            all.addAll(appends);
            acknowledge(2, noop + i);
            final List<Append> toThree = appends.stream().filter(a -> a.to() == 3).toList();
            if (i <= window)
            {
                assertEquals(List.of(new Append(3, noop + i - 1, 1, harness.node.commitIndex())), toThree, "cycle " + i);
            }
            else
            {
                assertEquals(List.of(), toThree, "cycle " + i + ": the window to member 3 is full");
            }
        }
        all.addAll(cycle());
        final long commit = harness.node.commitIndex();
        assertEquals(noop + window + 3, commit);

        // The heartbeat goes at member 3's match point, so it carries the commit only up to there.
        harness.nowNs += harness.node.config().heartbeatIntervalNs();
        final List<Append> heartbeat = cycle();
        all.addAll(heartbeat);
        assertTrue(heartbeat.contains(new Append(3, noop, 0, noop)), heartbeat.toString());

        // Member 3 catches up: its window empties, the rest goes out in one message that carries the commit.
        acknowledge(3, noop + window);
        final List<Append> catchUp = cycle();
        all.addAll(catchUp);
        assertEquals(List.of(new Append(3, noop + window, 3, commit)), catchUp.stream().filter(a -> a.to() == 3).toList());
        for (final Append append : all)
        {
            assertTrue(append.leaderCommit() <= append.prevLogIndex() + append.entryCount(), append.toString());
        }
    }

    private void propose()
    {
        assertTrue(harness.agent.propose(GROUP_ID, 1, new UnsafeBuffer(new byte[]{1}), 0, 1));
    }

    private void acknowledge(final int from, final long index)
    {
        harness.deliver(Frames.frame(MessageType.APPEND_RESPONSE, 0, CLUSTER_ID, GROUP_ID, from, 1, harness.node.term(),
            Frames.appendResponseBody(true, index, 0, 0, index)));
    }

    /** Runs one duty cycle and returns the AppendEntries it sent. */
    private List<Append> cycle()
    {
        harness.sent.clear();
        harness.run(1, STEP_NS);
        final List<Append> appends = new ArrayList<>();
        final MessageHeader header = new MessageHeader();
        final AppendRequest request = new AppendRequest();
        for (final AgentHarness.Sent sent : harness.sent)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(sent.frame());
            header.wrap(buffer, 0);
            if (header.type() == MessageType.APPEND_REQUEST)
            {
                request.wrap(buffer, header.bodyOffset());
                appends.add(new Append(sent.to(), request.prevLogIndex(), request.entryCount(), request.leaderCommit()));
            }
        }
        return appends;
    }
}
