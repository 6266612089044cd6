package io.synod.quorum;

import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulatedProtocol;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationLiveness;
import io.synod.raft.testkit.SimulationWorkload;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ring changes under faults, with the ring agreed by Raft and the data path leaderless, in one simulation: every
 * member runs the ring group ({@link RingStateMachine}, the simulator's Raft group 0, with its own elections,
 * snapshots and faults) and a {@link QuorumNode} built on that group's state machine, as a duty of the same agent.
 * The Raft workload bootstraps the ring on all members but the last, then adds the last member and later removes
 * one, while clients write (with the contexts of earlier reads, or blind) and read with random W and R.
 *
 * <p>Checked after every step: two members at the same applied index of the ring group hold the same ring; no
 * member that coordinates acts on a ring version further behind the newest one applied anywhere than the ACK rule
 * allows (one step; two right after a change began); every
 * stored value is one a client wrote. On every read: a read of R replicas sees every write acknowledged with
 * W + R > N before it began (returned, or causally dominated by a value returned) — during the ring changes too.
 * After healing: the ring is the same on every member, the started changes are done (at least one per run), and
 * R = ALL reads on every ring member find every acknowledged write.
 *
 * <p>Runs whose seed also churns the Raft group's own membership (a third of the seeds: members removed from the
 * ring group stop hearing it, and a ring change waits for every participant) make no ring change; they still
 * check the data path on the Raft-agreed ring. Over all seeds, ring changes must have completed.
 */
class RingChangeSimulationTest
{
    static final String TEST = "RingChangeSimulationTest";
    static final int KEYS = 16;
    static final int N = 3;
    static final int CHANGES = 2;
    static final long STEPS = QuorumSeeds.STEPS;
    static final AtomicLong CHANGES_DONE = new AtomicLong();
    static final AtomicLong KEYS_STREAMED = new AtomicLong();

    static LongStream seeds()
    {
        return QuorumSeeds.seeds(Long.getLong("synod.quorum.sim.seeds", 16));
    }

