package io.synod.quorum;

import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulatedProtocol;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationFailure;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationLiveness;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default (DVV) mode under the simulator's faults — drops, duplicates, delays, partitions, crashes that
 * lose unflushed writes — on raft-core's application-message path, beside a Raft group on each member's
 * agent. Clients write with the context of an earlier read (or blind) and read with random W and R.
 *
 * <p>Checked on every read and, over every replica's store, after every step: every value is one some
 * client wrote, and siblings appear only for truly concurrent writes (no sibling is a value that another
 * sibling's writer had read and so superseded). After healing, every member reads every key with R = ALL (once the writes in flight have
 * settled): every acknowledged write is returned or causally dominated by a value that is — no acknowledged write lost.
 */
class DvvSimulationTest
{
    static final String TEST = "DvvSimulationTest";
    static final int KEYS = 5;
    /** The delete mode's hint TTL and tombstone grace: short enough that keys are collected and reused within a run. */
    static final long HINT_TTL_DELETES_NS = 150_000_000L;
    static final long GRACE_DELETES_NS = 300_000_000L;

    static LongStream seeds()
    {
        return QuorumSeeds.seeds(Long.getLong("synod.quorum.sim.seeds", 24));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldLoseNoAcknowledgedWriteAndMakeNoFalseSiblings(final long seed)
    {
        final DvvRun run = new DvvRun(false, false);
        final Simulation.Result result = run.simulate(seed, QuorumSeeds.STEPS);
        assertTrue(run.acknowledged.size() > 0, "some write was acknowledged");
        assertTrue(run.reads > 0, "some read completed");
        System.out.println("dvv seed " + seed + ": nodes=" + result.clusterSize() + " " + run.written.size() + " writes, " +
            run.acknowledged.size() + " acknowledged, " + run.reads + " reads (" + run.maxSiblings + " siblings max), " +
            run.repairs() + " read repairs, " + result.crashes() + " crashes, " + result.partitions() + " partitions, " +
            result.virtualTimeNs() / 1_000_000 + " ms");
    }

    static LongStream sloppySeeds()
    {
        return QuorumSeeds.seeds(Long.getLong("synod.quorum.sim.seeds", 24) / 2);
    }

    /**
     * Sloppy quorums: writes whose replicas are silent are hinted to fallbacks, counted toward W (the response
     * says so), delivered when the owners answer again. After healing and once every hint is delivered, no
     * acknowledged write — strict or sloppy — is missing from the R = ALL reads of the preference lists.
     */
    @ParameterizedTest
    @MethodSource("sloppySeeds")
    void shouldDeliverHintsAndLoseNoSloppyWrite(final long seed)
    {
        final DvvRun run = new DvvRun(false, true);
        final Simulation.Result result = run.simulate(seed, QuorumSeeds.STEPS);
        assertTrue(run.acknowledged.size() > 0, "some write was acknowledged");
        long sent = 0;
        long stored = 0;
        long delivered = 0;
        for (final Node node : run.nodes.values())
        {
            sent += node.quorum.hintsSent();
            stored += node.quorum.hintsStored();
            delivered += node.quorum.hintsDelivered();
        }
        System.out.println("sloppy seed " + seed + ": nodes=" + result.clusterSize() + " " + run.acknowledged.size() + " acknowledged (" +
            run.sloppyAcknowledged + " sloppy), hints sent " + sent + ", stored " + stored + ", delivered " + delivered +
            " (by the members' last incarnations), " + result.crashes() + " crashes, " + result.partitions() + " partitions");
    }

    /**
     * Anti-entropy: after healing, with no read touching the keys, every replica of every key holds the same
     * set and every pair's Merkle roots agree, within the liveness bound (60 election timeouts of virtual
     * time); then the R = ALL reads find no acknowledged write lost.
     */
    @ParameterizedTest
    @MethodSource("sloppySeeds")
    void shouldConvergeByAntiEntropyAfterHealing(final long seed)
    {
        final DvvRun run = new DvvRun(false, false, true);
        final Simulation.Result result = run.simulate(seed, QuorumSeeds.STEPS);
        long exchanges = 0;
        long pushed = 0;
        for (final Node node : run.nodes.values())
        {
            exchanges += node.quorum.antiEntropyExchanges();
            pushed += node.quorum.antiEntropyKeysPushed();
        }
        System.out.println("anti-entropy seed " + seed + ": nodes=" + result.clusterSize() + " " + run.acknowledged.size() +
            " acknowledged, converged " + (run.convergedAtNs - run.healedAtNs) / 1_000_000 + " ms after healing, " + exchanges +
            " exchanges and " + pushed + " keys pushed (members' last incarnations)");
    }

    static final java.util.concurrent.atomic.AtomicLong COLLECTED = new java.util.concurrent.atomic.AtomicLong();

    @org.junit.jupiter.api.AfterAll
    static void someTombstoneWasCollected()
    {
        assertTrue(COLLECTED.get() > 0 || System.getProperty("synod.sim.seed") != null ||
            !System.getProperty("test", "").contains("Collect") && !System.getProperty("test", "").isEmpty(),
            "the delete runs collected no tombstone at all");
    }

    static LongStream deleteSeeds()
    {
        return QuorumSeeds.seeds(Long.getLong("synod.quorum.sim.seeds", 24) / 2);
    }

    /**
     * Deletes and tombstone collection: clients delete (with a read's context) about as often as they write,
     * over 12 keys, with sloppy quorums and anti-entropy on, a 150 ms hint TTL and a 300 ms grace, so keys are
     * deleted, collected and written again within the run under every fault. After healing, once every
     * tombstone-only record is collected (the liveness condition: storage holds live keys only), the R = ALL
     * reads find no value that an acknowledged delete superseded (nothing resurrected — by a hint, read repair
     * or anti-entropy) and no acknowledged write lost (a rewrite after collection is not mistaken for an old one).
     */
    @ParameterizedTest
    @MethodSource("deleteSeeds")
    void shouldCollectTombstonesAndResurrectNothing(final long seed)
    {
        final DvvRun run = new DvvRun(false, true, true);
        run.deletes = true;
        run.keys = 12;
        final Simulation.Result result = run.simulate(seed, QuorumSeeds.STEPS);
        assertTrue(run.acknowledged.stream().anyMatch(run.deleteIds::contains), "some delete was acknowledged");
        COLLECTED.addAndGet(run.collected()); // a short run may leave no tombstone-only record: checked over all seeds
        assertTrue(run.tombstonesStored() == 0, "every tombstone collected");
        System.out.println("tombstone seed " + seed + ": nodes=" + result.clusterSize() + " " + run.acknowledged.size() +
            " acknowledged (" + run.acknowledged.stream().filter(run.deleteIds::contains).count() + " deletes), " +
            run.collected() + " tombstone copies collected, " + result.crashes() + " crashes, " + result.partitions() +
            " partitions, " + result.virtualTimeNs() / 1_000_000 + " ms");
    }

    @Test
    void shouldCatchAReplicaThatAcknowledgesBeforeItsWriteIsDurable()
    {
        for (long seed = 1; seed <= 40; seed++)
        {
            try
            {
                new DvvRun(true, false).simulate(seed, QuorumSeeds.STEPS);
            }
            catch (final SimulationFailure failure)
            {
                assertTrue(failure.getMessage().startsWith("SIMULATION FAILED seed=" + seed), failure.getMessage());
                assertTrue(failure.getMessage().contains("-Dtest=" + TEST), failure.getMessage());
                System.out.println("caught as planned: " + failure.getMessage().lines().findFirst().orElse("") + ": " +
                    failure.getCause().getMessage().lines().findFirst().orElse(""));
                return;
            }
        }
        throw new AssertionError("a store that acknowledges before flushing survived 40 seeds");
    }

    /** One run: the members' disks, what clients wrote and read, and the checks. */
    static final class DvvRun implements SimulationInvariant, SimulationLiveness
    {
        final Map<Integer, CrashableReplicaStore> stores = new HashMap<>();
        final Map<Long, Integer> written = new HashMap<>();
        /** Per write: the writes its context had seen (transitively), which it supersedes. */
        final Map<Long, Set<Long>> supersedes = new HashMap<>();
        final Set<Long> acknowledged = new HashSet<>();
        final Map<Long, Long> acknowledgedAtNs = new HashMap<>();
        /** Per write: where and how it was asked (for the failure message). */
        final Map<Long, String> notes = new HashMap<>();
        /** Per key: recent reads (context bytes and the write ids read), for clients to write with. */
        final Map<Integer, List<Read>> reads_ = new HashMap<>();
        final Map<Integer, Node> nodes = new HashMap<>();
        final boolean ackBeforeFlush;
        final boolean sloppy;
        final boolean antiEntropy;
        /** Delete mode: clients also delete (with a read's context), tombstones are collected after a short grace. */
        boolean deletes;
        int keys = KEYS;
        final Set<Long> deleteIds = new HashSet<>();
        HashRing ring;
        long convergedAtNs;
        boolean convergedNow;
        long sloppyAcknowledged;
        long nextWriteId = 1;
        long reads;
        int maxSiblings;
        boolean healed;
        long healedAtNs;

        record Read(byte[] context, Set<Long> seen)
        {
        }

        DvvRun(final boolean ackBeforeFlush, final boolean sloppy)
        {
            this(ackBeforeFlush, sloppy, false);
        }

        DvvRun(final boolean ackBeforeFlush, final boolean sloppy, final boolean antiEntropy)
        {
            this.ackBeforeFlush = ackBeforeFlush;
            this.sloppy = sloppy;
            this.antiEntropy = antiEntropy;
        }

        /**
         * @return whether every live replica of every key stores the same set and every pair of live members
         * agrees on its Merkle root (the first time: noted in {@link #convergedAtNs}).
         */
        boolean converged(final SimulatedCluster cluster)
        {
            if (ring == null)
            {
                return false;
            }
            final DvvSet first = new DvvSet(16, 32, 64);
            final DvvSet other = new DvvSet(16, 32, 64);
            final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
            final UnsafeBuffer record = new UnsafeBuffer(new byte[64 * 1024]);
            final int[] preference = new int[3];
            for (int k = 0; k < keys; k++)
            {
                key.putInt(0, k);
                ring.preferenceList(HashRing.hash(key, 0, 4), 3, preference);
                for (int i = 0; i < 3; i++)
                {
                    final CrashableReplicaStore store = stores.get(preference[i]);
                    final int length = store == null ? -1 : store.read(3, key, 0, 4, record, 0);
                    final DvvSet set = i == 0 ? first : other;
                    if (length < 0)
                    {
                        set.reset();
                    }
                    else
                    {
                        set.decode(record, 0, length);
                    }
                    if (i > 0 && !other.sameAs(first))
                    {
                        return false;
                    }
                }
            }
            for (final Node a : nodes.values())
            {
                for (final Node b : nodes.values())
                {
                    if (a != b && cluster.isAlive(a.memberId) && cluster.isAlive(b.memberId) &&
                        a.quorum.merkleRoot(b.memberId) != b.quorum.merkleRoot(a.memberId))
                    {
                        return false;
                    }
                }
            }
            if (convergedAtNs == 0)
            {
                convergedAtNs = cluster.nowNs();
            }
            return true;
        }

        /** @return records of the keyspace that hold only tombstones, over every member's disk. */
        int tombstonesStored()
        {
            final int[] count = {0};
            final DvvSet set = new DvvSet(16, 32, 64);
            for (final CrashableReplicaStore store : stores.values())
            {
                store.forEach((keyspace, key, keyOffset, keyLength, record, recordOffset, recordLength) ->
                    count[0] += keyspace == 3 && set.decode(record, recordOffset, recordLength) && set.valueCount() > 0 &&
                        set.liveValueCount() == 0 ? 1 : 0);
            }
            return count[0];
        }

        long collected()
        {
            long total = 0;
            for (final Node node : nodes.values())
            {
                total += node.collectedBefore + node.quorum.tombstonesCollected();
            }
            return total;
        }

        /** @return undelivered hints on every member's disk. */
        int hintsPending()
        {
            final int[] pending = {0};
            for (final CrashableReplicaStore store : stores.values())
            {
                store.forEach((keyspace, key, keyOffset, keyLength, record, recordOffset, recordLength) ->
                    pending[0] += (keyspace & HintedHandoff.HINT_KEYSPACE_BIT) != 0 && recordLength > 0 ? 1 : 0);
            }
            return pending[0];
        }

        Simulation.Result simulate(final long seed, final long steps)
        {
            return Simulation.builder(seed).steps(steps).protocol(this::node).invariant(this).liveness(this)
                .replay(QuorumSeeds.replay(TEST)).run();
        }

        long repairs()
        {
            long total = 0;
            for (final Node node : nodes.values())
            {
                total += node.repairsBefore + node.quorum.readRepairs();
            }
            return total;
        }

        SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
            final CrashableReplicaStore store = stores.computeIfAbsent(context.memberId(), id -> new CrashableReplicaStore());
            store.ackBeforeFlush = ackBeforeFlush;
            final Node previous = nodes.get(context.memberId());
            final Node node = new Node(this, context, store, previous == null ? 0 : previous.repairsBefore + previous.quorum.readRepairs());
            node.collectedBefore = previous == null ? 0 : previous.collectedBefore + previous.quorum.tombstonesCollected();
            nodes.put(context.memberId(), node);
            return node;
        }

        QuorumConfig config()
        {
            return new QuorumConfig().keyspaceId(3).n(3).valueLengthMax(64).siblingsMax(32).requestsMax(64)
                .requestTimeoutNs(200_000_000L).hintedHandoff(sloppy)
                .hintTtlNs(deletes ? HINT_TTL_DELETES_NS : 60_000_000_000L).tombstoneGraceNs(deletes ? GRACE_DELETES_NS : 120_000_000_000L)
                .tombstoneSweepNs(50_000_000L).hintIntervalNs(50_000_000L).antiEntropy(antiEntropy).antiEntropyIntervalNs(50_000_000L);
        }

        /** The write ids of a set's siblings, each checked to be a written value. */
        Set<Long> writeIds(final DvvSet set, final int key, final String where)
        {
            final Set<Long> ids = new TreeSet<>();
            for (int i = 0; i < set.valueCount(); i++)
            {
                if ((set.valueFlags(i) & DvvSet.TOMBSTONE) != 0)
                {
                    continue; // a delete: it carries no write id
                }
                final long id = set.valueBuffer().getLong(set.valueOffset(i));
                final Integer writtenKey = written.get(id);
                if (writtenKey == null || writtenKey != key)
                {
                    throw new AssertionError(where + ": key " + key + " holds write " + id + ", which no client wrote to it");
                }
                ids.add(id);
            }
            for (final long a : ids)
            {
                for (final long b : ids)
                {
                    if (supersedes.get(b).contains(a))
                    {
                        throw new AssertionError(where + ": key " + key + " has false siblings: write " + b +
                            " was made with a context that saw write " + a + ", yet both are siblings " + ids + " in " + set);
                    }
                }
            }
            return ids;
        }

        String stored(final int key)
        {
            final StringBuilder builder = new StringBuilder();
            final DvvSet set = new DvvSet(16, 32, 64);
            for (final Map.Entry<Integer, CrashableReplicaStore> entry : stores.entrySet())
            {
                entry.getValue().forEach((keyspace, k, keyOffset, keyLength, record, recordOffset, recordLength) ->
                {
                    if (keyspace == 3 && k.getInt(keyOffset) == key && set.decode(record, recordOffset, recordLength))
                    {
                        builder.append("\n    member ").append(entry.getKey()).append(": ").append(set).append(' ')
                            .append(writeIds(set, key, "dump"));
                    }
                });
            }
            return builder.toString();
        }

        @Override
        public void check(final SimulatedCluster cluster)
        {
            if (cluster.isHealed() && !healed)
            {
                healedAtNs = cluster.nowNs();
            }
            healed = cluster.isHealed();
            if (healed && antiEntropy && !convergedNow)
            {
                convergedNow = converged(cluster);
            }
            final DvvSet set = new DvvSet(16, 32, 64);
            for (final Map.Entry<Integer, CrashableReplicaStore> entry : stores.entrySet())
            {
                entry.getValue().forEach((keyspace, key, keyOffset, keyLength, record, recordOffset, recordLength) ->
                {
                    final boolean hint = (keyspace & HintedHandoff.HINT_KEYSPACE_BIT) != 0;
                    if (hint && recordLength == 0)
                    {
                        return; // a delivered or expired hint
                    }
                    final int skip = hint ? 8 : 0; // a hint: stored-at time, then the set
                    if (!set.decode(record, recordOffset + skip, recordLength - skip))
                    {
                        throw new AssertionError("member " + entry.getKey() + " stores a malformed set" + (hint ? " as a hint" : ""));
                    }
                    writeIds(set, key.getInt(keyOffset + (hint ? 4 : 0)), (hint ? "hint on " : "replica ") + entry.getKey());
                });
            }
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster cluster)
        {
            if (antiEntropy && !convergedNow)
            {
                return false;
            }
            for (int member = 1; member <= cluster.size(); member++)
            {
                final Node node = nodes.get(member);
                if (!cluster.isAlive(member) || node == null || node.finalReads.size() < keys)
                {
                    return false;
                }
            }
            for (final long id : acknowledged)
            {
                final int key = written.get(id);
                for (final Node node : nodes.values())
                {
                    if (acknowledgedAtNs.get(id) >= node.finalReadStartNs.get(key))
                    {
                        continue; // acknowledged while the read ran: concurrent, so it may or may not be seen
                    }
                    final Set<Long> read = node.finalReads.get(key);
                    if (deleteIds.contains(id))
                    {
                        for (final long value : read)
                        {
                            if (supersedes.get(id).contains(value))
                            {
                                throw new AssertionError("resurrected: member " + node.memberId + " read write " + value + " of key " +
                                    key + " after healing and tombstone collection, though acknowledged delete " + id +
                                    " superseded it (" + notes.get(id) + "); collected " + collected() + "; stored: " + stored(key));
                            }
                        }
                        continue;
                    }
                    boolean covered = read.contains(id);
                    for (final long delete : deleteIds)
                    {
                        covered |= supersedes.get(delete).contains(id); // deleted since: gone with its tombstone
                    }
                    for (final long value : read)
                    {
                        covered |= supersedes.get(value).contains(id);
                    }
                    if (!covered)
                    {
                        throw new AssertionError("acknowledged write " + id + " of key " + key + " is lost: member " +
                            node.memberId + " read " + read + " with R = ALL after healing (at " + healedAtNs / 1_000_000 + "ms, read done at " +
                            node.finalReadAtNs.get(key) / 1_000_000 + "ms); the write was " + notes.get(id) +
                            ", superseding " + supersedes.get(id) + "; stored: " + stored(key));
                    }
                }
            }
            return true;
        }

        @Override
        public String describe(final SimulatedCluster cluster)
        {
            final StringBuilder builder = new StringBuilder(antiEntropy && !convergedNow ? "replicas did not converge; " : "")
                .append("final reads incomplete:");
            for (final Node node : nodes.values())
            {
                builder.append(' ').append(node.memberId).append('=').append(node.finalReads.keySet());
            }
            return builder.toString();
        }
    }

