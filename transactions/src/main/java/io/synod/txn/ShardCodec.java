package io.synod.txn;

import io.synod.kv.KvCommand;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Commands to a shard group ({@link ShardStateMachine}) and its responses. Little-endian.
 *
 * <p><b>Command</b>:
 * <pre>
 *   0      1        4             8             16
 *   +------+--------+-------------+-------------+----------------------------------------+
 *   | op   | 0 (3B) | map version | txn id      | body                                   |
 *   +------+--------+-------------+-------------+----------------------------------------+
 *   op KV:      body = one kv-store {@link KvCommand} (get, put, delete, compare-and-set); txn id 0
 *   op PREPARE: body = deadline ns (long), read count (u16), write count (u16), then
 *               reads  [key length u16][key][version read (long)] ...,
 *               writes [key length u16][value length int, -1 = delete][key][value] ...
 *   op COMMIT, ABORT: no body
 * </pre>
 * The map version is the client's (its own), the slot test uses the shard's.
 *
 * <p><b>Response</b>:
 * <pre>
 *   0        1        4                8              16
 *   +--------+--------+----------------+--------------+-------------------------------+
 *   | status | 0 (3B) | shard's map    | detail       | body: a kv-store KvResponse    |
 *   |        |        | version (int)  | (long)       | (status OK to a KV op only)    |
 *   +--------+--------+----------------+--------------+-------------------------------+
 * </pre>
 * detail: the owning group for {@link #WRONG_SHARD}, the locking transaction for {@link #LOCKED}, the vote
 * reason for {@link #VOTE_NO}.
 */
public final class ShardCodec
{
    /** A single-shard key-value operation (the fast path: one Raft commit). */
    public static final int KV = 1;
    /** Phase one: validate reads, lock keys, keep the writes as intents; answer with a vote. */
    public static final int PREPARE = 2;
    /** Phase two, commit: apply the intents, release the locks. */
    public static final int COMMIT = 3;
    /** Phase two, abort: drop the intents, release the locks; with no PREPARE seen, make one impossible. */
    public static final int ABORT = 4;

    /** Command header bytes. */
    public static final int HEADER_LENGTH = 16;
    /** Response header bytes. */
    public static final int RESPONSE_HEADER_LENGTH = 16;
    /** PREPARE body header bytes (deadline, counts). */
    public static final int PREPARE_HEADER_LENGTH = 12;
    /** Keys a PREPARE may name (reads plus writes); more is rejected as BAD_REQUEST. */
    public static final int PREPARE_KEYS_MAX = 256;

    // Response statuses.
    /** A KV op was applied; the body is its KvResponse. */
    public static final int OK = 0;
    /** The key's slot belongs to another group (detail) at the shard's map version: a typed redirect. */
    public static final int WRONG_SHARD = 1;
    /** The key is locked by a prepared transaction (detail): retry once it is decided. */
    public static final int LOCKED = 2;
    /** Malformed, oversize, or naming nothing. Nothing applied. */
    public static final int BAD_REQUEST = 3;
    /** PREPARE: voted yes; the keys are locked and the writes kept as intents. */
    public static final int VOTE_YES = 4;
    /** PREPARE: voted no (reason in detail); nothing locked; the shard aborted the transaction locally. */
    public static final int VOTE_NO = 5;
    /** COMMIT or ABORT applied (or already applied: idempotent). */
    public static final int DONE = 6;
    /** COMMIT for a transaction this shard never prepared. Nothing applied. */
    public static final int UNKNOWN_TXN = 7;
    /** COMMIT for a transaction this shard aborted, or voted no on. Nothing applied. */
    public static final int CONFLICT = 8;

    // Vote-no reasons (detail of VOTE_NO).
    /** A key read has another version now. */
    public static final int REASON_VERSION = 1;
    /** A key is locked by another prepared transaction (abort on conflict: nobody waits, so no deadlock). */
    public static final int REASON_LOCKED = 2;
    /** A key belongs to another shard. */
    public static final int REASON_WRONG_SHARD = 3;
    /** The transaction was already aborted here (PREPARE after ABORT). */
    public static final int REASON_ABORTED = 4;
    /** The shard's transaction table is full ({@link ShardStateMachine#TXNS_MAX}). */
    public static final int REASON_FULL = 5;

    private ShardCodec()
    {
    }

    /** Writes a command header. @return {@link #HEADER_LENGTH}. */
    public static int header(final MutableDirectBuffer buffer, final int offset, final int op, final long mapVersion, final long txnId)
    {
        buffer.putInt(offset, op, LITTLE_ENDIAN); // op in the low byte, three zero bytes
        buffer.putInt(offset + 4, (int)mapVersion, LITTLE_ENDIAN);
        buffer.putLong(offset + 8, txnId, LITTLE_ENDIAN);
        return HEADER_LENGTH;
    }

    /** @return the op of a command, or 0 if shorter than a header. */
    public static int op(final DirectBuffer buffer, final int offset, final int length)
    {
        return length < HEADER_LENGTH ? 0 : buffer.getByte(offset) & 0xFF;
    }

    /** @return the transaction id of a command. */
    public static long txnId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + 8, LITTLE_ENDIAN);
    }

    /** @return the client's map version of a command. */
    public static int mapVersion(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + 4, LITTLE_ENDIAN);
    }

    /** Writes a response header. @return {@link #RESPONSE_HEADER_LENGTH}. */
    public static int response(
        final MutableDirectBuffer buffer, final int offset, final int status, final long mapVersion, final long detail)
    {
        buffer.putInt(offset, status, LITTLE_ENDIAN);
        buffer.putInt(offset + 4, (int)mapVersion, LITTLE_ENDIAN);
        buffer.putLong(offset + 8, detail, LITTLE_ENDIAN);
        return RESPONSE_HEADER_LENGTH;
    }

    /** @return a response's status, or -1 if too short. */
    public static int status(final DirectBuffer buffer, final int offset, final int length)
    {
        return length < RESPONSE_HEADER_LENGTH ? -1 : buffer.getByte(offset) & 0xFF;
    }

    /** @return a response's detail (owning group, locking transaction, vote reason). */
    public static long detail(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + 8, LITTLE_ENDIAN);
    }

    /**
     * Writes a KV command: header and the kv-store command {@code kv[kvOffset, kvOffset + kvLength)}.
     *
     * @return the command length.
     */
    public static int encodeKv(
        final MutableDirectBuffer buffer, final int offset, final long mapVersion, final DirectBuffer kv, final int kvOffset,
        final int kvLength)
    {
        header(buffer, offset, KV, mapVersion, 0);
        buffer.putBytes(offset + HEADER_LENGTH, kv, kvOffset, kvLength);
        return HEADER_LENGTH + kvLength;
    }

    /** Writes a COMMIT or ABORT. @return its length. */
    public static int encodeDecision(final MutableDirectBuffer buffer, final int offset, final boolean commit, final long txnId)
    {
        return header(buffer, offset, commit ? COMMIT : ABORT, 0, txnId);
    }

    /** @return a readable name of a response status. */
    public static String statusName(final int status)
    {
        switch (status)
        {
            case OK: return "OK";
            case WRONG_SHARD: return "WRONG_SHARD";
            case LOCKED: return "LOCKED";
            case BAD_REQUEST: return "BAD_REQUEST";
            case VOTE_YES: return "VOTE_YES";
            case VOTE_NO: return "VOTE_NO";
            case DONE: return "DONE";
            case UNKNOWN_TXN: return "UNKNOWN_TXN";
            case CONFLICT: return "CONFLICT";
            default: return "UNKNOWN(" + status + ")";
        }
    }
}