    @AfterAll
    static void someRingChangeCompleted()
    {
        assertTrue(CHANGES_DONE.get() > 0, "no ring change completed in any seed");
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldLoseNoAcknowledgedWriteWhileMembersJoinAndLeave(final long seed)
    {
        final RingRun run = new RingRun();
        final Simulation.Result result = Simulation.builder(seed).steps(STEPS).groups(1)
            .stateMachines((memberId, group) -> run.ringMachine(memberId))
            .workload(run).protocol(run::node).invariant(run).liveness(run)
            .replay(QuorumSeeds.replay(TEST)).run();
        assertTrue(run.acknowledged.size() > 0, "some write was acknowledged");
        final long done = (run.finalVersion - 1) / 3;
        assertTrue(done == run.changesPlanned(), done + " of " + run.changesPlanned() + " ring changes completed: " + run.finalState);
        CHANGES_DONE.addAndGet(done);
        KEYS_STREAMED.addAndGet(run.keysStreamed);
        System.out.println("ring seed " + seed + ": nodes=" + run.size + (run.raftChurn ? " (raft churn: no ring change)" : "") +
            " versions at " + run.versionTimes + " healed at " + run.healedAtNs / 1_000_000 + "ms;" +
            " final " + run.finalState + ", " + done + " changes, " + run.keysStreamed + " keys streamed, " + run.acknowledged.size() +
            " acknowledged, " + run.reads + " reads (" + run.checkedReads + " checked against " + run.checkedPairs + " writes), " +
            run.noRing + " refused NO_RING, " + result.crashes() + " crashes, " + result.partitions() + " partitions, " +
            result.virtualTimeNs() / 1_000_000 + " ms");
    }

    /** One run: the disks, the ring machines of the members' current incarnations, the clients' history, the checks. */
    static final class RingRun implements SimulationInvariant, SimulationLiveness, SimulationWorkload
    {
        final Map<Integer, CrashableReplicaStore> stores = new HashMap<>();
        final Map<Integer, RingStateMachine> machines = new HashMap<>();
        final Map<Integer, Node> nodes = new HashMap<>();
        final Map<Long, Integer> written = new HashMap<>();
        final Map<Long, Set<Long>> supersedes = new HashMap<>();
        final Map<Long, Integer> writeCounts = new HashMap<>();
        final Set<Long> acknowledged = new HashSet<>();
        final Map<Long, Long> acknowledgedAtNs = new HashMap<>();
        final Map<Long, String> notes = new HashMap<>();
        final Map<Integer, List<Read>> recent = new HashMap<>();
        int size;
        int lowestLive;
        final int n = N;
        /** The first ring: every member but the last (all of the Raft group's voters in a run that churns them). */
        int[] bootstrapMembers;
        boolean raftChurn;
        boolean churnKnown;
        long nowNs;
        /** The newest ring the run has seen applied anywhere (a committed version). */
        RingState newest = RingState.EMPTY;
        long stableSinceNs;
        long nextId = 1;
        long reads;
        long checkedReads;
        long checkedPairs;
        long noRing;
        long keysStreamed;
        boolean healed;
        long healedAtNs;
        long finalVersion;
        long seed;
        long lastProposalNs = Long.MIN_VALUE / 2;
        final org.agrona.ExpandableArrayBuffer adminCommand = new org.agrona.ExpandableArrayBuffer(256);
        final List<String> versionTimes = new ArrayList<>();
        String finalState = "";
        final UnsafeBuffer scratchKey = new UnsafeBuffer(new byte[4]);

        record Read(byte[] context, Set<Long> seen)
        {
        }

        RingStateMachine ringMachine(final int memberId)
        {
            final RingStateMachine machine = new RingStateMachine(N);
            machines.put(memberId, machine);
            return machine;
        }

        SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
            size = context.members().length;
            final CrashableReplicaStore store = stores.computeIfAbsent(context.memberId(), id -> new CrashableReplicaStore());
            final Node previous = nodes.get(context.memberId());
            if (previous != null)
            {
                keysStreamed += previous.quorum.follower.keysStreamed();
            }
            final Node node = new Node(this, context, store, machines.get(context.memberId()));
            nodes.put(context.memberId(), node);
            return node;
        }

        QuorumConfig config()
        {
            return new QuorumConfig().keyspaceId(3).n(n).valueLengthMax(64).siblingsMax(32).requestsMax(64)
                .requestTimeoutNs(200_000_000L).hintIntervalNs(50_000_000L).tombstoneCollection(false);
        }

        // ---- the ring group's workload ----

        @Override
        public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
        {
            final RingState state = newest;
            if (!churnKnown)
            {
                return RingCodec.encodeRemove(command, 0, 999); // no ring yet: refused (NO_RING), changes nothing
            }
            if (state.current() == null)
            {
                return bootstrap(command);
            }
            return bootstrap(command); // refused once there is a ring (NOT_EMPTY): changes nothing
        }

        private int bootstrap(final MutableDirectBuffer command)
        {
            final long[][] tokens = new long[bootstrapMembers.length][];
            for (int i = 0; i < tokens.length; i++)
            {
                tokens[i] = HashRing.tokens(bootstrapMembers[i], 16);
            }
            return RingCodec.encodeBootstrap(command, 0, bootstrapMembers, tokens);
        }

        // ---- checks ----

        @Override
        public void check(final SimulatedCluster cluster)
        {
            nowNs = cluster.nowNs();
            seed = cluster.seed();
            if (cluster.isHealed() && !healed)
            {
                healedAtNs = nowNs;
            }
            healed = cluster.isHealed();
            if (!churnKnown && cluster.node(1, 0) != null)
            {
                churnKnown = true;
                final int[] voters = cluster.node(1, 0).membership().voters();
                raftChurn = voters.length != cluster.size();
                bootstrapMembers = raftChurn || voters.length == N ? voters : java.util.Arrays.copyOf(voters, voters.length - 1);
            }
            final Map<Long, String> byIndex = new HashMap<>();
            for (int member = 1; member <= cluster.size(); member++)
            {
                final RingStateMachine machine = cluster.stateMachine(member, 0);
                if (machine == null)
                {
                    continue;
                }
                final RingState state = machine.state();
                final String previous = byIndex.putIfAbsent(cluster.appliedIndex(member, 0), state.toString());
                if (previous != null && !previous.equals(state.toString()))
                {
                    throw new AssertionError("two members at ring-group index " + cluster.appliedIndex(member, 0) +
                        " hold different rings: " + previous + " / " + state);
                }
                if (state.version() > newest.version())
                {
                    newest = state;
                    versionTimes.add(state.version() + "@" + nowNs / 1_000_000);
                    if (!state.changing())
                    {
                        stableSinceNs = nowNs;
                    }
                }
            }
            lowestLive = 0;
            for (int member = cluster.size(); member >= 1; member--)
            {
                lowestLive = cluster.isAlive(member) ? member : lowestLive;
            }
            for (final Node node : nodes.values())
            {
                // Each step but the one a new change starts with (STABLE -> WRITE_BOTH, by command) waits for every
                // participant's ACK of the step before: members lag the newest version by one step, or by two right
                // after a change began (the previous change's READ_NEW, its STABLE, the new WRITE_BOTH).
                final long lag = newest.phase() == RingState.WRITE_BOTH ? 2 : 1;
                if (cluster.isAlive(node.memberId) && cluster.protocol(node.memberId) == node && node.quorum.follower.usable() &&
                    node.quorum.placement.version() < newest.version() - lag)
                {
                    throw new AssertionError("member " + node.memberId + " coordinates on ring version " +
                        node.quorum.placement.version() + " while version " + newest.version() + " is applied: " + newest);
                }
            }
            final DvvSet set = new DvvSet(16, 32, 64);
            for (final Map.Entry<Integer, CrashableReplicaStore> entry : stores.entrySet())
            {
                entry.getValue().forEach((keyspace, key, keyOffset, keyLength, record, recordOffset, recordLength) ->
                {
                    if (keyspace != 3)
                    {
                        return; // the ring-version record, hints
                    }
                    if (!set.decode(record, recordOffset, recordLength))
                    {
                        throw new AssertionError("member " + entry.getKey() + " stores a malformed set");
                    }
                    writeIds(set, key.getInt(keyOffset), "replica " + entry.getKey());
                });
            }
        }

        Set<Long> writeIds(final DvvSet set, final int key, final String where)
        {
            final Set<Long> ids = new TreeSet<>();
            for (int i = 0; i < set.valueCount(); i++)
            {
                final long id = set.valueBuffer().getLong(set.valueOffset(i));
                final Integer writtenKey = written.get(id);
                if (writtenKey == null || writtenKey != key)
                {
                    throw new AssertionError(where + ": key " + key + " holds write " + id + ", which no client wrote to it");
                }
                ids.add(id);
            }
            return ids;
        }

        /** Every write acknowledged before {@code startedNs} whose W overlaps {@code rCount} is in {@code read} or dominated. */
        void checkRead(final int key, final Set<Long> read, final long startedNs, final int rCount, final String where)
        {
            checkedReads++;
            for (final long id : acknowledged)
            {
                if (written.get(id) != key || acknowledgedAtNs.get(id) >= startedNs || writeCounts.get(id) + rCount <= n)
                {
                    continue;
                }
                checkedPairs++;
                boolean covered = read.contains(id);
                for (final long value : read)
                {
                    covered |= supersedes.get(value).contains(id);
                }
                if (!covered)
                {
                    throw new AssertionError(where + " (R = " + rCount + ", started " + startedNs / 1_000_000 + "ms) of key " + key +
                        " read " + read + " and missed acknowledged write " + id + " (" + notes.get(id) + "); ring " + newest +
                        "; members use " + versions());
                }
            }
        }

        String versions()
        {
            final StringBuilder builder = new StringBuilder();
            for (final Node node : nodes.values())
            {
                builder.append(node.memberId).append(":v").append(node.quorum.placement.version())
                    .append(node.quorum.follower.usable() ? "" : "(unusable)").append(' ');
            }
            return builder.toString();
        }

        /** Ring changes this run makes: add the last member, then remove one (none with 3 members or a churning group). */
        int changesPlanned()
        {
            return raftChurn || size <= N ? 0 : CHANGES;
        }

        /**
         * The operator's side, run by the lowest live ring member's node: when the ring has been stable a while and a
         * change is still planned, propose it to the ring group (forwarded to its leader; repeated until applied).
         */
        int maybeChangeRing(final Node node, final long nowNs)
        {
            final long done = (newest.version() - 1) / 3;
            if (!churnKnown || newest.current() == null || newest.changing() || done >= changesPlanned() ||
                nowNs - stableSinceNs < 50_000_000L || nowNs - lastProposalNs < 100_000_000L)
            {
                return 0;
            }
            lastProposalNs = nowNs;
            final int length = done == 0 ? RingCodec.encodeAdd(adminCommand, 0, size, HashRing.tokens(size, 16)) :
                RingCodec.encodeRemove(adminCommand, 0, newest.current().members()[(int)(seed % newest.current().size())]);
            return node.context.agent().forward(0, adminCommand, 0, length) ? 1 : 0;
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster cluster)
        {
            if (newest.changing() || newest.current() == null || (newest.version() - 1) / 3 < changesPlanned())
            {
                return false;
            }
            for (int member = 1; member <= cluster.size(); member++)
            {
                final RingStateMachine machine = cluster.stateMachine(member, 0);
                if (!cluster.isAlive(member) || machine == null)
                {
                    return false;
                }
                if (raftChurn && machine.state().current() == null)
                {
                    continue; // never added to the ring group (a spare) or removed before BOOTSTRAP: it coordinates nothing
                }
                if (!machine.state().toString().equals(newest.toString()))
                {
                    return false; // a member still applying (or, in a churning run, no longer hearing the group)
                }
            }
            for (final Node node : nodes.values())
            {
                if (node.quorum.follower.usable() && node.finalReads.size() < KEYS)
                {
                    return false;
                }
            }
            finalVersion = newest.version();
            finalState = newest.toString();
            for (final Node node : nodes.values())
            {
                keysStreamed += node.quorum.follower.keysStreamed();
            }
            return true;
        }

        @Override
        public String describe(final SimulatedCluster cluster)
        {
            final StringBuilder builder = new StringBuilder("ring not settled or final reads missing: newest ").append(newest)
                .append("; members use ").append(versions()).append("; final reads:");
            for (final Node node : nodes.values())
            {
                builder.append(' ').append(node.memberId).append('=').append(node.finalReads.keySet());
            }
            return builder.toString();
        }
    }

