package io.synod.txn;

import io.synod.kv.KvClientCodec;
import io.synod.kv.KvResponse;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationLiveness;
import io.synod.raft.testkit.SimulationWorkload;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sharded key-value store's fast path under the simulator's seeded faults: the coordinator group and
 * {@value #SHARDS} shard groups on one agent per member (multi-raft), single-shard puts, gets, deletes and
 * compare-and-sets on 32 keys, each sent to a random shard group, so most reach a group that does not own
 * the key. Checked on every outcome: a group answers {@link ShardCodec#WRONG_SHARD} exactly when the map
 * gives the key to another group, naming that group, and applies nothing then; an owner applies the
 * operation (versions of a key only grow across acknowledged writes). Checked after every step: two
 * replicas of a shard at the same applied index hold the same content (digest), and no replica holds a
 * key its group does not own. After healing: every replica of a shard holds the same content.
 */
class ShardedKvSimulationTest
{
    private static final String TEST = "ShardedKvSimulationTest";
    private static final int SHARDS = 3;
    private static final int KEYS = 32;
    private static final long STEPS = (SHARDS + 1) * TxnSeeds.STEPS;

    static LongStream seeds()
    {
        return TxnSeeds.seeds(6);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldRouteEveryKeyToItsShardAndKeepReplicasEqual(final long seed)
    {
        final Run run = new Run();
        final Simulation.Result result = Simulation.builder(seed)
            .steps(STEPS)
            .groups(SHARDS + 1)
            .stateMachines(run.cluster::create)
            .workload(run)
            .invariant(run)
            .liveness(run)
            .replay(TxnSeeds.replay(TEST, SHARDS + 1))
            .run();
        System.out.println("sharded kv seed " + seed + ": " + run.applied + " applied, " + run.redirects + " redirects, " +
            result.crashes() + " crashes, " + result.partitions() + " partitions, " +
            result.snapshotsInstalled() + " snapshots installed, " + result.steps() + " steps");
        assertTrue(run.applied > 0 && run.redirects > 0, "operations applied and redirected");
    }

    static byte[] key(final int i)
    {
        return ("key-" + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static final class Run implements SimulationWorkload, SimulationInvariant, SimulationLiveness
    {
        final TxnCluster cluster = new TxnCluster(SHARDS, shard -> { });
        private final ExpandableArrayBuffer kv = new ExpandableArrayBuffer(128);
        private final ExpandableArrayBuffer value = new ExpandableArrayBuffer(16);
        /** Correlation id to (key << 8 | op). */
        private final Long2LongHashMap sent = new Long2LongHashMap(-1);
        /** Per key: the highest version an acknowledged write returned. */
        private final long[] maxVersion = new long[KEYS];
        long applied;
        long redirects;

        @Override
        public int group(final RandomGenerator random, final int groupCount)
        {
            return 1 + random.nextInt(SHARDS);
        }

        @Override
        public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
        {
            if (groupId == TxnCluster.COORDINATOR)
            {
                // The liveness phase probes every group: to the coordinator group, a command it must refuse.
                command.putLong(0, 0x7F);
                command.putLong(8, 0);
                return CoordinatorCodec.HEADER_LENGTH;
            }
            final int key = random.nextInt(KEYS);
            final byte[] bytes = key(key);
            kv.putBytes(0, bytes);
            value.putLong(0, correlationId);
            final int op = random.nextInt(4);
            final int kvLength;
            switch (op)
            {
                case 0:
                    kvLength = KvClientCodec.encodeGet(kv, 64, kv, 0, bytes.length);
                    break;
                case 1:
                    kvLength = KvClientCodec.encodeDelete(kv, 64, kv, 0, bytes.length);
                    break;
                case 2:
                    kvLength = KvClientCodec.encodeCompareAndSet(kv, 64, kv, 0, bytes.length, maxVersion[key], value, 0, 8);
                    break;
                default:
                    kvLength = KvClientCodec.encodePut(kv, 64, kv, 0, bytes.length, value, 0, 8);
            }
            sent.put(correlationId, (long)key << 8 | op);
            return ShardCodec.encodeKv(command, 0, cluster.map.version(), kv, 64, kvLength);
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            if (groupId == TxnCluster.COORDINATOR)
            {
                if (CoordinatorCodec.status(response, offset, length) != CoordinatorCodec.BAD_REQUEST)
                {
                    throw new AssertionError("the coordinator group accepted garbage");
                }
                return;
            }
            final long what = sent.remove(correlationId);
            final int key = (int)(what >>> 8);
            final int op = (int)(what & 0xFF);
            final int owner = cluster.map.ownerOf(key(key));
            final int status = ShardCodec.status(response, offset, length);
            if (owner != groupId)
            {
                if (status != ShardCodec.WRONG_SHARD || ShardCodec.detail(response, offset) != owner)
                {
                    throw new AssertionError("key " + key + " owned by " + owner + " sent to " + groupId + " answered " +
                        ShardCodec.statusName(status) + " " + ShardCodec.detail(response, offset));
                }
                redirects++;
                return;
            }
            if (status != ShardCodec.OK)
            {
                throw new AssertionError("key " + key + " at its owner " + groupId + " answered " + ShardCodec.statusName(status));
            }
            final int kvOffset = offset + ShardCodec.RESPONSE_HEADER_LENGTH;
            final int kvStatus = KvClientCodec.status(response, kvOffset);
            final long version = KvClientCodec.version(response, kvOffset);
            if ((op == 3 || (op == 2 && kvStatus == KvResponse.OK)) && version <= 0)
            {
                throw new AssertionError("write of key " + key + " acknowledged with version " + version);
            }
            if (op == 3 || (op == 2 && kvStatus == KvResponse.OK))
            {
                maxVersion[key] = Math.max(maxVersion[key], version);
            }
            applied++;
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason)
        {
            sent.remove(correlationId);
        }

        @Override
        public void onUnknown(final int groupId, final long correlationId)
        {
            sent.remove(correlationId);
        }

        @Override
        public void check(final SimulatedCluster view)
        {
            for (int group = 1; group <= SHARDS; group++)
            {
                long index = -1;
                long digest = 0;
                for (int memberId = 1; memberId <= view.size(); memberId++)
                {
                    if (!view.isAlive(memberId))
                    {
                        continue;
                    }
                    final long applied = view.appliedIndex(memberId, group);
                    final ShardStateMachine shard = cluster.shardMachines[memberId][group];
                    if (applied == index && shard.kv().digest() != digest)
                    {
                        throw new AssertionError("group " + group + ": replicas at index " + applied + " differ");
                    }
                    if (index == -1)
                    {
                        index = applied;
                        digest = shard.kv().digest();
                    }
                }
            }
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster view)
        {
            return describe(view) == null;
        }

        @Override
        public String describe(final SimulatedCluster view)
        {
            for (int group = 1; group <= SHARDS; group++)
            {
                Long digest = null;
                for (int memberId = 1; memberId <= view.size(); memberId++)
                {
                    if (view.isAlive(memberId))
                    {
                        final ShardStateMachine shard = cluster.shardMachines[memberId][group];
                        for (int key = 0; key < KEYS; key++)
                        {
                            if (cluster.map.ownerOf(key(key)) != group && shard.version(key(key)) != 0)
                            {
                                return "group " + group + " holds key " + key + " of group " + cluster.map.ownerOf(key(key));
                            }
                        }
                        if (digest == null)
                        {
                            digest = shard.kv().digest();
                        }
                        else if (digest != shard.kv().digest())
                        {
                            return "group " + group + ": replicas differ";
                        }
                    }
                }
            }
            return null;
        }
    }
}
