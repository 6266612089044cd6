package io.synod.txn;

import io.synod.kv.KvClientCodec;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The participant and coordinator state machines step by step, without a cluster: the protocol's rules,
 * its idempotency, and the typed rejections of bad input (issue 16, "Bad input", "Isolation").
 */
class TwoPhaseCommitTest
{
    private static final ShardMap MAP = ShardMap.roundRobin(1, 1, 2);
    private static final long DEADLINE = 1_000;

    private final ShardStateMachine[] shards = {null, new ShardStateMachine(1, MAP), new ShardStateMachine(2, MAP)};
    private final CoordinatorStateMachine coordinator = new CoordinatorStateMachine(MAP);
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(4096);
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(256);
    private long index;

    /** Two keys on different shards. */
    private final byte[] x = keyOn(1, "x");
    private final byte[] y = keyOn(2, "y");

    private static byte[] keyOn(final int group, final String prefix)
    {
        for (int i = 0; ; i++)
        {
            final byte[] key = (prefix + i).getBytes(StandardCharsets.US_ASCII);
            if (MAP.ownerOf(key) == group)
            {
                return key;
            }
        }
    }

    private int shard(final int group, final int length)
    {
        return ShardCodec.status(response, 0, shards[group].apply(++index, 1, command, 0, length, response));
    }

    private int prepare(final Transaction txn, final int group)
    {
        final int beginLength = txn.encodeBegin(command, 0);
        final CoordinatorStateMachine scratch = new CoordinatorStateMachine(MAP);
        scratch.apply(1, 1, command, 0, beginLength, response);
        final int[] participants = scratch.participants(txn.txnId());
        for (int i = 0; i < participants.length; i++)
        {
            if (participants[i] == group)
            {
                final byte[] body = scratch.prepareBody(txn.txnId(), i);
                final int length = ShardCodec.header(command, 0, ShardCodec.PREPARE, 1, txn.txnId());
                command.putBytes(length, body);
                return shard(group, length + body.length);
            }
        }
        throw new IllegalArgumentException("not a participant: " + group);
    }

    private int decide(final int group, final boolean commit, final long txnId)
    {
        return shard(group, ShardCodec.encodeDecision(command, 0, commit, txnId));
    }

    private int kv(final int group, final byte[] key, final long value)
    {
        final ExpandableArrayBuffer kv = new ExpandableArrayBuffer(64);
        final int kvLength = KvClientCodec.encodePut(kv, 0, key, amount(value));
        return shard(group, ShardCodec.encodeKv(command, 0, 1, kv, 0, kvLength));
    }

    private static byte[] amount(final long value)
    {
        final byte[] bytes = new byte[8];
        new UnsafeBuffer(bytes).putLong(0, value);
        return bytes;
    }

    private int coordinator(final int length)
    {
        return CoordinatorCodec.status(response, 0, coordinator.apply(++index, 1, command, 0, length, response));
    }

    @Test
    void shouldRedirectAKeyToItsShardWithATypedAnswer()
    {
        assertEquals(ShardCodec.WRONG_SHARD, kv(2, x, 1));
        assertEquals(1, ShardCodec.detail(response, 0), "names the owner");
        assertEquals(0, shards[2].version(x), "nothing applied");
        assertEquals(ShardCodec.OK, kv(1, x, 1));
        assertEquals(1, shards[1].version(x));
    }

    @Test
    void shouldLockPreparedKeysAgainstTheFastPathAndReleaseThemOnCommit()
    {
        final Transaction txn = new Transaction(MAP, 7, DEADLINE).read(x, 0).write(x, amount(5)).write(y, amount(6));
        assertEquals(ShardCodec.VOTE_YES, prepare(txn, 1));
        assertEquals(ShardCodec.VOTE_YES, prepare(txn, 1), "a repeated PREPARE repeats the vote");
        assertEquals(ShardCodec.LOCKED, kv(1, x, 9), "a prepared key takes no single-shard write");
        assertEquals(7, ShardCodec.detail(response, 0));
        assertEquals(0, shards[1].version(x), "the intent is not visible before COMMIT");
        assertEquals(ShardCodec.DONE, decide(1, true, 7));
        assertEquals(ShardCodec.DONE, decide(1, true, 7), "COMMIT is idempotent");
        assertEquals(1, shards[1].version(x), "applied once");
        assertEquals(0, shards[1].lockCount());
        assertEquals(ShardCodec.OK, kv(1, x, 9));
    }