    /** A member's quorum node on the Raft-agreed ring, its clients and its final reads. */
    static final class Node implements SimulatedProtocol, QuorumListener
    {
        private static final long FINAL_READ = 1L << 62;
        private static final long FINAL_READ_DELAY_NS = 400_000_000L;

        final RingRun run;
        final int memberId;
        final QuorumNode quorum;
        final CrashableReplicaStore store;
        final SimulatedProtocol.Context context;
        final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
        final UnsafeBuffer contextBytes = new UnsafeBuffer(new byte[1024]);
        /** Read correlation id: key, R count, start time. */
        final Map<Long, long[]> pendingGets = new HashMap<>();
        final Map<Integer, Set<Long>> finalReads = new HashMap<>();
        final Set<Integer> finalReadsOut = new HashSet<>();

        Node(final RingRun run, final Context context, final CrashableReplicaStore store, final RingStateMachine machine)
        {
            this.run = run;
            this.memberId = context.memberId();
            this.context = context;
            this.store = store;
            this.quorum = new QuorumNode(run.config(), context.agent(), memberId, machine, 0, store, this);
        }

        private static int level(final RandomGenerator random)
        {
            return new int[]{Consistency.ONE, Consistency.QUORUM, Consistency.ALL, 2}[random.nextInt(4)];
        }

