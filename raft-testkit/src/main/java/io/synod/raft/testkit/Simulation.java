package io.synod.raft.testkit;

import io.synod.raft.EntryType;
import io.synod.raft.FrameBatcher;
import io.synod.raft.Membership;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.StateMachine;
import io.synod.raft.Transport;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.SnapshotResponse;
import io.synod.raft.codec.VoteResponse;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A deterministic simulation of a cluster: virtual time, a faulty network, crashing disks and a client
 * workload, all derived from one seed. Real {@link RaftNode}s driven by real {@link RaftAgent}s; only the
 * ports and the clock are simulated.
 *
 * <p>A run has two phases. The <b>safety phase</b> runs {@code steps} events with faults — message
 * drops, duplicates, random delays (so reordering), partitions (isolated leader, minority/majority
 * splits, a bridge node), crashes that lose unflushed log writes (including crashes inside a flush or
 * a hard-state store) and restarts — and checks {@link RaftInvariants} (one checker per group) and the
 * user's {@link SimulationInvariant} after every step. The <b>liveness phase</b> then heals every fault
 * and requires, within {@link #LIVENESS_BOUND_ELECTION_TIMEOUTS} election timeouts of virtual time, in
 * every group a leader, a new command committed, and every acknowledged command applied on every member,
 * and then the user's {@link SimulationLiveness}.
 *
 * <p>By default each member runs one group whose state machine is a digest of the commands applied,
 * under a workload of random commands: {@link #run(long, long)}. A user brings their own parts through
 * {@link #builder(long)}: a {@link StateMachineFactory} (per member and group; wrapped so the simulator
 * still checks State Machine Safety on the commands), a {@link SimulationWorkload} that draws commands and
 * hears outcomes, an invariant and a liveness condition over the {@link SimulatedCluster}, several groups
 * per member on one agent, and a {@link SimulatedProtocol} for what is not Raft, whose frames cross the
 * same faulty network:
 *
 * <pre>{@code
 * Simulation.Result result = Simulation.builder(seed)
 *     .steps(2_000)
 *     .groups(3)
 *     .stateMachines((memberId, groupId) -> new Register())
 *     .workload(new RegisterWorkload())
 *     .invariant(cluster -> sameStateAtSameIndex(cluster))
 *     .replay((s, steps) -> SimulationFailure.replayCommand("my-module", "RegisterSimulationTest", s, steps))
 *     .run();
 * }</pre>
 *
 * <p>Any failure throws {@link SimulationFailure} whose message starts with the seed and the command
 * that replays it. Same seed, same run: nothing here reads a real clock or an unseeded random.
 */
public final class Simulation
{
    /** Liveness bound after healing, in election timeouts of virtual time. */
    public static final int LIVENESS_BOUND_ELECTION_TIMEOUTS = 60;
    /** The most Raft groups per member. */
    public static final int GROUPS_MAX = 64;

    private static final int CLUSTER_ID = 7;
    /** Probes (the liveness phase's own proposals) use correlation ids at or below this, one per attempt. */
    private static final long PROBE_CORRELATION_BASE = Long.MIN_VALUE / 2;

    /**
     * What a run did, for reports. {@code digest} hashes the end state of every member (term, vote, role,
     * commit and applied indexes, every log entry, the state machine, the frame counters): two runs of
     * one seed on the same code have the same digest, and a refactoring that changes no behaviour keeps it.
     * With several groups, {@code committed} and {@code invariantChecks} add up over the groups; the user's
     * invariant checks count in {@code invariantChecks} too. {@code batches}: batch frames delivered
     * ({@link SimulationBuilder#coalesceFrames}; 0 without).
     */
    public record Result(
        long seed, int clusterSize, long steps, long virtualTimeNs, long acknowledged, long committed,
        long crashes, long partitions, long maxTerm, long invariantChecks, long snapshotChunks, long snapshotsInstalled,
        long digest, long batches)
    {
    }

    /** Names the command that replays a run, for the failure message. */
    @FunctionalInterface
    public interface ReplayCommand
    {
        String command(long seed, long steps);
    }

    private final SimulationParameters parameters;
    private final long steps;
    private final int groups;
    private final SplittableRandom random;
    private final VirtualClock clock = new VirtualClock(TimeUnit.SECONDS.toNanos(1));
    private final SimNetwork network;
    private final RaftInvariants[] invariants;
    private final SimMember[] members;
    private final StateMachineFactory stateMachines;
    private final SimulationWorkload workload;
    private final SimulationInvariant invariant;
    private final SimulationLiveness liveness;
    private final SimulatedProtocol.Factory protocols;
    private final boolean coalesceFrames;
    private final ReplayCommand replay;
    private final SimClusterView view;
    private final SimFaults faults;
    private final MessageHeader sniffHeader = new MessageHeader();
    private final VoteResponse sniffVote = new VoteResponse();
    private final SnapshotResponse sniffSnapshot = new SnapshotResponse();
    private final Long2LongHashMap proposalHashes = new Long2LongHashMap(0);
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(64);
    /** Per group: the slot the client sends to next (the leader it last heard of). */
    private final int[] clientTargets;
    /** Per group: the highest index a command was acknowledged at. */
    private final long[] maxAcknowledgedIndex;
    /** Per group, liveness phase: whether a probe is out, when it was sent, where it committed (0: not yet), whether it failed. */
    private final boolean[] probeSent;
    private final long[] probeSentNs;
    private final long[] probeIndex;
    private final boolean[] probeFailed;
    private long nextCorrelationId = 1;
    private long acknowledged;
    private long crashes;
    private long stepsRun;
    private long snapshotChunks;
    private long snapshotsInstalled;
    private long batches;
    private long userChecks;
    private boolean faultsEnabled = true;
    private long probeAttempts;

    /**
     * The default run: one group, the digest state machine, random commands.
     *
     * @param seed  derives everything.
     * @param steps events in the safety phase.
     */
    public Simulation(final long seed, final long steps)
    {
        this(builder(seed).steps(steps));
    }

    /**
     * A run whose members keep their logs on disks made by {@code diskFactory} (a real log in a temporary
     * directory, for instance); everything else is as in {@link #Simulation(long, long)}.
     */
    public Simulation(final long seed, final long steps, final SimulatedDisk.Factory diskFactory)
    {
        this(builder(seed).steps(steps).disks(diskFactory));
    }

    Simulation(final SimulationBuilder builder)
    {
        this.groups = builder.groups;
        this.parameters = new SimulationParameters(builder.seed, groups > 0, builder.snapshots);
        this.steps = builder.steps;
        this.stateMachines = builder.stateMachines;
        this.workload = builder.workload != null ? builder.workload : new RandomCommandWorkload();
        this.invariant = builder.invariant;
        this.liveness = builder.liveness;
        this.protocols = builder.protocol;
        this.coalesceFrames = builder.coalesceFrames;
        this.replay = builder.replay;
        this.random = new SplittableRandom(builder.seed ^ 0x5DEECE66DL);
        final int n = parameters.clusterSize;
        final int total = n + parameters.spares;
        this.network = new SimNetwork(random, clock, total, parameters, this::sniff);
        this.invariants = new RaftInvariants[groups];
        for (int group = 0; group < groups; group++)
        {
            invariants[group] = new RaftInvariants();
        }
        this.clientTargets = new int[groups];
        this.maxAcknowledgedIndex = new long[groups];
        this.probeSent = new boolean[groups];
        this.probeSentNs = new long[groups];
        this.probeIndex = new long[groups];
        this.probeFailed = new boolean[groups];
        final int[] voters = new int[n];
        for (int i = 0; i < n; i++)
        {
            voters[i] = i + 1;
        }
        final int[] everyone = new int[total];
        for (int i = 0; i < total; i++)
        {
            everyone[i] = i + 1;
        }
        this.members = new SimMember[total];
        for (int i = 0; i < total; i++)
        {
            final SimulatedReplica[] replicas = new SimulatedReplica[groups];
            for (int group = 0; group < groups; group++)
            {
                replicas[group] = SimulatedReplica.onDisk(builder.disks.create(i + 1, invariants[group]::onAppend), new CrashableHardState());
            }
            members[i] = new SimMember(this, i, voters, everyone, i >= n, replicas);
            members[i].start();
            network.schedule(clock.nanoTime() + random.nextLong(parameters.tickIntervalNs), SimNetwork.TICK, i, null);
        }
        this.view = new SimClusterView(this, members);
        this.faults = new SimFaults(random, network, members, groups, parameters.membershipChanges);
        network.schedule(clock.nanoTime() + parameters.proposalIntervalNs, SimNetwork.CLIENT, 0, null);
        network.schedule(clock.nanoTime() + parameters.faultIntervalNs, SimNetwork.FAULT, 0, null);
    }

    /**
     * @param seed derives the cluster, the faults and the workload.
     * @return a builder for a run with the user's parts; unset parts are the default run's.
     */
    public static SimulationBuilder builder(final long seed)
    {
        return new SimulationBuilder(seed);
    }

    /** Runs one seed and throws {@link SimulationFailure} on any violation. */
    public static Result run(final long seed, final long steps)
    {
        return new Simulation(seed, steps).run();
    }

    /** Runs one seed with members' logs made by {@code diskFactory}; throws {@link SimulationFailure} on any violation. */
    public static Result run(final long seed, final long steps, final SimulatedDisk.Factory diskFactory)
    {
        return new Simulation(seed, steps, diskFactory).run();
    }

    /** @return what the seed derived: cluster size, fault rates, pace, Raft configuration. */
    public SimulationParameters parameters()
    {
        return parameters;
    }

    /**
     * Runs both phases. Commands whose outcome is still open at the end are reported to the workload as
     * unknown.
     *
     * @throws SimulationFailure on any broken invariant (Raft's or the user's), missing progress after
     * healing, or exception from the user's parts; its message starts with the seed and the replay command.
     */
    public Result run()
    {
        try
        {
            for (long i = 0; i < steps; i++)
            {
                step();
            }
            livenessPhase();
            for (final SimMember member : members)
            {
                onUnknown(member.pending);
                member.pending.clear();
            }
        }
        catch (final RuntimeException | AssertionError ex)
        {
            final boolean ours = ex instanceof InvariantViolation || ex instanceof IllegalStateException || ex instanceof LivenessFailure;
            throw new SimulationFailure(parameters.seed, steps, replay.command(parameters.seed, steps), parameters +
                (groups == 1 ? "" : " groups=" + groups) + " failed at step " + stepsRun + " t=" + (clock.nanoTime() / 1_000_000) +
                "ms: " + (ours ? ex.getMessage() : ex.toString()) + "\n" + describeMembers(), ex);
        }
        long maxTerm = 0;
        long committed = 0;
        long checks = userChecks;
        for (int group = 0; group < groups; group++)
        {
            committed += invariants[group].committedCount();
            checks += invariants[group].checks();
            for (final SimMember member : members)
            {
                maxTerm = Math.max(maxTerm, member.replicas[group].hardState.term());
            }
        }
        return new Result(parameters.seed, parameters.clusterSize, stepsRun, clock.nanoTime(), acknowledged,
            committed, crashes, faults.partitions(), maxTerm, checks, snapshotChunks, snapshotsInstalled, digest(), batches);
    }

    private long digest()
    {
        final long[] hash = {clock.nanoTime() * 31 + stepsRun};
        for (final SimMember member : members)
        {
            for (int group = 0; group < groups; group++)
            {
                member.digestInto(hash, group);
            }
        }
        return hash[0];
    }

    private void livenessPhase()
    {
        faultsEnabled = false;
        network.calm();
        network.heal();
        for (final SimMember member : members)
        {
            for (final SimulatedReplica replica : member.replicas)
            {
                replica.disarm();
            }
            if (!member.alive)
            {
                member.start();
            }
        }
        // Bound: a leader within LIVENESS_BOUND_ELECTION_TIMEOUTS, plus the time the slowest follower
        // needs to copy the backlog at the configured window and batch over the slowest link.
        long backlog = 0;
        for (int group = 0; group < groups; group++)
        {
            long maxLastIndex = 0;
            long minLastIndex = Long.MAX_VALUE;
            for (final SimMember member : members)
            {
                maxLastIndex = Math.max(maxLastIndex, member.replicas[group].log().lastIndex());
                minLastIndex = Math.min(minLastIndex, member.replicas[group].log().lastIndex());
            }
            backlog = Math.max(backlog, maxLastIndex - minLastIndex + 1);
        }
        final long catchUpNs = backlog * 2 * parameters.maxDelayNs / ((long)parameters.inflightAppendsMax * parameters.appendEntriesMax);
        final long deadline = clock.nanoTime() + LIVENESS_BOUND_ELECTION_TIMEOUTS * parameters.electionTimeoutNs + catchUpNs;
        while (true)
        {
            if (clock.nanoTime() > deadline)
            {
                throw new LivenessFailure("no progress within " + LIVENESS_BOUND_ELECTION_TIMEOUTS +
                    " election timeouts + " + catchUpNs / 1_000_000 + "ms catch-up after healing (" + livenessReport() + ")");
            }
            step();
            if (isRaftLive() && (liveness == null || liveness.isSatisfied(view)))
            {
                return;
            }
        }
    }

    private String livenessReport()
    {
        final StringBuilder report = new StringBuilder();
        for (int group = 0; group < groups; group++)
        {
            report.append(group == 0 ? "" : "; ").append(groups == 1 ? "" : "group " + group + ": ")
                .append("probe index ").append(probeIndex[group]).append(", max acknowledged ").append(maxAcknowledgedIndex[group]);
        }
        if (liveness != null && isRaftLive())
        {
            report.append(groups == 0 ? "" : "; ").append(liveness.describe(view));
        }
        return report.toString();
    }

    /** @return whether every group made the progress required after healing; sends a probe where one is due. */
    private boolean isRaftLive()
    {
        boolean live = true;
        for (int group = 0; group < groups; group++)
        {
            live &= isLive(group);
        }
        return live;
    }

    private boolean isLive(final int group)
    {
        final SimMember leader = SimulatedProcess.leader(members, group);
        if (leader == null)
        {
            return false;
        }
        if (!probeSent[group] || probeFailed[group] ||
            (probeIndex[group] == 0 && clock.nanoTime() - probeSentNs[group] > 10 * parameters.electionTimeoutNs))
        {
            // One more proposal after healing must commit: progress, not just quiescence. A probe whose
            // leader lost office (and perhaps its membership) never hears its fate: like a client, give
            // up on it after a while and send another.
            probeFailed[group] = false;
            probeSentNs[group] = clock.nanoTime();
            probeSent[group] = proposeTo(leader, group, PROBE_CORRELATION_BASE - probeAttempts++);
            return false;
        }
        if (probeIndex[group] == 0)
        {
            return false;
        }
        final long target = Math.max(probeIndex[group], maxAcknowledgedIndex[group]);
        final Membership membership = leader.node(group).membership();
        for (final SimMember member : members)
        {
            if (!membership.isMember(member.memberId))
            {
                continue; // not (or no longer) a member: it receives nothing
            }
            if (member.node(group).lastApplied() < target)
            {
                return false;
            }
        }
        return true;
    }

    private void step()
    {
        final SimNetwork.Event event = network.next();
        if (event == null)
        {
            throw new IllegalStateException("event queue empty");
        }
        clock.advanceTo(event.timeNs());
        stepsRun++;
        switch (event.kind())
        {
            case SimNetwork.DELIVER:
            case SimNetwork.DELIVER_PROTOCOL:
            {
                final SimMember member = members[event.slot()];
                if (member.alive)
                {
                    (event.kind() == SimNetwork.DELIVER ? member.inbox : member.protocolInbox).add(event.frame());
                    member.doWork();
                }
                break;
            }
            case SimNetwork.TICK:
            {
                final SimMember member = members[event.slot()];
                if (member.alive)
                {
                    member.doWork();
                }
                final long jitter = random.nextLong(parameters.tickIntervalNs / 2);
                network.schedule(clock.nanoTime() + parameters.tickIntervalNs - parameters.tickIntervalNs / 4 + jitter,
                    SimNetwork.TICK, event.slot(), null);
                break;
            }
            case SimNetwork.CLIENT:
            {
                if (faultsEnabled)
                {
                    client();
                }
                network.schedule(clock.nanoTime() + 1 + random.nextLong(2 * parameters.proposalIntervalNs), SimNetwork.CLIENT, 0, null);
                break;
            }
            case SimNetwork.FAULT:
            {
                if (faultsEnabled)
                {
                    faults.inject();
                }
                network.schedule(clock.nanoTime() + 1 + random.nextLong(2 * parameters.faultIntervalNs), SimNetwork.FAULT, 0, null);
                break;
            }
            default:
                throw new IllegalStateException("unknown event " + event.kind());
        }
        for (final SimMember member : members)
        {
            if (member.alive)
            {
                for (int group = 0; group < groups; group++)
                {
                    invariants[group].check(member.node(group), member.incarnation);
                }
            }
        }
        if (invariant != null)
        {
            userChecks++;
            invariant.check(view);
        }
    }

    /** A client event: a command to a group, or (with a protocol beside the groups, half the time) a protocol request. */
    private void client()
    {
        if (groups > 0 && (protocols == null || random.nextBoolean()))
        {
            clientPropose();
        }
        else
        {
            final SimMember target = members[random.nextInt(members.length)];
            if (target.alive)
            {
                target.protocol.onClientRequest(random);
                target.doWork();
            }
        }
    }

    private void clientPropose()
    {
        final int group = workload.group(random, groups);
        if (group < 0 || group >= groups)
        {
            throw new IllegalArgumentException("workload chose group " + group + " of " + groups);
        }
        SimMember target = members[clientTargets[group]];
        if (!target.alive)
        {
            target = members[random.nextInt(members.length)];
        }
        if (target.alive)
        {
            if (random.nextInt(5) == 0)
            {
                forwardTo(target, group, nextCorrelationId++);
            }
            else
            {
                proposeTo(target, group, nextCorrelationId++);
            }
        }
    }

    /** A fifth of the client's commands go through {@code RaftNode#forward}: no outcome, at most once. */
    private void forwardTo(final SimMember target, final int group, final long correlationId)
    {
        final int length = workload.command(group, correlationId, random, command);
        final int type = workload.entryType();
        if (type == EntryType.COMMAND ? target.agent.forward(group, command, 0, length) :
            target.agent.forwardSession(group, type, workload.sessionId(), workload.sessionArgument(), command, 0, length))
        {
            workload.onUnknown(group, correlationId);
            target.doWork();
        }
        else
        {
            workload.onRejected(group, correlationId, ProposalHandler.BACK_PRESSURE);
        }
    }

    private boolean proposeTo(final SimMember target, final int group, final long correlationId)
    {
        final int length = workload.command(group, correlationId, random, command);
        final int type = workload.entryType();
        if (type == EntryType.COMMAND)
        {
            proposalHashes.put(correlationId, Hashing.hash(EntryType.COMMAND, command, 0, length));
        }
        // A session entry is encoded by the leader (stamped with its clock): no content to compare up front.
        if (!(type == EntryType.COMMAND ? target.agent.propose(group, correlationId, command, 0, length) :
            target.agent.proposeSession(group, correlationId, type, workload.sessionId(), workload.sessionArgument(), command, 0,
            length)))
        {
            workload.onRejected(group, correlationId, ProposalHandler.BACK_PRESSURE);
            return false;
        }
        target.pending.put(correlationId, group);
        target.doWork();
        return true;
    }

    /**
     * Counts what the invariants need from frames on the wire: granted votes, snapshot chunks and installs; the
     * frames inside a batch one by one.
     */
    private void sniff(final DirectBuffer buffer, final int offset, final int length)
    {
        if (FrameCheck.checkHeader(sniffHeader, buffer, offset, length) != FrameCheck.OK)
        {
            return;
        }
        if (sniffHeader.type() == MessageType.BATCH)
        {
            batches++;
            int inner = offset + MessageHeader.LENGTH;
            while (inner < offset + length)
            {
                final int innerLength = FrameCheck.batchedFrameLength(sniffHeader, buffer, inner, offset + length);
                if (innerLength < 0)
                {
                    return;
                }
                sniff(buffer, inner, innerLength);
                inner += innerLength;
            }
            return;
        }
        if (sniffHeader.type() == MessageType.INSTALL_SNAPSHOT)
        {
            snapshotChunks++;
        }
        else if (sniffHeader.type() == MessageType.SNAPSHOT_RESPONSE &&
            sniffSnapshot.wrap(buffer, sniffHeader.bodyOffset()).status() == SnapshotResponse.DONE)
        {
            snapshotsInstalled++;
        }
        if (sniffHeader.type() == MessageType.VOTE_RESPONSE &&
            (sniffHeader.flags() & MessageHeader.FLAG_PRE_VOTE) == 0 &&
            sniffVote.wrap(buffer, sniffHeader.bodyOffset()).granted())
        {
            invariants[sniffHeader.groupId()].onVoteGranted(sniffHeader.from(), sniffHeader.term(), sniffHeader.to());
        }
    }

    private String describeMembers()
    {
        final StringBuilder builder = new StringBuilder();
        for (final SimMember member : members)
        {
            if (groups == 0)
            {
                builder.append("  member ").append(member.memberId).append(member.alive ? " UP" : " DOWN").append('\n');
            }
            for (int group = 0; group < groups; group++)
            {
                builder.append("  ").append(member.describe(group)).append('\n');
            }
        }
        return builder.toString();
    }

    // ---- called by members, on the simulation's thread ----

    /** The configuration of {@code memberId}'s node in {@code group}. */
    RaftConfig config(final int memberId, final int group, final int[] configuration, final boolean joining)
    {
        return new RaftConfig()
            .clusterId(CLUSTER_ID)
            .groupId(group)
            .memberId(memberId)
            .members(configuration)
            .joining(joining)
            .electionTimeoutNs(parameters.electionTimeoutNs)
            .heartbeatIntervalNs(parameters.heartbeatIntervalNs)
            .inflightAppendsMax(parameters.inflightAppendsMax)
            .appendEntriesMax(parameters.appendEntriesMax)
            .preVote(parameters.preVote)
            .checkQuorum(parameters.checkQuorum)
            .snapshotEntriesThreshold(parameters.snapshotEntriesThreshold)
            .snapshotChunkBytes(parameters.snapshotChunkBytes)
            .snapshotTrailingEntries(parameters.snapshotTrailingEntries)
            .pendingProposalsMax(4096)
            .observer(RaftObserver.NONE);
    }

    /** A new incarnation's state machine for {@code memberId} in {@code group}: the digest, around the user's if any. */
    SimStateMachine stateMachine(final int memberId, final int group)
    {
        final StateMachine user = stateMachines == null ? null :
            Objects.requireNonNull(stateMachines.create(memberId, group), "state machine factory returned null");
        return new SimStateMachine(memberId, invariants[group], parameters.snapshotPaddingBytes, user);
    }

    int groups()
    {
        return groups;
    }

    boolean isHealed()
    {
        return !faultsEnabled;
    }

    SimulatedProtocol.Factory protocols()
    {
        return protocols;
    }

    /** @return the transport a member's groups and agent send through: its own, or a batcher in front of it. */
    Transport transportFor(final int memberId, final Transport transport)
    {
        return coalesceFrames ? new FrameBatcher(transport, CLUSTER_ID, memberId) : transport;
    }

    VirtualClock clock()
    {
        return clock;
    }

    SplittableRandom random()
    {
        return random;
    }

    SimNetwork network()
    {
        return network;
    }

    void onCrash()
    {
        crashes++;
    }

    void onCommitted(
        final int group, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        if (correlationId <= SimFaults.MEMBERSHIP_CORRELATION_BASE && correlationId > PROBE_CORRELATION_BASE)
        {
            return; // a membership change or transfer, not a command
        }
        if (stateMachines == null && (length != 8 || response.getLong(offset) != index))
        {
            throw new InvariantViolation("response for index " + index + " does not match the state machine's");
        }
        if (correlationId <= PROBE_CORRELATION_BASE)
        {
            probeIndex[group] = index;
        }
        if (proposalHashes.containsKey(correlationId))
        {
            invariants[group].onAcknowledged(index, proposalHashes.get(correlationId));
        }
        acknowledged++;
        maxAcknowledgedIndex[group] = Math.max(maxAcknowledgedIndex[group], index);
        workload.onCommitted(group, correlationId, index, response, offset, length);
    }

    void onRejected(final int group, final long correlationId, final int reason, final int leaderHint)
    {
        if (correlationId <= PROBE_CORRELATION_BASE)
        {
            probeFailed[group] = true;
        }
        if (reason == ProposalHandler.NOT_LEADER && leaderHint > 0)
        {
            clientTargets[group] = leaderHint - 1;
        }
        else
        {
            clientTargets[group] = random.nextInt(members.length);
        }
        if (correlationId > 0 || correlationId <= PROBE_CORRELATION_BASE)
        {
            if (reason == ProposalHandler.OUTCOME_UNKNOWN || reason == ProposalHandler.CLOSED)
            {
                workload.onUnknown(group, correlationId);
            }
            else
            {
                workload.onRejected(group, correlationId, reason);
            }
        }
    }

    /** Tells the workload that the commands in {@code pending} (correlation id to group) may or may not apply. */
    void onUnknown(final Long2LongHashMap pending)
    {
        final Long2LongHashMap.KeyIterator keys = pending.keySet().iterator();
        while (keys.hasNext())
        {
            final long correlationId = keys.nextValue();
            workload.onUnknown((int)pending.get(correlationId), correlationId);
        }
    }

    /** Progress was not made in the liveness phase. */
    private static final class LivenessFailure extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        LivenessFailure(final String message)
        {
            super(message);
        }
    }
}
