package io.synod.raft.testkit;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.raft.StateMachine;
import io.synod.raft.Transport;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Test support: a fault-free 3..n member cluster on virtual time where, as with a busy-spinning agent
 * on a real network, every frame arrives on its own after a link delay and is handled in its own duty
 * cycle (plus an idle cycle every {@code wakeNs} for timers). {@link LoopbackCluster} instead delivers
 * everything a tick sent in one cycle of the next tick, which batches more than a real deployment does.
 * Links are FIFO with a delay in {@code [delayNs, 2 * delayNs)}. Allocates; for measurements, not for
 * allocation tests.
 */
final class EventDrivenCluster
{
    private record Event(long timeNs, long seq, int member, byte[] frame) implements Comparable<Event>
    {
        @Override
        public int compareTo(final Event other)
        {
            final int byTime = Long.compare(timeNs, other.timeNs);
            return byTime != 0 ? byTime : Long.compare(seq, other.seq);
        }
    }

    private static final StateMachine COUNTER = (index, term, command, offset, length, response) ->
    {
        response.putLong(0, index);
        return 8;
    };

    private final VirtualClock clock = new VirtualClock(1_000_000_000L);
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final SplittableRandom random;
    private final long delayNs;
    private final long wakeNs;
    private final Member[] members;
    /** Per link (from, to): when its last frame arrives, so later frames never overtake it. */
    private final long[][] linkBusyUntilNs;
    private long seq;

    EventDrivenCluster(final int size, final long seed, final long delayNs, final long wakeNs)
    {
        this.random = new SplittableRandom(seed);
        this.delayNs = delayNs;
        this.wakeNs = wakeNs;
        this.members = new Member[size];
        this.linkBusyUntilNs = new long[size + 1][size + 1];
        final int[] ids = new int[size];
        for (int i = 0; i < size; i++)
        {
            ids[i] = i + 1;
        }
        for (int i = 0; i < size; i++)
        {
            members[i] = new Member(i + 1, ids, seed);
            schedule(clock.nanoTime() + random.nextLong(wakeNs), i + 1, null);
        }
    }

    VirtualClock clock()
    {
        return clock;
    }

    RaftNode node(final int memberId)
    {
        return members[memberId - 1].node;
    }

    int size()
    {
        return members.length;
    }

    /** @return the leader, or 0. */
    int leader()
    {
        for (final Member member : members)
        {
            if (member.node.role() == RaftRole.LEADER)
            {
                return member.memberId;
            }
        }
        return 0;
    }

    /** Proposes to a member and runs its duty cycle at once, as a spinning agent would. */
    boolean propose(final int memberId, final long correlationId, final DirectBuffer command, final int offset, final int length)
    {
        final Member member = members[memberId - 1];
        if (!member.agent.propose(0, correlationId, command, offset, length))
        {
            return false;
        }
        member.agent.doWork();
        return true;
    }

    /** Handles every event up to {@code timeNs}, then moves the clock there. */
    void runUntil(final long timeNs)
    {
        while (step(timeNs))
        {
            // next event
        }
        clock.advanceTo(timeNs);
    }

    /**
     * Handles the next event (a frame arriving, or an idle wake-up) if it is due by {@code timeNs}.
     *
     * @return false if none was.
     */
    boolean step(final long timeNs)
    {
        if (events.isEmpty() || events.peek().timeNs() > timeNs)
        {
            return false;
        }
        final Event event = events.poll();
        clock.advanceTo(event.timeNs());
        final Member member = members[event.member() - 1];
        if (event.frame() == null)
        {
            schedule(clock.nanoTime() + wakeNs, event.member(), null);
        }
        else
        {
            member.inbox.add(event.frame());
        }
        member.agent.doWork();
        return true;
    }

    long framesSent()
    {
        long frames = 0;
        for (final Member member : members)
        {
            frames += member.node.counters().framesSent();
        }
        return frames;
    }

    private void schedule(final long timeNs, final int memberId, final byte[] frame)
    {
        events.add(new Event(timeNs, seq++, memberId, frame));
    }

    private final class Member implements Transport, ProposalHandler
    {
        final int memberId;
        final RaftNode node;
        final RaftAgent agent;
        final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        Member(final int memberId, final int[] ids, final long seed)
        {
            this.memberId = memberId;
            final RaftConfig config = new RaftConfig()
                .clusterId(LoopbackCluster.CLUSTER_ID)
                .groupId(0)
                .memberId(memberId)
                .members(ids)
                .observer(RaftObserver.NONE);
            node = new RaftNode(config, new InMemoryRaftLog(1 << 16, 1 << 23), new InMemoryHardState(), COUNTER, this,
                new SplittableRandom(seed * 7919 + memberId), this);
            agent = new RaftAgent(clock, this, 1024 * 1024, node);
        }

        @Override
        public boolean send(final int to, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] frame = new byte[length];
            buffer.getBytes(offset, frame);
            final long arrivalNs = Math.max(clock.nanoTime() + delayNs + random.nextLong(delayNs), linkBusyUntilNs[memberId][to]);
            linkBusyUntilNs[memberId][to] = arrivalNs;
            schedule(arrivalNs, to, frame);
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            int polled = 0;
            while (polled < fragmentLimit && !inbox.isEmpty())
            {
                final byte[] frame = inbox.poll();
                view.wrap(frame);
                handler.onFrame(view, 0, frame.length);
                polled++;
            }
            return polled;
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            throw new AssertionError("proposal " + correlationId + " rejected: " + reason);
        }
    }
}
