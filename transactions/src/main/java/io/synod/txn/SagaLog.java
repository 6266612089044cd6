package io.synod.txn;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The saga log: one record per orchestrated saga, replicated in the coordinator group (a part of
 * {@link CoordinatorStateMachine}, which hands it the {@link SagaCodec} commands and snapshots it). The
 * {@link SagaOrchestrator} on whichever member leads the group runs the steps; everything it needs to go on
 * is here, so a new leader resumes the sagas of the old one.
 *
 * <h2>States (one transition per command, each naming its step: stale commands change nothing)</h2>
 * <pre>
 *   RUNNING(k) --EXECUTING(k)--> RUNNING(k, executing) --EXECUTED(k)--> RUNNING(k+1) ... --> COMPLETED
 *   RUNNING(k, executing) --FAILED(k)--> COMPENSATING(k-1)          the step took no effect
 *   RUNNING(k, executing) --UNRESOLVED(k)--> COMPENSATING(k)        unknown after every retry: undo it too
 *   RUNNING(k) --CANCEL--> COMPENSATING(k-1)                         step k never started
 *   RUNNING(k, executing) --CANCEL--> cancel requested; EXECUTED(k) then goes to COMPENSATING(k),
 *                                     FAILED(k) to COMPENSATING(k-1)
 *   COMPENSATING(j) --COMPENSATED(j)--> COMPENSATING(j-1) ... --> COMPENSATED
 *   COMPENSATING(j) --PARK(j)--> PARKED(j) --RESUME--> COMPENSATING(j); --SKIP--> COMPENSATING(j-1)
 * </pre>
 * A step is marked EXECUTING in the log before its first execute, so after a crash a new leader knows
 * which step may have taken effect: that one is run again with its idempotency key (its outcome was
 * unknown) before anything is compensated; a step never marked is never compensated.
 *
 * <h2>Limits, threading, allocation</h2>
 * {@link #SAGAS_MAX} records (BEGIN beyond it answers {@link CoordinatorCodec#FULL}); finished ones are kept
 * (they answer a retried BEGIN) and not pruned yet. The node's thread; deterministic. Allocates per saga
 * and per step result (not a hot path).
 */
public final class SagaLog
{
    /** Records kept in all. */
    public static final int SAGAS_MAX = 1 << 16;

    /** Executing steps in order. */
    public static final int RUNNING = 1;
    /** Compensating steps in reverse order. */
    public static final int COMPENSATING = 2;
    /** Every step executed (terminal). */
    public static final int COMPLETED = 3;
    /** Every executed step compensated (terminal). */
    public static final int COMPENSATED = 4;
    /** A compensation kept failing; waits for an operator's RESUME or SKIP. */
    public static final int PARKED = 5;

    /** Compensating because a step failed. */
    public static final int CAUSE_FAILED = 1;
    /** Compensating because a step's outcome stayed unknown. */
    public static final int CAUSE_UNRESOLVED = 2;
    /** Compensating because the saga was cancelled. */
    public static final int CAUSE_CANCELLED = 3;

    private static final byte[] EMPTY = new byte[0];

    private static final class Saga
    {
        String name;
        byte[] input;
        int steps;
        int state;
        int step;
        boolean executing;
        boolean cancelRequested;
        int cause;
        int parks;
        long skipped;
        byte[][] results;
        String message = "";
    }

    private final Long2ObjectHashMap<Saga> sagas = new Long2ObjectHashMap<>();
    /** Sagas not terminal (RUNNING, COMPENSATING, PARKED), in the order they began. */
    private final LinkedHashMap<Long, Saga> active = new LinkedHashMap<>();

    /** Applies a {@link SagaCodec} command; see {@link CoordinatorStateMachine#apply}. @return the response length. */
    int apply(final int op, final long sagaId, final DirectBuffer command, final int body, final int bodyLength,
        final ExpandableArrayBuffer response)
    {
        switch (op)
        {
            case SagaCodec.SAGA_BEGIN:
                return begin(sagaId, command, body, bodyLength, response);
            case SagaCodec.SAGA_STEP:
                if (bodyLength < 12 || SagaCodec.getInt(command, body + 8) != bodyLength - 12)
                {
                    return respond(response, CoordinatorCodec.BAD_REQUEST, null);
                }
                final byte[] payload = new byte[bodyLength - 12];
                command.getBytes(body + 12, payload);
                return step(sagaId, SagaCodec.getInt(command, body), SagaCodec.getInt(command, body + 4), payload, response);
            case SagaCodec.SAGA_OPERATOR:
                return bodyLength != 8 ? respond(response, CoordinatorCodec.BAD_REQUEST, null) :
                    operator(sagaId, SagaCodec.getInt(command, body), SagaCodec.getInt(command, body + 4), response);
            default:
                return respond(response, CoordinatorCodec.BAD_REQUEST, null);
        }
    }

    private int begin(final long sagaId, final DirectBuffer command, final int body, final int length, final ExpandableArrayBuffer response)
    {
        final Saga existing = sagas.get(sagaId);
        if (existing != null)
        {
            return respond(response, CoordinatorCodec.OK, existing);
        }
        if (sagaId == 0 || length < 8)
        {
            return respond(response, CoordinatorCodec.BAD_REQUEST, null);
        }
        final int steps = command.getShort(body, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int nameLength = command.getShort(body + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int inputLength = SagaCodec.getInt(command, body + 4);
        if (steps < 1 || steps > SagaCodec.STEPS_MAX || nameLength < 1 || nameLength > SagaCodec.NAME_MAX ||
            inputLength < 0 || inputLength > SagaCodec.INPUT_MAX || 8L + nameLength + inputLength != length)
        {
            return respond(response, CoordinatorCodec.BAD_REQUEST, null);
        }
        if (sagas.size() >= SAGAS_MAX)
        {
            return respond(response, CoordinatorCodec.FULL, null);
        }
        final Saga saga = new Saga();
        final byte[] name = new byte[nameLength];
        command.getBytes(body + 8, name);
        saga.name = new String(name, StandardCharsets.UTF_8);
        saga.input = new byte[inputLength];
        command.getBytes(body + 8 + nameLength, saga.input);
        saga.steps = steps;
        saga.state = RUNNING;
        saga.results = new byte[steps][];
        sagas.put(sagaId, saga);
        active.put(sagaId, saga);
        return respond(response, CoordinatorCodec.OK, saga);
    }

    private int step(final long sagaId, final int step, final int event, final byte[] payload, final ExpandableArrayBuffer response)
    {
        final Saga saga = sagas.get(sagaId);
        if (saga == null)
        {
            return respond(response, CoordinatorCodec.UNKNOWN_TXN, null);
        }
        if (event < SagaCodec.EXECUTING || event > SagaCodec.PARK || (event == SagaCodec.EXECUTED && payload.length > SagaCodec.RESULT_MAX) ||
            (event != SagaCodec.EXECUTED && payload.length > SagaCodec.MESSAGE_MAX))
        {
            return respond(response, CoordinatorCodec.BAD_REQUEST, saga);
        }
        if (saga.step != step)
        {
            return respond(response, CoordinatorCodec.OK, saga); // stale or repeated: changes nothing
        }
        final boolean running = saga.state == RUNNING;
        switch (event)
        {
            case SagaCodec.EXECUTING:
                if (running)
                {
                    saga.executing = true;
                }
                break;
            case SagaCodec.EXECUTED:
                if (running && saga.executing)
                {
                    saga.results[step] = payload;
                    saga.executing = false;
                    if (saga.cancelRequested)
                    {
                        compensateFrom(sagaId, saga, step, CAUSE_CANCELLED);
                    }
                    else if (++saga.step == saga.steps)
                    {
                        finish(sagaId, saga, COMPLETED);
                    }
                }
                break;
            case SagaCodec.FAILED:
            case SagaCodec.UNRESOLVED:
                if (running && saga.executing)
                {
                    saga.executing = false;
                    saga.message = text(payload);
                    if (event == SagaCodec.FAILED)
                    {
                        compensateFrom(sagaId, saga, step - 1, saga.cancelRequested ? CAUSE_CANCELLED : CAUSE_FAILED);
                    }
                    else
                    {
                        compensateFrom(sagaId, saga, step, CAUSE_UNRESOLVED);
                    }
                }
                break;
            case SagaCodec.COMPENSATED:
                if (saga.state == COMPENSATING)
                {
                    compensateFrom(sagaId, saga, step - 1, saga.cause);
                }
                break;
            default: // PARK
                if (saga.state == COMPENSATING)
                {
                    saga.state = PARKED;
                    saga.parks++;
                    saga.message = text(payload);
                }
        }
        return respond(response, CoordinatorCodec.OK, saga);
    }

    private int operator(final long sagaId, final int action, final int parks, final ExpandableArrayBuffer response)
    {
        final Saga saga = sagas.get(sagaId);
        if (saga == null)
        {
            return respond(response, CoordinatorCodec.UNKNOWN_TXN, null);
        }
        switch (action)
        {
            case SagaCodec.CANCEL:
                if (saga.state == RUNNING && !saga.executing)
                {
                    compensateFrom(sagaId, saga, saga.step - 1, CAUSE_CANCELLED);
                }
                else if (saga.state == RUNNING)
                {
                    saga.cancelRequested = true;
                }
                break;
            case SagaCodec.RESUME:
            case SagaCodec.SKIP:
                if (saga.state == PARKED && saga.parks == parks)
                {
                    if (action == SagaCodec.RESUME)
                    {
                        saga.state = COMPENSATING;
                    }
                    else
                    {
                        saga.skipped |= 1L << saga.step;
                        compensateFrom(sagaId, saga, saga.step - 1, saga.cause);
                    }
                }
                break;
            default:
                return respond(response, CoordinatorCodec.BAD_REQUEST, saga);
        }
        return respond(response, CoordinatorCodec.OK, saga);
    }

    private void compensateFrom(final long sagaId, final Saga saga, final int step, final int cause)
    {
        saga.cause = cause;
        saga.executing = false;
        if (step < 0)
        {
            saga.step = -1;
            finish(sagaId, saga, COMPENSATED);
        }
        else
        {
            saga.state = COMPENSATING;
            saga.step = step;
        }
    }

    private void finish(final long sagaId, final Saga saga, final int state)
    {
        saga.state = state;
        active.remove(sagaId);
        saga.input = EMPTY; // nobody runs a step of it again
        saga.results = null;
    }

    private static String text(final byte[] payload)
    {
        return new String(payload, StandardCharsets.UTF_8);
    }

    private static int respond(final ExpandableArrayBuffer response, final int status, final Saga saga)
    {
        return CoordinatorCodec.response(response, 0, status, saga == null ? 0 : saga.state, saga == null ? 0 : saga.step);
    }

    void snapshot(final SnapshotBytes bytes)
    {
        bytes.putInt(sagas.size());
        final Long2ObjectHashMap<Saga>.EntryIterator entries = sagas.entrySet().iterator();
        final List<Long> terminal = new ArrayList<>();
        for (final var entry : active.entrySet())
        {
            put(bytes, entry.getKey(), entry.getValue());
        }
        while (entries.hasNext())
        {
            entries.next();
            if (!active.containsKey(entries.getLongKey()))
            {
                terminal.add(entries.getLongKey());
            }
        }
        terminal.sort(null); // a deterministic order
        for (final Long sagaId : terminal)
        {
            put(bytes, sagaId, sagas.get(sagaId));
        }
    }

    private static void put(final SnapshotBytes bytes, final long sagaId, final Saga saga)
    {
        bytes.putLong(sagaId);
        bytes.putBytes(saga.name.getBytes(StandardCharsets.UTF_8));
        bytes.putBytes(saga.input);
        bytes.putInt(saga.steps);
        bytes.putInt(saga.state);
        bytes.putInt(saga.step);
        bytes.putInt((saga.executing ? 1 : 0) | (saga.cancelRequested ? 2 : 0));
        bytes.putInt(saga.cause);
        bytes.putInt(saga.parks);
        bytes.putLong(saga.skipped);
        bytes.putBytes(saga.message.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < saga.steps; i++)
        {
            bytes.putBytes(saga.results == null ? null : saga.results[i]);
        }
    }

    void restore(final SnapshotBytes.Cursor in)
    {
        sagas.clear();
        active.clear();
        final int count = in.getInt();
        if (count < 0 || count > SAGAS_MAX)
        {
            throw new IllegalStateException("snapshot with " + count + " sagas");
        }
        for (int s = 0; s < count; s++)
        {
            final long sagaId = in.getLong();
            final Saga saga = new Saga();
            final byte[] name = in.getBytes();
            saga.input = in.getBytes();
            saga.steps = in.getInt();
            saga.state = in.getInt();
            saga.step = in.getInt();
            final int flags = in.getInt();
            saga.executing = (flags & 1) != 0;
            saga.cancelRequested = (flags & 2) != 0;
            saga.cause = in.getInt();
            saga.parks = in.getInt();
            saga.skipped = in.getLong();
            final byte[] message = in.getBytes();
            if (name == null || saga.input == null || message == null || saga.steps < 1 || saga.steps > SagaCodec.STEPS_MAX ||
                saga.state < RUNNING || saga.state > PARKED)
            {
                throw new IllegalStateException("snapshot: malformed saga " + sagaId);
            }
            saga.name = text(name);
            saga.message = text(message);
            final boolean terminal = saga.state == COMPLETED || saga.state == COMPENSATED;
            saga.results = terminal ? null : new byte[saga.steps][];
            for (int i = 0; i < saga.steps; i++)
            {
                final byte[] result = in.getBytes();
                if (!terminal)
                {
                    saga.results[i] = result;
                }
            }
            sagas.put(sagaId, saga);
            if (!terminal)
            {
                active.put(sagaId, saga);
            }
        }
    }

    // ---- local reads: this replica's applied state (the node's thread) ----

    /** @return the saga's status on this replica, or null if it has no record. Allocates. */
    public SagaStatus status(final long sagaId)
    {
        final Saga saga = sagas.get(sagaId);
        return saga == null ? null : new SagaStatus(sagaId, saga.name, saga.state, saga.step, saga.steps, saga.cause,
            saga.cancelRequested, saga.parks, saga.skipped, saga.message);
    }

    /** @return the state of a saga ({@link #RUNNING} .. {@link #PARKED}), or 0 if it has no record. */
    public int state(final long sagaId)
    {
        final Saga saga = sagas.get(sagaId);
        return saga == null ? 0 : saga.state;
    }

    /** @return the statuses of every saga not finished (running, compensating or parked), oldest first. Allocates. */
    public List<SagaStatus> unfinished()
    {
        final List<SagaStatus> list = new ArrayList<>(active.size());
        for (final Long sagaId : active.keySet())
        {
            list.add(status(sagaId));
        }
        return list;
    }

    /** @return the statuses of the parked sagas, oldest first (what an operator must look at). Allocates. */
    public List<SagaStatus> parked()
    {
        final List<SagaStatus> list = new ArrayList<>();
        for (final Long sagaId : active.keySet())
        {
            if (active.get(sagaId).state == PARKED)
            {
                list.add(status(sagaId));
            }
        }
        return list;
    }

    /** @return sagas recorded on this replica. */
    public int size()
    {
        return sagas.size();
    }

    /** @return sagas not finished on this replica (parked ones included). */
    public int unfinishedCount()
    {
        return active.size();
    }

    /** @return the saga's current step (see {@link SagaStatus#step()}), or 0 if it has no record. */
    int step(final long sagaId)
    {
        final Saga saga = sagas.get(sagaId);
        return saga == null ? 0 : saga.step;
    }

    /** @return the saga's definition name and step count, or null if it has no record. */
    String name(final long sagaId)
    {
        final Saga saga = sagas.get(sagaId);
        return saga == null ? null : saga.name;
    }

    /** @return the saga's step count, or 0. */
    int steps(final long sagaId)
    {
        final Saga saga = sagas.get(sagaId);
        return saga == null ? 0 : saga.steps;
    }

    /** @return whether the saga's current step has been marked EXECUTING. */
    boolean isExecuting(final long sagaId)
    {
        final Saga saga = sagas.get(sagaId);
        return saga != null && saga.executing;
    }

    /** @return the saga's input (do not modify), or null when finished or unknown. */
    byte[] input(final long sagaId)
    {
        final Saga saga = sagas.get(sagaId);
        return saga == null ? null : saga.input;
    }

    /** @return step {@code i}'s recorded result (do not modify), or null. */
    byte[] result(final long sagaId, final int i)
    {
        final Saga saga = sagas.get(sagaId);
        return saga == null || saga.results == null || i < 0 || i >= saga.steps ? null : saga.results[i];
    }

    /** Calls {@code action} with each unfinished saga id, oldest first. Allocates. */
    void forEachUnfinished(final java.util.function.LongConsumer action)
    {
        for (final Long sagaId : active.keySet().toArray(new Long[0]))
        {
            action.accept(sagaId);
        }
    }

    /** @return a state's name. */
    public static String stateName(final int state)
    {
        switch (state)
        {
            case RUNNING: return "RUNNING";
            case COMPENSATING: return "COMPENSATING";
            case COMPLETED: return "COMPLETED";
            case COMPENSATED: return "COMPENSATED";
            case PARKED: return "PARKED";
            default: return "NONE";
        }
    }
}