    @Test
    void shouldVoteNoOnAStaleReadVersion()
    {
        kv(1, x, 1);
        final Transaction txn = new Transaction(MAP, 8, DEADLINE).read(x, 0).write(x, amount(2));
        assertEquals(ShardCodec.VOTE_NO, prepare(txn, 1));
        assertEquals(ShardCodec.REASON_VERSION, ShardCodec.detail(response, 0));
        assertEquals(ShardStateMachine.TXN_ABORTED, shards[1].txnState(8));
        assertEquals(0, shards[1].lockCount());
    }

    @Test
    void shouldAbortOneOfTwoTransactionsInAWriteSkew()
    {
        // T1 reads x and y and writes x; T2 reads x and y and writes y: serializable only if one aborts.
        final Transaction t1 = new Transaction(MAP, 11, DEADLINE).read(x, 0).read(y, 0).write(x, amount(1));
        final Transaction t2 = new Transaction(MAP, 12, DEADLINE).read(x, 0).read(y, 0).write(y, amount(1));
        // Interleaved: both prepare on x's shard, then both on y's shard.
        final int t1x = prepare(t1, 1);
        final int t2x = prepare(t2, 1);
        final int t1y = prepare(t1, 2);
        final int t2y = prepare(t2, 2);
        final boolean t1Commits = t1x == ShardCodec.VOTE_YES && t1y == ShardCodec.VOTE_YES;
        final boolean t2Commits = t2x == ShardCodec.VOTE_YES && t2y == ShardCodec.VOTE_YES;
        assertNotEquals(t1Commits, t2Commits, "exactly one of the two may commit");
        // And run one after the other: the second reads versions the first changed.
        final Transaction t3 = new Transaction(MAP, 13, DEADLINE).read(x, 0).read(y, 0).write(x, amount(1));
        final Transaction t4 = new Transaction(MAP, 14, DEADLINE).read(x, 0).read(y, 0).write(y, amount(1));
        final ShardStateMachine[] fresh = {null, new ShardStateMachine(1, MAP), new ShardStateMachine(2, MAP)};
        System.arraycopy(fresh, 0, shards, 0, 3);
        assertEquals(ShardCodec.VOTE_YES, prepare(t3, 1));
        assertEquals(ShardCodec.VOTE_YES, prepare(t3, 2));
        decide(1, true, 13);
        decide(2, true, 13);
        assertEquals(ShardCodec.VOTE_NO, prepare(t4, 1), "x changed under t4's read");
    }

    @Test
    void shouldRefusePrepareAfterAbortAndCommitOfUnknownOrAbortedTransactions()
    {
        assertEquals(ShardCodec.UNKNOWN_TXN, decide(1, true, 21), "COMMIT of a transaction never prepared");
        assertEquals(ShardStateMachine.TXN_NONE, shards[1].txnState(21));
        assertEquals(ShardCodec.DONE, decide(1, false, 22), "ABORT before PREPARE records the abort");
        final Transaction late = new Transaction(MAP, 22, DEADLINE).write(x, amount(1));
        assertEquals(ShardCodec.VOTE_NO, prepare(late, 1), "PREPARE after ABORT");
        assertEquals(ShardCodec.REASON_ABORTED, ShardCodec.detail(response, 0));
        assertEquals(0, shards[1].lockCount());
        assertEquals(ShardCodec.CONFLICT, decide(1, true, 22), "COMMIT after ABORT applies nothing");
        assertEquals(0, shards[1].version(x));
    }

    @Test
    void shouldAnswerGarbageWithBadRequest()
    {
        for (int length = 0; length < 40; length++)
        {
            for (int op = 0; op < 8; op++)
            {
                command.setMemory(0, 64, (byte)0x5A);
                if (length > 0)
                {
                    command.putByte(0, (byte)op);
                }
                final int shardLength = shards[1].apply(++index, 1, command, 0, length, response);
                final int status = ShardCodec.status(response, 0, shardLength);
                // Refused, or (COMMIT/ABORT of an id nobody used) answered without applying anything.
                assertEquals(true, status == ShardCodec.BAD_REQUEST || status == ShardCodec.UNKNOWN_TXN || status == ShardCodec.DONE ||
                    status == ShardCodec.CONFLICT || status == ShardCodec.VOTE_NO,
                    "op " + op + " length " + length + ": " + ShardCodec.statusName(status));
                coordinator.apply(++index, 1, command, 0, length, response);
            }
        }
        assertEquals(0, shards[1].lockCount());
        assertEquals(0, shards[1].kv().size());
        assertEquals(0, coordinator.unfinishedCount());
    }

