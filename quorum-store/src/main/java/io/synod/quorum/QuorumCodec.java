package io.synod.quorum;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The replica protocol's message layouts, carried as bodies of raft-core's application messages
 * ({@code MessageType.MESSAGE}, one service id per node). Little-endian. Every message starts with:
 * <pre>
 *   0       1       2       3       4               8                              16
 *  +-------+-------+-------+-------+---------------+-------------------------------+
 *  | type  |version| param | flags |  keyspace id  |  request id (epoch &lt;&lt; 32 ...) |
 *  +-------+-------+-------+-------+---------------+-------------------------------+
 * </pre>
 * then, by type (offsets from the start of the message):
 * <pre>
 *  64 PUT_REQUEST        16 key length (u16) | 18 key | set ({@link DvvSet} encoding, to the end)
 *  65 PUT_REPLY          16 status (i32)
 *  66 GET_REQUEST        16 key length (u16) | 18 key
 *  67 GET_REPLY          16 status (i32) | 20 set (to the end; empty set if absent)
 *  68 FORWARD_PUT        param = w, flags = value flags | 16 r (u8) | 17 0 | 18 key length (u16)
 *                        | 20 context length (u16) | 22 0 (u16) | 24 value length (i32) | 28 key | context | value
 *  69 FORWARD_PUT_REPLY  16 status (i32)
 *  70 QUERY              16 key length (u16) | 18 key                                  (atomic mode)
 *  71 QUERY_REPLY        flags = value flags | 16 ts (i64) | 24 writer (i32) | 28 nonce (i64) | 36 value length (i32) | 40 value
 *  72 UPDATE             flags = value flags | 16 ts (i64) | 24 writer (i32) | 28 nonce (i64) | 36 key length (u16) | 38 0
 *                        | 40 value length (i32) | 44 key | value
 *  73 UPDATE_ACK         16 status (i32)
 *  74 HINT               16 owner (i32) | 20 key length (u16) | 22 key | set           (hinted handoff)
 *  75 HINT_ACK           16 status (i32) | 20 owner (i32)
 *  76 HANDOFF            as PUT_REQUEST; request id = the hinted set's summary
 *  77 HANDOFF_ACK        16 status (i32) | 20 key length (u16) | 22 key; request id echoed
 *  78 AE_BRANCHES        flags = 0 asking, 1 answering | 16 32 branch hashes (i64)     (anti-entropy)
 *  79 AE_PUSH            as PUT_REQUEST, no answer
 *  80-83                 the client protocol ({@link ClientRequests})
 *  84 TOMBSTONE_PROBE    as GET_REQUEST; request id = the tombstone record's summary   (tombstone collection)
 *  85 TOMBSTONE_ACK      as GET_REQUEST; request id = the summary the replica holds
 *  86 TOMBSTONE_COLLECT  as GET_REQUEST; request id = the summary to remove
 * </pre>
 * {@link #check} validates a message's lengths before any field is read; a message that fails is dropped
 * and counted by the node, never thrown about.
 */
public final class QuorumCodec
{
    public static final int VERSION = 1;

    public static final int PUT_REQUEST = 64;
    public static final int PUT_REPLY = 65;
    public static final int GET_REQUEST = 66;
    public static final int GET_REPLY = 67;
    public static final int FORWARD_PUT = 68;
    public static final int FORWARD_PUT_REPLY = 69;
    public static final int QUERY = 70;
    public static final int QUERY_REPLY = 71;
    public static final int UPDATE = 72;
    public static final int UPDATE_ACK = 73;
    public static final int HINT = 74;
    public static final int HINT_ACK = 75;
    public static final int HANDOFF = 76;
    public static final int HANDOFF_ACK = 77;
    public static final int AE_BRANCHES = 78;
    public static final int AE_PUSH = 79;
    /** The key's first replica asks: do you hold this tombstone-only record (summary in the request id)? */
    public static final int TOMBSTONE_PROBE = 84;
    /** A replica answers a probe: it holds that record. */
    public static final int TOMBSTONE_ACK = 85;
    /** The key's first replica: the grace is over, remove the record if it is still that one. */
    public static final int TOMBSTONE_COLLECT = 86;

    public static final int HINT_OWNER_OFFSET = 16;
    public static final int HINT_KEY_LENGTH_OFFSET = 20;
    public static final int HINT_KEY_OFFSET = 22;
    public static final int HINT_ACK_OWNER_OFFSET = 20;
    public static final int HINT_ACK_LENGTH = 24;
    public static final int HANDOFF_ACK_KEY_LENGTH_OFFSET = 20;
    public static final int HANDOFF_ACK_KEY_OFFSET = 22;

    public static final int TYPE_OFFSET = 0;
    public static final int VERSION_OFFSET = 1;
    public static final int PARAM_OFFSET = 2;
    public static final int FLAGS_OFFSET = 3;
    public static final int KEYSPACE_OFFSET = 4;
    public static final int REQUEST_ID_OFFSET = 8;
    public static final int HEADER_LENGTH = 16;

    /** PUT_REQUEST, GET_REQUEST, QUERY: key length, then the key. */
    public static final int KEY_LENGTH_OFFSET = 16;
    public static final int KEY_OFFSET = 18;
    /** Replies: the status. */
    public static final int STATUS_OFFSET = 16;
    public static final int REPLY_LENGTH = 20;
    public static final int GET_REPLY_SET_OFFSET = 20;

    public static final int FORWARD_R_OFFSET = 16;
    public static final int FORWARD_KEY_LENGTH_OFFSET = 18;
    public static final int FORWARD_CONTEXT_LENGTH_OFFSET = 20;
    public static final int FORWARD_VALUE_LENGTH_OFFSET = 24;
    public static final int FORWARD_KEY_OFFSET = 28;

    public static final int TS_OFFSET = 16;
    public static final int WRITER_OFFSET = 24;
    /** The tag's last part: the writing request's id, so that two writes of one member never share a tag. */
    public static final int NONCE_OFFSET = 28;
    public static final int QUERY_REPLY_VALUE_LENGTH_OFFSET = 36;
    public static final int QUERY_REPLY_VALUE_OFFSET = 40;
    public static final int UPDATE_KEY_LENGTH_OFFSET = 36;
    public static final int UPDATE_VALUE_LENGTH_OFFSET = 40;
    public static final int UPDATE_KEY_OFFSET = 44;

    /** {@link #check}: the message is well formed. */
    public static final int OK = 0;
    /** Too short for its header, or its lengths do not add up to the message. */
    public static final int BAD_LENGTH = 1;
    /** Another protocol version. */
    public static final int BAD_VERSION = 2;
    /** A type this node does not handle. */
    public static final int BAD_TYPE = 3;
    /** A field out of range (a key longer than allowed, an empty key, a negative length). */
    public static final int BAD_FIELD = 4;
    /** Reasons, for sizing counter arrays. */
    public static final int REASON_COUNT = 5;

    private QuorumCodec()
    {
    }

    /**
     * Checks a message's header and lengths for {@code type} (as read from the message). On {@link #OK}
     * every fixed field of the type is inside the message and every declared length fits it; the DvvSet
     * body, if any, is still to be decoded (and checked) by {@link DvvSet#decode}.
     */
    public static int check(final DirectBuffer buffer, final int offset, final int length, final int keyLengthMax)
    {
        if (length < HEADER_LENGTH || offset < 0 || length > buffer.capacity() - offset)
        {
            return BAD_LENGTH;
        }
        if ((buffer.getByte(offset + VERSION_OFFSET) & 0xFF) != VERSION)
        {
            return BAD_VERSION;
        }
        final int type = buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
        switch (type)
        {
            case PUT_REQUEST:
            case HANDOFF:
            case AE_PUSH:
            case GET_REQUEST:
            case ClientRequests.CLIENT_GET:
            case QUERY:
            case TOMBSTONE_PROBE:
            case TOMBSTONE_ACK:
            case TOMBSTONE_COLLECT:
            {
                if (length < KEY_OFFSET)
                {
                    return BAD_LENGTH;
                }
                final int keyLength = buffer.getShort(offset + KEY_LENGTH_OFFSET) & 0xFFFF;
                if (keyLength == 0 || keyLength > keyLengthMax)
                {
                    return BAD_FIELD;
                }
                if (type == PUT_REQUEST || type == HANDOFF || type == AE_PUSH ? keyLength > length - KEY_OFFSET : keyLength != length - KEY_OFFSET)
                {
                    return BAD_LENGTH;
                }
                return OK;
            }
            case PUT_REPLY:
            case FORWARD_PUT_REPLY:
            case UPDATE_ACK:
                return length == REPLY_LENGTH ? OK : BAD_LENGTH;
            case GET_REPLY:
                return length >= GET_REPLY_SET_OFFSET + DvvSet.HEADER_LENGTH ? OK : BAD_LENGTH;
            case HINT_ACK:
                return length == HINT_ACK_LENGTH ? OK : BAD_LENGTH;
            case AE_BRANCHES:
                return length == AntiEntropy.BRANCHES_LENGTH ? OK : BAD_LENGTH;
            case HINT:
            case HANDOFF_ACK:
            {
                final int keyAt = type == HINT ? HINT_KEY_OFFSET : HANDOFF_ACK_KEY_OFFSET;
                if (length < keyAt)
                {
                    return BAD_LENGTH;
                }
                final int keyLength = buffer.getShort(offset + keyAt - 2) & 0xFFFF;
                if (keyLength == 0 || keyLength > keyLengthMax || (type == HINT && buffer.getInt(offset + HINT_OWNER_OFFSET) <= 0))
                {
                    return BAD_FIELD;
                }
                return (type == HINT ? keyLength <= length - keyAt : keyLength == length - keyAt) ? OK : BAD_LENGTH;
            }
            case FORWARD_PUT:
            case ClientRequests.CLIENT_PUT:
            {
                if (length < FORWARD_KEY_OFFSET)
                {
                    return BAD_LENGTH;
                }
                final int keyLength = buffer.getShort(offset + FORWARD_KEY_LENGTH_OFFSET) & 0xFFFF;
                final int contextLength = buffer.getShort(offset + FORWARD_CONTEXT_LENGTH_OFFSET) & 0xFFFF;
                final int valueLength = buffer.getInt(offset + FORWARD_VALUE_LENGTH_OFFSET);
                if (keyLength == 0 || keyLength > keyLengthMax || valueLength < 0)
                {
                    return BAD_FIELD;
                }
                return (long)FORWARD_KEY_OFFSET + keyLength + contextLength + valueLength == length ? OK : BAD_LENGTH;
            }
            case QUERY_REPLY:
            {
                if (length < QUERY_REPLY_VALUE_OFFSET)
                {
                    return BAD_LENGTH;
                }
                final int valueLength = buffer.getInt(offset + QUERY_REPLY_VALUE_LENGTH_OFFSET);
                if (valueLength < 0 || buffer.getLong(offset + TS_OFFSET) < 0)
                {
                    return BAD_FIELD;
                }
                return QUERY_REPLY_VALUE_OFFSET + (long)valueLength == length ? OK : BAD_LENGTH;
            }
            case UPDATE:
            {
                if (length < UPDATE_KEY_OFFSET)
                {
                    return BAD_LENGTH;
                }
                final int keyLength = buffer.getShort(offset + UPDATE_KEY_LENGTH_OFFSET) & 0xFFFF;
                final int valueLength = buffer.getInt(offset + UPDATE_VALUE_LENGTH_OFFSET);
                if (keyLength == 0 || keyLength > keyLengthMax || valueLength < 0 || buffer.getLong(offset + TS_OFFSET) < 0)
                {
                    return BAD_FIELD;
                }
                return (long)UPDATE_KEY_OFFSET + keyLength + valueLength == length ? OK : BAD_LENGTH;
            }
            default:
                return BAD_TYPE;
        }
    }

    /** Writes the common header. @return {@link #HEADER_LENGTH}. */
    public static int encodeHeader(
        final MutableDirectBuffer buffer, final int type, final int param, final int flags, final int keyspaceId, final long requestId)
    {
        buffer.putByte(TYPE_OFFSET, (byte)type);
        buffer.putByte(VERSION_OFFSET, (byte)VERSION);
        buffer.putByte(PARAM_OFFSET, (byte)param);
        buffer.putByte(FLAGS_OFFSET, (byte)flags);
        buffer.putInt(KEYSPACE_OFFSET, keyspaceId);
        buffer.putLong(REQUEST_ID_OFFSET, requestId);
        return HEADER_LENGTH;
    }

    /** Writes a reply (PUT_REPLY, FORWARD_PUT_REPLY, UPDATE_ACK). @return {@link #REPLY_LENGTH}. */
    public static int encodeReply(
        final MutableDirectBuffer buffer, final int type, final int keyspaceId, final long requestId, final int status)
    {
        encodeHeader(buffer, type, 0, 0, keyspaceId, requestId);
        buffer.putInt(STATUS_OFFSET, status);
        return REPLY_LENGTH;
    }

    /** Writes a FORWARD_PUT (or a CLIENT_PUT's body) into {@code out} from 0. @return its length. */
    public static int encodeForwardPut(
        final MutableDirectBuffer out, final int keyspaceId, final long requestId, final int w, final int r, final byte flags,
        final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer context, final int contextOffset,
        final int contextLength, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        encodeHeader(out, FORWARD_PUT, w, flags, keyspaceId, requestId);
        out.putByte(FORWARD_R_OFFSET, (byte)r);
        out.putByte(FORWARD_R_OFFSET + 1, (byte)0);
        out.putShort(FORWARD_KEY_LENGTH_OFFSET, (short)keyLength);
        out.putShort(FORWARD_CONTEXT_LENGTH_OFFSET, (short)contextLength);
        out.putShort(FORWARD_CONTEXT_LENGTH_OFFSET + 2, (short)0);
        out.putInt(FORWARD_VALUE_LENGTH_OFFSET, valueLength);
        int at = FORWARD_KEY_OFFSET;
        out.putBytes(at, key, keyOffset, keyLength);
        at += keyLength;
        out.putBytes(at, context, contextOffset, contextLength);
        at += contextLength;
        out.putBytes(at, value, valueOffset, valueLength);
        return at + valueLength;
    }

    /** Writes the key of a PUT_REQUEST, GET_REQUEST or QUERY after its header. @return the offset after the key. */
    public static int encodeKey(final MutableDirectBuffer buffer, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        buffer.putShort(KEY_LENGTH_OFFSET, (short)keyLength);
        buffer.putBytes(KEY_OFFSET, key, keyOffset, keyLength);
        return KEY_OFFSET + keyLength;
    }

    public static int type(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public static int param(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + PARAM_OFFSET) & 0xFF;
    }

    public static byte flags(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + FLAGS_OFFSET);
    }

    public static int keyspaceId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + KEYSPACE_OFFSET);
    }

    public static long requestId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + REQUEST_ID_OFFSET);
    }

    public static int status(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + STATUS_OFFSET);
    }

    public static int keyLength(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + KEY_LENGTH_OFFSET) & 0xFFFF;
    }
}
