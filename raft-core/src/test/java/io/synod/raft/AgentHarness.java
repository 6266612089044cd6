package io.synod.raft;

import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test support: one {@link RaftNode} driven by a real {@link RaftAgent} over a scripted transport and
 * a virtual clock. Frames queued with {@link #deliver} arrive on the next {@link #doWork()}, each at a
 * non-zero offset of a larger buffer; everything the node sends is recorded.
 */
final class AgentHarness implements Transport
{
    static final int CLUSTER_ID = 7;
    static final int GROUP_ID = 3;
    static final int FRAME_OFFSET = 13;

    /** A frame the node sent. */
    record Sent(int to, byte[] frame)
    {
    }

    final List<Sent> sent = new ArrayList<>();
    final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    final RaftNode node;
    final RaftAgent agent;
    long nowNs;

    /** Applies commands by echoing them back reversed, so the response is checkable. */
    static final StateMachine ECHO_REVERSED = (index, term, command, offset, length, response) ->
    {
        for (int i = 0; i < length; i++)
        {
            response.putByte(i, command.getByte(offset + length - 1 - i));
        }
        return length;
    };

    AgentHarness(final int memberId, final int[] members, final ProposalHandler handler)
    {
        final RaftConfig config = new RaftConfig()
            .clusterId(CLUSTER_ID)
            .groupId(GROUP_ID)
            .memberId(memberId)
            .members(members)
            .observer(RaftObserver.NONE)
            .conclude();
        node = new RaftNode(
            config, new InMemoryRaftLog(64, 4096), new InMemoryHardState(), ECHO_REVERSED, this, new SplittableRandom(42), handler);
        agent = new RaftAgent(() -> nowNs, this, 4096, node);
    }

    static AgentHarness follower()
    {
        return new AgentHarness(1, new int[]{ 1, 2, 3 }, IGNORE);
    }

    void deliver(final byte[] frame)
    {
        inbound.add(frame);
    }

    int doWork()
    {
        return agent.doWork();
    }

    /** Runs duty cycles, advancing virtual time by {@code stepNs} before each. */
    void run(final int cycles, final long stepNs)
    {
        for (int i = 0; i < cycles; i++)
        {
            nowNs += stepNs;
            agent.doWork();
        }
    }

    long dropped()
    {
        return agent.framesDropped() + node.counters().framesDropped();
    }

    long received()
    {
        return node.counters().framesReceived();
    }

    @Override
    public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        sent.add(new Sent(memberId, copy));
        return true;
    }

    @Override
    public int poll(final FrameHandler handler, final int fragmentLimit)
    {
        int delivered = 0;
        while (delivered < fragmentLimit && !inbound.isEmpty())
        {
            final byte[] frame = inbound.poll();
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[FRAME_OFFSET + frame.length + 3]);
            buffer.putBytes(FRAME_OFFSET, frame);
            handler.onFrame(buffer, FRAME_OFFSET, frame.length);
            delivered++;
        }
        return delivered;
    }

    static final ProposalHandler IGNORE = new ProposalHandler()
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
}
