package io.synod.quorum;

import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulatedProtocol;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationLiveness;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Last-writer-wins where it is safe: one writer per key and clocks skewed within {@code maxClockOffsetNs}
 * (each member's wall clock is the virtual time plus a fixed skew of up to half the offset either way), under
 * the simulator's faults and crashes. Each key's writer writes 1, 2, 3, ... (the next after the previous
 * answered); W = R = QUORUM. Every read, during the run and after healing, returns at least the last write
 * acknowledged before it started: nothing acknowledged is lost, because one writer's hybrid-logical-clock
 * timestamps only grow, across restarts too (it sleeps out the offset when it starts).
 */
class LwwSimulationTest
{
    static final String TEST = "LwwSimulationTest";
    static final int KEYS = 18;
    static final long OFFSET_NS = 100_000_000L;

    static LongStream seeds()
    {
        return QuorumSeeds.seeds(Long.getLong("synod.quorum.sim.seeds", 24) / 2);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldLoseNothingWithOneWriterPerKeyUnderBoundedSkew(final long seed)
    {
        final LwwRun run = new LwwRun(seed);
        final Simulation.Result result = Simulation.builder(seed).steps(QuorumSeeds.STEPS).protocol(run::node).invariant(run)
            .liveness(run).replay(QuorumSeeds.replay(TEST)).run();
        assertTrue(run.acknowledged > 0, "some write was acknowledged");
        System.out.println("lww seed " + seed + ": nodes=" + result.clusterSize() + " " + run.acknowledged + " writes acknowledged, " +
            run.reads + " reads checked, " + run.refusals + " refused while sleeping out the offset, " + result.crashes() +
            " crashes, " + result.partitions() + " partitions");
    }

    static final class LwwRun implements SimulationInvariant, SimulationLiveness
    {
        final SplittableRandom skews;
        final Map<Integer, Long> skewMicros = new HashMap<>();
        final Map<Integer, CrashableReplicaStore> stores = new HashMap<>();
        final Map<Integer, Node> nodes = new HashMap<>();
        final long[] lastAcknowledged = new long[KEYS];
        final long[] lastWritten = new long[KEYS];
        long acknowledged;
        long reads;
        long refusals;
        boolean healed;
        long healedAtNs;

        LwwRun(final long seed)
        {
            this.skews = new SplittableRandom(seed * 7919);
        }

        SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
            skewMicros.computeIfAbsent(context.memberId(), m -> skews.nextLong(OFFSET_NS / 1000) - OFFSET_NS / 2000);
            final Node node = new Node(this, context, stores.computeIfAbsent(context.memberId(), m -> new CrashableReplicaStore()));
            nodes.put(context.memberId(), node);
            return node;
        }

        @Override
        public void check(final SimulatedCluster cluster)
        {
            if (cluster.isHealed() && !healed)
            {
                healedAtNs = cluster.nowNs();
            }
            healed = cluster.isHealed();
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster cluster)
        {
            for (int member = 1; member <= cluster.size(); member++)
            {
                final Node node = nodes.get(member);
                if (!cluster.isAlive(member) || node == null || node.finalReads < KEYS)
                {
                    return false;
                }
            }
            return true;
        }
    }

    static final class Node implements SimulatedProtocol, AtomicListener
    {
        private static final long FINAL = 1L << 40;

        final LwwRun run;
        final Context context;
        final int memberId;
        final int[] members;
        final AtomicNode lww;
        final CrashableReplicaStore store;
        final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[8]);
        /** Correlation id to (key, the last acknowledged value of the key when the request started). */
        final Map<Long, long[]> pending = new HashMap<>();
        final boolean[] writing = new boolean[KEYS];
        final boolean[] finalDone = new boolean[KEYS];
        final boolean[] finalOut = new boolean[KEYS];
        int finalReads;
        long nextId = 1;

        Node(final LwwRun run, final Context context, final CrashableReplicaStore store)
        {
            this.run = run;
            this.context = context;
            this.memberId = context.memberId();
            this.members = context.members();
            this.store = store;
            final long skew = run.skewMicros.get(memberId);
            this.lww = new AtomicNode(new QuorumConfig().keyspaceId(6).serviceId(42).n(3).valueLengthMax(16).requestsMax(64)
                .requestTimeoutNs(200_000_000L).lastWriterWins(true).maxClockOffsetNs(OFFSET_NS), context.agent(), memberId,
                new HashRing(members, HashRing.VNODES_DEFAULT), store, this, () -> context.clock().nanoTime() / 1000 + skew);
        }

        int writerOf(final int k)
        {
            return members[k % members.length];
        }

        @Override
        public void onClientRequest(final RandomGenerator random)
        {
            if (run.healed)
            {
                return;
            }
            int k = random.nextInt(KEYS);
            if (random.nextInt(10) < 7)
            {
                // mostly a key this member writes: members[i] writes keys i, i + members, i + 2 * members, ...
                final int own = java.util.Arrays.binarySearch(members, memberId);
                k = own + members.length * random.nextInt((KEYS - 1 - own) / members.length + 1);
            }
            key.putInt(0, k);
            final long nowNs = context.clock().nanoTime();
            final long id = nextId++;
            if (writerOf(k) == memberId && !writing[k])
            {
                final long next = ++run.lastWritten[k];
                value.putLong(0, next);
                pending.put(id, new long[]{k, next, 1});
                final int status = lww.write(nowNs, id, key, 0, 4, value, 0, 8);
                if (status == QuorumStatus.OK)
                {
                    writing[k] = true;
                }
                else
                {
                    pending.remove(id);
                    run.refusals += status == QuorumStatus.CLOCK_SKEW ? 1 : 0;
                }
            }
            else if (writerOf(k) != memberId)
            {
                pending.put(id, new long[]{k, run.lastAcknowledged[k], 0});
                if (lww.read(nowNs, id, key, 0, 4) != QuorumStatus.OK)
                {
                    pending.remove(id);
                }
            }
        }

        @Override
        public void onWriteComplete(final long correlationId, final int status)
        {
            final long[] request = pending.remove(correlationId);
            final int k = (int)request[0];
            writing[k] = false;
            if (status == QuorumStatus.OK)
            {
                run.acknowledged++;
                run.lastAcknowledged[k] = Math.max(run.lastAcknowledged[k], request[1]);
            }
        }

        @Override
        public void onReadComplete(final long correlationId, final int status, final DirectBuffer buffer, final int offset, final int length)
        {
            final long[] request = pending.remove(correlationId);
            final int k = (int)request[0];
            if ((correlationId & FINAL) != 0)
            {
                finalOut[k] = false;
            }
            if (status != QuorumStatus.OK && status != QuorumStatus.NOT_FOUND)
            {
                return;
            }
            final long read = status == QuorumStatus.OK ? buffer.getLong(offset) : 0;
            if (read < request[1])
            {
                throw new AssertionError("member " + memberId + " read " + read + " of key " + k + " after " + request[1] +
                    " was acknowledged by its only writer " + writerOf(k) + ": an acknowledged write is lost");
            }
            run.reads++;
            if ((correlationId & FINAL) != 0 && !finalDone[k])
            {
                finalDone[k] = true;
                finalReads++;
            }
        }

        @Override
        public int doWork(final long nowNs)
        {
            int work = lww.doWork(nowNs);
            if (!run.healed || nowNs - run.healedAtNs < 400_000_000L)
            {
                return work;
            }
            for (int k = 0; k < KEYS; k++)
            {
                if (!finalDone[k] && !finalOut[k])
                {
                    key.putInt(0, k);
                    final long id = FINAL | nextId++;
                    pending.put(id, new long[]{k, run.lastAcknowledged[k], 0});
                    finalOut[k] = true;
                    if (lww.read(nowNs, id, key, 0, 4) != QuorumStatus.OK)
                    {
                        pending.remove(id);
                        finalOut[k] = false;
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
