package io.synod.raft.testkit;

import io.synod.raft.FrameBatcher;
import io.synod.raft.HardState;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftLog;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.ReadMode;
import io.synod.raft.SnapshotStore;
import io.synod.raft.StateMachine;
import io.synod.raft.Transport;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * A scriptable in-process cluster on virtual time, for scenario tests, allocation tests and
 * benchmarks of the core. Every member is a real {@link RaftNode} driven by a real {@link RaftAgent};
 * frames travel through pre-allocated ring buffers (no allocation per message), links can be cut and
 * healed, and members can crash and restart from their durable state.
 *
 * <p>Time moves in ticks of {@link #tickNs()}: {@link #tick()} advances the clock and runs one duty
 * cycle of every live member in member order. A frame sent in one tick is delivered in the next, and
 * link cuts apply at delivery, so a test can inspect the cluster after a tick and cut a link before
 * what was just sent arrives.
 *
 * <p>With {@code crashableStorage}, logs are {@link CrashableLog}s (a crash loses unflushed writes) and
 * {@link RaftInvariants} are checked after every tick; without it, logs are pre-sized
 * {@link InMemoryRaftLog}s and nothing allocates in steady state, which is what the allocation test
 * and the core benchmark need.
 */
public final class LoopbackCluster
{
    private static final int INBOX_BYTES = 4 * 1024 * 1024;
    public static final int GROUP_ID = 0;
    public static final int CLUSTER_ID = 7;

    private final VirtualClock clock = new VirtualClock(TimeUnit.SECONDS.toNanos(1));
    private final long tickNs;
    private final long seed;
    private final boolean crashableStorage;
    /** Whether members send through a {@link FrameBatcher}. */
    private final boolean coalesceFrames;
    private final IntFunction<StateMachine> stateMachines;
    private final Consumer<RaftConfig> configurer;
    private Member[] members;
    /** The bootstrap configuration: members 1..size. Spares added later join through membership changes. */
    private final int[] memberIds;
    private final SimulatedLinks links;
    private final RaftInvariants invariants = new RaftInvariants();
    private final SplittableRandom random;
    private final int logEntryCapacity;
    private final int logByteCapacity;
    private long tickCount;
    private ReadListener readListener;

    /**
     * @param size             number of members (ids 1..size).
     * @param seed             seeds every member's election timer and crash outcomes.
     * @param crashableStorage crash-aware logs and invariant checks (allocates) or pre-sized logs (does not).
     * @param stateMachines    makes a state machine for a member id (called again on restart).
     * @param configurer       adjusts each member's configuration (timeouts, windows); may be a no-op.
     */
    public LoopbackCluster(
        final int size,
        final long seed,
        final boolean crashableStorage,
        final IntFunction<StateMachine> stateMachines,
        final Consumer<RaftConfig> configurer)
    {
        this(size, seed, crashableStorage, stateMachines, configurer, 1024, 64 * 1024);
    }

    /**
     * As above, with the in-memory logs sized for {@code logEntryCapacity} entries and
     * {@code logByteCapacity} bytes (only used without crashable storage).
     */
    public LoopbackCluster(
        final int size,
        final long seed,
        final boolean crashableStorage,
        final IntFunction<StateMachine> stateMachines,
        final Consumer<RaftConfig> configurer,
        final int logEntryCapacity,
        final int logByteCapacity)
    {
        this(size, seed, crashableStorage, stateMachines, configurer, logEntryCapacity, logByteCapacity, false);
    }

    private LoopbackCluster(
        final int size,
        final long seed,
        final boolean crashableStorage,
        final IntFunction<StateMachine> stateMachines,
        final Consumer<RaftConfig> configurer,
        final int logEntryCapacity,
        final int logByteCapacity,
        final boolean coalesceFrames)
    {
        this.coalesceFrames = coalesceFrames;
        this.seed = seed;
        this.crashableStorage = crashableStorage;
        this.stateMachines = stateMachines;
        this.configurer = configurer;
        this.logEntryCapacity = logEntryCapacity;
        this.logByteCapacity = logByteCapacity;
        this.random = new SplittableRandom(seed);
        this.tickNs = TimeUnit.MILLISECONDS.toNanos(1);
        this.memberIds = new int[size];
        for (int i = 0; i < size; i++)
        {
            memberIds[i] = i + 1;
        }
        this.members = new Member[size];
        this.links = new SimulatedLinks(size);
        for (int i = 0; i < size; i++)
        {
            members[i] = new Member(i + 1);
            members[i].start();
        }
    }

    /**
     * As the five-argument constructor, with every member sending through a {@link FrameBatcher}: the small frames
     * of a duty cycle to one member travel as one batch.
     */
    public static LoopbackCluster coalescing(
        final int size,
        final long seed,
        final boolean crashableStorage,
        final IntFunction<StateMachine> stateMachines,
        final Consumer<RaftConfig> configurer)
    {
        return new LoopbackCluster(size, seed, crashableStorage, stateMachines, configurer, 1024, 64 * 1024, true);
    }

    /** @return batch frames the members' batchers sent so far (0 without coalescing). */
    public long batchesSent()
    {
        long batches = 0;
        for (final Member member : members)
        {
            batches += member.batchesOfEarlierIncarnations + (member.batcher == null ? 0 : member.batcher.batchesSent());
        }
        return batches;
    }

    /**
     * Starts one more member, outside the configuration (a joining member: it never campaigns and waits
     * for a leader to add it as a learner). Allocates.
     *
     * @return its member id.
     */
    public int addSpare()
    {
        final int memberId = members.length + 1;
        members = java.util.Arrays.copyOf(members, memberId);
        links.grow(memberId);
        members[memberId - 1] = new Member(memberId);
        members[memberId - 1].joining = true;
        members[memberId - 1].start();
        return memberId;
    }

    /**
     * Offers a membership change through a member's agent (see {@code RaftNode#proposeMembershipChange}).
     *
     * @return false if the agent's ring buffer was full.
     */
    public boolean proposeMembershipChange(final int memberId, final long correlationId, final int change, final int target)
    {
        return members[memberId - 1].agent.proposeMembershipChange(GROUP_ID, correlationId, change, target);
    }

    /**
     * Asks a member (the leader) to hand leadership to {@code target}.
     *
     * @return false if the agent's ring buffer was full.
     */
    public boolean transferLeadership(final int memberId, final long correlationId, final int target)
    {
        return members[memberId - 1].agent.transferLeadership(GROUP_ID, correlationId, target);
    }

    public long tickNs()
    {
        return tickNs;
    }

    public VirtualClock clock()
    {
        return clock;
    }

    public RaftInvariants invariants()
    {
        return invariants;
    }

    /** Advances time one tick and runs a duty cycle on every live member. */
    public void tick()
    {
        clock.advanceTo(clock.nanoTime() + tickNs);
        tickCount++;
        for (final Member member : members)
        {
            if (member.alive)
            {
                member.doWork();
            }
        }
        if (crashableStorage)
        {
            for (final Member member : members)
            {
                if (member.alive)
                {
                    invariants.check(member.node(GROUP_ID), member.incarnation);
                }
            }
        }
    }

    /** Runs ticks for {@code durationNs} of virtual time. */
    public void runFor(final long durationNs)
    {
        final long end = clock.nanoTime() + durationNs;
        while (clock.nanoTime() < end)
        {
            tick();
        }
    }

    /**
     * Ticks until a single live leader of the highest term exists, or {@code timeoutNs} passes.
     *
     * @return the leader's member id.
     * @throws AssertionError on timeout.
     */
    public int awaitLeader(final long timeoutNs)
    {
        final long end = clock.nanoTime() + timeoutNs;
        while (clock.nanoTime() < end)
        {
            tick();
            final int leader = leader();
            if (leader != 0)
            {
                return leader;
            }
        }
        throw new AssertionError("no leader within " + timeoutNs / 1_000_000 + "ms: " + describe());
    }

    /** @return the live leader with the highest term, or 0. */
    public int leader()
    {
        final Member best = SimulatedProcess.leader(members, GROUP_ID);
        return best == null ? 0 : best.memberId;
    }

    /** @return the node of a member (null while it is down). */
    public RaftNode node(final int memberId)
    {
        return members[memberId - 1].node(GROUP_ID);
    }

    public RaftAgent agent(final int memberId)
    {
        return members[memberId - 1].agent;
    }

    public RaftLog log(final int memberId)
    {
        return members[memberId - 1].replicas[GROUP_ID].log();
    }

    public HardState hardState(final int memberId)
    {
        return members[memberId - 1].replicas[GROUP_ID].hardState;
    }

    /** @return the member's snapshot store (kept across restarts; a crash discards an unfinished snapshot). */
    public SnapshotStore snapshotStore(final int memberId)
    {
        return members[memberId - 1].replicas[GROUP_ID].snapshotStore;
    }

    /** @return the member's state machine (a new one after each restart). */
    public StateMachine stateMachine(final int memberId)
    {
        return members[memberId - 1].stateMachine;
    }

    public boolean isAlive(final int memberId)
    {
        return members[memberId - 1].alive;
    }

    /**
     * Called on the serving member's duty cycle, inside {@link ProposalHandler#onReadReady}, when a read
     * may be served: the member's {@link #stateMachine} has applied at least {@code readIndex}, so a
     * listener reads it right then to learn what the read returns.
     */
    @FunctionalInterface
    public interface ReadListener
    {
        void onReadReady(int memberId, long correlationId, long readIndex);
    }

    /** Sets the listener told of every served read (whether or not outcomes are recorded), or null for none. */
    public void readListener(final ReadListener listener)
    {
        this.readListener = listener;
    }

    public int size()
    {
        return members.length;
    }

    /**
     * Proposes through a member's agent (as a host thread would).
     *
     * @return false if the agent's ring buffer was full.
     */
    public boolean propose(final int memberId, final long correlationId, final DirectBuffer command, final int offset, final int length)
    {
        return members[memberId - 1].agent.propose(GROUP_ID, correlationId, command, offset, length);
    }

    /**
     * Forwards a command through a member's agent to the leader it knows (see {@code RaftNode#forward}):
     * at most once, no outcome reported.
     *
     * @return false if the agent's ring buffer was full.
     */
    public boolean forward(final int memberId, final DirectBuffer command, final int offset, final int length)
    {
        return members[memberId - 1].agent.forward(GROUP_ID, command, offset, length);
    }

    /**
     * Requests a read through a member's agent.
     *
     * @return false if the agent's ring buffer was full.
     */
    public boolean read(final int memberId, final long correlationId, final ReadMode mode)
    {
        return members[memberId - 1].agent.read(GROUP_ID, correlationId, mode);
    }

    /** @return the read index a recorded read was served at, or -1 if it was not (yet) served. */
    public long readIndex(final long correlationId)
    {
        for (final Member member : members)
        {
            final long index = member.readsServed.get(correlationId);
            if (index != -1)
            {
                return index;
            }
        }
        return -1;
    }

    /** @return the reason a recorded read was rejected, or 0. */
    public int readRejectedReason(final long correlationId)
    {
        for (final Member member : members)
        {
            final long reason = member.readsRejected.get(correlationId);
            if (reason != 0)
            {
                return (int)reason;
            }
        }
        return 0;
    }

    /**
     * Offers a client-session operation through a member's agent (see {@code RaftAgent#proposeSession}).
     *
     * @return false if the agent's ring buffer was full.
     */
    public boolean proposeSession(
        final int memberId, final long correlationId, final int type, final long sessionId, final long argument, final byte[] command)
    {
        return members[memberId - 1].agent.proposeSession(
            GROUP_ID, correlationId, type, sessionId, argument, new UnsafeBuffer(command), 0, command.length);
    }

    /** @return the response of a recorded, committed proposal (copied), or null. */
    public byte[] response(final long correlationId)
    {
        for (final Member member : members)
        {
            final byte[] response = member.responses.get(correlationId);
            if (response != null)
            {
                return response;
            }
        }
        return null;
    }

    /** Convenience for tests: proposes a byte array (allocates). */
    public boolean propose(final int memberId, final long correlationId, final byte[] command)
    {
        return propose(memberId, correlationId, new UnsafeBuffer(command), 0, command.length);
    }

    /** Starts recording outcomes per correlation id (allocates as maps grow). */
    public void recordOutcomes(final boolean record)
    {
        for (final Member member : members)
        {
            member.record = record;
        }
    }

    /** @return index the proposal committed at, or 0 if not (yet) acknowledged. */
    public long committedIndex(final long correlationId)
    {
        for (final Member member : members)
        {
            final long index = member.committed.get(correlationId);
            if (index != 0)
            {
                return index;
            }
        }
        return 0;
    }

    /** @return the {@link ProposalHandler} reason the proposal was rejected with, or 0. */
    public int rejectedReason(final long correlationId)
    {
        for (final Member member : members)
        {
            final long reason = member.rejected.get(correlationId);
            if (reason != 0)
            {
                return (int)reason;
            }
        }
        return 0;
    }

    /** @return proposals acknowledged as committed, over all members and incarnations. */
    public long acknowledgedCount()
    {
        long count = 0;
        for (final Member member : members)
        {
            count += member.acknowledged;
        }
        return count;
    }

    /** @return proposals rejected, over all members and incarnations. */
    public long rejectedCount()
    {
        long count = 0;
        for (final Member member : members)
        {
            count += member.rejectedCount;
        }
        return count;
    }

    /** Drops every frame from {@code a} to {@code b} and from {@code b} to {@code a}, including frames in flight. */
    public void cut(final int a, final int b)
    {
        cutOneWay(a, b);
        cutOneWay(b, a);
    }

    /** Drops every frame from {@code from} to {@code to}, including frames in flight. */
    public void cutOneWay(final int from, final int to)
    {
        links.cutOneWay(from - 1, to - 1);
    }

    /** Cuts every link of {@code memberId}. */
    public void isolate(final int memberId)
    {
        for (int other = 1; other <= members.length; other++)
        {
            if (other != memberId)
            {
                cut(memberId, other);
            }
        }
    }

    /** Splits the cluster: members in {@code side} talk only among themselves. */
    public void partition(final int... side)
    {
        final boolean[] inSide = new boolean[members.length];
        for (final int id : side)
        {
            inSide[id - 1] = true;
        }
        links.split(inSide);
    }

    /** Restores every link. */
    public void heal()
    {
        links.heal();
    }

    /** Crashes a member now: unflushed log writes may be lost (crashable storage), in-flight frames to it are lost. */
    public void crash(final int memberId)
    {
        members[memberId - 1].crash();
    }

    /** Restarts a crashed member from its durable log and hard state, with a fresh state machine. */
    public void restart(final int memberId)
    {
        final Member member = members[memberId - 1];
        if (member.alive)
        {
            throw new IllegalStateException("member " + memberId + " is running");
        }
        member.start();
    }

    /** @return one line per member. */
    public String describe()
    {
        final StringBuilder builder = new StringBuilder();
        for (final Member member : members)
        {
            builder.append("\n  ").append(member.describe(GROUP_ID));
        }
        return builder.toString();
    }

    /** A member: its storage and agent (see {@link SimulatedProcess}), two inboxes and the outcomes it recorded. */
    private final class Member extends SimulatedProcess implements Transport, ProposalHandler, MessageHandler
    {
        /** Two inboxes: frames sent in tick k go to {@code inboxes[k & 1]} and are read in tick k + 1. */
        final OneToOneRingBuffer[] inboxes = {
            new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(INBOX_BYTES + RingBufferDescriptor.TRAILER_LENGTH))),
            new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(INBOX_BYTES + RingBufferDescriptor.TRAILER_LENGTH)))};
        final Long2LongHashMap committed = new Long2LongHashMap(0);
        final Long2LongHashMap rejected = new Long2LongHashMap(0);
        final Long2LongHashMap readsServed = new Long2LongHashMap(-1);
        final org.agrona.collections.Long2ObjectHashMap<byte[]> responses = new org.agrona.collections.Long2ObjectHashMap<>();
        final Long2LongHashMap readsRejected = new Long2LongHashMap(0);
        StateMachine stateMachine;
        boolean record;
        boolean joining;
        long acknowledged;
        long rejectedCount;
        /** This incarnation's batcher, when the cluster coalesces frames. */
        FrameBatcher batcher;
        long batchesOfEarlierIncarnations;
        private FrameHandler pollHandler;

        Member(final int memberId)
        {
            // Snapshots are taken only if the state machine supports them.
            super(memberId, new SimulatedReplica[]{crashableStorage ?
                SimulatedReplica.onDisk(new CrashableLog(memberId, invariants::onAppend), new CrashableHardState()) :
                SimulatedReplica.onLog(new InMemoryRaftLog(logEntryCapacity, logByteCapacity), new InMemoryHardState())});
        }

        void start()
        {
            final RaftConfig config = new RaftConfig()
                .clusterId(CLUSTER_ID)
                .groupId(GROUP_ID)
                .memberId(memberId)
                .members(joining ? new int[0] : memberIds)
                .joining(joining)
                .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(100))
                .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(20))
                .observer(RaftObserver.NONE);
            configurer.accept(config);
            incarnation++;
            stateMachine = stateMachines.apply(memberId);
            batchesOfEarlierIncarnations += batcher == null ? 0 : batcher.batchesSent();
            batcher = coalesceFrames ? new FrameBatcher(this, CLUSTER_ID, memberId) : null;
            final Transport transport = batcher != null ? batcher : this;
            replicas[GROUP_ID].start(config, true, stateMachine, transport,
                new SplittableRandom(seed * 7919 + memberId * 104_729L + incarnation), this);
            startAgent(clock, transport, 1024 * 1024);
        }

        @Override
        void crash()
        {
            for (final OneToOneRingBuffer inbox : inboxes)
            {
                while (inbox.read((msgTypeId, buffer, index, length) -> {}, Integer.MAX_VALUE) > 0)
                {
                    // discard frames in flight to a dead member
                }
            }
            stop(random);
        }

        @Override
        public boolean send(final int to, final DirectBuffer buffer, final int offset, final int length)
        {
            if (to < 1 || to > members.length)
            {
                return true; // no such host: lost on the wire
            }
            final Member target = members[to - 1];
            if (!target.alive)
            {
                return true; // lost on the wire
            }
            // The sender's id rides in the message type so that cuts can be applied at delivery.
            return target.inboxes[(int)(tickCount & 1)].write(memberId, buffer, offset, length);
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            pollHandler = handler;
            return inboxes[(int)((tickCount + 1) & 1)].read(this, fragmentLimit);
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (!links.isCut(msgTypeId - 1, memberId - 1))
            {
                pollHandler.onFrame(buffer, index, length);
            }
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            acknowledged++;
            if (record)
            {
                committed.put(correlationId, index);
                final byte[] copy = new byte[length];
                response.getBytes(offset, copy);
                responses.put(correlationId, copy);
            }
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            rejectedCount++;
            if (record)
            {
                rejected.put(correlationId, reason);
            }
        }

        @Override
        public void onReadReady(final int groupId, final long correlationId, final long readIndex)
        {
            final RaftNode node = node(GROUP_ID);
            if (node.lastApplied() < readIndex)
            {
                throw new IllegalStateException("read served at " + readIndex + " before applying it: " + node);
            }
            if (record)
            {
                readsServed.put(correlationId, readIndex);
            }
            if (readListener != null)
            {
                readListener.onReadReady(memberId, correlationId, readIndex);
            }
        }

        @Override
        public void onReadRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            if (record)
            {
                readsRejected.put(correlationId, reason);
            }
        }
    }
}
