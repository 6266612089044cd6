package io.synod.raft.testkit;

import io.synod.raft.RaftAgent;
import io.synod.raft.RaftNode;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.RaftRole;
import io.synod.raft.Transport;
import org.agrona.concurrent.NanoClock;

import java.util.SplittableRandom;

/**
 * One simulated member process, shared by {@link LoopbackCluster} and {@link Simulation}: its replicas
 * (one per Raft group) on one {@link RaftAgent}, alive or crashed. Subclasses bring the transport
 * (how frames reach the process) and the outcome handler; this class owns what every simulated process
 * does the same way: start the agent over the replicas' nodes, run a duty cycle in which a
 * {@link SimulatedCrash} from storage kills the process, and lose what a crash loses.
 *
 * <p>Not thread-safe; owned by one simulated cluster.
 */
abstract class SimulatedProcess
{
    final int memberId;
    /** One per group, indexed by group id. */
    final SimulatedReplica[] replicas;
    /** Invariant: null while the process is down, and when it runs no Raft group. */
    RaftAgent agent;
    boolean alive;
    /** Starts so far: the volatile state of one incarnation (node, state machine, inbox) dies with it. */
    long incarnation;

    SimulatedProcess(final int memberId, final SimulatedReplica[] replicas)
    {
        this.memberId = memberId;
        this.replicas = replicas;
    }

    /** @return the node of {@code groupId} (null while down). */
    final RaftNode node(final int groupId)
    {
        return replicas[groupId].node;
    }

    /** Builds the agent over the nodes the replicas run now (none: no agent) and marks the process alive. */
    final void startAgent(final NanoClock clock, final Transport transport, final int proposalRingCapacity)
    {
        if (replicas.length > 0)
        {
            final RaftNode[] nodes = new RaftNode[replicas.length];
            for (int group = 0; group < replicas.length; group++)
            {
                nodes[group] = replicas[group].node;
            }
            agent = new RaftAgent(clock, transport, proposalRingCapacity, nodes);
        }
        alive = true;
    }

    /** Runs one duty cycle; a {@link SimulatedCrash} thrown inside it (a flush, a hard-state store) kills the process. */
    final void doWork()
    {
        try
        {
            runCycle();
        }
        catch (final SimulatedCrash ex)
        {
            crash();
        }
    }

    /** One duty cycle of a live process: the agent's, unless a subclass runs more. */
    void runCycle()
    {
        agent.doWork();
    }

    /** The process dies now; implementations empty their inboxes and call {@link #stop}. */
    abstract void crash();

    /** Marks the process dead and crashes every replica's storage in group order (see {@link SimulatedReplica#crash}). */
    final void stop(final SplittableRandom random)
    {
        alive = false;
        for (final SimulatedReplica replica : replicas)
        {
            replica.crash(random);
        }
        agent = null;
    }

    /** @return the node's one-line state in {@code groupId}, or that the member is down. */
    final String describe(final int groupId)
    {
        if (!alive)
        {
            return "member " + memberId + " DOWN";
        }
        final RaftNode node = replicas[groupId].node;
        final StringBuilder out = new StringBuilder(node.toString());
        out.append(" received=").append(node.counters().framesReceived()).append(" sent=").append(node.counters().framesSent())
            .append(" sendFailures=").append(node.counters().sendFailures()).append(" outboxOverflows=").append(node.outboxOverflows());
        for (int reason = 1; reason < FrameCheck.REASON_COUNT; reason++)
        {
            if (node.counters().framesDropped(reason) > 0)
            {
                out.append(" dropped[").append(FrameCheck.reason(reason)).append("]=").append(node.counters().framesDropped(reason));
            }
        }
        if (node.isSnapshotting())
        {
            out.append(" writing a snapshot");
        }
        return out.toString();
    }

    /** @return the live leader of {@code groupId} with the highest term, or null. */
    static <P extends SimulatedProcess> P leader(final P[] processes, final int groupId)
    {
        P leader = null;
        for (final P process : processes)
        {
            if (process.alive)
            {
                final RaftNode node = process.replicas[groupId].node;
                if (node.role() == RaftRole.LEADER && (leader == null || node.term() > leader.replicas[groupId].node.term()))
                {
                    leader = process;
                }
            }
        }
        return leader;
    }
}
