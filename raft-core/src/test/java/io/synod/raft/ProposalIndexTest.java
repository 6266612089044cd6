package io.synod.raft;

import io.synod.raft.codec.Frames;
import io.synod.raft.codec.MessageType;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.synod.raft.AgentHarness.CLUSTER_ID;
import static io.synod.raft.AgentHarness.GROUP_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A caller learns where its command went: {@code propose} returns the index, and the handler hears
 * {@code onAppended(index, term)} before the outcome, also for proposals that come through the agent's
 * ring. And the log itself refuses to lose a committed entry: the node declares its commit index to the
 * log in every {@code persist()}, and a truncation at or below it throws.
 */
class ProposalIndexTest
{
    private static final long STEP_NS = 50_000_000L;

    /** Every callback, in order, as text. */
    private static final class Recording implements ProposalHandler
    {
        final List<String> events = new ArrayList<>();

        @Override
        public void onAppended(final int groupId, final long correlationId, final long index, final long term)
        {
            events.add("appended " + correlationId + " at " + index + "/" + term);
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            events.add("committed " + correlationId + " at " + index);
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            events.add("rejected " + correlationId + " " + ProposalHandler.reason(reason));
        }
    }

    private final Recording handler = new Recording();
    private final AgentHarness harness = new AgentHarness(1, new int[]{ 1, 2, 3 }, handler);
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[]{ 1, 2, 3 });

    @Test
    void shouldReturnTheIndexAndAnnounceItBeforeTheOutcome()
    {
        assertEquals(0, harness.node.propose(10, command, 0, 3), "a follower rejects at once");
        assertEquals(List.of("rejected 10 NOT_LEADER"), handler.events);
        handler.events.clear();

        RaftNodeMalformedFrameTest.electSelf(harness);
        final long term = harness.node.term();
        final long noop = harness.node.log().lastIndex();
        final long index = harness.node.propose(11, command, 0, 3);
        assertEquals(noop + 1, index);
        assertEquals(List.of("appended 11 at " + index + "/" + term), handler.events);

        assertTrue(harness.agent.propose(GROUP_ID, 12, command, 0, 3), "through the agent's ring");
        harness.run(1, 1);
        assertEquals("appended 12 at " + (index + 1) + "/" + term, handler.events.get(1));

        acknowledge(2, index + 1);
        harness.run(2, 1);
        assertEquals(List.of("appended 11 at " + index + "/" + term, "appended 12 at " + (index + 1) + "/" + term,
            "committed 11 at " + index, "committed 12 at " + (index + 1)), handler.events);
    }

    @Test
    void shouldDeclareTheCommitIndexToTheLogSoThatItRefusesToTruncateCommittedEntries()
    {
        RaftNodeMalformedFrameTest.electSelf(harness);
        final long index = harness.node.propose(1, command, 0, 3);
        acknowledge(2, index);
        harness.run(2, 1);
        assertEquals(index, harness.node.commitIndex());
        final InMemoryRaftLog log = (InMemoryRaftLog)harness.node.log();
        assertEquals(index, log.commitIndex(), "declared in persist()");

        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> log.truncateSuffix(index));
        assertTrue(refused.getMessage().contains("at or below commitIndex=" + index), refused.getMessage());
        assertThrows(IllegalStateException.class, () -> log.commitIndex(index - 1), "never decreases");
        log.append(index + 1, harness.node.term(), EntryType.COMMAND, command, 0, 3);
        log.truncateSuffix(index + 1);
        assertEquals(index, log.lastIndex(), "above the commit index a truncation still works");
    }

    private void acknowledge(final int from, final long index)
    {
        harness.deliver(Frames.frame(MessageType.APPEND_RESPONSE, 0, CLUSTER_ID, GROUP_ID, from, 1, harness.node.term(),
            Frames.appendResponseBody(true, index, 0, 0, index)));
    }
}
