package io.synod.kv.sim;

import io.synod.raft.ReadMode;
import io.synod.kv.KeyValueStateMachine;
import io.synod.raft.testkit.LoopbackCluster;
import io.synod.raft.testkit.linearizability.CheckResult;
import io.synod.raft.testkit.linearizability.HistoryRecorder;
import io.synod.raft.testkit.linearizability.KvInput;
import io.synod.raft.testkit.linearizability.KvModel;
import io.synod.raft.testkit.linearizability.KvOutput;
import io.synod.raft.testkit.linearizability.LinearizabilityChecker;
import io.synod.raft.testkit.linearizability.Operation;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent simulated clients of a replicated {@link KeyValueStateMachine} under faults, producing a
 * history that is checked for linearizability. One seed derives everything: the cluster size (3 or 5),
 * its snapshot settings and read mode (ReadIndex, or leases for about a third of seeds), the fault
 * schedule ({@link KvNemesis}), 3 to 8 clients ({@link SimulatedKvClient}), 2 to 5 keys and every
 * operation. Same seed, same run: nothing here reads a real clock or an unseeded random.
 *
 * <p>A run has three phases on virtual time: {@link #SAFETY_NS} of faults while the clients work; then the
 * network heals and crashed members restart, and the clients go on for {@link #LIVENESS_NS}, each of
 * which must complete an operation in that time; then the clients finish what they have outstanding
 * (within {@link #DRAIN_NS}). Raft invariants are checked after every tick throughout.
 *
 * <p>{@link #run(long, ReadMode)} with {@link ReadMode#STALE} is the deliberately broken read path: gets
 * are served at once by whichever member is asked, including a partitioned old leader or a lagging
 * follower, so its histories are expected to fail the check.
 */
public final class KvClusterSimulation
{
    /** Faults are injected for this long. */
    public static final long SAFETY_NS = TimeUnit.MILLISECONDS.toNanos(1_500);
    /** After healing, every client must complete an operation within this time. */
    public static final long LIVENESS_NS = TimeUnit.MILLISECONDS.toNanos(600);
    /** Then the clients stop starting operations and finish the ones outstanding within this time. */
    public static final long DRAIN_NS = TimeUnit.MILLISECONDS.toNanos(2_000);
    /** Election timeout of every member (the {@link LoopbackCluster} default). */
    public static final long ELECTION_TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A client waits this long for an attempt's answer before it retries elsewhere: three election timeouts. */
    public static final long ATTEMPT_TIMEOUT_NS = 3 * ELECTION_TIMEOUT_NS;

    private final long seed;
    private final ReadMode readMode;
    private final LoopbackCluster cluster;
    private final HistoryRecorder<KvInput<String, String>, KvOutput<String>> recorder = new HistoryRecorder<>();
    private final SimulatedKvClient[] clients;
    private final KvNemesis nemesis;
    private final String[] keys;
    private final Long2ObjectHashMap<String> readKeys = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<KvOutput<String>> servedReads = new Long2ObjectHashMap<>();
    private final ExpandableArrayBuffer readScratch = new ExpandableArrayBuffer(256);
    private final long snapshotEntriesThreshold;
    private long correlationId;

    /**
     * What one run produced.
     *
     * @param seed        the seed.
     * @param members     cluster size.
     * @param clients     simulated clients.
     * @param keys        distinct keys.
     * @param readMode    how ReadIndex-path gets were served.
     * @param snapshotEntriesThreshold entries between snapshots.
     * @param history     every operation, in invocation order.
     * @param unknown     operations whose outcome no client learned.
     * @param retries     attempts after an operation's first (same session sequence for writes).
     * @param faults      faults injected.
     * @param faultLog    the faults, one line each with its virtual time.
     * @param check       the checker's verdict on the history.
     */
    public record Result(
        long seed,
        int members,
        int clients,
        int keys,
        ReadMode readMode,
        long snapshotEntriesThreshold,
        List<Operation<KvInput<String, String>, KvOutput<String>>> history,
        int unknown,
        int retries,
        int faults,
        String faultLog,
        CheckResult check)
    {
        /** @throws KvSimulationFailure with the seed, the replay command and the checker's explanation unless the history was proved linearizable. */
        public void assertLinearizable()
        {
            if (!check.isOk())
            {
                throw new KvSimulationFailure(seed, "history " + check.verdict() + " (UNKNOWN means the check ran out of budget: " +
                    "not a pass)\n  " + this + "\nfaults:\n" + faultLog + "\n" + check.explanation(), null);
            }
        }

        @Override
        public String toString()
        {
            return "seed=" + seed + " members=" + members + " clients=" + clients + " keys=" + keys + " reads=" + readMode +
                " snapshotEvery=" + snapshotEntriesThreshold + " ops=" + history.size() + " unknown=" + unknown +
                " retries=" + retries + " faults=" + faults + " verdict=" + check.verdict() + " checkMs=" + TimeUnit.NANOSECONDS.toMillis(check.elapsedNs());
        }
    }

    private KvClusterSimulation(final long seed, final ReadMode requestedReadMode)
    {
        this.seed = seed;
        final SplittableRandom random = new SplittableRandom(seed);
        final int members = random.nextBoolean() ? 3 : 5;
        final int clientCount = 3 + random.nextInt(6);
        final int keyCount = 2 + random.nextInt(4);
        // Drawn whatever the requested mode, so that the broken read path runs the same cluster and faults.
        final boolean leaseSeed = random.nextInt(3) == 0;
        this.readMode = ReadMode.STALE == requestedReadMode ? ReadMode.STALE :
            leaseSeed ? ReadMode.LEASE : ReadMode.LINEARIZABLE;
        this.snapshotEntriesThreshold = 20 + random.nextInt(200);
        final long trailing = random.nextInt(20);
        final int chunkBytes = 64 << random.nextInt(6);
        final boolean leases = ReadMode.LEASE == readMode;
        this.cluster = new LoopbackCluster(members, seed, true, id -> new KeyValueStateMachine(16), config -> config
            .electionTimeoutNs(ELECTION_TIMEOUT_NS)
            .snapshotEntriesThreshold(snapshotEntriesThreshold)
            .snapshotTrailingEntries(trailing)
            .snapshotChunkBytes(chunkBytes)
            .leaseReads(leases));
        cluster.recordOutcomes(true);
        cluster.readListener(this::onReadReady);
        this.keys = new String[keyCount];
        for (int i = 0; i < keyCount; i++)
        {
            keys[i] = "k" + i;
        }
        this.clients = new SimulatedKvClient[clientCount];
        for (int i = 0; i < clientCount; i++)
        {
            clients[i] = new SimulatedKvClient(i + 1, this, recorder, random.split(), keys, ATTEMPT_TIMEOUT_NS);
        }
        this.nemesis = new KvNemesis(cluster, random.split(), cluster.clock().nanoTime() + 2 * ELECTION_TIMEOUT_NS);
    }

    /**
     * Runs one seed with linearizable reads and checks its history.
     *
     * @param seed derives the whole run.
     * @return the result; {@link Result#assertLinearizable()} fails unless the check proved it linearizable.
     * @throws KvSimulationFailure (with the seed) if a Raft invariant broke, a client was told something
     *                             impossible, or the healed cluster made no progress.
     */
    public static Result run(final long seed)
    {
        return run(seed, ReadMode.LINEARIZABLE);
    }

    /**
     * Runs one seed and checks its history.
     *
     * @param seed     derives the whole run.
     * @param readMode {@link ReadMode#LINEARIZABLE} (the seed then picks ReadIndex or leases) or
     *                 {@link ReadMode#STALE}, the deliberately broken read path.
     * @return the result, whatever the verdict.
     * @throws KvSimulationFailure as for {@link #run(long)}.
     */
    public static Result run(final long seed, final ReadMode readMode)
    {
        return new KvClusterSimulation(seed, readMode).run();
    }

    private Result run()
    {
        try
        {
            final long start = cluster.clock().nanoTime();
            runUntil(start + SAFETY_NS, true);

            nemesis.healAll(cluster.clock().nanoTime());
            for (final SimulatedKvClient client : clients)
            {
                client.markLiveness();
            }
            runUntil(cluster.clock().nanoTime() + LIVENESS_NS, false);
            for (final SimulatedKvClient client : clients)
            {
                if (0 == client.completedSinceMark())
                {
                    throw new IllegalStateException("client " + client.clientId() + " completed nothing in the " +
                        TimeUnit.NANOSECONDS.toMillis(LIVENESS_NS) + "ms after the cluster healed");
                }
                client.stop();
            }
            final long drainEnd = cluster.clock().nanoTime() + DRAIN_NS;
            while (!allIdle())
            {
                if (cluster.clock().nanoTime() >= drainEnd)
                {
                    throw new IllegalStateException("clients still busy " + TimeUnit.NANOSECONDS.toMillis(DRAIN_NS) +
                        "ms after they stopped starting operations");
                }
                step(false);
            }
        }
        catch (final KvSimulationFailure ex)
        {
            throw ex;
        }
        catch (final RuntimeException | AssertionError ex)
        {
            throw new KvSimulationFailure(seed, ex + "\n  at t=" + TimeUnit.NANOSECONDS.toMillis(cluster.clock().nanoTime()) +
                "ms" + cluster.describe() + "\nfaults:\n" + nemesis.describe(), ex);
        }

        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = recorder.history();
        int unknown = 0;
        int retries = 0;
        for (final SimulatedKvClient client : clients)
        {
            unknown += client.unknown();
            retries += client.retries();
        }
        final CheckResult check = LinearizabilityChecker.check(new KvModel<>(), history);
        return new Result(seed, cluster.size(), clients.length, keys.length, readMode, snapshotEntriesThreshold, history,
            unknown, retries, nemesis.faults(), nemesis.describe(), check);
    }

    private void runUntil(final long endNs, final boolean faults)
    {
        while (cluster.clock().nanoTime() < endNs)
        {
            step(faults);
        }
    }

    private void step(final boolean faults)
    {
        final long nowNs = cluster.clock().nanoTime();
        if (faults)
        {
            nemesis.onTick(nowNs);
        }
        for (final SimulatedKvClient client : clients)
        {
            client.onTick(nowNs);
        }
        cluster.tick();
    }

    private boolean allIdle()
    {
        for (final SimulatedKvClient client : clients)
        {
            if (!client.idle())
            {
                return false;
            }
        }
        return true;
    }

    LoopbackCluster cluster()
    {
        return cluster;
    }

    ReadMode readMode()
    {
        return readMode;
    }

    long nextCorrelationId()
    {
        return ++correlationId;
    }

    /**
     * Requests a read of {@code key} at {@code memberId}; its value is taken when the member serves it.
     *
     * @return false if the member's ring buffer was full.
     */
    boolean expectRead(final int memberId, final long correlationId, final String key, final ReadMode mode)
    {
        readKeys.put(correlationId, key);
        return cluster.read(memberId, correlationId, mode);
    }

    /** @return what a served read returned, or null if it was not (yet) served. */
    KvOutput<String> servedRead(final long correlationId)
    {
        return servedReads.get(correlationId);
    }

    private void onReadReady(final int memberId, final long correlationId, final long readIndex)
    {
        final String key = readKeys.get(correlationId);
        if (null == key)
        {
            throw new IllegalStateException("member " + memberId + " served read " + correlationId + " nobody asked for");
        }
        if (servedReads.containsKey(correlationId))
        {
            throw new IllegalStateException("member " + memberId + " served read " + correlationId + " twice");
        }
        servedReads.put(correlationId, KvOutcomes.read((KeyValueStateMachine)cluster.stateMachine(memberId), key, readScratch));
    }
}
