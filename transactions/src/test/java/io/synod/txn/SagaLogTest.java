package io.synod.txn;

import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The saga log's state machine, one command at a time: every transition of the diagram in {@link SagaLog}'s
 * javadoc, stale and repeated commands changing nothing, the operator's park-counter guard, bad requests,
 * the record limit, and snapshots that a replica restored from answers exactly like the one that took them
 * (seeded command sequences; a failure names its seed).
 */
class SagaLogTest
{
    private static final byte[] NONE = new byte[0];

    private final SagaLog log = new SagaLog();
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(256);
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(64);

    @Test
    void shouldRunEveryStepThenComplete()
    {
        assertEquals(CoordinatorCodec.OK, begin(log, 7, 3));
        assertEquals(SagaLog.RUNNING, log.state(7));
        for (int step = 0; step < 3; step++)
        {
            assertFalse(log.isExecuting(7));
            assertEquals(CoordinatorCodec.OK, step(log, 7, step, SagaCodec.EXECUTING, NONE));
            assertTrue(log.isExecuting(7));
            assertEquals(CoordinatorCodec.OK, step(log, 7, step, SagaCodec.EXECUTED, bytes("r" + step)));
            if (step < 2)
            {
                assertArrayEquals(bytes("r" + step), log.result(7, step), "a step's result is kept for the next steps");
            }
        }
        assertEquals(SagaLog.COMPLETED, log.state(7));
        assertEquals(0, log.unfinishedCount());
        assertNull(log.result(7, 0), "a finished saga keeps no results");
        assertArrayEquals(NONE, log.input(7), "a finished saga keeps no input");

        assertEquals(CoordinatorCodec.OK, begin(log, 7, 3), "a retried BEGIN answers with the record");
        assertEquals(SagaLog.COMPLETED, CoordinatorCodec.state(response, 0));
        assertEquals(1, log.size());
    }

    @Test
    void shouldIgnoreStaleRepeatedAndOutOfOrderSteps()
    {
        begin(log, 1, 3);
        step(log, 1, 0, SagaCodec.EXECUTED, bytes("early"));
        assertEquals(0, log.step(1), "EXECUTED before EXECUTING changes nothing");
        assertNull(log.result(1, 0));

        step(log, 1, 0, SagaCodec.EXECUTING, NONE);
        step(log, 1, 0, SagaCodec.EXECUTED, bytes("r0"));
        step(log, 1, 0, SagaCodec.EXECUTED, bytes("again"));
        step(log, 1, 0, SagaCodec.FAILED, bytes("late failure"));
        assertEquals(1, log.step(1));
        assertEquals(SagaLog.RUNNING, log.state(1));
        assertArrayEquals(bytes("r0"), log.result(1, 0), "a repeated EXECUTED does not overwrite the result");

        step(log, 1, 2, SagaCodec.EXECUTING, NONE);
        assertFalse(log.isExecuting(1), "a command for a later step changes nothing");
        step(log, 1, 1, SagaCodec.COMPENSATED, NONE);
        step(log, 1, 1, SagaCodec.PARK, bytes("not compensating"));
        assertEquals(SagaLog.RUNNING, log.state(1), "COMPENSATED and PARK while running change nothing");
    }

    @Test
    void shouldCompensateTheStepsBeforeAFailedOne()
    {
        begin(log, 2, 4);
        runStep(log, 2, 0);
        runStep(log, 2, 1);
        step(log, 2, 2, SagaCodec.EXECUTING, NONE);
        step(log, 2, 2, SagaCodec.FAILED, bytes("card declined"));
        SagaStatus status = log.status(2);
        assertEquals(SagaLog.COMPENSATING, status.state());
        assertEquals(1, status.step(), "the failed step took no effect: compensation starts below it");
        assertEquals(SagaLog.CAUSE_FAILED, status.cause());
        assertEquals("card declined", status.message());

        step(log, 2, 1, SagaCodec.COMPENSATED, NONE);
        assertEquals(0, log.step(2));
        step(log, 2, 0, SagaCodec.COMPENSATED, NONE);
        assertEquals(SagaLog.COMPENSATED, log.state(2));
        assertEquals(0, log.unfinishedCount());

        begin(log, 3, 2);
        step(log, 3, 0, SagaCodec.EXECUTING, NONE);
        step(log, 3, 0, SagaCodec.FAILED, bytes("no"));
        assertEquals(SagaLog.COMPENSATED, log.state(3), "a first step that failed leaves nothing to compensate");
    }

