package io.synod.kv.sim;

import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvClientCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulationBuilder;
import io.synod.raft.testkit.SimulationFailure;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationWorkload;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real {@link KeyValueStateMachine} under raft-testkit's deterministic simulator
 * ({@link Simulation#builder(long)}): seeded drops, duplicates, delays, partitions, crashes that lose
 * unflushed writes, and snapshots at seeded thresholds, so restores on restart and snapshot installs run.
 *
 * <p>The workload draws put / delete / compare-and-set / get over a few keys per group, encoded with
 * {@link KvClientCodec}, and records each command's one outcome (committed at an index with a response,
 * rejected, or unknown). The invariant, after every step: every live replica holds exactly the state of
 * a reference model that applied, in index order, the commands replicas applied (whichever replica applied
 * an index first), and replicas at the same applied index hold the same state ({@code contentEquals} and
 * {@code digest}); every committed response is the model's response to the command at its index, and the
 * command there is the one the client sent. A store that forgets a key when it restores a snapshot must
 * be caught, with the seed and the line that replays it.
 *
 * <p>{@code -Dsynod.sim.seed=N} (the replay line a failure prints) or {@code -Dsynod.test.seed=N} runs
 * one seed; {@code -Dsynod.sim.steps} sets the safety steps of a single-group run.
 */
@ExtendWith(ReplaySeed.class)
class KvStoreSimulationTest
{
    private static final String TEST = "KvStoreSimulationTest";
    private static final long STEPS = Long.getLong("synod.sim.steps", 2_000);
    private static final int GROUPS = 3;
    private static final int KEYS = 5;
    private static final int MAX_VALUE_BYTES = 12;

    static LongStream seeds()
    {
        return seeds(100);
    }

    static LongStream multiGroupSeeds()
    {
        return seeds(20);
    }

    private static LongStream seeds(final int count)
    {
        final String seed = System.getProperty("synod.sim.seed", "").trim();
        return seed.isEmpty() ? Seeds.upTo(count) : LongStream.of(Long.parseLong(seed));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldKeepEveryReplicaEqualToTheModelUnderFaults(final long seed)
    {
        final KvModel[] models = models(1);
        final Simulation.Result result =
            kv(seed, STEPS, models, false, "shouldKeepEveryReplicaEqualToTheModelUnderFaults", 1).run();

        assertAnswered(models, result);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("multiGroupSeeds")
    void shouldKeepEveryGroupEqualToItsOwnModelUnderFaults(final long seed)
    {
        final KvModel[] models = models(GROUPS);
        final Simulation.Result result =
            kv(seed, GROUPS * STEPS, models, false, "shouldKeepEveryGroupEqualToItsOwnModelUnderFaults", GROUPS).run();

        assertAnswered(models, result);
    }

    @Test
    void shouldCatchAStoreThatForgetsAKeyWhenItRestoresASnapshot()
    {
        final String method = "shouldCatchAStoreThatForgetsAKeyWhenItRestoresASnapshot";
        final SimulationFailure caught = firstFailureOfAForgetfulStore(method, 30);
        final String message = caught.getMessage();

        final String replay = SimulationFailure.replayCommand("kv-store", TEST + "#" + method, caught.seed(), STEPS);
        assertTrue(message.startsWith("SIMULATION FAILED seed=" + caught.seed()), message);
        assertTrue(message.contains("replay: " + replay), message);
        assertTrue(caught.getCause() instanceof AssertionError && caught.getCause().getMessage().contains("at applied index"),
            () -> "the store's invariant fired: " + caught.getCause());
    }

    /** @return the first failure of a store that forgets a key on restore, over seeds {@code 1..seeds}. */
    private static SimulationFailure firstFailureOfAForgetfulStore(final String method, final long seeds)
    {
        for (long seed = 1; seed <= seeds; seed++)
        {
            try
            {
                kv(seed, STEPS, models(1), true, method, 1).run();
            }
            catch (final SimulationFailure failure)
            {
                return failure;
            }
        }
        return fail("no seed in 1.." + seeds + " caught a store that forgets a key when it restores a snapshot");
    }

    private static KvModel[] models(final int groups)
    {
        final KvModel[] models = new KvModel[groups];
        for (int group = 0; group < groups; group++)
        {
            models[group] = new KvModel(group);
        }
        return models;
    }

    private static void assertAnswered(final KvModel[] models, final Simulation.Result result)
    {
        long committed = 0;
        for (final KvModel model : models)
        {
            assertTrue(model.committed > 0, () -> "a group committed nothing: " + model);
            assertEquals(model.offered, model.committed + model.rejected + model.unknown, () -> "every command answered once: " + model);
            committed += model.committed;
        }
        assertEquals(result.acknowledged(), committed, "every acknowledgement reaches its group's workload");
    }

    private static SimulationBuilder kv(
        final long seed, final long steps, final KvModel[] models, final boolean forgetOnRestore, final String method, final int groups)
    {
        final SimulationInvariant invariant = cluster ->
        {
            for (final KvModel model : models)
            {
                model.check(cluster);
            }
        };
        return Simulation.builder(seed)
            .steps(steps)
            .groups(groups)
            .stateMachines((memberId, groupId) -> new RecordingKv(models[groupId], forgetOnRestore))
            .workload(new PerGroupWorkload(models))
            .invariant(invariant)
            .replay((failed, n) -> SimulationFailure.replayCommand("kv-store", TEST + "#" + method, failed, n / groups));
    }

    /** Sends each group's commands through that group's model. */
    private static final class PerGroupWorkload implements SimulationWorkload
    {
        private final KvModel[] models;

        PerGroupWorkload(final KvModel[] models)
        {
            this.models = models;
        }

        @Override
        public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
        {
            return models[groupId].command(correlationId, random, command);
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            models[groupId].onCommitted(correlationId, index, response, offset, length);
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason)
        {
            models[groupId].outcome(correlationId, KvModel.REJECTED);
        }

        @Override
        public void onUnknown(final int groupId, final long correlationId)
        {
            models[groupId].outcome(correlationId, KvModel.UNKNOWN);
        }
    }

    /**
     * The real store, telling its group's model of every command it applies; with {@code forgetOnRestore}
     * it deletes its group's first key after every restore, as a snapshot that drops a key would.
     */
    static final class RecordingKv implements StateMachine
    {
        private final KeyValueStateMachine kv = new KeyValueStateMachine(16);
        private final KvModel model;
        private final boolean forgetOnRestore;

        RecordingKv(final KvModel model, final boolean forgetOnRestore)
        {
            this.model = model;
            this.forgetOnRestore = forgetOnRestore;
        }

        KeyValueStateMachine kv()
        {
            return kv;
        }

        @Override
        public int apply(
            final long index, final long term, final DirectBuffer command, final int offset, final int length,
            final ExpandableArrayBuffer response)
        {
            model.record(index, command, offset, length);
            return kv.apply(index, term, command, offset, length, response);
        }

        @Override
        public SnapshotSource snapshot()
        {
            return kv.snapshot();
        }

        @Override
        public void restore(final SnapshotReader reader)
        {
            kv.restore(reader);
            if (forgetOnRestore)
            {
                final byte[] delete = KvClientCodec.delete(model.keys[0]);
                kv.apply(0, 0, new UnsafeBuffer(delete), 0, delete.length, new ExpandableArrayBuffer(KvResponse.HEADER_LENGTH));
            }
        }
    }

    /** A key's value and version in the model. */
    private record Versioned(byte[] value, long version)
    {
    }

    /**
     * One group's clients and reference model. Commands applied anywhere are recorded by index (the first
     * replica to apply an index names its command); the model applies them in index order, keeping its
     * state and response after each, so any replica at applied index {@code i} can be compared with the
     * model's state at {@code i}. Every command at or below a replica's applied index has been applied by
     * some replica before (directly, or behind the snapshot it restored), so the record is complete up to
     * any index the model is asked about.
     */
    static final class KvModel
    {
        static final long OFFERED = 1;
        static final long COMMITTED = 2;
        static final long REJECTED = 3;
        static final long UNKNOWN = 4;

        private final int groupId;
        final byte[][] keys = new byte[KEYS][];
        private final UnsafeBuffer[] keyBuffers = new UnsafeBuffer[KEYS];
        private final UnsafeBuffer value = new UnsafeBuffer(new byte[MAX_VALUE_BYTES]);
        private final Long2LongHashMap outcomes = new Long2LongHashMap(0);
        private final Long2ObjectHashMap<byte[]> offeredCommands = new Long2ObjectHashMap<>();
        private final TreeMap<Long, byte[]> commandsByIndex = new TreeMap<>();
        /** Index of a command to the model's state after it (index 0: empty). */
        private final TreeMap<Long, Map<String, Versioned>> states = new TreeMap<>();
        private final Long2ObjectHashMap<byte[]> responses = new Long2ObjectHashMap<>();
        private final Map<String, Versioned> state = new HashMap<>();
        private final KvCommand decoder = new KvCommand();
        private long modelIndex;
        long offered;
        long committed;
        long rejected;
        long unknown;

        KvModel(final int groupId)
        {
            this.groupId = groupId;
            for (int i = 0; i < KEYS; i++)
            {
                keys[i] = ("g" + groupId + "/k" + i).getBytes(StandardCharsets.US_ASCII);
                keyBuffers[i] = new UnsafeBuffer(keys[i]);
            }
            states.put(0L, Map.of());
        }

        int command(final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
        {
            offered++;
            if (outcomes.put(correlationId, OFFERED) != 0)
            {
                throw new AssertionError("group " + groupId + ": correlation id " + correlationId + " used twice");
            }
            final UnsafeBuffer key = keyBuffers[random.nextInt(KEYS)];
            final int valueLength = random.nextInt(MAX_VALUE_BYTES + 1);
            for (int i = 0; i < valueLength; i++)
            {
                value.putByte(i, (byte)random.nextInt(256));
            }
            final int op = random.nextInt(100);
            final int length;
            if (op < 35)
            {
                length = KvClientCodec.encodePut(command, 0, key, 0, key.capacity(), value, 0, valueLength);
            }
            else if (op < 50)
            {
                length = KvClientCodec.encodeDelete(command, 0, key, 0, key.capacity());
            }
            else if (op < 80)
            {
                length = KvClientCodec.encodeCompareAndSet(command, 0, key, 0, key.capacity(), random.nextInt(4), value, 0, valueLength);
            }
            else
            {
                length = KvClientCodec.encodeGet(command, 0, key, 0, key.capacity());
            }
            final byte[] bytes = new byte[length];
            command.getBytes(0, bytes);
            offeredCommands.put(correlationId, bytes);
            return length;
        }

        void onCommitted(final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            outcome(correlationId, COMMITTED);
            advanceTo(index);
            final byte[] sent = offeredCommands.get(correlationId);
            final byte[] atIndex = commandsByIndex.get(index);
            if (!Arrays.equals(sent, atIndex))
            {
                throw new AssertionError("group " + groupId + ": command " + correlationId + " acknowledged at index " + index +
                    " where the model holds another command");
            }
            final byte[] actual = new byte[length];
            response.getBytes(offset, actual);
            final byte[] expected = responses.get(index);
            if (!Arrays.equals(expected, actual))
            {
                throw new AssertionError("group " + groupId + ": response at index " + index + " is " + describe(actual) +
                    ", the model's is " + describe(expected));
            }
        }

        void outcome(final long correlationId, final long outcome)
        {
            final long previous = outcomes.put(correlationId, outcome);
            if (previous != OFFERED)
            {
                throw new AssertionError("group " + groupId + ": command " + correlationId + " got outcome " + outcome +
                    (previous == 0 ? " but was never offered" : " after outcome " + previous));
            }
            if (outcome == COMMITTED)
            {
                committed++;
            }
            else if (outcome == REJECTED)
            {
                rejected++;
            }
            else
            {
                unknown++;
            }
        }

        /** A replica is applying {@code index}. */
        void record(final long index, final DirectBuffer command, final int offset, final int length)
        {
            final byte[] bytes = new byte[length];
            command.getBytes(offset, bytes);
            final byte[] seen = commandsByIndex.get(index);
            if (seen != null)
            {
                if (!Arrays.equals(seen, bytes))
                {
                    throw new AssertionError("group " + groupId + ": two commands applied at index " + index);
                }
                return;
            }
            if (index <= modelIndex)
            {
                throw new AssertionError("group " + groupId + ": a command first applied at index " + index +
                    " after the model passed it at " + modelIndex);
            }
            commandsByIndex.put(index, bytes);
        }

        void check(final SimulatedCluster cluster)
        {
            final Map<Long, KeyValueStateMachine> byIndex = new HashMap<>();
            for (int memberId = 1; memberId <= cluster.size(); memberId++)
            {
                if (!cluster.isAlive(memberId))
                {
                    continue;
                }
                final RecordingKv replica = cluster.stateMachine(memberId, groupId);
                if (replica == null)
                {
                    continue;
                }
                final long index = cluster.appliedIndex(memberId, groupId);
                final KeyValueStateMachine kv = replica.kv();
                final KeyValueStateMachine other = byIndex.putIfAbsent(index, kv);
                if (other != null && (other.digest() != kv.digest() || !other.contentEquals(kv)))
                {
                    throw new AssertionError("group " + groupId + ": member " + memberId +
                        " differs from another replica at applied index " + index);
                }
                advanceTo(index);
                final Map<String, Versioned> expected = states.floorEntry(index).getValue();
                if (kv.size() != expected.size())
                {
                    throw new AssertionError("group " + groupId + ": member " + memberId + " holds " + kv.size() +
                        " keys at applied index " + index + ", the model " + expected.size());
                }
                for (int i = 0; i < KEYS; i++)
                {
                    final Versioned want = expected.get(name(keys[i]));
                    final long version = kv.version(keyBuffers[i], 0, keys[i].length);
                    if (version != (want == null ? 0 : want.version()))
                    {
                        throw new AssertionError("group " + groupId + ": member " + memberId + " has " + name(keys[i]) +
                            " at version " + version + " at applied index " + index + ", the model " +
                            (want == null ? "absent" : "at version " + want.version()));
                    }
                    if (want != null)
                    {
                        final byte[] held = KvClientCodec.value(readBack(kv, i), 0);
                        if (!Arrays.equals(held, want.value()))
                        {
                            throw new AssertionError("group " + groupId + ": member " + memberId + " holds another value of " +
                                name(keys[i]) + " at applied index " + index + " than the model");
                        }
                    }
                }
            }
        }

        private UnsafeBuffer readBack(final KeyValueStateMachine kv, final int key)
        {
            final UnsafeBuffer out = new UnsafeBuffer(new byte[KvResponse.HEADER_LENGTH + MAX_VALUE_BYTES]);
            kv.read(keyBuffers[key], 0, keys[key].length, out, 0);
            return out;
        }

        /** Applies every recorded command up to {@code index} to the model, in index order. */
        private void advanceTo(final long index)
        {
            if (index <= modelIndex)
            {
                return;
            }
            for (final Map.Entry<Long, byte[]> entry : commandsByIndex.subMap(modelIndex, false, index, true).entrySet())
            {
                responses.put(entry.getKey(), applyToModel(entry.getValue()));
                states.put(entry.getKey(), Map.copyOf(state));
            }
            modelIndex = index;
        }

        private byte[] applyToModel(final byte[] bytes)
        {
            final KvCommand command = decoder.wrap(new UnsafeBuffer(bytes), 0);
            final String key = new String(bytes, command.keyOffset(), command.keyLength(), StandardCharsets.US_ASCII);
            final byte[] newValue = Arrays.copyOfRange(bytes, command.valueOffset(), command.valueOffset() + command.valueLength());
            final Versioned current = state.get(key);
            final long currentVersion = current == null ? 0 : current.version();
            switch (command.opCode())
            {
                case KvCommand.PUT:
                    state.put(key, new Versioned(newValue, currentVersion + 1));
                    return response(KvResponse.OK, currentVersion + 1, null);
                case KvCommand.GET:
                    return current == null ? response(KvResponse.NOT_FOUND, 0, null) : response(KvResponse.OK, currentVersion, current.value());
                case KvCommand.DELETE:
                    if (current == null)
                    {
                        return response(KvResponse.NOT_FOUND, 0, null);
                    }
                    state.remove(key);
                    return response(KvResponse.OK, currentVersion, null);
                case KvCommand.COMPARE_AND_SET:
                    if (currentVersion != command.expectedVersion())
                    {
                        return response(KvResponse.VERSION_MISMATCH, currentVersion, null);
                    }
                    state.put(key, new Versioned(newValue, currentVersion + 1));
                    return response(KvResponse.OK, currentVersion + 1, null);
                default:
                    throw new AssertionError("group " + groupId + ": the workload sent op " + command.opCode());
            }
        }

        private static byte[] response(final int status, final long version, final byte[] value)
        {
            final int valueLength = value == null ? 0 : value.length;
            final byte[] bytes = new byte[KvResponse.HEADER_LENGTH + valueLength];
            final KvResponse response = new KvResponse().wrap(new UnsafeBuffer(bytes), 0);
            response.encode(status, version, valueLength);
            if (value != null)
            {
                System.arraycopy(value, 0, bytes, KvResponse.HEADER_LENGTH, valueLength);
            }
            return bytes;
        }

        private static String describe(final byte[] response)
        {
            if (response == null)
            {
                return "none";
            }
            final UnsafeBuffer buffer = new UnsafeBuffer(response);
            return KvResponse.statusName(KvClientCodec.status(buffer, 0)) + " version " + KvClientCodec.version(buffer, 0) +
                " (" + response.length + " bytes)";
        }

        private static String name(final byte[] key)
        {
            return new String(key, StandardCharsets.US_ASCII);
        }

        @Override
        public String toString()
        {
            return "group " + groupId + ": " + offered + " offered, " + committed + " committed, " + rejected + " rejected, " +
                unknown + " unknown, model at index " + modelIndex;
        }
    }
}
