package io.synod.txn;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Commands to the coordinator group ({@link CoordinatorStateMachine}) and its responses. Little-endian.
 *
 * <p><b>Command</b>:
 * <pre>
 *   0      1        8             16
 *   +------+--------+-------------+---------------------------------------------------------+
 *   | op   | 0 (7B) | txn id      | body                                                    |
 *   +------+--------+-------------+---------------------------------------------------------+
 *   BEGIN:            deadline ns (long), participant count (u16), 0 (u16),
 *                     then per participant [group id (int)][PREPARE body length (int)][PREPARE body]
 *                     (the body a {@link ShardCodec#PREPARE} carries, deadline first)
 *   DECIDE:           decision (int: {@link #COMMIT} or {@link #ABORT}), reason (int)
 *   ABORT_IF_EXPIRED: the sender's clock (long): aborts the transaction if still undecided and past its
 *                     deadline by that clock; records an abort for a transaction it has never seen
 *   FINISH:           no body: every participant applied the decision
 *   SET_MAP:          a {@link ShardMap} encoding whose version is the current one plus one; txn id 0
 * </pre>
 *
 * <p><b>Response</b> (16 bytes): status (u8, 3 zero bytes), transaction state (int), detail (long).
 */
public final class CoordinatorCodec
{
    /** Opens a transaction record (idempotent by txn id: the idempotency key). */
    public static final int BEGIN = 1;
    /** Records the decision; the first one applied wins. */
    public static final int DECIDE = 2;
    /** Asks the group for the outcome on a participant's behalf, aborting an expired undecided transaction. */
    public static final int ABORT_IF_EXPIRED = 3;
    /** Records that every participant acknowledged the decision. */
    public static final int FINISH = 4;
    /** Installs the next shard map. */
    public static final int SET_MAP = 5;

    /** Decision: commit. */
    public static final int COMMIT = 1;
    /** Decision: abort. */
    public static final int ABORT = 2;

    /** Command header bytes. */
    public static final int HEADER_LENGTH = 16;
    /** BEGIN body header bytes. */
    public static final int BEGIN_HEADER_LENGTH = 12;
    /** Response bytes. */
    public static final int RESPONSE_LENGTH = 16;
    /** Participants (shards) one transaction may name. */
    public static final int PARTICIPANTS_MAX = 64;

    // Response statuses.
    /** Applied, or already applied (idempotent); the state is the record's. */
    public static final int OK = 0;
    /** Malformed or oversize; nothing applied. */
    public static final int BAD_REQUEST = 1;
    /** A participant is not a shard of the current map (detail: the group id). */
    public static final int UNKNOWN_SHARD = 2;
    /** A key is not owned by the participant it is listed under (detail: the owning group). */
    public static final int WRONG_SHARD = 3;
    /** No record of the transaction (DECIDE or FINISH of an unknown transaction). */
    public static final int UNKNOWN_TXN = 4;
    /** Too many transactions in flight ({@link CoordinatorStateMachine#ACTIVE_MAX}); retry later. */
    public static final int BUSY = 5;
    /** The record table is full ({@link CoordinatorStateMachine#RECORDS_MAX}). */
    public static final int FULL = 6;
    /** SET_MAP with a version other than the current plus one (detail: the current version). */
    public static final int STALE_MAP = 7;
    /** FINISH of an undecided transaction. */
    public static final int NOT_DECIDED = 8;

    // Abort reasons (kept in the record).
    /** A participant voted no. */
    public static final int REASON_VOTE_NO = 1;
    /** The coordinator's leader found it undecided past its deadline. */
    public static final int REASON_TIMEOUT = 2;
    /** A participant in doubt asked for the outcome past the deadline. */
    public static final int REASON_IN_DOUBT = 3;

    private CoordinatorCodec()
    {
    }

    /** Writes a command header. @return {@link #HEADER_LENGTH}. */
    public static int header(final MutableDirectBuffer buffer, final int offset, final int op, final long txnId)
    {
        buffer.putLong(offset, op, LITTLE_ENDIAN);
        buffer.putLong(offset + 8, txnId, LITTLE_ENDIAN);
        return HEADER_LENGTH;
    }

    /** @return the op of a command, or 0 if shorter than a header. */
    public static int op(final DirectBuffer buffer, final int offset, final int length)
    {
        return length < HEADER_LENGTH ? 0 : buffer.getByte(offset) & 0xFF;
    }

    /** @return the command's transaction id. */
    public static long txnId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + 8, LITTLE_ENDIAN);
    }

    /** Writes a DECIDE. @return its length. */
    public static int encodeDecide(final MutableDirectBuffer buffer, final int offset, final long txnId, final int decision, final int reason)
    {
        header(buffer, offset, DECIDE, txnId);
        buffer.putInt(offset + HEADER_LENGTH, decision, LITTLE_ENDIAN);
        buffer.putInt(offset + HEADER_LENGTH + 4, reason, LITTLE_ENDIAN);
        return HEADER_LENGTH + 8;
    }

    /** Writes an ABORT_IF_EXPIRED. @return its length. */
    public static int encodeAbortIfExpired(final MutableDirectBuffer buffer, final int offset, final long txnId, final long nowNs)
    {
        header(buffer, offset, ABORT_IF_EXPIRED, txnId);
        buffer.putLong(offset + HEADER_LENGTH, nowNs, LITTLE_ENDIAN);
        return HEADER_LENGTH + 8;
    }

    /** Writes a FINISH. @return its length. */
    public static int encodeFinish(final MutableDirectBuffer buffer, final int offset, final long txnId)
    {
        return header(buffer, offset, FINISH, txnId);
    }

    /** Writes a SET_MAP. @return its length. */
    public static int encodeSetMap(final MutableDirectBuffer buffer, final int offset, final ShardMap map)
    {
        header(buffer, offset, SET_MAP, 0);
        return HEADER_LENGTH + map.encode(buffer, offset + HEADER_LENGTH);
    }

    /** Writes a response. @return {@link #RESPONSE_LENGTH}. */
    public static int response(final MutableDirectBuffer buffer, final int offset, final int status, final int state, final long detail)
    {
        buffer.putInt(offset, status, LITTLE_ENDIAN);
        buffer.putInt(offset + 4, state, LITTLE_ENDIAN);
        buffer.putLong(offset + 8, detail, LITTLE_ENDIAN);
        return RESPONSE_LENGTH;
    }

    /** @return a response's status, or -1 if too short. */
    public static int status(final DirectBuffer buffer, final int offset, final int length)
    {
        return length < RESPONSE_LENGTH ? -1 : buffer.getByte(offset) & 0xFF;
    }

    /** @return a response's transaction state. */
    public static int state(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + 4, LITTLE_ENDIAN);
    }

    /** @return a response's detail. */
    public static long detail(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + 8, LITTLE_ENDIAN);
    }
}