        @Override
        public void onClientRequest(final RandomGenerator random)
        {
            if (run.healed)
            {
                return;
            }
            final int k = random.nextInt(KEYS);
            key.putInt(0, k);
            final long nowNs = context.clock().nanoTime();
            if (random.nextBoolean())
            {
                final long id = run.nextId++;
                final int r = level(random);
                pendingGets.put(id, new long[]{k, Consistency.resolve(r, run.n), nowNs});
                final int status = quorum.get(nowNs, id, key, 0, 4, r, 0);
                if (status != QuorumStatus.OK)
                {
                    pendingGets.remove(id);
                    run.noRing += status == QuorumStatus.NO_RING ? 1 : 0;
                }
                return;
            }
            final long id = run.nextId++;
            final List<RingRun.Read> recent = run.recent.getOrDefault(k, List.of());
            final Set<Long> superseded = new HashSet<>();
            int contextLength = 0;
            if (!recent.isEmpty() && random.nextInt(5) != 0)
            {
                final RingRun.Read read = recent.get(random.nextInt(recent.size()));
                contextBytes.putBytes(0, read.context());
                contextLength = read.context().length;
                for (final long seen : read.seen())
                {
                    superseded.add(seen);
                    superseded.addAll(run.supersedes.get(seen));
                }
            }
            value.putLong(0, id);
            run.written.put(id, k);
            run.supersedes.put(id, superseded);
            final int w = level(random);
            run.writeCounts.put(id, Consistency.resolve(w, run.n));
            final int status = quorum.put(nowNs, id, key, 0, 4, contextBytes, 0, contextLength, value, 0, 8 + random.nextInt(24), w, 0);
            run.noRing += status == QuorumStatus.NO_RING ? 1 : 0;
            run.notes.put(id, "put at member " + memberId + " on v" + quorum.placement.version() + " t=" + nowNs / 1_000_000 + "ms w=" +
                Consistency.describe(w) + " " + QuorumStatus.name(status));
        }

