package io.synod.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * One member's own view, the body of a {@link ClientProtocol#STATUS} answer (no Raft round: what the member
 * knows now). Little-endian, {@link #LENGTH} bytes:
 *
 * <pre>
 *  0  member id (i32), role (u8: raft-core RaftRole ordinal), reserved (3)
 *  8  term (i64)
 *  16 leader id (i32, 0: none), sessions open (i32)
 *  24 commit index (i64)
 *  32 last applied (i64)
 *  40 keys (i64)
 *  48 digest of the KV state (i64): equal on members that applied the same index
 *  56 client frames dropped as malformed (i64)
 * </pre>
 *
 * @param memberId    the member.
 * @param role        its role's name ({@code RaftRole}).
 * @param term        its current term.
 * @param leaderId    the leader it knows, 0 if none.
 * @param sessions    client sessions open in its replicated state.
 * @param commitIndex its commit index.
 * @param lastApplied its last applied index.
 * @param keys        keys in its KV store.
 * @param digest      the KV state's digest.
 * @param badFrames   client frames it dropped as malformed.
 */
public record MemberStatus(
    int memberId, String role, long term, int leaderId, int sessions, long commitIndex, long lastApplied, long keys,
    long digest, long badFrames)
{
    /** Bytes of the encoded status. */
    public static final int LENGTH = 64;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** Writes a status at {@code at}. @return {@link #LENGTH}. */
    public static int encode(
        final MutableDirectBuffer out, final int at, final int memberId, final int roleOrdinal, final long term, final int leaderId,
        final int sessions, final long commitIndex, final long lastApplied, final long keys, final long digest, final long badFrames)
    {
        out.putInt(at, memberId, ORDER);
        out.putInt(at + 4, roleOrdinal, ORDER);
        out.putLong(at + 8, term, ORDER);
        out.putInt(at + 16, leaderId, ORDER);
        out.putInt(at + 20, sessions, ORDER);
        out.putLong(at + 24, commitIndex, ORDER);
        out.putLong(at + 32, lastApplied, ORDER);
        out.putLong(at + 40, keys, ORDER);
        out.putLong(at + 48, digest, ORDER);
        out.putLong(at + 56, badFrames, ORDER);
        return LENGTH;
    }

    /** @return the status, or null if the body is not one. */
    public static MemberStatus decode(final DirectBuffer in, final int offset, final int length)
    {
        if (length != LENGTH)
        {
            return null;
        }
        final int role = in.getInt(offset + 4, ORDER);
        final io.synod.raft.RaftRole[] roles = io.synod.raft.RaftRole.values();
        if (role < 0 || role >= roles.length)
        {
            return null;
        }
        return new MemberStatus(
            in.getInt(offset, ORDER), roles[role].name(), in.getLong(offset + 8, ORDER), in.getInt(offset + 16, ORDER),
            in.getInt(offset + 20, ORDER), in.getLong(offset + 24, ORDER), in.getLong(offset + 32, ORDER),
            in.getLong(offset + 40, ORDER), in.getLong(offset + 48, ORDER), in.getLong(offset + 56, ORDER));
    }
}
