package io.synod.txn;

import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.function.LongConsumer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * One shard of the sharded key-value store: the state machine of one shard group. It holds the keys whose
 * slots the {@link ShardMap} gives this group in a kv-store {@link KeyValueStateMachine} (values with
 * per-key versions), and is a two-phase-commit participant: prepared transactions, their write intents
 * and the locks on the keys they read and write. Commands and responses are {@link ShardCodec}'s.
 *
 * <h2>Operations</h2>
 * <ul>
 *   <li><b>KV</b> (the fast path, one Raft commit): a kv-store get/put/delete/compare-and-set on one key,
 *   answered with the kv-store response. A key whose slot this group does not own gets
 *   {@link ShardCodec#WRONG_SHARD} with the owning group (a typed redirect); a key locked by a prepared
 *   transaction gets {@link ShardCodec#LOCKED}, reads included, so nothing reads a prepared key before its
 *   outcome is known ("never reads the intent as committed, never reads past it").</li>
 *   <li><b>PREPARE</b>(txn): votes NO (recording the transaction as aborted here, nothing locked) if a key
 *   is another shard's, is locked by another transaction (abort on conflict: nobody waits, so no
 *   deadlock), or was read at a version it no longer has (serializability: the reads are validated at
 *   the moment the keys are locked, and stay locked until the decision); else locks every key it reads or
 *   writes, keeps the writes as intents and votes YES. A repeated PREPARE answers the vote already given;
 *   a PREPARE after an ABORT votes NO.</li>
 *   <li><b>COMMIT</b>(txn): applies the intents (each write a kv-store put or delete, so versions move
 *   as for single-shard writes) and releases the locks. Repeated: DONE again. For a transaction never
 *   prepared here: {@link ShardCodec#UNKNOWN_TXN}; for one aborted here: {@link ShardCodec#CONFLICT};
 *   nothing applied either way.</li>
 *   <li><b>ABORT</b>(txn): drops the intents and releases the locks; for a transaction not seen yet it
 *   records the abort, so a PREPARE arriving later (a delayed or re-sent one) votes NO and locks nothing.</li>
 * </ul>
 *
 * <h2>Threading, determinism, allocation</h2>
 * The node's thread; every decision is a function of the state and the command bytes. The KV fast path
 * allocates nothing while no key is locked with the same 64-bit key hash (then one key wrapper for the
 * exact lookup); transactions allocate (their record, key and value copies): they are not a
 * zero-allocation path.
 *
 * <h2>Limits and what is left</h2>
 * At most {@link #TXNS_MAX} transaction records (a PREPARE beyond votes NO, {@link ShardCodec#REASON_FULL});
 * records of resolved transactions are kept (they make a late PREPARE harmless) and never pruned yet.
 * Snapshots hold the kv-store state and every record; they are built in memory ({@link SnapshotBytes}).
 */
public final class ShardStateMachine implements StateMachine
{
    private static final long SNAPSHOT_MAGIC = 0x5359_4E4F_4453_4831L; // "SYNODSH1"

    /** Transaction records a shard keeps. */
    public static final int TXNS_MAX = 1 << 20;

    /** No record of the transaction. */
    public static final int TXN_NONE = 0;
    /** Prepared: voted YES, keys locked, intents kept. */
    public static final int TXN_PREPARED = 1;
    /** Committed here. */
    public static final int TXN_COMMITTED = 2;
    /** Aborted here (by ABORT, or by voting NO). */
    public static final int TXN_ABORTED = 3;

    /** Told of each transaction resolved on this replica; for tests and metrics. Called on the node's thread. */
    @FunctionalInterface
    public interface Listener
    {
        /**
         * @param prepared whether the transaction had been prepared (voted YES) here.
         */
        void onResolved(int groupId, long index, long txnId, boolean committed, boolean prepared);
    }

    private static final class Txn
    {
        int state;
        long deadlineNs;
        byte[][] lockedKeys;
        byte[][] writeKeys;
        /** Null entry: delete. */
        byte[][] writeValues;
    }

    /** A key as a map key: exact bytes. */
    private record Key(byte[] bytes)
    {
        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Key && Arrays.equals(((Key)other).bytes, bytes);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(bytes);
        }
    }

    private final int groupId;
    private final ShardMap map;
    private final KeyValueStateMachine kv;
    private final KvCommand kvCommand = new KvCommand();
    private final Long2ObjectHashMap<Txn> txns = new Long2ObjectHashMap<>();
    private final HashMap<Key, Long> locks = new HashMap<>();
    /** 64-bit key hash to locks held with that hash: the fast path's allocation-free "no lock" answer. */
    private final Long2LongHashMap lockHashes = new Long2LongHashMap(0);
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(256);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final SnapshotBytes snapshotBytes = new SnapshotBytes();
    private Listener listener = (group, index, txnId, committed, prepared) -> { };
    /** The transactions in state PREPARED: the in-doubt scan walks these, not every record kept. */
    private final LongHashSet preparedIds = new LongHashSet();

    /**
     * @param groupId this shard's group id.
     * @param map     the shard map this group checks keys against (the same on every member).
     * @throws IllegalArgumentException if the map gives this group no slot.
     */
    public ShardStateMachine(final int groupId, final ShardMap map)
    {
        if (!map.isShard(groupId))
        {
            throw new IllegalArgumentException("group " + groupId + " owns no slot of " + map);
        }
        this.groupId = groupId;
        this.map = map;
        this.kv = new KeyValueStateMachine();
    }

    /** Sets the listener told of resolved transactions (tests, metrics). */
    public ShardStateMachine listener(final Listener listener)
    {
        this.listener = listener;
        return this;
    }

    /**
     * Genesis content: puts a key before the node starts, identically on every member and every restart
     * (as an initial snapshot would). Not for use once the node runs.
     */
    public void preload(final byte[] key, final byte[] value)
    {
        if (map.ownerOf(key) != groupId)
        {
            throw new IllegalArgumentException("key belongs to group " + map.ownerOf(key));
        }
        putKv(0, 0, key, value);
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        switch (ShardCodec.op(command, offset, length))
        {
            case ShardCodec.KV:
                return applyKv(index, term, command, offset + ShardCodec.HEADER_LENGTH, length - ShardCodec.HEADER_LENGTH, response);
            case ShardCodec.PREPARE:
                return applyPrepare(index, ShardCodec.txnId(command, offset), command, offset + ShardCodec.HEADER_LENGTH,
                    length - ShardCodec.HEADER_LENGTH, response);
            case ShardCodec.COMMIT:
                return length != ShardCodec.HEADER_LENGTH ? respond(response, ShardCodec.BAD_REQUEST, 0) :
                    applyCommit(index, ShardCodec.txnId(command, offset), response);
            case ShardCodec.ABORT:
                return length != ShardCodec.HEADER_LENGTH ? respond(response, ShardCodec.BAD_REQUEST, 0) :
                    applyAbort(index, ShardCodec.txnId(command, offset), response);
            default:
                return respond(response, ShardCodec.BAD_REQUEST, 0);
        }
    }

    private int applyKv(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        final KvCommand kvc = kvCommand.wrap(command, offset);
        if (length < KvCommand.HEADER_LENGTH || !kvc.validate(length))
        {
            return respond(response, ShardCodec.BAD_REQUEST, 0);
        }
        final int owner = map.ownerOf(command, kvc.keyOffset(), kvc.keyLength());
        if (owner != groupId)
        {
            return respond(response, ShardCodec.WRONG_SHARD, owner);
        }
        final long locker = lockOf(command, kvc.keyOffset(), kvc.keyLength());
        if (locker != 0)
        {
            return respond(response, ShardCodec.LOCKED, locker);
        }
        final int kvLength = kv.apply(index, term, command, offset, length, scratch);
        ShardCodec.response(response, 0, ShardCodec.OK, map.version(), 0);
        response.putBytes(ShardCodec.RESPONSE_HEADER_LENGTH, scratch, 0, kvLength);
        return ShardCodec.RESPONSE_HEADER_LENGTH + kvLength;
    }

    private int applyPrepare(
        final long index, final long txnId, final DirectBuffer body, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        final PrepareBody parsed = PrepareBody.parse(body, offset, length);
        if (parsed == null || txnId == 0)
        {
            return respond(response, ShardCodec.BAD_REQUEST, 0);
        }
        final Txn existing = txns.get(txnId);
        if (existing != null)
        {
            return existing.state == TXN_ABORTED ? respond(response, ShardCodec.VOTE_NO, ShardCodec.REASON_ABORTED) :
                respond(response, ShardCodec.VOTE_YES, 0);
        }
        if (txns.size() >= TXNS_MAX)
        {
            return respond(response, ShardCodec.VOTE_NO, ShardCodec.REASON_FULL);
        }
        int reason = 0;
        for (int i = 0; i < parsed.readKeys.length && reason == 0; i++)
        {
            reason = check(txnId, parsed.readKeys[i]);
            if (reason == 0 && version(parsed.readKeys[i]) != parsed.readVersions[i])
            {
                reason = ShardCodec.REASON_VERSION;
            }
        }
        for (int i = 0; i < parsed.writeKeys.length && reason == 0; i++)
        {
            reason = check(txnId, parsed.writeKeys[i]);
        }
        final Txn txn = new Txn();
        txn.deadlineNs = parsed.deadlineNs;
        txns.put(txnId, txn);
        if (reason != 0)
        {
            txn.state = TXN_ABORTED;
            listener.onResolved(groupId, index, txnId, false, false);
            return respond(response, ShardCodec.VOTE_NO, reason);
        }
        txn.state = TXN_PREPARED;
        txn.writeKeys = parsed.writeKeys;
        txn.writeValues = parsed.writeValues;
        txn.lockedKeys = new byte[parsed.readKeys.length + parsed.writeKeys.length][];
        System.arraycopy(parsed.readKeys, 0, txn.lockedKeys, 0, parsed.readKeys.length);
        System.arraycopy(parsed.writeKeys, 0, txn.lockedKeys, parsed.readKeys.length, parsed.writeKeys.length);
        for (final byte[] key : txn.lockedKeys)
        {
            if (locks.putIfAbsent(new Key(key), txnId) == null)
            {
                final long hash = hash64(key);
                lockHashes.put(hash, lockHashes.get(hash) + 1);
            }
        }
        preparedIds.add(txnId);
        return respond(response, ShardCodec.VOTE_YES, 0);
    }

    /** @return 0 if the transaction may lock {@code key} here, else the vote-no reason. */
    private int check(final long txnId, final byte[] key)
    {
        if (map.ownerOf(key) != groupId)
        {
            return ShardCodec.REASON_WRONG_SHARD;
        }
        final Long holder = locks.get(new Key(key));
        return holder != null && holder != txnId ? ShardCodec.REASON_LOCKED : 0;
    }

    private int applyCommit(final long index, final long txnId, final ExpandableArrayBuffer response)
    {
        final Txn txn = txns.get(txnId);
        if (txn == null)
        {
            return respond(response, ShardCodec.UNKNOWN_TXN, 0);
        }
        if (txn.state == TXN_ABORTED)
        {
            return respond(response, ShardCodec.CONFLICT, 0);
        }
        if (txn.state == TXN_PREPARED)
        {
            for (int i = 0; i < txn.writeKeys.length; i++)
            {
                if (txn.writeValues[i] == null)
                {
                    deleteKv(index, txn.writeKeys[i]);
                }
                else
                {
                    putKv(index, 0, txn.writeKeys[i], txn.writeValues[i]);
                }
            }
            release(txnId, txn);
            txn.state = TXN_COMMITTED;
            listener.onResolved(groupId, index, txnId, true, true);
        }
        return respond(response, ShardCodec.DONE, 0);
    }

    private int applyAbort(final long index, final long txnId, final ExpandableArrayBuffer response)
    {
        if (txnId == 0)
        {
            return respond(response, ShardCodec.BAD_REQUEST, 0);
        }
        Txn txn = txns.get(txnId);
        if (txn == null)
        {
            if (txns.size() >= TXNS_MAX)
            {
                // Cannot record it; nothing is prepared here either, and a later PREPARE finds the table full too.
                return respond(response, ShardCodec.DONE, 0);
            }
            txn = new Txn();
            txn.state = TXN_ABORTED;
            txns.put(txnId, txn);
            listener.onResolved(groupId, index, txnId, false, false);
            return respond(response, ShardCodec.DONE, 0);
        }
        if (txn.state == TXN_COMMITTED)
        {
            return respond(response, ShardCodec.CONFLICT, 0);
        }
        if (txn.state == TXN_PREPARED)
        {
            release(txnId, txn);
            txn.state = TXN_ABORTED;
            listener.onResolved(groupId, index, txnId, false, true);
        }
        return respond(response, ShardCodec.DONE, 0);
    }

    private void release(final long txnId, final Txn txn)
    {
        for (final byte[] key : txn.lockedKeys)
        {
            if (locks.remove(new Key(key), txnId))
            {
                final long hash = hash64(key);
                final long count = lockHashes.get(hash);
                if (count <= 1)
                {
                    lockHashes.remove(hash);
                }
                else
                {
                    lockHashes.put(hash, count - 1);
                }
            }
        }
        txn.lockedKeys = null;
        txn.writeKeys = null;
        txn.writeValues = null;
        preparedIds.remove(txnId);
    }

    private void putKv(final long index, final long term, final byte[] key, final byte[] value)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(KvCommand.HEADER_LENGTH + key.length + value.length);
        final int length = io.synod.kv.KvClientCodec.encodePut(buffer, 0, key, value);
        kv.apply(index, term, buffer, 0, length, scratch);
    }

    private void deleteKv(final long index, final byte[] key)
    {
        view.wrap(key);
        final int length = io.synod.kv.KvClientCodec.encodeDelete(scratch, 0, view, 0, key.length);
        final ExpandableArrayBuffer command = new ExpandableArrayBuffer(length);
        command.putBytes(0, scratch, 0, length);
        kv.apply(index, 0, command, 0, length, scratch);
    }

    private int respond(final ExpandableArrayBuffer response, final int status, final long detail)
    {
        return ShardCodec.response(response, 0, status, map.version(), detail);
    }

    /**
     * Writes the whole state (the kv-store stream, then every transaction record with its intents) into
     * memory and streams it out; see {@link SnapshotBytes} for the cost. Locks are not written: they are the
     * keys of the prepared records, rebuilt on restore.
     */
    @Override
    public SnapshotSource snapshot()
    {
        final SnapshotBytes bytes = snapshotBytes.clear();
        bytes.putLong(SNAPSHOT_MAGIC);
        bytes.putLong(groupId);
        bytes.putStream(kv.snapshot());
        bytes.putInt(txns.size());
        final Long2ObjectHashMap<Txn>.EntryIterator entries = txns.entrySet().iterator();
        while (entries.hasNext())
        {
            entries.next();
            final Txn txn = entries.getValue();
            bytes.putLong(entries.getLongKey());
            bytes.putInt(txn.state);
            bytes.putLong(txn.deadlineNs);
            if (txn.state == TXN_PREPARED)
            {
                bytes.putInt(txn.lockedKeys.length);
                for (final byte[] key : txn.lockedKeys)
                {
                    bytes.putBytes(key);
                }
                bytes.putInt(txn.writeKeys.length);
                for (int i = 0; i < txn.writeKeys.length; i++)
                {
                    bytes.putBytes(txn.writeKeys[i]);
                    bytes.putBytes(txn.writeValues[i]);
                }
            }
        }
        return bytes;
    }

    /**
     * Replaces the state with a snapshot from {@link #snapshot()} of this shard (on any replica).
     *
     * @throws IllegalStateException if the stream is truncated, malformed, of another shard, or has trailing bytes.
     */
    @Override
    public void restore(final SnapshotReader reader)
    {
        txns.clear();
        locks.clear();
        lockHashes.clear();
        preparedIds.clear();
        final SnapshotBytes.Cursor in = new SnapshotBytes.Cursor(snapshotBytes.load(reader));
        if (in.getLong() != SNAPSHOT_MAGIC || in.getLong() != groupId)
        {
            throw new IllegalStateException("not a snapshot of shard group " + groupId);
        }
        kv.restore(in.getStream());
        final int count = in.getInt();
        if (count < 0 || count > TXNS_MAX)
        {
            throw new IllegalStateException("snapshot with " + count + " transactions");
        }
        for (int t = 0; t < count; t++)
        {
            final long txnId = in.getLong();
            final Txn txn = new Txn();
            txn.state = in.getInt();
            txn.deadlineNs = in.getLong();
            if (txn.state == TXN_PREPARED)
            {
                txn.lockedKeys = readKeys(in);
                final int writes = in.getInt();
                if (writes < 0 || writes > ShardCodec.PREPARE_KEYS_MAX)
                {
                    throw new IllegalStateException("snapshot: " + writes + " writes");
                }
                txn.writeKeys = new byte[writes][];
                txn.writeValues = new byte[writes][];
                for (int i = 0; i < writes; i++)
                {
                    txn.writeKeys[i] = nonNull(in.getBytes());
                    txn.writeValues[i] = in.getBytes();
                }
                for (final byte[] key : txn.lockedKeys)
                {
                    if (locks.putIfAbsent(new Key(key), txnId) == null)
                    {
                        final long hash = hash64(key);
                        lockHashes.put(hash, lockHashes.get(hash) + 1);
                    }
                }
                preparedIds.add(txnId);
            }
            else if (txn.state != TXN_COMMITTED && txn.state != TXN_ABORTED)
            {
                throw new IllegalStateException("snapshot: transaction state " + txn.state);
            }
            txns.put(txnId, txn);
        }
        in.end();
    }

    private static byte[][] readKeys(final SnapshotBytes.Cursor in)
    {
        final int count = in.getInt();
        if (count < 0 || count > ShardCodec.PREPARE_KEYS_MAX)
        {
            throw new IllegalStateException("snapshot: " + count + " keys");
        }
        final byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            keys[i] = nonNull(in.getBytes());
        }
        return keys;
    }

    private static byte[] nonNull(final byte[] bytes)
    {
        if (bytes == null)
        {
            throw new IllegalStateException("snapshot: missing key");
        }
        return bytes;
    }

    // ---- local reads: this replica's applied state (not linearizable by themselves) ----

    /** @return this shard's group id. */
    public int groupId()
    {
        return groupId;
    }

    /** @return the shard map this group checks keys against. */
    public ShardMap map()
    {
        return map;
    }

    /** @return the key's committed version on this replica (0: absent). Allocation-free. */
    public long version(final byte[] key)
    {
        view.wrap(key);
        return kv.version(view, 0, key.length);
    }

    /**
     * Reads the key's committed value on this replica into {@code out} as a kv-store {@link KvResponse}
     * (OK with version and value, or NOT_FOUND). Never the value of a prepared intent.
     *
     * @return the response length.
     */
    public int read(final byte[] key, final MutableDirectBuffer out)
    {
        view.wrap(key);
        return kv.read(view, 0, key.length, out, 0);
    }

    /** @return the transaction locking the key on this replica, or 0. */
    public long lockOf(final byte[] key)
    {
        view.wrap(key);
        return lockOf(view, 0, key.length);
    }

    private long lockOf(final DirectBuffer key, final int offset, final int length)
    {
        if (lockHashes.get(hash64(key, offset, length)) == 0)
        {
            return 0;
        }
        final byte[] bytes = new byte[length];
        key.getBytes(offset, bytes);
        final Long holder = locks.get(new Key(bytes));
        return holder == null ? 0 : holder;
    }

    /** @return {@link #TXN_NONE}, {@link #TXN_PREPARED}, {@link #TXN_COMMITTED} or {@link #TXN_ABORTED}. */
    public int txnState(final long txnId)
    {
        final Txn txn = txns.get(txnId);
        return txn == null ? TXN_NONE : txn.state;
    }

    /** @return the deadline a prepared transaction's PREPARE carried (its coordinator's clock), or 0. */
    public long deadlineNs(final long txnId)
    {
        final Txn txn = txns.get(txnId);
        return txn == null ? 0 : txn.deadlineNs;
    }

    /** @return transactions prepared (in doubt) on this replica. */
    public int preparedCount()
    {
        return preparedIds.size();
    }

    /** @return keys locked on this replica. */
    public int lockCount()
    {
        return locks.size();
    }

    /** Calls {@code action} with each prepared transaction on this replica (it must not apply commands). */
    public void forEachPrepared(final LongConsumer action)
    {
        if (preparedIds.isEmpty())
        {
            return;
        }
        final LongHashSet.LongIterator ids = preparedIds.iterator();
        while (ids.hasNext())
        {
            action.accept(ids.nextValue());
        }
    }

    /** @return the kv-store state of this shard, for digests and tests. */
    public KeyValueStateMachine kv()
    {
        return kv;
    }

    static long hash64(final byte[] key)
    {
        long hash = 0x84222325CBF29CE4L;
        for (final byte b : key)
        {
            hash = (hash ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return hash == 0 ? 1 : hash;
    }

    static long hash64(final DirectBuffer key, final int offset, final int length)
    {
        long hash = 0x84222325CBF29CE4L;
        for (int i = 0; i < length; i++)
        {
            hash = (hash ^ (key.getByte(offset + i) & 0xFF)) * 0x100000001B3L;
        }
        return hash == 0 ? 1 : hash;
    }

    /** A parsed PREPARE body. */
    static final class PrepareBody
    {
        long deadlineNs;
        byte[][] readKeys;
        long[] readVersions;
        byte[][] writeKeys;
        byte[][] writeValues;

        /** @return the body, or null if malformed, oversize, or naming no key. */
        static PrepareBody parse(final DirectBuffer buffer, final int offset, final int length)
        {
            if (length < ShardCodec.PREPARE_HEADER_LENGTH)
            {
                return null;
            }
            final int reads = buffer.getShort(offset + 8, LITTLE_ENDIAN) & 0xFFFF;
            final int writes = buffer.getShort(offset + 10, LITTLE_ENDIAN) & 0xFFFF;
            if (reads + writes == 0 || reads + writes > ShardCodec.PREPARE_KEYS_MAX)
            {
                return null;
            }
            final PrepareBody body = new PrepareBody();
            body.deadlineNs = buffer.getLong(offset, LITTLE_ENDIAN);
            body.readKeys = new byte[reads][];
            body.readVersions = new long[reads];
            body.writeKeys = new byte[writes][];
            body.writeValues = new byte[writes][];
            final int end = offset + length;
            int at = offset + ShardCodec.PREPARE_HEADER_LENGTH;
            for (int i = 0; i < reads; i++)
            {
                if (at + 2 > end)
                {
                    return null;
                }
                final int keyLength = buffer.getShort(at, LITTLE_ENDIAN) & 0xFFFF;
                if (keyLength > KvCommand.MAX_KEY_LENGTH || at + 2 + keyLength + 8 > end)
                {
                    return null;
                }
                body.readKeys[i] = new byte[keyLength];
                buffer.getBytes(at + 2, body.readKeys[i]);
                body.readVersions[i] = buffer.getLong(at + 2 + keyLength, LITTLE_ENDIAN);
                at += 2 + keyLength + 8;
            }
            for (int i = 0; i < writes; i++)
            {
                if (at + 6 > end)
                {
                    return null;
                }
                final int keyLength = buffer.getShort(at, LITTLE_ENDIAN) & 0xFFFF;
                final int valueLength = buffer.getInt(at + 2, LITTLE_ENDIAN);
                if (keyLength > KvCommand.MAX_KEY_LENGTH || valueLength < -1 || valueLength > KvCommand.MAX_VALUE_LENGTH ||
                    at + 6L + keyLength + Math.max(valueLength, 0) > end)
                {
                    return null;
                }
                body.writeKeys[i] = new byte[keyLength];
                buffer.getBytes(at + 6, body.writeKeys[i]);
                if (valueLength >= 0)
                {
                    body.writeValues[i] = new byte[valueLength];
                    buffer.getBytes(at + 6 + keyLength, body.writeValues[i]);
                }
                at += 6 + keyLength + Math.max(valueLength, 0);
            }
            return at == end ? body : null;
        }
    }
}