    @Test
    void shouldCompensateAStepWhoseOutcomeStayedUnknown()
    {
        begin(log, 4, 3);
        runStep(log, 4, 0);
        step(log, 4, 1, SagaCodec.EXECUTING, NONE);
        step(log, 4, 1, SagaCodec.UNRESOLVED, bytes("no answer after 5 tries"));
        final SagaStatus status = log.status(4);
        assertEquals(SagaLog.COMPENSATING, status.state());
        assertEquals(1, status.step(), "it may have taken effect: undo it too");
        assertEquals(SagaLog.CAUSE_UNRESOLVED, status.cause());
    }

    @Test
    void shouldCancelAtOnceBetweenStepsAndAfterTheStepInFlight()
    {
        begin(log, 5, 3);
        runStep(log, 5, 0);
        operator(log, 5, SagaCodec.CANCEL, 0);
        assertEquals(SagaLog.COMPENSATING, log.state(5));
        assertEquals(0, log.step(5), "step 1 never started: compensation starts at step 0");
        assertEquals(SagaLog.CAUSE_CANCELLED, log.status(5).cause());

        begin(log, 6, 3);
        runStep(log, 6, 0);
        step(log, 6, 1, SagaCodec.EXECUTING, NONE);
        operator(log, 6, SagaCodec.CANCEL, 0);
        assertEquals(SagaLog.RUNNING, log.state(6), "the step in flight finishes first");
        assertTrue(log.status(6).cancelRequested());
        step(log, 6, 1, SagaCodec.EXECUTED, bytes("done"));
        assertEquals(SagaLog.COMPENSATING, log.state(6));
        assertEquals(1, log.step(6), "the step that ran under the cancel is compensated too");

        begin(log, 8, 3);
        step(log, 8, 0, SagaCodec.EXECUTING, NONE);
        operator(log, 8, SagaCodec.CANCEL, 0);
        step(log, 8, 0, SagaCodec.FAILED, bytes("failed anyway"));
        assertEquals(SagaLog.COMPENSATED, log.state(8));
        assertEquals(SagaLog.CAUSE_CANCELLED, log.status(8).cause(), "a cancel keeps its cause when the step then fails");

        operator(log, 8, SagaCodec.CANCEL, 0);
        assertEquals(SagaLog.COMPENSATED, log.state(8), "a cancel of a finished saga changes nothing");
    }

    @Test
    void shouldParkAndLetOnlyAnOperatorWhoSawThatParkResumeOrSkip()
    {
        begin(log, 9, 3);
        runStep(log, 9, 0);
        runStep(log, 9, 1);
        step(log, 9, 2, SagaCodec.EXECUTING, NONE);
        step(log, 9, 2, SagaCodec.FAILED, bytes("out of stock"));
        step(log, 9, 1, SagaCodec.PARK, bytes("refund service refuses"));
        SagaStatus status = log.status(9);
        assertEquals(SagaLog.PARKED, status.state());
        assertEquals(1, status.parks());
        assertEquals("refund service refuses", status.message());
        assertEquals(1, log.parked().size());

        operator(log, 9, SagaCodec.RESUME, 0);
        assertEquals(SagaLog.PARKED, log.state(9), "a RESUME for another park changes nothing");
        operator(log, 9, SagaCodec.RESUME, 1);
        assertEquals(SagaLog.COMPENSATING, log.state(9));
        assertEquals(1, log.step(9), "a resumed saga retries the same compensation");

        step(log, 9, 1, SagaCodec.PARK, bytes("still refusing"));
        assertEquals(2, log.status(9).parks());
        operator(log, 9, SagaCodec.SKIP, 1);
        assertEquals(SagaLog.PARKED, log.state(9), "a SKIP decided on the first park does not apply to the second");
        operator(log, 9, SagaCodec.SKIP, 2);
        status = log.status(9);
        assertEquals(SagaLog.COMPENSATING, status.state());
        assertEquals(0, status.step());
        assertEquals(1L << 1, status.skippedSteps(), "the skipped compensation is recorded");
        step(log, 9, 0, SagaCodec.COMPENSATED, NONE);
        assertEquals(SagaLog.COMPENSATED, log.state(9));
        assertTrue(log.parked().isEmpty());
    }

