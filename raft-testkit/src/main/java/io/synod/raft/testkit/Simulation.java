package io.synod.raft.testkit;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import io.synod.raft.Transport;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.VoteResponse;
import io.synod.raft.codec.SnapshotResponse;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import io.synod.raft.log.InMemorySnapshotStore;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A deterministic simulation of one Raft cluster: virtual time, a faulty network, crashing disks and a
 * client workload, all derived from one seed. Real {@link RaftNode}s driven by real {@link RaftAgent}s;
 * only the ports and the clock are simulated.
 *
 * <p>A run has two phases. The <b>safety phase</b> runs {@code steps} events with faults — message
 * drops, duplicates, random delays (so reordering), partitions (isolated leader, minority/majority
 * splits, a bridge node), crashes that lose unflushed log writes (including crashes inside a flush or
 * a hard-state store) and restarts — and checks {@link RaftInvariants} after every step. The
 * <b>liveness phase</b> then heals every fault and requires, within {@link #LIVENESS_BOUND_ELECTION_TIMEOUTS}
 * election timeouts of virtual time, a leader, a new proposal committed, and every acknowledged
 * proposal applied on every member.
 *
 * <p>Any failure throws {@link SimulationFailure} whose message starts with the seed and the command
 * that replays it. Same seed, same run: nothing here reads a real clock or an unseeded random.
 */
public final class Simulation
{
    /** Liveness bound after healing, in election timeouts of virtual time. */
    public static final int LIVENESS_BOUND_ELECTION_TIMEOUTS = 60;

    private static final int DELIVER = 0;
    private static final int TICK = 1;
    private static final int CLIENT = 2;
    private static final int FAULT = 3;
    private static final int GROUP_ID = 0;
    private static final int CLUSTER_ID = 7;
    /** Probes (the liveness phase's own proposals) use correlation ids at or below this, one per attempt. */
    private static final long PROBE_CORRELATION_BASE = Long.MIN_VALUE / 2;
    /** Membership changes and transfers use correlation ids at or below this; they are not commands. */
    private static final long MEMBERSHIP_CORRELATION_BASE = -2;

    private record Event(long timeNs, long seq, int kind, int slot, byte[] frame) implements Comparable<Event>
    {
        @Override
        public int compareTo(final Event other)
        {
            final int byTime = Long.compare(timeNs, other.timeNs);
            return byTime != 0 ? byTime : Long.compare(seq, other.seq);
        }
    }

    /** Everything a run does, derived from the seed. */
    public static final class Parameters
    {
        public final long seed;
        public final int clusterSize;
        public final double dropRate;
        public final double duplicateRate;
        public final long minDelayNs;
        public final long maxDelayNs;
        public final long faultIntervalNs;
        public final long proposalIntervalNs;
        public final long electionTimeoutNs;
        public final long heartbeatIntervalNs;
        public final long tickIntervalNs;
        public final int inflightAppendsMax;
        public final int appendEntriesMax;
        public final boolean preVote;
        public final boolean checkQuorum;
        public final boolean snapshots;
        public final long snapshotEntriesThreshold;
        public final int snapshotChunkBytes;
        public final long snapshotTrailingEntries;
        public final int snapshotPaddingBytes;
        public final boolean membershipChanges;
        public final int spares;

        Parameters(final long seed)
        {
            final SplittableRandom random = new SplittableRandom(seed);
            this.seed = seed;
            this.clusterSize = new int[]{3, 5, 7}[random.nextInt(3)];
            this.dropRate = random.nextDouble() * 0.2;
            this.duplicateRate = random.nextDouble() * 0.05;
            this.minDelayNs = TimeUnit.MICROSECONDS.toNanos(50 + random.nextInt(450));
            this.maxDelayNs = minDelayNs + TimeUnit.MICROSECONDS.toNanos(500 + random.nextInt(8000));
            this.faultIntervalNs = TimeUnit.MILLISECONDS.toNanos(20 + random.nextInt(100));
            this.proposalIntervalNs = TimeUnit.MICROSECONDS.toNanos(500 + random.nextInt(9500));
            this.electionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(50);
            this.heartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(10);
            this.tickIntervalNs = TimeUnit.MILLISECONDS.toNanos(10);
            this.inflightAppendsMax = 1 + random.nextInt(8);
            this.appendEntriesMax = 1 + random.nextInt(64);
            this.preVote = random.nextInt(4) != 0;
            this.checkQuorum = random.nextInt(4) != 0;
            this.snapshots = random.nextInt(4) != 0;
            this.snapshotEntriesThreshold = 5 + random.nextInt(60);
            this.snapshotChunkBytes = 64 + random.nextInt(512);
            this.snapshotTrailingEntries = random.nextInt(3) == 0 ? 0 : random.nextInt(20);
            this.snapshotPaddingBytes = random.nextInt(3000);
            this.membershipChanges = random.nextInt(3) == 0;
            this.spares = membershipChanges ? 2 : 0;
        }

        @Override
        public String toString()
        {
            return "seed=" + seed + " nodes=" + clusterSize + String.format(" drop=%.3f dup=%.3f", dropRate, duplicateRate) +
                " delay=" + minDelayNs / 1000 + ".." + maxDelayNs / 1000 + " faultEvery=" + faultIntervalNs / 1_000_000 +
                "ms proposeEvery=" + proposalIntervalNs / 1000 + "us inflight=" + inflightAppendsMax +
                " batch=" + appendEntriesMax + " preVote=" + preVote + " checkQuorum=" + checkQuorum +
                (snapshots ? " snapshotEvery=" + snapshotEntriesThreshold + " chunk=" + snapshotChunkBytes +
                " trailing=" + snapshotTrailingEntries + " snapshotBytes=" + (20 + snapshotPaddingBytes) : " snapshots=off") +
                (membershipChanges ? " membershipChanges spares=" + spares : "");
        }
    }

    /**
     * What a run did, for reports. {@code digest} hashes the end state of every member (term, vote, role,
     * commit and applied indexes, every log entry, the state machine, the frame counters): two runs of
     * one seed on the same code have the same digest, and a refactoring that changes no behaviour keeps it.
     */
    public record Result(
        long seed, int clusterSize, long steps, long virtualTimeNs, long acknowledged, long committed,
        long crashes, long partitions, long maxTerm, long invariantChecks, long snapshotChunks, long snapshotsInstalled,
        long digest)
    {
    }

    private final Parameters parameters;
    private final SimulatedDisk.Factory diskFactory;
    private final long steps;
    private final SplittableRandom random;
    private final VirtualClock clock = new VirtualClock(TimeUnit.SECONDS.toNanos(1));
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final RaftInvariants invariants = new RaftInvariants();
    private final SimNode[] nodes;
    private final boolean[][] blocked;
    private final MessageHeader sniffHeader = new MessageHeader();
    private final VoteResponse sniffVote = new VoteResponse();
    private final SnapshotResponse sniffSnapshot = new SnapshotResponse();
    private final Long2LongHashMap proposalHashes = new Long2LongHashMap(0);
    private long eventSeq;
    private long nextCorrelationId = 1;
    private long maxAcknowledgedIndex;
    private long acknowledged;
    private long crashes;
    private long partitions;
    private long stepsRun;
    private long snapshotChunks;
    private long snapshotsInstalled;
    private double dropRate;
    private double duplicateRate;
    private boolean faultsEnabled = true;
    private int clientTarget;
    private long probeIndex;
    private boolean probeFailed;
    private long membershipChanges;
    private long probeAttempts;

    /**
     * @param seed  derives everything.
     * @param steps events in the safety phase.
     */
    public Simulation(final long seed, final long steps)
    {
        this(seed, steps, CrashableLog::new);
    }

    /**
     * A run whose members keep their logs on disks made by {@code diskFactory} (a real log in a temporary
     * directory, for instance); everything else is as in {@link #Simulation(long, long)}.
     */
    public Simulation(final long seed, final long steps, final SimulatedDisk.Factory diskFactory)
    {
        this.diskFactory = diskFactory;
        this.parameters = new Parameters(seed);
        this.steps = steps;
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.dropRate = parameters.dropRate;
        this.duplicateRate = parameters.duplicateRate;
        final int n = parameters.clusterSize;
        final int[] members = new int[n];
        for (int i = 0; i < n; i++)
        {
            members[i] = i + 1;
        }
        final int total = n + parameters.spares;
        this.nodes = new SimNode[total];
        this.blocked = new boolean[total][total];
        for (int i = 0; i < total; i++)
        {
            nodes[i] = new SimNode(i, members, i >= n);
            nodes[i].start();
            schedule(clock.nanoTime() + random.nextLong(parameters.tickIntervalNs), TICK, i, null);
        }
        schedule(clock.nanoTime() + parameters.proposalIntervalNs, CLIENT, 0, null);
        schedule(clock.nanoTime() + parameters.faultIntervalNs, FAULT, 0, null);
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

    public Parameters parameters()
    {
        return parameters;
    }

    public Result run()
    {
        try
        {
            for (long i = 0; i < steps; i++)
            {
                step();
            }
            livenessPhase();
        }
        catch (final InvariantViolation | IllegalStateException | LivenessFailure ex)
        {
            throw new SimulationFailure(parameters.seed, steps, parameters + " failed at step " + stepsRun +
                " t=" + (clock.nanoTime() / 1_000_000) + "ms: " + ex.getMessage() + "\n" + describeNodes(), ex);
        }
        long maxTerm = 0;
        for (final SimNode node : nodes)
        {
            maxTerm = Math.max(maxTerm, node.hardState.term());
        }
        return new Result(parameters.seed, parameters.clusterSize, stepsRun, clock.nanoTime(), acknowledged,
            invariants.committedCount(), crashes, partitions, maxTerm, invariants.checks(), snapshotChunks, snapshotsInstalled,
            digest());
    }

    private long digest()
    {
        final long[] hash = {clock.nanoTime() * 31 + stepsRun};
        for (final SimNode node : nodes)
        {
            mix(hash, node.memberId);
            mix(hash, node.hardState.term());
            mix(hash, node.hardState.votedFor());
            if (!node.alive)
            {
                continue;
            }
            final RaftNode raft = node.raft;
            mix(hash, raft.role().ordinal());
            mix(hash, raft.leaderId());
            mix(hash, raft.commitIndex());
            mix(hash, raft.lastApplied());
            mix(hash, raft.lastSnapshotIndex());
            mix(hash, node.smIndex);
            mix(hash, node.smDigest);
            final io.synod.raft.RaftCounters counters = raft.counters();
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
            final io.synod.raft.RaftLog log = raft.log();
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
        return hash[0];
    }

    private static void mix(final long[] hash, final long value)
    {
        long h = (hash[0] ^ value) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        hash[0] = h;
    }

    private void livenessPhase()
    {
        faultsEnabled = false;
        dropRate = 0;
        duplicateRate = 0;
        healPartitions();
        for (final SimNode node : nodes)
        {
            node.hardState.disarm();
            node.disk.disarm();
            if (!node.alive)
            {
                node.start();
            }
        }
        // Bound: a leader within LIVENESS_BOUND_ELECTION_TIMEOUTS, plus the time the slowest follower
        // needs to copy the backlog at the configured window and batch over the slowest link.
        long maxLastIndex = 0;
        long minLastIndex = Long.MAX_VALUE;
        for (final SimNode node : nodes)
        {
            maxLastIndex = Math.max(maxLastIndex, node.disk.log().lastIndex());
            minLastIndex = Math.min(minLastIndex, node.disk.log().lastIndex());
        }
        final long backlog = maxLastIndex - minLastIndex + 1;
        final long catchUpNs = backlog * 2 * parameters.maxDelayNs / ((long)parameters.inflightAppendsMax * parameters.appendEntriesMax);
        final long deadline = clock.nanoTime() + LIVENESS_BOUND_ELECTION_TIMEOUTS * parameters.electionTimeoutNs + catchUpNs;
        boolean probeSent = false;
        long probeSentNs = 0;
        while (true)
        {
            if (clock.nanoTime() > deadline)
            {
                throw new LivenessFailure("no progress within " + LIVENESS_BOUND_ELECTION_TIMEOUTS +
                    " election timeouts + " + catchUpNs / 1_000_000 + "ms catch-up after healing (probe index " + probeIndex + ", max acknowledged " + maxAcknowledgedIndex + ")");
            }
            step();
            final SimNode leader = leader();
            if (leader == null)
            {
                continue;
            }
            if (!probeSent || probeFailed || (probeIndex == 0 && clock.nanoTime() - probeSentNs > 10 * parameters.electionTimeoutNs))
            {
                // One more proposal after healing must commit: progress, not just quiescence. A probe whose
                // leader lost office (and perhaps its membership) never hears its fate: like a client, give
                // up on it after a while and send another.
                probeFailed = false;
                probeSentNs = clock.nanoTime();
                probeSent = proposeTo(leader, PROBE_CORRELATION_BASE - probeAttempts++);
                continue;
            }
            if (probeIndex == 0)
            {
                continue;
            }
            final long target = Math.max(probeIndex, maxAcknowledgedIndex);
            boolean done = true;
            for (final SimNode node : nodes)
            {
                if (!leader.raft.membership().isMember(node.memberId))
                {
                    continue; // not (or no longer) a member: it receives nothing
                }
                if (node.raft.lastApplied() < target)
                {
                    done = false;
                    break;
                }
            }
            if (done)
            {
                return;
            }
        }
    }

    private SimNode leader()
    {
        SimNode leader = null;
        for (final SimNode node : nodes)
        {
            if (node.alive && node.raft.role() == RaftRole.LEADER && (leader == null || node.raft.term() > leader.raft.term()))
            {
                leader = node;
            }
        }
        return leader;
    }

    private void step()
    {
        final Event event = events.poll();
        if (event == null)
        {
            throw new IllegalStateException("event queue empty");
        }
        clock.advanceTo(event.timeNs());
        stepsRun++;
        switch (event.kind())
        {
            case DELIVER:
            {
                final SimNode node = nodes[event.slot()];
                if (node.alive)
                {
                    node.inbox.add(event.frame());
                    node.doWork();
                }
                break;
            }
            case TICK:
            {
                final SimNode node = nodes[event.slot()];
                if (node.alive)
                {
                    node.doWork();
                }
                final long jitter = random.nextLong(parameters.tickIntervalNs / 2);
                schedule(clock.nanoTime() + parameters.tickIntervalNs - parameters.tickIntervalNs / 4 + jitter, TICK, event.slot(), null);
                break;
            }
            case CLIENT:
            {
                if (faultsEnabled)
                {
                    clientPropose();
                }
                schedule(clock.nanoTime() + 1 + random.nextLong(2 * parameters.proposalIntervalNs), CLIENT, 0, null);
                break;
            }
            case FAULT:
            {
                if (faultsEnabled)
                {
                    injectFault();
                }
                schedule(clock.nanoTime() + 1 + random.nextLong(2 * parameters.faultIntervalNs), FAULT, 0, null);
                break;
            }
            default:
                throw new IllegalStateException("unknown event " + event.kind());
        }
        for (final SimNode node : nodes)
        {
            if (node.alive)
            {
                invariants.check(node.raft, node.incarnation);
            }
        }
    }

    private void clientPropose()
    {
        SimNode target = nodes[clientTarget];
        if (!target.alive)
        {
            target = nodes[random.nextInt(nodes.length)];
        }
        if (target.alive)
        {
            if (random.nextInt(5) == 0)
            {
                forwardTo(target, nextCorrelationId++);
            }
            else
            {
                proposeTo(target, nextCorrelationId++);
            }
        }
    }

    /** A fifth of the client's commands go through {@code RaftNode#forward}: no outcome, at most once. */
    private void forwardTo(final SimNode target, final long correlationId)
    {
        final UnsafeBuffer command = randomCommand(correlationId);
        if (target.agent.forward(GROUP_ID, command, 0, command.capacity()))
        {
            target.doWork();
        }
    }

    /** 8 to 64 bytes: the correlation id, then random bytes. */
    private UnsafeBuffer randomCommand(final long correlationId)
    {
        final int length = 8 + random.nextInt(57);
        final UnsafeBuffer command = new UnsafeBuffer(new byte[length]);
        command.putLong(0, correlationId);
        for (int i = 8; i < length; i++)
        {
            command.putByte(i, (byte)random.nextInt(256));
        }
        return command;
    }

    private boolean proposeTo(final SimNode target, final long correlationId)
    {
        final UnsafeBuffer command = randomCommand(correlationId);
        final int length = command.capacity();
        proposalHashes.put(correlationId, Hashing.hash(io.synod.raft.EntryType.COMMAND, command, 0, length));
        if (!target.agent.propose(GROUP_ID, correlationId, command, 0, length))
        {
            return false;
        }
        target.doWork();
        return true;
    }

    private void injectFault()
    {
        if (parameters.membershipChanges && random.nextInt(4) == 0)
        {
            changeMembership();
            return;
        }
        final int choice = random.nextInt(100);
        if (choice < 25)
        {
            partition();
        }
        else if (choice < 45)
        {
            healPartitions();
        }
        else if (choice < 70)
        {
            final SimNode node = nodes[random.nextInt(nodes.length)];
            if (node.alive)
            {
                final int how = random.nextInt(3);
                if (how == 0)
                {
                    node.crash();
                }
                else if (how == 1)
                {
                    node.disk.crashOnNextFlush(random.split());
                }
                else
                {
                    node.hardState.crashOnNextStore(random.split());
                }
            }
        }
        else if (choice < 90)
        {
            for (final SimNode node : nodes)
            {
                if (!node.alive)
                {
                    node.start();
                    break;
                }
            }
        }
        else
        {
            // Change the network's mood for a while.
            dropRate = random.nextDouble() * 0.3;
            duplicateRate = random.nextDouble() * 0.1;
        }
    }

    /** Asks the leader for a random membership change or a leadership transfer; refusals are fine. */
    private void changeMembership()
    {
        final SimNode leader = leader();
        if (leader == null)
        {
            return;
        }
        final io.synod.raft.Membership membership = leader.raft.membership();
        final int target = 1 + random.nextInt(nodes.length);
        final long correlationId = MEMBERSHIP_CORRELATION_BASE - membershipChanges++;
        switch (random.nextInt(4))
        {
            case 0:
                leader.agent.proposeMembershipChange(GROUP_ID, correlationId, io.synod.raft.Membership.ADD_LEARNER, target);
                break;
            case 1:
            {
                final int[] learners = membership.learners();
                if (learners.length > 0)
                {
                    leader.agent.proposeMembershipChange(GROUP_ID, correlationId, io.synod.raft.Membership.PROMOTE,
                        learners[random.nextInt(learners.length)]);
                }
                break;
            }
            case 2:
                leader.agent.proposeMembershipChange(GROUP_ID, correlationId, io.synod.raft.Membership.REMOVE, target);
                break;
            default:
                leader.agent.transferLeadership(GROUP_ID, correlationId, target);
        }
        leader.doWork();
    }

    private void partition()
    {
        partitions++;
        healPartitions();
        final int n = nodes.length;
        final boolean[] sideA = new boolean[n];
        final int kind = random.nextInt(4);
        final SimNode leader = leader();
        if (kind == 0 && leader != null)
        {
            sideA[leader.slot] = true; // isolate the leader
        }
        else if (kind == 1 || kind == 0)
        {
            // minority / majority split with a random minority
            final int minority = 1 + random.nextInt(n / 2);
            for (int placed = 0; placed < minority; )
            {
                final int slot = random.nextInt(n);
                if (!sideA[slot])
                {
                    sideA[slot] = true;
                    placed++;
                }
            }
        }
        else if (kind == 2)
        {
            // the leader on the minority side
            final int minority = n / 2;
            if (leader != null)
            {
                sideA[leader.slot] = true;
            }
            int placed = leader != null ? 1 : 0;
            while (placed < minority)
            {
                final int slot = random.nextInt(n);
                if (!sideA[slot])
                {
                    sideA[slot] = true;
                    placed++;
                }
            }
        }
        else
        {
            // a bridge: two halves that only one node connects
            final int bridge = random.nextInt(n);
            for (int slot = 0; slot < n; slot++)
            {
                sideA[slot] = random.nextBoolean();
            }
            for (int a = 0; a < n; a++)
            {
                for (int b = 0; b < n; b++)
                {
                    blocked[a][b] = a != bridge && b != bridge && sideA[a] != sideA[b];
                }
            }
            return;
        }
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                blocked[a][b] = sideA[a] != sideA[b];
            }
        }
    }

    private void healPartitions()
    {
        for (final boolean[] row : blocked)
        {
            Arrays.fill(row, false);
        }
    }

    private void schedule(final long timeNs, final int kind, final int slot, final byte[] frame)
    {
        events.add(new Event(timeNs, eventSeq++, kind, slot, frame));
    }

    private void networkSend(final int fromSlot, final int toMember, final DirectBuffer buffer, final int offset, final int length)
    {
        final int toSlot = toMember - 1;
        if (toSlot < 0 || toSlot >= nodes.length)
        {
            return;
        }
        sniffVotes(buffer, offset, length);
        if (blocked[fromSlot][toSlot] || random.nextDouble() < dropRate)
        {
            return;
        }
        final byte[] frame = new byte[length];
        buffer.getBytes(offset, frame);
        schedule(clock.nanoTime() + delay(), DELIVER, toSlot, frame);
        if (random.nextDouble() < duplicateRate)
        {
            schedule(clock.nanoTime() + delay(), DELIVER, toSlot, frame);
        }
    }

    private long delay()
    {
        return parameters.minDelayNs + random.nextLong(parameters.maxDelayNs - parameters.minDelayNs + 1);
    }

    private void sniffVotes(final DirectBuffer buffer, final int offset, final int length)
    {
        if (FrameCheck.checkHeader(sniffHeader, buffer, offset, length) != FrameCheck.OK)
        {
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
            invariants.onVoteGranted(sniffHeader.from(), sniffHeader.term(), sniffHeader.to());
        }
    }

    private String describeNodes()
    {
        final StringBuilder builder = new StringBuilder();
        for (final SimNode node : nodes)
        {
            builder.append("  ").append(node.alive ? node.raft.toString() : "member " + node.memberId + " DOWN").append('\n');
        }
        return builder.toString();
    }

    /** One simulated member: durable parts survive crashes; the node and agent are rebuilt on restart. */
    private final class SimNode implements Transport, StateMachine, ProposalHandler, SnapshotSource
    {
        final int slot;
        final int memberId;
        final int[] members;
        final SimulatedDisk disk;
        final CrashableHardState hardState = new CrashableHardState();
        final InMemorySnapshotStore snapshotStore = new InMemorySnapshotStore();
        /** State machine state: a digest of every command applied, in order, and the last index applied. */
        long smIndex;
        long smDigest;
        private int snapshotPosition;
        private final UnsafeBuffer snapshotScratch = new UnsafeBuffer(new byte[20]);
        final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
        final UnsafeBuffer frameView = new UnsafeBuffer(0, 0);
        RaftNode raft;
        RaftAgent agent;
        boolean alive;
        long incarnation;

        final boolean joining;

        SimNode(final int slot, final int[] members, final boolean joining)
        {
            this.joining = joining;
            this.slot = slot;
            this.memberId = slot + 1;
            this.members = members;
            this.disk = diskFactory.create(memberId, invariants::onAppend);
        }

        void start()
        {
            final RaftConfig config = new RaftConfig()
                .clusterId(CLUSTER_ID)
                .groupId(GROUP_ID)
                .memberId(memberId)
                .members(joining ? new int[0] : members)
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
            incarnation++;
            inbox.clear();
            smIndex = 0;
            smDigest = 0;
            raft = new RaftNode(config, disk.log(), hardState, parameters.snapshots ? snapshotStore : null, this, this,
                new SplittableRandom(parameters.seed * 31 + memberId * 1_000_003L + incarnation), this);
            agent = new RaftAgent(clock, this, 64 * 1024, raft);
            alive = true;
        }

        void crash()
        {
            crashes++;
            alive = false;
            inbox.clear();
            disk.crash(random.split());
            snapshotStore.abort();
            hardState.disarm();
            raft = null;
            agent = null;
        }

        void doWork()
        {
            try
            {
                agent.doWork();
            }
            catch (final SimulatedCrash ex)
            {
                crash();
            }
        }

        @Override
        public boolean send(final int toMember, final DirectBuffer buffer, final int offset, final int length)
        {
            networkSend(slot, toMember, buffer, offset, length);
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            int delivered = 0;
            while (delivered < fragmentLimit && !inbox.isEmpty())
            {
                final byte[] frame = inbox.poll();
                frameView.wrap(frame);
                handler.onFrame(frameView, 0, frame.length);
                delivered++;
            }
            return delivered;
        }

        @Override
        public int apply(
            final long index, final long term, final DirectBuffer command, final int offset, final int length,
            final ExpandableArrayBuffer response)
        {
            final long hash = Hashing.hash(io.synod.raft.EntryType.COMMAND, command, offset, length);
            invariants.onApply(memberId, index, hash);
            smIndex = index;
            smDigest = (smDigest ^ hash) * 0x9E3779B97F4A7C15L + index;
            invariants.onStateDigest(memberId, index, smDigest);
            response.putLong(0, index);
            return 8;
        }

        @Override
        public SnapshotSource snapshot()
        {
            snapshotPosition = 0;
            return this;
        }

        /** The snapshot stream: [index i64][digest i64][padding length i32][padding bytes derived from the digest]. */
        @Override
        public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
        {
            final int total = 20 + parameters.snapshotPaddingBytes;
            if (snapshotPosition >= total)
            {
                return -1;
            }
            snapshotScratch.putLong(0, smIndex);
            snapshotScratch.putLong(8, smDigest);
            snapshotScratch.putInt(16, parameters.snapshotPaddingBytes);
            final int length = Math.min(maxBytes, total - snapshotPosition);
            for (int i = 0; i < length; i++)
            {
                final int position = snapshotPosition + i;
                buffer.putByte(offset + i, position < 20 ? snapshotScratch.getByte(position) : paddingByte(smDigest, position));
            }
            snapshotPosition += length;
            return length;
        }

        @Override
        public void restore(final SnapshotReader reader)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[(int)reader.length()]);
            reader.readFully(buffer, 0, (int)reader.length());
            if (reader.read(buffer, 0, 1) != -1)
            {
                throw new IllegalStateException("snapshot longer than its length");
            }
            smIndex = buffer.getLong(0);
            smDigest = buffer.getLong(8);
            final int padding = buffer.getInt(16);
            if (padding != reader.length() - 20)
            {
                throw new InvariantViolation("member " + memberId + " restored a snapshot with a bad padding length " + padding);
            }
            for (int position = 20; position < reader.length(); position++)
            {
                if (buffer.getByte(position) != paddingByte(smDigest, position))
                {
                    throw new InvariantViolation("member " + memberId + " restored a corrupt snapshot (byte " + position + ")");
                }
            }
            if (smIndex > 0)
            {
                invariants.onStateDigest(memberId, smIndex, smDigest);
            }
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            if (correlationId <= MEMBERSHIP_CORRELATION_BASE && correlationId > PROBE_CORRELATION_BASE)
            {
                return; // a membership change or transfer, not a command
            }
            if (length != 8 || response.getLong(offset) != index)
            {
                throw new InvariantViolation("response for index " + index + " does not match the state machine's");
            }
            if (correlationId <= PROBE_CORRELATION_BASE)
            {
                probeIndex = index;
            }
            invariants.onAcknowledged(index, proposalHashes.get(correlationId));
            acknowledged++;
            maxAcknowledgedIndex = Math.max(maxAcknowledgedIndex, index);
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            if (correlationId <= PROBE_CORRELATION_BASE)
            {
                probeFailed = true;
            }
            if (reason == NOT_LEADER && leaderHint > 0)
            {
                clientTarget = leaderHint - 1;
            }
            else
            {
                clientTarget = random.nextInt(nodes.length);
            }
        }
    }

    private static byte paddingByte(final long digest, final int position)
    {
        return (byte)((digest >>> ((position & 7) * 8)) + position);
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
