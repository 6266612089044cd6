package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A record in {@link RaftAgent}'s proposal ring: what a host thread asks of a group, carried to the
 * agent thread. The ring's message type says which request it is; the layout (native byte order: both
 * ends are in one process) is
 *
 * <pre>
 *  +-------------------------------+                                                     0
 *  | group id (i32)                |
 *  +-------------------------------+-------------------------------+                     4
 *  | correlation id (i64)                                          |
 *  +---------------------------------------------------------------+                     12 (BODY_OFFSET)
 *  | PROPOSE, FORWARD: the command bytes ...                       |
 *  | READ:       read mode ordinal (i32)                           |
 *  | MEMBERSHIP: change (i32), member (i32)                        |
 *  | TRANSFER:   target (i32), 0 (i32)                             |
 *  | SESSION, FORWARD_SESSION: entry type (i32) | session id (i64) | argument (i64) | command bytes ...
 *  |             (SESSION_HEADER_LENGTH = 20)                      |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Writers are host threads, any number at once, so writing goes through static methods on a claimed
 * slot; the agent thread reads through one flyweight.
 */
final class ProposalRecord
{
    static final int PROPOSE = 1;
    static final int READ = 2;
    static final int SESSION = 3;
    static final int MEMBERSHIP = 4;
    static final int TRANSFER = 5;
    static final int FORWARD = 6;
    static final int SNAPSHOT = 7;
    static final int FORWARD_SESSION = 8;

    static final int GROUP_ID_OFFSET = 0;
    static final int CORRELATION_ID_OFFSET = 4;
    /** Where the request's own part starts. */
    static final int BODY_OFFSET = 12;
    /** A session request's fields before its command. */
    static final int SESSION_HEADER_LENGTH = 20;

    private DirectBuffer buffer;
    private int offset;
    private int length;

    /** Writes the common header of a record claimed at {@code index}. */
    static void header(final MutableDirectBuffer buffer, final int index, final int groupId, final long correlationId)
    {
        buffer.putInt(index + GROUP_ID_OFFSET, groupId);
        buffer.putLong(index + CORRELATION_ID_OFFSET, correlationId);
    }

    /** Writes a session request's fields after the header; its command goes at {@link #SESSION_HEADER_LENGTH} into the body. */
    static void session(final MutableDirectBuffer buffer, final int index, final int type, final long sessionId, final long argument)
    {
        buffer.putInt(index + BODY_OFFSET, type);
        buffer.putLong(index + BODY_OFFSET + 4, sessionId);
        buffer.putLong(index + BODY_OFFSET + 12, argument);
    }

    /** Wraps a record of {@code length} bytes at {@code offset}, for reading. */
    ProposalRecord wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    int groupId()
    {
        return buffer.getInt(offset + GROUP_ID_OFFSET);
    }

    long correlationId()
    {
        return buffer.getLong(offset + CORRELATION_ID_OFFSET);
    }

    /** @return the first int of the body (read mode, membership change, transfer target, session entry type). */
    int first()
    {
        return buffer.getInt(offset + BODY_OFFSET);
    }

    /** @return the second int of the body (the member of a membership change). */
    int second()
    {
        return buffer.getInt(offset + BODY_OFFSET + 4);
    }

    long sessionId()
    {
        return buffer.getLong(offset + BODY_OFFSET + 4);
    }

    long sessionArgument()
    {
        return buffer.getLong(offset + BODY_OFFSET + 12);
    }

    /** @return where the command of a PROPOSE or FORWARD record starts. */
    int commandOffset()
    {
        return offset + BODY_OFFSET;
    }

    int commandLength()
    {
        return length - BODY_OFFSET;
    }

    /** @return where the command of a SESSION record starts. */
    int sessionCommandOffset()
    {
        return offset + BODY_OFFSET + SESSION_HEADER_LENGTH;
    }

    int sessionCommandLength()
    {
        return length - BODY_OFFSET - SESSION_HEADER_LENGTH;
    }
}
