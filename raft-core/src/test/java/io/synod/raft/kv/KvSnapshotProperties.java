package io.synod.raft.kv;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshot then restore reproduces the state exactly, for random contents (values up to 3 KiB,
 * larger than most chunks) and any chunk size from 1 byte; a replica restored from a snapshot of a
 * history's prefix and then fed the rest equals one that replayed everything; corruption is refused.
 */
class KvSnapshotProperties
{
    /** One write: op code (PUT, DELETE or COMPARE_AND_SET), key number, expected version, value length. */
    record Op(int opCode, int key, long expectedVersion, int valueLength)
    {
    }

    @Property(tries = 200)
    void shouldRestoreWhatWasSnapshotted(
        @ForAll("histories") final List<Op> ops,
        @ForAll @IntRange(min = 1, max = 300) final int chunkBytes,
        @ForAll @IntRange(min = 1, max = 5000) final int readLimit)
    {
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

    @Property(tries = 200)
    void shouldEqualAReplayWhenRestoredFromSnapshotPlusLogTail(
        @ForAll("histories") final List<Op> ops,
        @ForAll @IntRange(min = 0, max = 100) final int cutPercent,
        @ForAll @IntRange(min = 1, max = 300) final int chunkBytes)
    {
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

    @Property(tries = 300)
    void shouldRefuseACorruptedSnapshot(
        @ForAll("histories") final List<Op> ops,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) final int position,
        @ForAll @IntRange(min = 1, max = 255) final int flip)
    {
        final KeyValueStateMachine kv = new KeyValueStateMachine(0);
        replay(kv, ops, 0, ops.size());
        final byte[] snapshot = Kv.snapshot(kv, 128);
        snapshot[position % snapshot.length] ^= (byte)flip;

        final KeyValueStateMachine restored = new KeyValueStateMachine();
        assertThrows(IllegalStateException.class, () -> restored.restore(new Kv.BytesReader(snapshot, 100)));
        assertEquals(0, restored.size());
    }

    @Provide
    Arbitrary<List<Op>> histories()
    {
        final Arbitrary<Op> op = Combinators.combine(
            Arbitraries.of(KvCommand.PUT, KvCommand.PUT, KvCommand.DELETE, KvCommand.COMPARE_AND_SET),
            Arbitraries.integers().between(0, 60),
            Arbitraries.longs().between(0, 3),
            Arbitraries.oneOf(Arbitraries.integers().between(0, 40), Arbitraries.integers().between(0, 3000)))
            .as(Op::new);
        return op.list().ofMaxSize(150);
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
