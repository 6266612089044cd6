package io.synod.quorum;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The commands of the ring group ({@link RingStateMachine}) and their responses. Little-endian. Every
 * command starts with:
 * <pre>
 *   0       1       2               4               8
 *  +-------+-------+---------------+---------------+
 *  | type  |version|   0 (u16)     |  member (i32) |
 *  +-------+-------+---------------+---------------+
 * </pre>
 * then, by type:
 * <pre>
 *  1 ADD        8 token count (i32) | 12 tokens (i64 each)          add a member with its tokens (a ring change)
 *  2 REMOVE     (nothing more)                                      remove a member (a ring change)
 *  3 ACK        8 ring version (i64)                                a participant is done with that version's phase
 *  4 BOOTSTRAP  member = member count | 8 { member (i32) | token count (i32) | tokens (i64 each) } per member
 *                                                                   the first ring, only while the ring is empty
 * </pre>
 * A response is {@code status (i32) | ring version after the command (i64)}: {@link #RESPONSE_LENGTH} bytes.
 * {@link #check} validates lengths before anything else is read; the state machine answers
 * {@link #BAD_COMMAND} to anything that fails it and changes nothing.
 */
public final class RingCodec
{
    /** The command format's version. */
    public static final int VERSION = 1;

    public static final int ADD = 1;
    public static final int REMOVE = 2;
    public static final int ACK = 3;
    public static final int BOOTSTRAP = 4;

    /** Applied. */
    public static final int OK = 0;
    /** Malformed: a length that does not add up, an unknown type or version, a non-positive member id, no tokens. */
    public static final int BAD_COMMAND = 1;
    /** A ring change is already in progress: one at a time. */
    public static final int BUSY = 2;
    /** ADD of a member already on the ring. */
    public static final int ALREADY_MEMBER = 3;
    /** REMOVE of a member not on the ring. */
    public static final int NOT_MEMBER = 4;
    /** A token the ring already has (every token has one owner). */
    public static final int TOKEN_TAKEN = 5;
    /** The ring would hold fewer members than the state machine's minimum (the keyspaces' largest n). */
    public static final int TOO_FEW_MEMBERS = 6;
    /** The ring would hold more than {@link HashRing#MEMBERS_MAX} members. */
    public static final int TOO_MANY_MEMBERS = 7;
    /** ACK of a version that is not the current one, or from a member that is not a participant: ignored. */
    public static final int STALE_ACK = 8;
    /** BOOTSTRAP of a ring that is not empty. */
    public static final int NOT_EMPTY = 9;
    /** BOOTSTRAP, ADD or REMOVE before the ring was bootstrapped (ADD/REMOVE) or twice (BOOTSTRAP). */
    public static final int NO_RING = 10;

    public static final int TYPE_OFFSET = 0;
    public static final int VERSION_OFFSET = 1;
    public static final int MEMBER_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;
    public static final int TOKEN_COUNT_OFFSET = 8;
    public static final int TOKENS_OFFSET = 12;
    public static final int ACK_VERSION_OFFSET = 8;
    public static final int ACK_LENGTH = 16;
    public static final int RESPONSE_LENGTH = 12;
    /** The most tokens one member may own (bounds a command and the ring's size). */
    public static final int TOKENS_MAX = 1024;

    private RingCodec()
    {
    }

    /** @return {@link #OK} if the command's lengths and fields are sound, else {@link #BAD_COMMAND}. */
    public static int check(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH || (buffer.getByte(offset + VERSION_OFFSET) & 0xFF) != VERSION ||
            buffer.getShort(offset + 2) != 0)
        {
            return BAD_COMMAND;
        }
        final int member = buffer.getInt(offset + MEMBER_OFFSET);
        switch (type(buffer, offset))
        {
            case ADD:
            {
                if (length < TOKENS_OFFSET || member <= 0)
                {
                    return BAD_COMMAND;
                }
                final int count = buffer.getInt(offset + TOKEN_COUNT_OFFSET);
                return count >= 1 && count <= TOKENS_MAX && length == TOKENS_OFFSET + count * 8 ? OK : BAD_COMMAND;
            }
            case REMOVE:
                return length == HEADER_LENGTH && member > 0 ? OK : BAD_COMMAND;
            case ACK:
                return length == ACK_LENGTH && member > 0 && buffer.getLong(offset + ACK_VERSION_OFFSET) > 0 ? OK : BAD_COMMAND;
            case BOOTSTRAP:
            {
                if (member < 1 || member > HashRing.MEMBERS_MAX)
                {
                    return BAD_COMMAND;
                }
                int at = HEADER_LENGTH;
                for (int i = 0; i < member; i++)
                {
                    if (length - at < 8 || buffer.getInt(offset + at) <= 0)
                    {
                        return BAD_COMMAND;
                    }
                    final int count = buffer.getInt(offset + at + 4);
                    if (count < 1 || count > TOKENS_MAX || length - at - 8 < count * 8)
                    {
                        return BAD_COMMAND;
                    }
                    at += 8 + count * 8;
                }
                return at == length ? OK : BAD_COMMAND;
            }
            default:
                return BAD_COMMAND;
        }
    }

    public static int type(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    private static int header(final MutableDirectBuffer buffer, final int offset, final int type, final int member)
    {
        buffer.putByte(offset + TYPE_OFFSET, (byte)type);
        buffer.putByte(offset + VERSION_OFFSET, (byte)VERSION);
        buffer.putShort(offset + 2, (short)0);
        buffer.putInt(offset + MEMBER_OFFSET, member);
        return HEADER_LENGTH;
    }

    /** Writes ADD. @return its length. */
    public static int encodeAdd(final MutableDirectBuffer buffer, final int offset, final int member, final long[] tokens)
    {
        header(buffer, offset, ADD, member);
        buffer.putInt(offset + TOKEN_COUNT_OFFSET, tokens.length);
        for (int i = 0; i < tokens.length; i++)
        {
            buffer.putLong(offset + TOKENS_OFFSET + i * 8, tokens[i]);
        }
        return TOKENS_OFFSET + tokens.length * 8;
    }

    /** Writes REMOVE. @return its length. */
    public static int encodeRemove(final MutableDirectBuffer buffer, final int offset, final int member)
    {
        return header(buffer, offset, REMOVE, member);
    }

    /** Writes ACK. @return its length. Allocation-free. */
    public static int encodeAck(final MutableDirectBuffer buffer, final int offset, final int member, final long ringVersion)
    {
        header(buffer, offset, ACK, member);
        buffer.putLong(offset + ACK_VERSION_OFFSET, ringVersion);
        return ACK_LENGTH;
    }

    /** Writes BOOTSTRAP: member {@code members[i]} owns {@code tokens[i]}. @return its length. */
    public static int encodeBootstrap(final MutableDirectBuffer buffer, final int offset, final int[] members, final long[][] tokens)
    {
        header(buffer, offset, BOOTSTRAP, members.length);
        int at = offset + HEADER_LENGTH;
        for (int m = 0; m < members.length; m++)
        {
            buffer.putInt(at, members[m]);
            buffer.putInt(at + 4, tokens[m].length);
            at += 8;
            for (final long token : tokens[m])
            {
                buffer.putLong(at, token);
                at += 8;
            }
        }
        return at - offset;
    }

    /** @return the status of a response the state machine wrote. */
    public static int responseStatus(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset);
    }

    /** @return the ring version a response reports (after the command). */
    public static long responseVersion(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + 4);
    }

    /** @return the status's name. */
    public static String statusName(final int status)
    {
        final String[] names = {"OK", "BAD_COMMAND", "BUSY", "ALREADY_MEMBER", "NOT_MEMBER", "TOKEN_TAKEN", "TOO_FEW_MEMBERS",
            "TOO_MANY_MEMBERS", "STALE_ACK", "NOT_EMPTY", "NO_RING"};
        return status >= 0 && status < names.length ? names[status] : "UNKNOWN(" + status + ")";
    }
}
