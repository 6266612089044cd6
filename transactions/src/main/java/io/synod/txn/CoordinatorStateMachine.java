package io.synod.txn;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.LinkedHashMap;
import java.util.function.LongConsumer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The coordinator group's state machine: the versioned {@link ShardMap} and a record per transaction
 * (its participants and their PREPARE bodies, deadline, decision with its reason, and whether every
 * participant acknowledged it). Commands and responses are {@link CoordinatorCodec}'s. Because the record
 * is replicated, a coordinator crash only moves the decision to the next leader: the
 * {@link TxnDriver} on whichever member leads re-drives every decided but unfinished transaction and
 * aborts every undecided one past its deadline, and a participant in doubt asks this group (any replica's
 * applied record, or ABORT_IF_EXPIRED through the log), never one node.
 *
 * <h2>Record states</h2>
 * {@link #PENDING} → {@link #COMMITTED} | {@link #ABORTED} (DECIDE; the first decision applied wins and
 * never changes) → finished (FINISH, once every participant applied it). A BEGIN with the id of an
 * existing record changes nothing and answers its state: the transaction id is the idempotency key, so a
 * client that retries never starts (or commits) a transaction twice.
 *
 * <h2>Checks at BEGIN (typed rejections, nothing recorded)</h2>
 * a participant that is not a shard of the current map ({@link CoordinatorCodec#UNKNOWN_SHARD}); a key
 * listed under a shard that does not own it ({@link CoordinatorCodec#WRONG_SHARD}); a malformed body, no
 * participant, a repeated one, or more than {@link CoordinatorCodec#PARTICIPANTS_MAX}
 * ({@link CoordinatorCodec#BAD_REQUEST}); more than {@link #ACTIVE_MAX} unfinished
 * ({@link CoordinatorCodec#BUSY}) or {@link #RECORDS_MAX} in all ({@link CoordinatorCodec#FULL}).
 *
 * <h2>Threading, determinism, allocation</h2>
 * The node's thread; deterministic (deadlines are clock readings carried in the commands, never read
 * here). Transactions allocate their record; not a zero-allocation path. Records are kept after they
 * finish (they answer retries) and not pruned yet. Snapshots hold the map and every record, built in
 * memory ({@link SnapshotBytes}).
 */
public final class CoordinatorStateMachine implements StateMachine
{
    private static final long SNAPSHOT_MAGIC = 0x5359_4E4F_4443_4F32L; // "SYNODCO2": records, then the saga log

    /** Unfinished transactions at once. */
    public static final int ACTIVE_MAX = 4096;
    /** Records kept in all. */
    public static final int RECORDS_MAX = 1 << 20;

    /** No record. */
    public static final int NONE = 0;
    /** Begun, undecided. */
    public static final int PENDING = 1;
    /** Decided: commit. */
    public static final int COMMITTED = 2;
    /** Decided: abort. */
    public static final int ABORTED = 3;

    /** Told of decisions and finishes on this replica; for tests and metrics. Called on the node's thread. */
    public interface Listener
    {
        /** A transaction was decided at {@code index}. */
        default void onDecided(final long index, final long txnId, final boolean committed, final int reason)
        {
        }

        /** Every participant of a transaction applied its decision (recorded at {@code index}). */
        default void onFinished(final long index, final long txnId)
        {
        }
    }

    private static final class Record
    {
        int state;
        int reason;
        boolean finished;
        long deadlineNs;
        int[] participants;
        byte[][] prepareBodies;
    }

    private final Long2ObjectHashMap<Record> records = new Long2ObjectHashMap<>();
    /** Unfinished records in the order they began (the driver's work list). */
    private final LinkedHashMap<Long, Record> unfinished = new LinkedHashMap<>();
    private final SnapshotBytes snapshotBytes = new SnapshotBytes();
    private final SagaLog sagaLog = new SagaLog();
    private ShardMap map;
    private Listener listener = new Listener()
    {
    };

    /**
     * @param initialMap the map at genesis (version 1, typically), the same on every member.
     */
    public CoordinatorStateMachine(final ShardMap initialMap)
    {
        this.map = initialMap;
    }

    /** Sets the listener told of decisions (tests, metrics). */
    public CoordinatorStateMachine listener(final Listener listener)
    {
        this.listener = listener;
        return this;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        final int op = CoordinatorCodec.op(command, offset, length);
        final long txnId = op == 0 ? 0 : CoordinatorCodec.txnId(command, offset);
        final int body = offset + CoordinatorCodec.HEADER_LENGTH;
        final int bodyLength = length - CoordinatorCodec.HEADER_LENGTH;
        if (op >= SagaCodec.SAGA_BEGIN && op <= SagaCodec.SAGA_OPERATOR)
        {
            return sagaLog.apply(op, txnId, command, body, bodyLength, response);
        }
        switch (op)
        {
            case CoordinatorCodec.BEGIN:
                return applyBegin(txnId, command, body, bodyLength, response);
            case CoordinatorCodec.DECIDE:
                if (bodyLength != 8)
                {
                    return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
                }
                final int decision = command.getInt(body, LITTLE_ENDIAN);
                if (decision != CoordinatorCodec.COMMIT && decision != CoordinatorCodec.ABORT)
                {
                    return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
                }
                return applyDecide(index, txnId, decision, command.getInt(body + 4, LITTLE_ENDIAN), response);
            case CoordinatorCodec.ABORT_IF_EXPIRED:
                return bodyLength != 8 ? respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0) :
                    applyAbortIfExpired(index, txnId, command.getLong(body, LITTLE_ENDIAN), response);
            case CoordinatorCodec.FINISH:
                return applyFinish(index, txnId, response);
            case CoordinatorCodec.SET_MAP:
                final ShardMap next = bodyLength == ShardMap.ENCODED_LENGTH ? ShardMap.decode(command, body, bodyLength) : null;
                if (next == null)
                {
                    return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
                }
                if (next.version() != map.version() + 1)
                {
                    return respond(response, CoordinatorCodec.STALE_MAP, NONE, map.version());
                }
                map = next;
                return respond(response, CoordinatorCodec.OK, NONE, map.version());
            default:
                return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
        }
    }

    private int applyBegin(
        final long txnId, final DirectBuffer buffer, final int offset, final int length, final ExpandableArrayBuffer response)
    {
        final Record existing = records.get(txnId);
        if (existing != null)
        {
            return respond(response, CoordinatorCodec.OK, existing.state, existing.reason);
        }
        if (txnId == 0 || length < CoordinatorCodec.BEGIN_HEADER_LENGTH)
        {
            return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
        }
        final int count = buffer.getShort(offset + 8, LITTLE_ENDIAN) & 0xFFFF;
        if (count == 0 || count > CoordinatorCodec.PARTICIPANTS_MAX)
        {
            return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
        }
        final Record record = new Record();
        record.deadlineNs = buffer.getLong(offset, LITTLE_ENDIAN);
        record.participants = new int[count];
        record.prepareBodies = new byte[count][];
        final int end = offset + length;
        int at = offset + CoordinatorCodec.BEGIN_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            if (at + 8 > end)
            {
                return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
            }
            final int group = buffer.getInt(at, LITTLE_ENDIAN);
            final int bodyLength = buffer.getInt(at + 4, LITTLE_ENDIAN);
            if (bodyLength < 0 || at + 8L + bodyLength > end)
            {
                return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
            }
            for (int j = 0; j < i; j++)
            {
                if (record.participants[j] == group)
                {
                    return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, group);
                }
            }
            if (!map.isShard(group))
            {
                return respond(response, CoordinatorCodec.UNKNOWN_SHARD, NONE, group);
            }
            final ShardStateMachine.PrepareBody parsed = ShardStateMachine.PrepareBody.parse(buffer, at + 8, bodyLength);
            if (parsed == null || parsed.deadlineNs != record.deadlineNs)
            {
                return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, group);
            }
            final int misplaced = misplacedOwner(group, parsed);
            if (misplaced != 0)
            {
                return respond(response, CoordinatorCodec.WRONG_SHARD, NONE, misplaced);
            }
            record.participants[i] = group;
            record.prepareBodies[i] = new byte[bodyLength];
            buffer.getBytes(at + 8, record.prepareBodies[i]);
            at += 8 + bodyLength;
        }
        if (at != end)
        {
            return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
        }
        if (unfinished.size() >= ACTIVE_MAX)
        {
            return respond(response, CoordinatorCodec.BUSY, NONE, 0);
        }
        if (records.size() >= RECORDS_MAX)
        {
            return respond(response, CoordinatorCodec.FULL, NONE, 0);
        }
        record.state = PENDING;
        records.put(txnId, record);
        unfinished.put(txnId, record);
        return respond(response, CoordinatorCodec.OK, PENDING, 0);
    }

    /** @return 0 if every key of the body belongs to {@code group}, else the owner of the first that does not. */
    private int misplacedOwner(final int group, final ShardStateMachine.PrepareBody parsed)
    {
        for (final byte[] key : parsed.readKeys)
        {
            if (map.ownerOf(key) != group)
            {
                return map.ownerOf(key);
            }
        }
        for (final byte[] key : parsed.writeKeys)
        {
            if (map.ownerOf(key) != group)
            {
                return map.ownerOf(key);
            }
        }
        return 0;
    }

    private int applyDecide(final long index, final long txnId, final int decision, final int reason, final ExpandableArrayBuffer response)
    {
        final Record record = records.get(txnId);
        if (record == null)
        {
            return respond(response, CoordinatorCodec.UNKNOWN_TXN, NONE, 0);
        }
        if (record.state == PENDING)
        {
            decide(index, txnId, record, decision == CoordinatorCodec.COMMIT ? COMMITTED : ABORTED, reason);
        }
        return respond(response, CoordinatorCodec.OK, record.state, record.reason);
    }

    private int applyAbortIfExpired(final long index, final long txnId, final long nowNs, final ExpandableArrayBuffer response)
    {
        if (txnId == 0)
        {
            return respond(response, CoordinatorCodec.BAD_REQUEST, NONE, 0);
        }
        Record record = records.get(txnId);
        if (record == null)
        {
            if (records.size() >= RECORDS_MAX)
            {
                return respond(response, CoordinatorCodec.FULL, NONE, 0);
            }
            // Never begun here: record the abort, so that a BEGIN arriving later cannot commit it.
            record = new Record();
            record.state = ABORTED;
            record.reason = CoordinatorCodec.REASON_IN_DOUBT;
            record.finished = true;
            record.participants = new int[0];
            record.prepareBodies = new byte[0][];
            records.put(txnId, record);
            listener.onDecided(index, txnId, false, record.reason);
        }
        else if (record.state == PENDING && nowNs > record.deadlineNs)
        {
            decide(index, txnId, record, ABORTED, CoordinatorCodec.REASON_IN_DOUBT);
        }
        return respond(response, CoordinatorCodec.OK, record.state, record.reason);
    }

    private void decide(final long index, final long txnId, final Record record, final int state, final int reason)
    {
        if (!(record.state == PENDING && (state == COMMITTED || state == ABORTED)))
        {
            throw new IllegalStateException("txn " + txnId + ": illegal move " + record.state + " -> " + state);
        }
        record.state = state;
        record.reason = state == ABORTED ? reason : 0;
        listener.onDecided(index, txnId, state == COMMITTED, record.reason);
    }

    private int applyFinish(final long index, final long txnId, final ExpandableArrayBuffer response)
    {
        final Record record = records.get(txnId);
        if (record == null)
        {
            return respond(response, CoordinatorCodec.UNKNOWN_TXN, NONE, 0);
        }
        if (record.state == PENDING)
        {
            return respond(response, CoordinatorCodec.NOT_DECIDED, PENDING, 0);
        }
        if (!record.finished)
        {
            record.finished = true;
            record.prepareBodies = null; // nobody sends a PREPARE for it again: keep records (and snapshots) small
            unfinished.remove(txnId);
            listener.onFinished(index, txnId);
        }
        return respond(response, CoordinatorCodec.OK, record.state, record.reason);
    }

    private static int respond(final ExpandableArrayBuffer response, final int status, final int state, final long detail)
    {
        return CoordinatorCodec.response(response, 0, status, state, detail);
    }

    /**
     * Writes the shard map and every record (unfinished ones first, in the order they began) into memory and
     * streams it out; see {@link SnapshotBytes} for the cost.
     */
    @Override
    public SnapshotSource snapshot()
    {
        final SnapshotBytes bytes = snapshotBytes.clear();
        bytes.putLong(SNAPSHOT_MAGIC);
        bytes.buffer.checkLimit(bytes.length + ShardMap.ENCODED_LENGTH);
        bytes.length += map.encode(bytes.buffer, bytes.length);
        bytes.putInt(records.size());
        for (final var entry : unfinished.entrySet())
        {
            putRecord(bytes, entry.getKey(), entry.getValue());
        }
        final Long2ObjectHashMap<Record>.EntryIterator entries = records.entrySet().iterator();
        while (entries.hasNext())
        {
            entries.next();
            if (entries.getValue().finished)
            {
                putRecord(bytes, entries.getLongKey(), entries.getValue());
            }
        }
        sagaLog.snapshot(bytes);
        return bytes;
    }

    private static void putRecord(final SnapshotBytes bytes, final long txnId, final Record record)
    {
        bytes.putLong(txnId);
        bytes.putInt(record.state);
        bytes.putInt(record.reason);
        bytes.putInt(record.finished ? 1 : 0);
        bytes.putLong(record.deadlineNs);
        bytes.putInt(record.participants.length);
        for (int i = 0; i < record.participants.length; i++)
        {
            bytes.putInt(record.participants[i]);
            bytes.putBytes(record.prepareBodies == null ? null : record.prepareBodies[i]);
        }
    }

    /**
     * Replaces the state with a snapshot from {@link #snapshot()} (on any replica).
     *
     * @throws IllegalStateException if the stream is truncated, malformed or has trailing bytes.
     */
    @Override
    public void restore(final SnapshotReader reader)
    {
        records.clear();
        unfinished.clear();
        final SnapshotBytes bytes = snapshotBytes.load(reader);
        final SnapshotBytes.Cursor in = new SnapshotBytes.Cursor(bytes);
        if (in.getLong() != SNAPSHOT_MAGIC || bytes.length < 8 + ShardMap.ENCODED_LENGTH)
        {
            throw new IllegalStateException("not a coordinator snapshot");
        }
        final ShardMap restored = ShardMap.decode(bytes.buffer, 8, ShardMap.ENCODED_LENGTH);
        if (restored == null)
        {
            throw new IllegalStateException("snapshot: bad shard map");
        }
        map = restored;
        for (int i = 0; i < ShardMap.ENCODED_LENGTH / 4; i++)
        {
            in.getInt(); // skip the map
        }
        final int count = in.getInt();
        if (count < 0 || count > RECORDS_MAX)
        {
            throw new IllegalStateException("snapshot with " + count + " records");
        }
        for (int r = 0; r < count; r++)
        {
            final long txnId = in.getLong();
            final Record record = new Record();
            record.state = in.getInt();
            record.reason = in.getInt();
            record.finished = in.getInt() == 1;
            record.deadlineNs = in.getLong();
            final int participants = in.getInt();
            if (participants < 0 || participants > CoordinatorCodec.PARTICIPANTS_MAX ||
                record.state < PENDING || record.state > ABORTED || (record.finished && record.state == PENDING))
            {
                throw new IllegalStateException("snapshot: malformed record of txn " + txnId);
            }
            record.participants = new int[participants];
            record.prepareBodies = record.finished ? null : new byte[participants][];
            for (int i = 0; i < participants; i++)
            {
                record.participants[i] = in.getInt();
                final byte[] body = in.getBytes();
                if (!record.finished && body == null)
                {
                    throw new IllegalStateException("snapshot: missing PREPARE body of txn " + txnId);
                }
                if (!record.finished)
                {
                    record.prepareBodies[i] = body;
                }
            }
            records.put(txnId, record);
            if (!record.finished)
            {
                unfinished.put(txnId, record);
            }
        }
        sagaLog.restore(in);
        in.end();
    }

    // ---- local reads: this replica's applied state ----

    /** @return this replica's saga log (read it on the node's thread). */
    public SagaLog sagas()
    {
        return sagaLog;
    }

    /** @return the shard map in force on this replica. */
    public ShardMap shardMap()
    {
        return map;
    }

    /** @return {@link #NONE}, {@link #PENDING}, {@link #COMMITTED} or {@link #ABORTED}. */
    public int state(final long txnId)
    {
        final Record record = records.get(txnId);
        return record == null ? NONE : record.state;
    }

    /** @return the abort reason of an aborted transaction, else 0. */
    public int reason(final long txnId)
    {
        final Record record = records.get(txnId);
        return record == null ? 0 : record.reason;
    }

    /** @return whether every participant acknowledged the transaction's decision. */
    public boolean isFinished(final long txnId)
    {
        final Record record = records.get(txnId);
        return record != null && record.finished;
    }

    /** @return the transaction's deadline (its client's clock), or 0. */
    public long deadlineNs(final long txnId)
    {
        final Record record = records.get(txnId);
        return record == null ? 0 : record.deadlineNs;
    }

    /** @return the participant groups of a transaction (do not modify), or an empty array. */
    public int[] participants(final long txnId)
    {
        final Record record = records.get(txnId);
        return record == null ? new int[0] : record.participants;
    }

    /**
     * @return the PREPARE body for participant {@code i} of an unfinished transaction (do not modify), or null
     * once it finished (the bodies are dropped then).
     */
    public byte[] prepareBody(final long txnId, final int i)
    {
        final Record record = records.get(txnId);
        return record == null || record.prepareBodies == null ? null : record.prepareBodies[i];
    }

    /** @return transactions begun and not finished on this replica. */
    public int unfinishedCount()
    {
        return unfinished.size();
    }

    /** @return transaction records on this replica. */
    public int recordCount()
    {
        return records.size();
    }

    /** Calls {@code action} with each unfinished transaction, oldest first. Allocates. */
    public void forEachUnfinished(final LongConsumer action)
    {
        for (final Long txnId : unfinished.keySet().toArray(new Long[0]))
        {
            action.accept(txnId);
        }
    }
}
