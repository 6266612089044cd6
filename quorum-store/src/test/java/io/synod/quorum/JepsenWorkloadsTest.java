package io.synod.quorum;

import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulatedProtocol;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationLiveness;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jepsen's shapes on the DVV mode, as read-modify-write clients under the simulator's faults (W = R = QUORUM,
 * the merge done by the client over the siblings it read, the write carrying the read's context):
 * <ul>
 *   <li>a <b>grow-only set</b> (key 0): every add that was acknowledged is in the final read of every member
 *   (Jepsen {@code set}: no lost element);</li>
 *   <li>a <b>counter</b> kept as a per-writer map merged by per-writer maximum (key 1; summing siblings would
 *   double-count), each member a sequential writer of its own entry: every final read lies within
 *   [acknowledged increments, attempted increments] (Jepsen {@code counter} bounds).</li>
 * </ul>
 */
class JepsenWorkloadsTest
{
    static final String TEST = "JepsenWorkloadsTest";
    static final int SET = 0;
    static final int COUNTER = 1;

    static LongStream seeds()
    {
        return QuorumSeeds.seeds(Long.getLong("synod.quorum.sim.seeds", 24) / 2);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldKeepEveryAcknowledgedAddAndCountWithinBounds(final long seed)
    {
        final Run run = new Run();
        final Simulation.Result result = Simulation.builder(seed).steps(QuorumSeeds.STEPS).protocol(run::node).invariant(run)
            .liveness(run).replay(QuorumSeeds.replay(TEST)).run();
        assertTrue(run.addsAcknowledged.size() > 0 && run.incrementsAcknowledged > 0, "adds and increments were acknowledged");
        System.out.println("jepsen seed " + seed + ": nodes=" + result.clusterSize() + " set: " + run.addsAcknowledged.size() +
            " of " + run.addsAttempted + " adds acknowledged, final size " + run.finalSetSize + "; counter: final " + run.finalCounts +
            " within [" + run.incrementsAcknowledged + ", " + run.incrementsAttempted + "]; " + result.crashes() + " crashes, " +
            result.partitions() + " partitions");
    }

    static final class Run implements SimulationInvariant, SimulationLiveness
    {
        final Map<Integer, CrashableReplicaStore> stores = new HashMap<>();
        final Map<Integer, Node> nodes = new HashMap<>();
        final Set<Long> addsAcknowledged = new HashSet<>();
        long addsAttempted;
        long incrementsAttempted;
        long incrementsAcknowledged;
        long nextElement = 1;
        boolean healed;
        long healedAtNs;
        int finalSetSize;
        final Set<Long> finalCounts = new TreeSet<>();

        SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
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
                if (!cluster.isAlive(member) || node == null || node.finalSet == null || node.finalCounter < 0)
                {
                    return false;
                }
            }
            for (final Node node : nodes.values())
            {
                for (final long added : addsAcknowledged)
                {
                    if (!node.finalSet.contains(added))
                    {
                        throw new AssertionError("acknowledged add " + added + " is missing from member " + node.memberId +
                            "'s final read of the set " + node.finalSet);
                    }
                }
                if (node.finalCounter < incrementsAcknowledged || node.finalCounter > incrementsAttempted)
                {
                    throw new AssertionError("member " + node.memberId + " read the counter as " + node.finalCounter +
                        ", outside [" + incrementsAcknowledged + " acknowledged, " + incrementsAttempted + " attempted]");
                }
                finalSetSize = node.finalSet.size();
                finalCounts.add(node.finalCounter);
            }
            return true;
        }
    }

    /** A member's client: one read-modify-write at a time per key. */
    static final class Node implements SimulatedProtocol, QuorumListener
    {
        private static final long FINAL = 1L << 40;

        final Run run;
        final Context context;
        final int memberId;
        final QuorumNode quorum;
        final CrashableReplicaStore store;
        final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[1024]);
        final UnsafeBuffer contextBytes = new UnsafeBuffer(new byte[1024]);
        /** Per key: the correlation id of the operation under way (0: none), and for the set the element it adds. */
        final long[] busy = new long[2];
        long adding;
        long nextId = 1;
        Set<Long> finalSet;
        long finalCounter = -1;
        boolean finalOut;

        Node(final Run run, final Context context, final CrashableReplicaStore store)
        {
            this.run = run;
            this.context = context;
            this.memberId = context.memberId();
            this.store = store;
            this.quorum = new QuorumNode(new QuorumConfig().keyspaceId(9).n(3).valueLengthMax(1024).siblingsMax(32).requestsMax(16)
                .requestTimeoutNs(200_000_000L), context.agent(), memberId, new HashRing(context.members(), HashRing.VNODES_DEFAULT),
                store, this);
        }

        @Override
        public void onClientRequest(final RandomGenerator random)
        {
            final int k = random.nextBoolean() ? SET : COUNTER;
            if (run.healed || busy[k] != 0)
            {
                return;
            }
            if (k == SET)
            {
                if (run.addsAttempted >= 100)
                {
                    return; // the set's value stays within valueLengthMax
                }
                adding = run.nextElement++;
            }
            read(k, context.clock().nanoTime(), Consistency.QUORUM, nextId++);
        }

        private void read(final int k, final long nowNs, final int r, final long id)
        {
            key.putInt(0, k);
            busy[k] = id;
            if (quorum.get(nowNs, id, key, 0, 4, r, 0) != QuorumStatus.OK)
            {
                busy[k] = 0;
            }
        }

        @Override
        public void onGetComplete(final long correlationId, final int status, final DvvSet siblings, final boolean overlaps)
        {
            final int k = correlationId == busy[SET] ? SET : COUNTER;
            if ((correlationId & FINAL) != 0)
            {
                busy[k] = 0;
                if (status == QuorumStatus.OK || status == QuorumStatus.NOT_FOUND)
                {
                    if (k == SET)
                    {
                        finalSet = mergeSet(siblings);
                    }
                    else
                    {
                        finalCounter = sum(mergeCounter(siblings));
                    }
                }
                finalOut = busy[SET] != 0 || busy[COUNTER] != 0;
                return;
            }
            if (status != QuorumStatus.OK && status != QuorumStatus.NOT_FOUND)
            {
                busy[k] = 0;
                return;
            }
            final int contextLength = siblings.encodeContext(9, contextBytes, 0);
            int length = 0;
            if (k == SET)
            {
                final Set<Long> set = mergeSet(siblings);
                set.add(adding);
                for (final long element : set)
                {
                    value.putLong(length, element);
                    length += 8;
                }
                run.addsAttempted++;
            }
            else
            {
                final Map<Integer, Long> counts = mergeCounter(siblings);
                counts.merge(memberId, 1L, Long::sum);
                for (final Map.Entry<Integer, Long> entry : counts.entrySet())
                {
                    value.putInt(length, entry.getKey());
                    value.putLong(length + 4, entry.getValue());
                    length += 12;
                }
                run.incrementsAttempted++;
            }
            key.putInt(0, k);
            final long id = nextId++;
            busy[k] = id;
            if (quorum.put(context.clock().nanoTime(), id, key, 0, 4, contextBytes, 0, contextLength, value, 0, length,
                Consistency.QUORUM, Consistency.QUORUM) != QuorumStatus.OK)
            {
                busy[k] = 0;
            }
        }

        @Override
        public void onPutComplete(final long correlationId, final int status, final boolean overlaps, final boolean strict)
        {
            final int k = correlationId == busy[SET] ? SET : COUNTER;
            busy[k] = 0;
            if (status == QuorumStatus.OK)
            {
                if (k == SET)
                {
                    run.addsAcknowledged.add(adding);
                }
                else
                {
                    run.incrementsAcknowledged++;
                }
            }
        }

        /** The union of the siblings' sets. */
        static Set<Long> mergeSet(final DvvSet siblings)
        {
            final Set<Long> set = new TreeSet<>();
            for (int i = 0; i < siblings.valueCount(); i++)
            {
                for (int at = 0; at < siblings.valueLength(i); at += 8)
                {
                    set.add(siblings.valueBuffer().getLong(siblings.valueOffset(i) + at));
                }
            }
            return set;
        }

        /** Per writer, the largest count any sibling holds: merging by sum would count an increment twice. */
        static Map<Integer, Long> mergeCounter(final DvvSet siblings)
        {
            final Map<Integer, Long> counts = new TreeMap<>();
            for (int i = 0; i < siblings.valueCount(); i++)
            {
                for (int at = 0; at < siblings.valueLength(i); at += 12)
                {
                    counts.merge(siblings.valueBuffer().getInt(siblings.valueOffset(i) + at),
                        siblings.valueBuffer().getLong(siblings.valueOffset(i) + at + 4), Math::max);
                }
            }
            return counts;
        }

        static long sum(final Map<Integer, Long> counts)
        {
            long total = 0;
            for (final long count : counts.values())
            {
                total += count;
            }
            return total;
        }

        @Override
        public int doWork(final long nowNs)
        {
            int work = quorum.doWork(nowNs);
            if (!run.healed || nowNs - run.healedAtNs < 400_000_000L || finalOut || busy[SET] != 0 || busy[COUNTER] != 0)
            {
                return work;
            }
            if (finalSet == null)
            {
                read(SET, nowNs, Consistency.ALL, FINAL | nextId++);
                finalOut = busy[SET] != 0;
                work++;
            }
            else if (finalCounter < 0)
            {
                read(COUNTER, nowNs, Consistency.ALL, FINAL | nextId++);
                finalOut = busy[COUNTER] != 0;
                work++;
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