    @Test
    void shouldBeginOnceByIdempotencyKeyAndKeepTheFirstDecision()
    {
        final Transaction txn = new Transaction(MAP, 31, DEADLINE).write(x, amount(1)).write(y, amount(2));
        final int length = txn.encodeBegin(command, 0);
        assertEquals(CoordinatorCodec.OK, coordinator(length));
        assertEquals(CoordinatorStateMachine.PENDING, coordinator.state(31));
        assertEquals(1, coordinator.recordCount());
        assertEquals(CoordinatorCodec.OK, coordinator(CoordinatorCodec.encodeDecide(command, 0, 31, CoordinatorCodec.COMMIT, 0)));
        assertEquals(CoordinatorCodec.OK, coordinator(CoordinatorCodec.encodeDecide(command, 0, 31, CoordinatorCodec.ABORT, 1)));
        assertEquals(CoordinatorStateMachine.COMMITTED, coordinator.state(31), "the first decision stands");
        assertEquals(CoordinatorCodec.OK, coordinator(CoordinatorCodec.encodeAbortIfExpired(command, 0, 31, DEADLINE * 10)));
        assertEquals(CoordinatorStateMachine.COMMITTED, coordinator.state(31), "an in-doubt query cannot undo a commit");
        txn.encodeBegin(command, 0);
        assertEquals(CoordinatorCodec.OK, coordinator(length), "a retried BEGIN");
        assertEquals(CoordinatorStateMachine.COMMITTED, CoordinatorCodec.state(response, 0), "answers the outcome");
        assertEquals(1, coordinator.recordCount(), "and begins nothing");
        assertEquals(CoordinatorCodec.OK, coordinator(CoordinatorCodec.encodeFinish(command, 0, 31)));
        assertEquals(0, coordinator.unfinishedCount());
    }

