package io.synod.raft.testkit;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftCounters;
import io.synod.raft.RaftLog;
import io.synod.raft.RaftNode;
import io.synod.raft.StateMachine;
import io.synod.raft.Transport;
import io.synod.raft.codec.FrameCheck;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * One member of a {@link Simulation}: its replicas (one per group) on one agent, as every simulated
 * process has (see {@link SimulatedProcess}), plus what this simulator adds: an inbox per channel fed by
 * the {@link SimNetwork}'s delivery events, the digest state machines that wrap the user's, the user's
 * protocol node, and the commands it accepted whose outcome is still owed to the workload.
 *
 * <p>Not thread-safe; owned by one simulation.
 */
final class SimMember extends SimulatedProcess implements Transport, ProposalHandler
{
    /** Added to a member's election-timer seed per group, so that groups do not campaign in lockstep. */
    private static final long GROUP_SEED_STRIDE = 0x9E3779B97F4A7C15L;
    private static final int PROPOSAL_RING_BYTES = 64 * 1024;

    private final Simulation simulation;
    final int slot;
    private final int[] voters;
    private final int[] everyone;
    private final boolean joining;
    final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
    final ArrayDeque<byte[]> protocolInbox = new ArrayDeque<>();
    private final UnsafeBuffer frameView = new UnsafeBuffer(0, 0);
    private final ProtocolPort protocolPort = new ProtocolPort();
    /** Per group, this incarnation's; null while down. */
    SimStateMachine[] stateMachines;
    /** This incarnation's protocol node; null while down or when the run has no protocol. */
    SimulatedProtocol protocol;
    /** Commands accepted by this incarnation's agent and not answered yet: correlation id to group id. */
    final Long2LongHashMap pending = new Long2LongHashMap(-1);

    /**
     * @param voters   the bootstrap configuration (members 1..clusterSize).
     * @param everyone every member id of the run, spares included.
     * @param joining  a spare: it starts outside the configuration and waits to be added.
     */
    SimMember(
        final Simulation simulation, final int slot, final int[] voters, final int[] everyone, final boolean joining,
        final SimulatedReplica[] replicas)
    {
        super(slot + 1, replicas);
        this.simulation = simulation;
        this.slot = slot;
        this.voters = voters;
        this.everyone = everyone;
        this.joining = joining;
    }

    void start()
    {
        final SimulationParameters parameters = simulation.parameters();
        incarnation++;
        inbox.clear();
        protocolInbox.clear();
        stateMachines = new SimStateMachine[replicas.length];
        final Transport transport = simulation.transportFor(memberId, this);
        for (int group = 0; group < replicas.length; group++)
        {
            final RaftConfig config = simulation.config(memberId, group, joining ? new int[0] : voters, joining);
            stateMachines[group] = simulation.stateMachine(memberId, group);
            replicas[group].start(config, parameters.snapshots, stateMachines[group], transport,
                new SplittableRandom(parameters.seed * 31 + memberId * 1_000_003L + incarnation + group * GROUP_SEED_STRIDE), this);
        }
        startAgent(simulation.clock(), transport, PROPOSAL_RING_BYTES);
        final SimulatedProtocol.Factory protocols = simulation.protocols();
        if (protocols != null)
        {
            protocol = protocols.create(new SimulatedProtocol.Context(memberId, everyone, protocolPort, simulation.clock(),
                new SplittableRandom(parameters.seed * 131 + memberId * 1_000_033L + incarnation), incarnation, agent));
            if (agent != null)
            {
                agent.addDuty(protocol);
            }
        }
    }

    @Override
    void runCycle()
    {
        if (agent != null)
        {
            agent.doWork();
        }
        else
        {
            protocol.doWork(simulation.clock().nanoTime());
        }
    }

    @Override
    void crash()
    {
        simulation.onCrash();
        inbox.clear();
        protocolInbox.clear();
        final SplittableRandom random = simulation.random();
        stop(random);
        stateMachines = null;
        if (protocol != null)
        {
            final SimulatedProtocol crashed = protocol;
            protocol = null;
            crashed.onCrash(random.split());
        }
        simulation.onUnknown(pending);
        pending.clear();
    }

    /** @return the user's state machine in {@code group}, or null. */
    StateMachine userStateMachine(final int group)
    {
        return alive ? stateMachines[group].user : null;
    }

    @Override
    public boolean send(final int toMember, final DirectBuffer buffer, final int offset, final int length)
    {
        simulation.network().send(slot, toMember, buffer, offset, length, SimNetwork.DELIVER);
        return true;
    }

    @Override
    public int poll(final FrameHandler handler, final int fragmentLimit)
    {
        return drain(inbox, handler, fragmentLimit);
    }

    private int drain(final ArrayDeque<byte[]> frames, final FrameHandler handler, final int fragmentLimit)
    {
        int delivered = 0;
        while (delivered < fragmentLimit && !frames.isEmpty())
        {
            final byte[] frame = frames.poll();
            frameView.wrap(frame);
            handler.onFrame(frameView, 0, frame.length);
            delivered++;
        }
        return delivered;
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        pending.remove(correlationId);
        simulation.onCommitted(groupId, correlationId, index, response, offset, length);
    }

    @Override
    public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
    {
        pending.remove(correlationId);
        simulation.onRejected(groupId, correlationId, reason, leaderHint);
    }

    /**
     * Mixes this member's end state in {@code group} into {@code hash}: term and vote, and while alive the
     * role, leader, indexes, state machine digest, frame counters and every log entry.
     */
    void digestInto(final long[] hash, final int group)
    {
        final SimulatedReplica replica = replicas[group];
        mix(hash, memberId);
        mix(hash, replica.hardState.term());
        mix(hash, replica.hardState.votedFor());
        if (!alive)
        {
            return;
        }
        final RaftNode raft = replica.node;
        mix(hash, raft.role().ordinal());
        mix(hash, raft.leaderId());
        mix(hash, raft.commitIndex());
        mix(hash, raft.lastApplied());
        mix(hash, raft.lastSnapshotIndex());
        mix(hash, stateMachines[group].index);
        mix(hash, stateMachines[group].digest);
        final RaftCounters counters = raft.counters();
        mix(hash, counters.framesReceived());
        mix(hash, counters.framesSent());
        mix(hash, counters.sendFailures());
        mix(hash, counters.forwardsSent());
        mix(hash, counters.forwardsAppended());
        mix(hash, counters.forwardsDropped());
        for (int reason = 0; reason < FrameCheck.REASON_COUNT; reason++)
        {
            mix(hash, counters.framesDropped(reason));
        }
        final RaftLog log = raft.log();
        mix(hash, log.snapshotIndex());
        mix(hash, log.snapshotTerm());
        mix(hash, log.lastIndex());
        if (log.lastIndex() >= log.firstIndex())
        {
            log.read(log.firstIndex(), log.lastIndex(), (index, term, type, buffer, offset, length) ->
            {
                mix(hash, index);
                mix(hash, term);
                mix(hash, Hashing.hash(type, buffer, offset, length));
                return true;
            });
        }
    }

    static void mix(final long[] hash, final long value)
    {
        long h = (hash[0] ^ value) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        hash[0] = h;
    }

    /** The protocol node's transport: the same network, its own channel and inbox. */
    private final class ProtocolPort implements Transport
    {
        @Override
        public boolean send(final int toMember, final DirectBuffer buffer, final int offset, final int length)
        {
            simulation.network().send(slot, toMember, buffer, offset, length, SimNetwork.DELIVER_PROTOCOL);
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            return drain(protocolInbox, handler, fragmentLimit);
        }
    }
}