    /** A member's protocol node: the quorum node on its agent, its clients, its final reads. */
    static final class Node implements SimulatedProtocol, QuorumListener
    {
        private static final long FINAL_READ = 1L << 62;
        /** Twice the request timeout: a put in flight at healing has been answered or has timed out by then. */
        private static final long FINAL_READ_DELAY_NS = 400_000_000L;

        final DvvRun run;
        final int memberId;
        final QuorumNode quorum;
        final long repairsBefore;
        long collectedBefore;
        final CrashableReplicaStore store;
        final io.synod.raft.testkit.SimulatedProtocol.Context context;
        final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
        final UnsafeBuffer contextBytes = new UnsafeBuffer(new byte[1024]);
        final Map<Long, Integer> pendingGets = new HashMap<>();
        final Map<Integer, Set<Long>> finalReads = new HashMap<>();
        final Set<Integer> finalReadsOut = new HashSet<>();
        final Map<Integer, Long> finalReadAtNs = new HashMap<>();
        final Map<Integer, Long> finalReadStartNs = new HashMap<>();
        final Map<Long, Long> startedAtNs = new HashMap<>();

        Node(final DvvRun run, final Context context, final CrashableReplicaStore store, final long repairsBefore)
        {
            this.run = run;
            this.memberId = context.memberId();
            this.context = context;
            this.store = store;
            this.repairsBefore = repairsBefore;
            run.ring = new HashRing(context.members(), HashRing.VNODES_DEFAULT);
            this.quorum = new QuorumNode(run.config(), context.agent(), memberId, run.ring, store, this);
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
            final int k = random.nextInt(run.keys);
            key.putInt(0, k);
            final long nowNs = context.clock().nanoTime();
            if (random.nextBoolean())
            {
                final long correlationId = run.nextWriteId++;
                pendingGets.put(correlationId, k); // before: a read of R = 1 at a replica completes at once
                if (quorum.get(nowNs, correlationId, key, 0, 4, level(random), 0) != QuorumStatus.OK)
                {
                    pendingGets.remove(correlationId);
                }
                return;
            }
            final long id = run.nextWriteId++;
            final List<DvvRun.Read> recent = run.reads_.getOrDefault(k, List.of());
            final Set<Long> superseded = new HashSet<>();
            int contextLength = 0;
            if (!recent.isEmpty() && random.nextInt(5) != 0)
            {
                final DvvRun.Read read = recent.get(random.nextInt(recent.size()));
                contextBytes.putBytes(0, read.context());
                contextLength = read.context().length;
                for (final long seen : read.seen())
                {
                    superseded.add(seen);
                    superseded.addAll(run.supersedes.get(seen));
                }
            }
            value.putLong(0, id);
            final int length = 8 + random.nextInt(24);
            run.written.put(id, k);
            run.supersedes.put(id, superseded);
            final int w = level(random);
            final boolean delete = run.deletes && contextLength > 0 && random.nextInt(3) != 0;
            if (delete)
            {
                run.deleteIds.add(id);
            }
            final int status = delete ? quorum.delete(nowNs, id, key, 0, 4, contextBytes, 0, contextLength, w, 0) :
                quorum.put(nowNs, id, key, 0, 4, contextBytes, 0, contextLength, value, 0, length, w, 0);
            run.notes.put(id, (delete ? "delete" : "put") + " at member " + memberId + " t=" + nowNs / 1_000_000 + "ms w=" + Consistency.describe(w) + " " +
                QuorumStatus.name(status));
        }

