package io.synod.quorum;

import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulatedProtocol;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationLiveness;
import io.synod.raft.testkit.linearizability.CheckBudget;
import io.synod.raft.testkit.linearizability.CheckResult;
import io.synod.raft.testkit.linearizability.HistoryRecorder;
import io.synod.raft.testkit.linearizability.KvInput;
import io.synod.raft.testkit.linearizability.KvModel;
import io.synod.raft.testkit.linearizability.KvOutput;
import io.synod.raft.testkit.linearizability.LinearizabilityChecker;
import io.synod.raft.testkit.linearizability.Verdict;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The atomic (ABD) mode under the simulator's faults, on the application-message path: clients on random
 * members write unique values and read three keys; every operation is recorded (a timeout or a crash of
 * the client's member leaves it unknown) and the whole history must pass raft-testkit's linearizability
 * checker — OK, with UNKNOWN (budget exhausted) counted as a failure. After healing every member reads
 * every key. Twelve keys keep each key's history small enough for the checker to decide.
 */
class AtomicSimulationTest
{
    static final String TEST = "AtomicSimulationTest";
    static final int KEYS = 12;

    /**
     * Keys for a run of {@code steps}: twelve per 2,000 steps, so that each key's history stays small enough
     * for the checker to decide (an UNKNOWN verdict fails the run). The soak's 5,000-step runs found a
     * 58-operation key history with many unknown writes that ran out of time.
     */
    static int keysFor(final long steps)
    {
        return (int)Math.max(KEYS, KEYS * steps / 2000);
    }

    static LongStream seeds()
    {
        return QuorumSeeds.seeds(Long.getLong("synod.quorum.sim.seeds", 24));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldBeLinearizableUnderFaults(final long seed)
    {
        final AtomicRun run = new AtomicRun(keysFor(QuorumSeeds.STEPS));
        final Simulation.Result result = Simulation.builder(seed).steps(QuorumSeeds.STEPS).protocol(run::node).invariant(run)
            .liveness(run).replay(QuorumSeeds.replay(TEST)).run();
        final CheckResult check = LinearizabilityChecker.check(new KvModel<>(), run.history.history(),
            new CheckBudget(2_000_000).withMaxDuration(30_000_000_000L));
        assertEquals(Verdict.OK, check.verdict(), () -> "seed " + seed + ": " + check + "\n  replay: " +
            QuorumSeeds.replay(TEST).command(seed, QuorumSeeds.STEPS));
        assertTrue(run.completed > 0, "some operation completed");
        System.out.println("abd seed " + seed + ": nodes=" + result.clusterSize() + " " + run.history.size() + " operations, " +
            run.completed + " completed, " + run.writeBacks() + " write-backs, " + result.crashes() + " crashes, " +
            result.partitions() + " partitions, checked in " + check.elapsedNs() / 1_000_000 + " ms (" + check.statesExplored() + " states)");
    }

    static final class AtomicRun implements SimulationInvariant, SimulationLiveness
    {
        final Map<Integer, CrashableReplicaStore> stores = new HashMap<>();
        final Map<Integer, Node> nodes = new HashMap<>();
        final HistoryRecorder<KvInput<Integer, Long>, KvOutput<Long>> history = new HistoryRecorder<>();
        final int keys;
        long nextValue = 1;
        long nextFinal = 1;

        AtomicRun(final int keys)
        {
            this.keys = keys;
        }
        long completed;
        long writeBacksBefore;
        boolean healed;

        SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
            final CrashableReplicaStore store = stores.computeIfAbsent(context.memberId(), id -> new CrashableReplicaStore());
            final Node previous = nodes.get(context.memberId());
            if (previous != null)
            {
                writeBacksBefore += previous.atomic.writeBacks();
            }
            final Node node = new Node(this, context, store);
            nodes.put(context.memberId(), node);
            return node;
        }

        long writeBacks()
        {
            long total = writeBacksBefore;
            for (final Node node : nodes.values())
            {
                total += node.atomic.writeBacks();
            }
            return total;
        }

        @Override
        public void check(final SimulatedCluster cluster)
        {
            healed = cluster.isHealed();
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster cluster)
        {
            for (int member = 1; member <= cluster.size(); member++)
            {
                final Node node = nodes.get(member);
                if (!cluster.isAlive(member) || node == null || node.finalReads.size() < keys)
                {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String describe(final SimulatedCluster cluster)
        {
            final StringBuilder builder = new StringBuilder("final reads incomplete:");
            for (final Node node : nodes.values())
            {
                builder.append(' ').append(node.memberId).append('=').append(node.finalReads);
            }
            return builder.toString();
        }
    }

    static final class Node implements SimulatedProtocol, AtomicListener
    {
        private static final long FINAL_READ = 1L << 62;

        final AtomicRun run;
        final int memberId;
        final AtomicNode atomic;
        final CrashableReplicaStore store;
        final Context context;
        final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
        /** Correlation id (the history's op id) to the key. */
        final Map<Long, Integer> pending = new HashMap<>();
        final Map<Integer, Long> finalReads = new HashMap<>();
        final Set<Integer> finalOut = new HashSet<>();
        final Set<Long> finalOps = new HashSet<>();

        Node(final AtomicRun run, final Context context, final CrashableReplicaStore store)
        {
            this.run = run;
            this.memberId = context.memberId();
            this.context = context;
            this.store = store;
            this.atomic = new AtomicNode(new QuorumConfig().keyspaceId(5).serviceId(41).n(3).valueLengthMax(64).requestsMax(64)
                .requestTimeoutNs(200_000_000L), context.agent(), memberId, new HashRing(context.members(), HashRing.VNODES_DEFAULT),
                store, this);
        }

        @Override
        public void onClientRequest(final RandomGenerator random)
        {
            if (run.healed)
            {
                return;
            }
            final int k = random.nextInt(run.keys);
            key.putInt(0, k);
            final long nowNs = context.clock().nanoTime();
            if (random.nextBoolean())
            {
                final long op = run.history.invoke(memberId, KvInput.get(k), nowNs);
                pending.put(op, k);
                if (atomic.read(nowNs, op, key, 0, 4) != QuorumStatus.OK)
                {
                    pending.remove(op);
                    run.history.unknown(op); // refused: never ran (unknown is the safe record)
                }
            }
            else
            {
                final long v = run.nextValue++;
                final long op = run.history.invoke(memberId, KvInput.put(k, v), nowNs);
                pending.put(op, k);
                value.putLong(0, v);
                if (atomic.write(nowNs, op, key, 0, 4, value, 0, 8 + random.nextInt(16)) != QuorumStatus.OK)
                {
                    pending.remove(op);
                    run.history.unknown(op);
                }
            }
        }

        @Override
        public void onWriteComplete(final long correlationId, final int status)
        {
            pending.remove(correlationId);
            if (status == QuorumStatus.OK)
            {
                run.completed++;
                run.history.complete(correlationId, KvOutput.written(KvOutput.ANY_VERSION), context.clock().nanoTime());
            }
            else
            {
                run.history.unknown(correlationId);
            }
        }

        @Override
        public void onReadComplete(final long correlationId, final int status, final DirectBuffer buffer, final int offset, final int length)
        {
            final Integer k = pending.remove(correlationId);
            if (finalOps.remove(correlationId))
            {
                finalOut.remove(k);
                if (status == QuorumStatus.OK || status == QuorumStatus.NOT_FOUND)
                {
                    finalReads.put(k, status == QuorumStatus.OK ? buffer.getLong(offset) : 0L);
                }
                return;
            }
            if (status == QuorumStatus.OK || status == QuorumStatus.NOT_FOUND)
            {
                run.completed++;
                final Long read = status == QuorumStatus.OK ? buffer.getLong(offset) : null;
                run.history.complete(correlationId, new KvOutput.Read<>(read, KvOutput.ANY_VERSION), context.clock().nanoTime());
            }
            else
            {
                run.history.unknown(correlationId);
            }
        }

        @Override
        public int doWork(final long nowNs)
        {
            int work = atomic.doWork(nowNs); // the node's own duty: request deadlines
            if (!run.healed)
            {
                return work;
            }
            for (int k = 0; k < run.keys; k++)
            {
                if (!finalReads.containsKey(k) && !finalOut.contains(k))
                {
                    key.putInt(0, k);
                    final long op = FINAL_READ | run.nextFinal++; // never a history id (those count from 0)
                    pending.put(op, k);
                    finalOps.add(op);
                    finalOut.add(k);
                    if (atomic.read(nowNs, op, key, 0, 4) != QuorumStatus.OK)
                    {
                        pending.remove(op);
                        finalOps.remove(op);
                        finalOut.remove(k);
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
