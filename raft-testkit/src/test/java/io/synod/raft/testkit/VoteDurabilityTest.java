package io.synod.raft.testkit;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.Transport;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.VoteRequest;
import io.synod.raft.codec.VoteResponse;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member never grants two votes in one term, even when it crashes between them: the vote is
 * durable before the reply leaves, and a crash inside the store sends nothing.
 */
class VoteDurabilityTest
{
    private static final int[] MEMBERS = {1, 2, 3};

    /** Votes granted per candidate, as seen on the wire. */
    private final List<int[]> granted = new ArrayList<>();
    private final Transport wire = new Transport()
    {
        private final MessageHeader header = new MessageHeader();
        private final VoteResponse response = new VoteResponse();

        @Override
        public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
        {
            header.wrap(buffer, offset);
            if (header.type() == MessageType.VOTE_RESPONSE && response.wrap(buffer, header.bodyOffset()).granted())
            {
                granted.add(new int[]{header.to(), (int)header.term()});
            }
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            return 0;
        }
    };

    @Test
    void shouldNotGrantSecondVoteInTermAfterRestart()
    {
        final CrashableLog log = new CrashableLog(1, (m, i, t, p, h) -> {});
        final CrashableHardState hardState = new CrashableHardState();

        RaftNode voter = start(log, hardState);
        deliverVoteRequest(voter, 2, 5);
        assertEquals(1, granted.size());
        assertEquals(2, granted.get(0)[0]);

        log.crash(new SplittableRandom(1));
        voter = start(log, hardState);
        assertEquals(5, voter.term());
        assertEquals(2, voter.votedFor());
        deliverVoteRequest(voter, 3, 5);
        deliverVoteRequest(voter, 2, 5);
        assertEquals(2, granted.size(), "only the same candidate may be granted again");
        assertEquals(2, granted.get(1)[0]);
    }

    @Test
    void shouldSendNoVoteWhenCrashingInsideTheStore()
    {
        for (long seed = 0; seed < 32; seed++)
        {
            granted.clear();
            final CrashableLog log = new CrashableLog(1, (m, i, t, p, h) -> {});
            final CrashableHardState hardState = new CrashableHardState();
            final RaftNode voter = start(log, hardState);
            hardState.crashOnNextStore(new SplittableRandom(seed));
            assertThrows(SimulatedCrash.class, () -> deliverVoteRequest(voter, 2, 5));
            assertTrue(granted.isEmpty(), "a vote left before it was durable");

            final RaftNode restarted = start(log, hardState);
            deliverVoteRequest(restarted, 3, 5);
            deliverVoteRequest(restarted, 2, 5);
            final long candidates = granted.stream().mapToInt(g -> g[0]).distinct().count();
            assertTrue(candidates <= 1, "two candidates granted in term 5 (seed " + seed + ")");
        }
    }

    private RaftNode start(final CrashableLog log, final CrashableHardState hardState)
    {
        final RaftConfig config = new RaftConfig().clusterId(7).memberId(1).members(MEMBERS).observer(RaftObserver.NONE);
        final RaftNode node = new RaftNode(config, log, hardState, (i, t, c, o, l, r) -> 0, wire,
            new SplittableRandom(3), new ProposalHandler()
            {
                @Override
                public void onCommitted(final int g, final long c, final long i, final DirectBuffer r, final int o, final int l)
                {
                }

                @Override
                public void onRejected(final int g, final long c, final int reason, final int hint)
                {
                }
            });
        node.beginCycle(0);
        return node;
    }

    private static void deliverVoteRequest(final RaftNode node, final int candidate, final long term)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[MessageHeader.LENGTH + VoteRequest.LENGTH]);
        final int body = new MessageHeader().wrap(frame, 0)
            .encode(MessageType.VOTE_REQUEST, 0, 7, 0, candidate, 1, term, VoteRequest.LENGTH);
        new VoteRequest().wrap(frame, body).lastLogIndex(0).lastLogTerm(0);
        node.onFrame(frame, 0, frame.capacity());
        node.persist();
        node.send();
    }
}
