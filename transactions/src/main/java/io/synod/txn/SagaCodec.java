package io.synod.txn;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Saga commands to the coordinator group ({@link SagaLog}, inside {@link CoordinatorStateMachine}). They
 * share {@link CoordinatorCodec}'s 16-byte header (op, then the saga id where a transaction's id goes) and
 * its 16-byte response (status, the saga's state, the saga's current step as detail). Little-endian.
 *
 * <pre>
 *   SAGA_BEGIN:    step count (u16), name length (u16), input length (int), name (UTF-8), input
 *   SAGA_STEP:     step (int), event (int: {@link #EXECUTING} .. {@link #PARK}), payload length (int), payload
 *                  (EXECUTED: the step's result; FAILED, UNRESOLVED, PARK: a message in UTF-8)
 *   SAGA_OPERATOR: action (int: {@link #CANCEL}, {@link #RESUME}, {@link #SKIP}), park generation (int; the
 *                  saga's {@link SagaStatus#parks()} when the operator looked, for RESUME and SKIP)
 * </pre>
 * Every event names the step it is about and applies only while the saga is at that step in the matching
 * state, so a repeated, late or stale command (an old leader's) changes nothing.
 */
public final class SagaCodec
{
    /** Opens a saga record (idempotent by saga id). */
    public static final int SAGA_BEGIN = 16;
    /** A step event. */
    public static final int SAGA_STEP = 17;
    /** An operator's or client's request: cancel, resume, skip. */
    public static final int SAGA_OPERATOR = 18;

    /** Event: the step is about to run (recorded before its first execute). */
    public static final int EXECUTING = 1;
    /** Event: the step's execute returned; payload: its result. */
    public static final int EXECUTED = 2;
    /** Event: the step's execute failed definitely (it took no effect); payload: message. */
    public static final int FAILED = 3;
    /** Event: the step's outcome stayed unknown after every retry: it is compensated as if it took effect. */
    public static final int UNRESOLVED = 4;
    /** Event: the step's compensation returned. */
    public static final int COMPENSATED = 5;
    /** Event: the step's compensation kept failing: the saga waits for an operator; payload: message. */
    public static final int PARK = 6;

    /** Operator action: cancel a running saga (compensations run). */
    public static final int CANCEL = 1;
    /** Operator action: retry the parked compensation. */
    public static final int RESUME = 2;
    /** Operator action: treat the parked compensation as done (the operator undid the step) and go on. */
    public static final int SKIP = 3;

    /** Steps a saga may have. */
    public static final int STEPS_MAX = 64;
    /** Bytes of a saga's name. */
    public static final int NAME_MAX = 128;
    /** Bytes of a saga's input. */
    public static final int INPUT_MAX = 8 * 1024;
    /** Bytes of one step's result. */
    public static final int RESULT_MAX = 1024;
    /** Bytes of a recorded message (longer ones are cut). */
    public static final int MESSAGE_MAX = 256;

    private SagaCodec()
    {
    }

    /**
     * Writes a SAGA_BEGIN. @return its length.
     *
     * @throws IllegalArgumentException if a limit is exceeded.
     */
    public static int encodeBegin(
        final MutableDirectBuffer buffer, final int offset, final long sagaId, final String name, final int steps, final byte[] input)
    {
        final byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (sagaId == 0 || steps < 1 || steps > STEPS_MAX || nameBytes.length == 0 || nameBytes.length > NAME_MAX ||
            input.length > INPUT_MAX)
        {
            throw new IllegalArgumentException("saga id 0, steps not in [1, " + STEPS_MAX + "], empty or long name, or input over " +
                INPUT_MAX + " bytes");
        }
        CoordinatorCodec.header(buffer, offset, SAGA_BEGIN, sagaId);
        final int body = offset + CoordinatorCodec.HEADER_LENGTH;
        buffer.putShort(body, (short)steps, LITTLE_ENDIAN);
        buffer.putShort(body + 2, (short)nameBytes.length, LITTLE_ENDIAN);
        buffer.putInt(body + 4, input.length, LITTLE_ENDIAN);
        buffer.putBytes(body + 8, nameBytes);
        buffer.putBytes(body + 8 + nameBytes.length, input);
        return CoordinatorCodec.HEADER_LENGTH + 8 + nameBytes.length + input.length;
    }

    /** Writes a SAGA_STEP. @return its length. */
    public static int encodeStep(
        final MutableDirectBuffer buffer, final int offset, final long sagaId, final int step, final int event, final byte[] payload)
    {
        CoordinatorCodec.header(buffer, offset, SAGA_STEP, sagaId);
        final int body = offset + CoordinatorCodec.HEADER_LENGTH;
        buffer.putInt(body, step, LITTLE_ENDIAN);
        buffer.putInt(body + 4, event, LITTLE_ENDIAN);
        buffer.putInt(body + 8, payload.length, LITTLE_ENDIAN);
        buffer.putBytes(body + 12, payload);
        return CoordinatorCodec.HEADER_LENGTH + 12 + payload.length;
    }

    /** Writes a SAGA_OPERATOR. @return its length. */
    public static int encodeOperator(final MutableDirectBuffer buffer, final int offset, final long sagaId, final int action, final int parks)
    {
        CoordinatorCodec.header(buffer, offset, SAGA_OPERATOR, sagaId);
        buffer.putInt(offset + CoordinatorCodec.HEADER_LENGTH, action, LITTLE_ENDIAN);
        buffer.putInt(offset + CoordinatorCodec.HEADER_LENGTH + 4, parks, LITTLE_ENDIAN);
        return CoordinatorCodec.HEADER_LENGTH + 8;
    }

    /** @return a message as at most {@link #MESSAGE_MAX} bytes of UTF-8. */
    static byte[] message(final String message)
    {
        final byte[] bytes = String.valueOf(message).getBytes(StandardCharsets.UTF_8);
        return bytes.length <= MESSAGE_MAX ? bytes : java.util.Arrays.copyOf(bytes, MESSAGE_MAX);
    }

    static int getInt(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset, LITTLE_ENDIAN);
    }
}