    @Test
    void shouldRefuseBadRequestsAndUnknownSagas()
    {
        assertEquals(CoordinatorCodec.UNKNOWN_TXN, step(log, 99, 0, SagaCodec.EXECUTING, NONE));
        assertEquals(CoordinatorCodec.UNKNOWN_TXN, operator(log, 99, SagaCodec.CANCEL, 0));

        // BEGIN: saga id 0, no steps, too many steps, a body whose lengths disagree.
        assertEquals(CoordinatorCodec.BAD_REQUEST, rawBegin(0, 1, "n", NONE, 0));
        assertEquals(CoordinatorCodec.BAD_REQUEST, rawBegin(10, 0, "n", NONE, 0));
        assertEquals(CoordinatorCodec.BAD_REQUEST, rawBegin(10, SagaCodec.STEPS_MAX + 1, "n", NONE, 0));
        assertEquals(CoordinatorCodec.BAD_REQUEST, rawBegin(10, 1, "", NONE, 0));
        assertEquals(CoordinatorCodec.BAD_REQUEST, rawBegin(10, 1, "n", NONE, 3));
        assertEquals(CoordinatorCodec.BAD_REQUEST, rawBegin(10, 1, "n", NONE, -3));
        assertEquals(0, log.size(), "nothing recorded from a bad BEGIN");

        begin(log, 10, 2);
        assertEquals(CoordinatorCodec.BAD_REQUEST, step(log, 10, 0, 0, NONE), "event 0");
        assertEquals(CoordinatorCodec.BAD_REQUEST, step(log, 10, 0, SagaCodec.PARK + 1, NONE), "event past PARK");
        step(log, 10, 0, SagaCodec.EXECUTING, NONE);
        assertEquals(CoordinatorCodec.BAD_REQUEST, step(log, 10, 0, SagaCodec.EXECUTED, new byte[SagaCodec.RESULT_MAX + 1]));
        assertEquals(CoordinatorCodec.BAD_REQUEST, step(log, 10, 0, SagaCodec.FAILED, new byte[SagaCodec.MESSAGE_MAX + 1]));
        assertTrue(log.isExecuting(10), "a refused command changed nothing");

        int length = SagaCodec.encodeStep(command, 0, 10, 0, SagaCodec.EXECUTED, bytes("abc"));
        command.putInt(CoordinatorCodec.HEADER_LENGTH + 8, 7, LITTLE_ENDIAN); // payload length that lies
        assertEquals(CoordinatorCodec.BAD_REQUEST, apply(log, length));
        assertEquals(CoordinatorCodec.BAD_REQUEST, apply(log, CoordinatorCodec.HEADER_LENGTH + 4), "a STEP body too short");

        length = SagaCodec.encodeOperator(command, 0, 10, 9, 0);
        assertEquals(CoordinatorCodec.BAD_REQUEST, apply(log, length), "unknown operator action");
        assertEquals(CoordinatorCodec.BAD_REQUEST, apply(log, length - 1), "operator body of 7 bytes");
        log.apply(SagaCodec.SAGA_OPERATOR + 1, 10, command, CoordinatorCodec.HEADER_LENGTH, 0, response);
        assertEquals(CoordinatorCodec.BAD_REQUEST, CoordinatorCodec.status(response, 0, CoordinatorCodec.RESPONSE_LENGTH), "unknown op");
        assertEquals(SagaLog.RUNNING, log.state(10));
    }

