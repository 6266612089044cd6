package io.synod.kv;

import io.synod.raft.Gen;
import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshot then restore reproduces the state exactly, for random contents (values up to 3 KiB,
 * larger than most chunks) and any chunk size from 1 byte; a replica restored from a snapshot of a
 * history's prefix and then fed the rest equals one that replayed everything; corruption is refused. Each
 * case draws its history from its seed ({@link Gen}); a failure names the seed and the command that replays it.
 */
@ExtendWith(ReplaySeed.class)
class KvSnapshotProperties
{
    /** One write: op code (PUT, DELETE or COMPARE_AND_SET), key number, expected version, value length. */
    record Op(int opCode, int key, long expectedVersion, int valueLength)
    {
    }

    static LongStream seeds200()
    {
        return Seeds.upTo(200);
    }

    static LongStream seeds300()
    {
        return Seeds.upTo(300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds200")
    void shouldRestoreWhatWasSnapshotted(final long seed)
    {
        final Gen gen = new Gen(seed);
        final List<Op> ops = history(gen);
        final int chunkBytes = gen.intBetween(1, 300);
        final int readLimit = gen.intBetween(1, 5000);
        final KeyValueStateMachine kv = new KeyValueStateMachine(0);
        replay(kv, ops, 0, ops.size());

        final byte[] snapshot = Kv.snapshot(kv, chunkBytes);
        assertArrayEquals(Kv.snapshot(kv, Integer.MAX_VALUE), snapshot, "chunking does not change the bytes");

        final KeyValueStateMachine restored = new KeyValueStateMachine();
        replay(restored, ops, 0, ops.size() / 2);
        restored.restore(new Kv.BytesReader(snapshot, readLimit));
        assertEquals(kv.digest(), restored.digest());
        assertTrue(restored.contentEquals(kv));
        assertTrue(kv.contentEquals(restored));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds200")
    void shouldEqualAReplayWhenRestoredFromSnapshotPlusLogTail(final long seed)
    {
        final Gen gen = new Gen(seed);
        final List<Op> ops = history(gen);
        final int cutPercent = gen.intBetween(0, 100);
        final int chunkBytes = gen.intBetween(1, 300);
        final int cut = ops.size() * cutPercent / 100;
        final KeyValueStateMachine replayed = new KeyValueStateMachine(0);
        replay(replayed, ops, 0, ops.size());

        final KeyValueStateMachine leader = new KeyValueStateMachine(0);
        replay(leader, ops, 0, cut);
        final KeyValueStateMachine follower = new KeyValueStateMachine(0);
        follower.restore(new Kv.BytesReader(Kv.snapshot(leader, chunkBytes), chunkBytes));
        replay(follower, ops, cut, ops.size());

        assertEquals(replayed.digest(), follower.digest());
        assertTrue(follower.contentEquals(replayed));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds300")
    void shouldRefuseACorruptedSnapshot(final long seed)
    {
        final Gen gen = new Gen(seed);
        final List<Op> ops = history(gen);
        final int position = gen.intBetween(0, Integer.MAX_VALUE);
        final int flip = gen.intBetween(1, 255);
        final KeyValueStateMachine kv = new KeyValueStateMachine(0);
        replay(kv, ops, 0, ops.size());
        final byte[] snapshot = Kv.snapshot(kv, 128);
        snapshot[position % snapshot.length] ^= (byte)flip;

        final KeyValueStateMachine restored = new KeyValueStateMachine();
        assertThrows(IllegalStateException.class, () -> restored.restore(new Kv.BytesReader(snapshot, 100)));
        assertEquals(0, restored.size());
    }

    /** Up to 150 writes (half of them PUT) on 61 keys, values up to 40 bytes or up to 3,000 with equal chance. */
    private static List<Op> history(final Gen gen)
    {
        return gen.list(0, 150, g -> new Op(
            g.ofInts(KvCommand.PUT, KvCommand.PUT, KvCommand.DELETE, KvCommand.COMPARE_AND_SET),
            g.intBetween(0, 60),
            g.longBetween(0, 3),
            g.bool() ? g.intBetween(0, 40) : g.intBetween(0, 3000)));
    }

    private static void replay(final KeyValueStateMachine kv, final List<Op> ops, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final Op op = ops.get(i);
            final byte[] key = KvModelProperties.key(op.key());
            final byte[] value = KeyValueStateMachineTest.filled(op.valueLength(), i);
            switch (op.opCode())
            {
                case KvCommand.PUT -> Kv.put(kv, key, value);
                case KvCommand.DELETE -> Kv.delete(kv, key);
                default -> Kv.cas(kv, key, op.expectedVersion(), value);
            }
        }
    }
}