        @Override
        public void onPutComplete(final long correlationId, final int status, final boolean overlaps, final boolean strict)
        {
            if (status == QuorumStatus.OK)
            {
                run.acknowledged.add(correlationId);
                run.acknowledgedAtNs.put(correlationId, context.clock().nanoTime());
            }
            run.notes.merge(correlationId, " -> " + QuorumStatus.name(status) + " t=" + context.clock().nanoTime() / 1_000_000 + "ms",
                String::concat);
        }

        @Override
        public void onGetComplete(final long correlationId, final int status, final DvvSet siblings, final boolean overlaps)
        {
            final long[] pending = pendingGets.remove(correlationId);
            if (pending == null)
            {
                throw new AssertionError("member " + memberId + ": a read completed twice or was never asked: " + correlationId);
            }
            final int k = (int)pending[0];
            if (status != QuorumStatus.OK && status != QuorumStatus.NOT_FOUND)
            {
                finalReadsOut.remove(k);
                return;
            }
            final Set<Long> ids = run.writeIds(siblings, k, "read at member " + memberId);
            run.reads++;
            run.checkRead(k, ids, pending[2], (int)pending[1], ((correlationId & FINAL_READ) != 0 ? "final read" : "read") +
                " at member " + memberId + " on v" + quorum.placement.version());
            if ((correlationId & FINAL_READ) != 0)
            {
                finalReads.put(k, ids);
                return;
            }
            final byte[] bytes = new byte[siblings.contextLength()];
            siblings.encodeContext(3, new UnsafeBuffer(bytes), 0);
            final List<RingRun.Read> list = run.recent.computeIfAbsent(k, x -> new ArrayList<>());
            list.add(new RingRun.Read(bytes, ids));
            if (list.size() > 4)
            {
                list.remove(0);
            }
        }

        @Override
        public int doWork(final long nowNs)
        {
            int work = quorum.doWork(nowNs);
            if (run.lowestLive == memberId)
            {
                work += run.maybeChangeRing(this, nowNs);
            }
            final RingState ring = quorum.placement.state();
            if (!run.healed || nowNs - run.healedAtNs < FINAL_READ_DELAY_NS || ring.changing() || run.newest.changing() ||
                ring.version() != run.newest.version() || !quorum.follower.usable())
            {
                return work; // final reads once healed, the writes in flight settled and the last ring in force here
            }
            for (int k = 0; k < KEYS; k++)
            {
                if (!finalReads.containsKey(k) && !finalReadsOut.contains(k))
                {
                    key.putInt(0, k);
                    final long id = FINAL_READ | run.nextId++;
                    pendingGets.put(id, new long[]{k, run.n, nowNs});
                    finalReadsOut.add(k);
                    if (quorum.get(nowNs, id, key, 0, 4, Consistency.ALL, 0) != QuorumStatus.OK)
                    {
                        pendingGets.remove(id);
                        finalReadsOut.remove(k);
                    }
                    work++;
                }
            }
            return work;
        }

        @Override
        public void onCrash(final RandomGenerator random)
        {
            store.crash(random);
        }
    }

}