    @Test
    void shouldRejectTransactionsNamingUnknownShardsMisplacedKeysOrNothing()
    {
        final Transaction txn = new Transaction(MAP, 41, DEADLINE).write(x, amount(1));
        final int length = txn.encodeBegin(command, 0);
        command.putInt(CoordinatorCodec.HEADER_LENGTH + CoordinatorCodec.BEGIN_HEADER_LENGTH, 9, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(CoordinatorCodec.UNKNOWN_SHARD, coordinator(length));
        command.putInt(CoordinatorCodec.HEADER_LENGTH + CoordinatorCodec.BEGIN_HEADER_LENGTH, 2, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(CoordinatorCodec.WRONG_SHARD, coordinator(length), "x listed under y's shard");
        assertEquals(CoordinatorCodec.UNKNOWN_TXN, coordinator(CoordinatorCodec.encodeDecide(command, 0, 42, CoordinatorCodec.COMMIT, 0)));
        assertEquals(CoordinatorCodec.UNKNOWN_TXN, coordinator(CoordinatorCodec.encodeFinish(command, 0, 42)));
        assertEquals(0, coordinator.recordCount(), "nothing recorded");
        assertThrows(IllegalStateException.class, () -> new Transaction(MAP, 43, DEADLINE).encodeBegin(command, 0));
        final Transaction big = new Transaction(MAP, 44, DEADLINE);
        for (int i = 0; i <= ShardCodec.PREPARE_KEYS_MAX; i++)
        {
            big.write(keyOn(1, "k" + i + "-"), amount(i));
        }
        assertThrows(IllegalStateException.class, () -> big.encodeBegin(command, 0), "oversize transactions are refused");
        assertNull(ShardMap.decode(command, 0, 3));
    }

    @Test
    void shouldRecordAnAbortForAnInDoubtQueryAboutAnUnknownTransaction()
    {
        assertEquals(CoordinatorCodec.OK, coordinator(CoordinatorCodec.encodeAbortIfExpired(command, 0, 51, 5)));
        assertEquals(CoordinatorStateMachine.ABORTED, coordinator.state(51));
        final int length = new Transaction(MAP, 51, DEADLINE).write(x, amount(1)).encodeBegin(command, 0);
        assertEquals(CoordinatorCodec.OK, coordinator(length));
        assertEquals(CoordinatorStateMachine.ABORTED, CoordinatorCodec.state(response, 0), "a late BEGIN cannot revive it");
    }

    @Test
    void shouldAbortAnUndecidedTransactionOnlyPastItsDeadline()
    {
        final int length = new Transaction(MAP, 61, DEADLINE).write(x, amount(1)).encodeBegin(command, 0);
        coordinator(length);
        coordinator(CoordinatorCodec.encodeAbortIfExpired(command, 0, 61, DEADLINE - 1));
        assertEquals(CoordinatorStateMachine.PENDING, coordinator.state(61));
        coordinator(CoordinatorCodec.encodeAbortIfExpired(command, 0, 61, DEADLINE + 1));
        assertEquals(CoordinatorStateMachine.ABORTED, coordinator.state(61));
        assertEquals(CoordinatorCodec.REASON_IN_DOUBT, coordinator.reason(61));
    }

    @Test
    void shouldCarryPreparedIntentsLocksAndRecordsThroughASnapshot()
    {
        kv(1, x, 3);
        final Transaction txn = new Transaction(MAP, 71, DEADLINE).read(x, 1).write(x, amount(4)).delete(y);
        assertEquals(ShardCodec.VOTE_YES, prepare(txn, 1));
        assertEquals(ShardCodec.VOTE_YES, prepare(txn, 2));
        decide(2, false, 72); // a recorded abort
        final ShardStateMachine restored = new ShardStateMachine(1, MAP);
        restored.restore(reader(shards[1].snapshot()));
        assertEquals(71, restored.lockOf(x), "the lock survives");
        assertEquals(ShardStateMachine.TXN_PREPARED, restored.txnState(71));
        assertEquals(1, restored.preparedCount());
        assertEquals(shards[1].kv().digest(), restored.kv().digest());
        shards[1] = restored;
        assertEquals(ShardCodec.DONE, decide(1, true, 71));
        assertEquals(2, restored.version(x), "the intent applies after the restore");
        assertEquals(0, restored.lockCount());
        final ShardStateMachine restored2 = new ShardStateMachine(2, MAP);
        restored2.restore(reader(shards[2].snapshot()));
        assertEquals(ShardStateMachine.TXN_ABORTED, restored2.txnState(72));
        assertThrows(IllegalStateException.class, () -> new ShardStateMachine(1, MAP).restore(reader(shards[2].snapshot())),
            "another shard's snapshot");

        coordinator(new Transaction(MAP, 81, DEADLINE).write(x, amount(1)).write(y, amount(1)).encodeBegin(command, 0));
        coordinator(new Transaction(MAP, 82, DEADLINE).write(x, amount(1)).encodeBegin(command, 0));
        coordinator(CoordinatorCodec.encodeDecide(command, 0, 82, CoordinatorCodec.ABORT, CoordinatorCodec.REASON_VOTE_NO));
        final CoordinatorStateMachine copy = new CoordinatorStateMachine(ShardMap.roundRobin(1, 5));
        copy.restore(reader(coordinator.snapshot()));
        assertEquals(MAP, copy.shardMap());
        assertEquals(CoordinatorStateMachine.PENDING, copy.state(81));
        assertEquals(2, copy.participants(81).length);
        assertEquals(CoordinatorStateMachine.ABORTED, copy.state(82));
        assertEquals(CoordinatorCodec.REASON_VOTE_NO, copy.reason(82));
        assertEquals(2, copy.unfinishedCount());
    }

    private static io.synod.raft.SnapshotReader reader(final io.synod.raft.SnapshotSource source)
    {
        final ExpandableArrayBuffer bytes = new ExpandableArrayBuffer(1024);
        int length = 0;
        int read;
        while ((read = source.read(bytes, length, 100)) >= 0)
        {
            length += read;
        }
        final int total = length;
        return new io.synod.raft.SnapshotReader()
        {
            private int position;

            @Override
            public long length()
            {
                return total;
            }

            @Override
            public long position()
            {
                return position;
            }

            @Override
            public int read(final org.agrona.MutableDirectBuffer buffer, final int offset, final int maxBytes)
            {
                if (position == total)
                {
                    return -1;
                }
                final int chunk = Math.min(maxBytes, total - position);
                buffer.putBytes(offset, bytes, position, chunk);
                position += chunk;
                return chunk;
            }
        };
    }
}