        @Override
        public void onPutComplete(final long correlationId, final int status, final boolean overlaps, final boolean strict)
        {
            if (status == QuorumStatus.OK)
            {
                run.acknowledged.add(correlationId);
                run.acknowledgedAtNs.put(correlationId, context.clock().nanoTime());
                run.sloppyAcknowledged += strict ? 0 : 1;
            }
            run.notes.merge(correlationId, " -> " + QuorumStatus.name(status) + " t=" + context.clock().nanoTime() / 1_000_000 + "ms",
                String::concat);
        }

        @Override
        public void onGetComplete(final long correlationId, final int status, final DvvSet siblings, final boolean overlaps)
        {
            final Integer k = pendingGets.remove(correlationId);
            if (k == null)
            {
                throw new AssertionError("member " + memberId + ": a read completed twice or was never asked: " + correlationId);
            }
            if (status != QuorumStatus.OK && status != QuorumStatus.NOT_FOUND)
            {
                if ((correlationId & FINAL_READ) != 0)
                {
                    finalReadsOut.remove(k);
                }
                return;
            }
            final Set<Long> ids = run.writeIds(siblings, k, "read at member " + memberId);
            run.reads++;
            run.maxSiblings = Math.max(run.maxSiblings, ids.size());
            if ((correlationId & FINAL_READ) != 0)
            {
                finalReads.put(k, ids);
                finalReadAtNs.put(k, context.clock().nanoTime());
                finalReadStartNs.put(k, startedAtNs.get(correlationId));
                return;
            }
            final byte[] bytes = new byte[siblings.contextLength()];
            siblings.encodeContext(3, new UnsafeBuffer(bytes), 0);
            final List<DvvRun.Read> recent = run.reads_.computeIfAbsent(k, x -> new ArrayList<>());
            recent.add(new DvvRun.Read(bytes, ids));
            if (recent.size() > 4)
            {
                recent.remove(0);
            }
        }

        @Override
        public int doWork(final long nowNs)
        {
            int work = quorum.doWork(nowNs); // the node's own duty: request deadlines
            if (!run.healed || nowNs - run.healedAtNs < FINAL_READ_DELAY_NS || (run.sloppy && run.hintsPending() > 0) ||
                (run.antiEntropy && !run.convergedNow) || (run.deletes && run.tombstonesStored() > 0))
            {
                return work; // final reads wait until every write in flight at healing has settled
            }
            for (int k = 0; k < run.keys; k++)
            {
                if (!finalReads.containsKey(k) && !finalReadsOut.contains(k))
                {
                    key.putInt(0, k);
                    final long correlationId = FINAL_READ | run.nextWriteId++;
                    pendingGets.put(correlationId, k);
                    startedAtNs.put(correlationId, nowNs);
                    finalReadsOut.add(k);
                    if (quorum.get(nowNs, correlationId, key, 0, 4, Consistency.ALL, 0) != QuorumStatus.OK)
                    {
                        pendingGets.remove(correlationId);
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
