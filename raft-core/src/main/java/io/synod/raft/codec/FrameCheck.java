package io.synod.raft.codec;

import org.agrona.DirectBuffer;

/**
 * Validation of inbound frames before anything reads their fields. A frame that fails is dropped
 * and counted under its reason; nothing is thrown.
 */
public final class FrameCheck
{
    public static final int OK = 0;
    /** Shorter than a header, body length disagreeing with the frame, or a body that does not add up. */
    public static final int BAD_LENGTH = 1;
    /** A protocol version this build does not speak. */
    public static final int BAD_VERSION = 2;
    /** An unknown message type. */
    public static final int BAD_TYPE = 3;
    /** Sent for another cluster id. */
    public static final int WRONG_CLUSTER = 4;
    /** Sent for a group (or, for an application message, a service) this agent does not host. */
    public static final int UNKNOWN_GROUP = 5;
    /** From a member that is not in the configuration (or a client that has not said hello), or addressed to another member. */
    public static final int UNKNOWN_MEMBER = 6;
    /** A field out of range (negative index or term, entry term above the message term, ...). */
    public static final int BAD_FIELD = 7;
    /** Failed peer authentication. */
    public static final int BAD_MAC = 8;

    /** Number of reasons, for sizing counter arrays. */
    public static final int REASON_COUNT = 9;

    private FrameCheck()
    {
    }

    /**
     * Checks the parts of a frame that need no node state: length, version, type and the fixed body
     * length for the type. On {@link #OK} the header (wrapped by the caller at {@code offset}) can be read
     * safely and the body holds at least its fixed fields.
     */
    public static int checkHeader(final MessageHeader header, final DirectBuffer buffer, final int offset, final int length)
    {
        // Subtract rather than add: offset + length can overflow int and pass the bound.
        if (length < MessageHeader.LENGTH || offset < 0 || length > buffer.capacity() - offset)
        {
            return BAD_LENGTH;
        }
        header.wrap(buffer, offset);
        if (header.version() != MessageHeader.VERSION)
        {
            return BAD_VERSION;
        }
        final int type = header.type();
        final int fixedBodyLength = MessageType.fixedBodyLength(type);
        if (fixedBodyLength < 0)
        {
            return BAD_TYPE;
        }
        final int bodyLength = header.bodyLength();
        if (bodyLength != length - MessageHeader.LENGTH)
        {
            return BAD_LENGTH;
        }
        final boolean variable = type == MessageType.APPEND_REQUEST || type == MessageType.INSTALL_SNAPSHOT ||
            type == MessageType.FORWARD || type == MessageType.MESSAGE || type == MessageType.CLIENT_HELLO ||
            type == MessageType.BATCH;
        if (variable ? bodyLength < fixedBodyLength : bodyLength != fixedBodyLength)
        {
            return BAD_LENGTH;
        }
        if (type == MessageType.CLIENT_HELLO && bodyLength > MessageType.CLIENT_ENDPOINT_MAX)
        {
            return BAD_LENGTH;
        }
        if (header.term() < 0)
        {
            return BAD_FIELD;
        }
        return OK;
    }

    /**
     * The length of the frame at {@code offset} inside a {@link MessageType#BATCH} body that ends at {@code end}:
     * its header and body must fit before {@code end}, and it must not be a batch itself. Leaves {@code header}
     * wrapped at {@code offset} (the frame's own checks come after, as for any frame).
     *
     * @return the inner frame's length, or -1 if it does not fit or is a batch.
     */
    public static int batchedFrameLength(final MessageHeader header, final DirectBuffer buffer, final int offset, final int end)
    {
        if (end - offset < MessageHeader.LENGTH)
        {
            return -1;
        }
        final int bodyLength = header.wrap(buffer, offset).bodyLength();
        return bodyLength < 0 || bodyLength > end - offset - MessageHeader.LENGTH || header.type() == MessageType.BATCH ? -1 :
            MessageHeader.LENGTH + bodyLength;
    }

    public static String reason(final int code)
    {
        switch (code)
        {
            case OK:
                return "OK";
            case BAD_LENGTH:
                return "BAD_LENGTH";
            case BAD_VERSION:
                return "BAD_VERSION";
            case BAD_TYPE:
                return "BAD_TYPE";
            case WRONG_CLUSTER:
                return "WRONG_CLUSTER";
            case UNKNOWN_GROUP:
                return "UNKNOWN_GROUP";
            case UNKNOWN_MEMBER:
                return "UNKNOWN_MEMBER";
            case BAD_FIELD:
                return "BAD_FIELD";
            case BAD_MAC:
                return "BAD_MAC";
            default:
                return "UNKNOWN(" + code + ")";
        }
    }
}