    @Test
    void shouldAnswerFullPastTheRecordLimit()
    {
        for (long id = 1; id <= SagaLog.SAGAS_MAX; id++)
        {
            assertEquals(CoordinatorCodec.OK, begin(log, id, 1));
        }
        assertEquals(CoordinatorCodec.FULL, begin(log, SagaLog.SAGAS_MAX + 1L, 1));
        assertEquals(CoordinatorCodec.OK, begin(log, 1, 1), "a retried BEGIN still answers when full");
        assertEquals(SagaLog.SAGAS_MAX, log.size());
    }

    @Test
    void shouldRefuseAMalformedSnapshot()
    {
        begin(log, 1, 2);
        final SnapshotBytes bytes = new SnapshotBytes().clear();
        log.snapshot(bytes);
        final SnapshotBytes corrupt = copy(bytes);
        corrupt.buffer.putInt(stateOffset(bytes), 77, LITTLE_ENDIAN);
        final SagaLog other = new SagaLog();
        assertThrows(IllegalStateException.class, () -> other.restore(new SnapshotBytes.Cursor(corrupt)));
        final SnapshotBytes truncated = copy(bytes);
        truncated.length -= 3;
        assertThrows(IllegalStateException.class, () -> other.restore(new SnapshotBytes.Cursor(truncated)));
        final SnapshotBytes negative = copy(bytes);
        negative.buffer.putInt(0, -1, LITTLE_ENDIAN);
        assertThrows(IllegalStateException.class, () -> other.restore(new SnapshotBytes.Cursor(negative)));
    }

    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 40);
    }

    /**
     * Random commands, valid and not, over a few sagas; at random points the log is snapshotted and a twin restored
     * from it; from then on both take the same commands and must answer the same and snapshot to the same bytes.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAnswerTheSameAfterASnapshotRoundTrip(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final String replay = " (seed " + seed + "; replay: mvn -pl transactions test -Dtest=SagaLogTest)";
        final SagaLog original = new SagaLog();
        SagaLog twin = null;
        final List<String> trace = new ArrayList<>();
        for (int i = 0; i < 600; i++)
        {
            if (random.nextInt(60) == 0)
            {
                twin = roundTrip(original, replay);
                trace.add("snapshot");
            }
            final int length = randomCommand(random);
            final byte[] sent = new byte[length];
            command.getBytes(0, sent);
            final int status = apply(original, length);
            final long detail = CoordinatorCodec.detail(response, 0);
            final int state = CoordinatorCodec.state(response, 0);
            trace.add(CoordinatorCodec.op(command, 0, length) + "/" + status + "/" + state + "/" + detail);
            if (twin != null)
            {
                command.putBytes(0, sent);
                assertEquals(status, apply(twin, length), "status after " + trace + replay);
                assertEquals(state, CoordinatorCodec.state(response, 0), "state" + replay);
                assertEquals(detail, CoordinatorCodec.detail(response, 0), "step" + replay);
            }
        }
        if (twin != null)
        {
            assertArrayEquals(snapshotOf(original), snapshotOf(twin), "snapshots differ" + replay);
            assertEquals(original.unfinishedCount(), twin.unfinishedCount(), replay);
            assertEquals(String.valueOf(original.unfinished()), String.valueOf(twin.unfinished()), replay);
        }
    }

    private int randomCommand(final SplittableRandom random)
    {
        final long sagaId = 1 + random.nextInt(5);
        final int step = random.nextInt(-1, 4);
        switch (random.nextInt(10))
        {
            case 0:
                return SagaCodec.encodeBegin(command, 0, sagaId, "saga" + sagaId, 1 + random.nextInt(4), bytes("in" + sagaId));
            case 1:
                return SagaCodec.encodeOperator(command, 0, sagaId, 1 + random.nextInt(4), random.nextInt(3));
            default:
                final int event = random.nextInt(12) == 0 ? random.nextInt(9) : 1 + random.nextInt(6);
                return SagaCodec.encodeStep(command, 0, sagaId, step, event, bytes(random.nextBoolean() ? "" : "m" + random.nextInt(100)));
        }
    }

    private static SagaLog roundTrip(final SagaLog from, final String replay)
    {
        final SnapshotBytes bytes = new SnapshotBytes().clear();
        from.snapshot(bytes);
        final SagaLog to = new SagaLog();
        to.restore(new SnapshotBytes.Cursor(bytes));
        assertArrayEquals(snapshotOf(from), snapshotOf(to), "a restored log snapshots to other bytes" + replay);
        return to;
    }

    private static byte[] snapshotOf(final SagaLog sagaLog)
    {
        final SnapshotBytes bytes = new SnapshotBytes().clear();
        sagaLog.snapshot(bytes);
        final byte[] out = new byte[bytes.length];
        bytes.buffer.getBytes(0, out);
        return out;
    }

    private static SnapshotBytes copy(final SnapshotBytes from)
    {
        final SnapshotBytes to = new SnapshotBytes().clear();
        to.buffer.putBytes(0, from.buffer, 0, from.length);
        to.length = from.length;
        return to;
    }

    /** Offset of the first record's state: count, id, name, input, steps. */
    private static int stateOffset(final SnapshotBytes bytes)
    {
        int at = 4 + 8;
        at += 4 + bytes.buffer.getInt(at, LITTLE_ENDIAN);
        at += 4 + bytes.buffer.getInt(at, LITTLE_ENDIAN);
        return at + 4;
    }

    private void runStep(final SagaLog sagaLog, final long sagaId, final int step)
    {
        step(sagaLog, sagaId, step, SagaCodec.EXECUTING, NONE);
        step(sagaLog, sagaId, step, SagaCodec.EXECUTED, bytes("r" + step));
    }

    private int begin(final SagaLog sagaLog, final long sagaId, final int steps)
    {
        return apply(sagaLog, SagaCodec.encodeBegin(command, 0, sagaId, "saga" + sagaId, steps, bytes("in")));
    }

    private int step(final SagaLog sagaLog, final long sagaId, final int step, final int event, final byte[] payload)
    {
        return apply(sagaLog, SagaCodec.encodeStep(command, 0, sagaId, step, event, payload));
    }

    private int operator(final SagaLog sagaLog, final long sagaId, final int action, final int parks)
    {
        return apply(sagaLog, SagaCodec.encodeOperator(command, 0, sagaId, action, parks));
    }

    /** A BEGIN written by hand, past the encoder's checks; {@code lengthError} is added to the input length field. */
    private int rawBegin(final long sagaId, final int steps, final String name, final byte[] input, final int lengthError)
    {
        final byte[] nameBytes = bytes(name);
        CoordinatorCodec.header(command, 0, SagaCodec.SAGA_BEGIN, sagaId);
        final int body = CoordinatorCodec.HEADER_LENGTH;
        command.putShort(body, (short)steps, LITTLE_ENDIAN);
        command.putShort(body + 2, (short)nameBytes.length, LITTLE_ENDIAN);
        command.putInt(body + 4, input.length + lengthError, LITTLE_ENDIAN);
        command.putBytes(body + 8, nameBytes);
        command.putBytes(body + 8 + nameBytes.length, input);
        return apply(log, CoordinatorCodec.HEADER_LENGTH + 8 + nameBytes.length + input.length);
    }

    private int apply(final SagaLog sagaLog, final int length)
    {
        final int op = CoordinatorCodec.op(command, 0, length);
        final long sagaId = CoordinatorCodec.txnId(command, 0);
        sagaLog.apply(op, sagaId, command, CoordinatorCodec.HEADER_LENGTH, length - CoordinatorCodec.HEADER_LENGTH, response);
        return CoordinatorCodec.status(response, 0, CoordinatorCodec.RESPONSE_LENGTH);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
