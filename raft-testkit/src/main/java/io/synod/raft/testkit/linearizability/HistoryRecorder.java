package io.synod.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Records the operations of simulated clients as they happen, for {@link LinearizabilityChecker}.
 *
 * <pre>{@code
 * final HistoryRecorder<KvInput<String, String>, KvOutput<String>> recorder = new HistoryRecorder<>();
 * final long op = recorder.invoke(clientId, KvInput.put("k1", "a"), clock.nanoTime());
 * // ... later, when the reply arrives:
 * recorder.complete(op, KvOutput.written(1), clock.nanoTime());
 * // ... or, on a timeout, nothing (or recorder.unknown(op)): the put may or may not have happened.
 * final CheckResult result = LinearizabilityChecker.check(new KvModel<>(), recorder.history());
 * }</pre>
 *
 * <p>Record the invocation before the request can reach any server and the completion after the reply
 * is received: the interval must contain the moment the operation took effect. An operation that is
 * neither completed nor marked unknown when {@link #history()} is called is reported as unknown.
 *
 * <p><b>Not thread-safe</b>: meant for deterministic simulations that drive every client from one
 * thread. Guard it externally if real threads record into it. Allocates per operation.
 *
 * @param <I> input type.
 * @param <O> output type.
 */
public final class HistoryRecorder<I, O>
{
    private static final int OPEN = 0;
    private static final int COMPLETED = 1;
    private static final int UNKNOWN = 2;

    private static final class Slot<I, O>
    {
        private final int clientId;
        private final I input;
        private final long invokeNs;
        private O output;
        private long completeNs = Operation.NEVER;
        private int status = OPEN;

        private Slot(final int clientId, final I input, final long invokeNs)
        {
            this.clientId = clientId;
            this.input = input;
            this.invokeNs = invokeNs;
        }
    }

    private final ArrayList<Slot<I, O>> slots = new ArrayList<>();

    /**
     * Records an invocation.
     *
     * @param clientId the client invoking it.
     * @param input    what it asks for, not {@code null}.
     * @param timeNs   now, before the request can take effect anywhere.
     * @return the operation id, to pass to {@link #complete} or {@link #unknown}; ids count up from 0.
     */
    public long invoke(final int clientId, final I input, final long timeNs)
    {
        slots.add(new Slot<>(clientId, Objects.requireNonNull(input, "input"), timeNs));
        return slots.size() - 1;
    }

    /**
     * Records that the client was told {@code output}.
     *
     * @param opId   from {@link #invoke}.
     * @param output what the client was told, not {@code null}.
     * @param timeNs now, after the reply was received; not before the invocation.
     * @throws IllegalStateException    if the operation was already completed or marked unknown.
     * @throws IllegalArgumentException if {@code timeNs} is before the invocation or is
     *                                  {@link Operation#NEVER}.
     */
    public void complete(final long opId, final O output, final long timeNs)
    {
        final Slot<I, O> slot = open(opId);
        Objects.requireNonNull(output, "output");
        if (timeNs < slot.invokeNs || Operation.NEVER == timeNs)
        {
            throw new IllegalArgumentException(
                "op " + opId + " completes at " + timeNs + " but was invoked at " + slot.invokeNs);
        }
        slot.output = output;
        slot.completeNs = timeNs;
        slot.status = COMPLETED;
    }

    /**
     * Records that the client will never learn the outcome (a timeout, a lost reply, a crash): the
     * operation may take effect at any point after its invocation, or never. Leaving the operation open
     * means the same; this only makes it explicit and forbids a late {@link #complete}.
     *
     * @param opId from {@link #invoke}.
     * @throws IllegalStateException if the operation was already completed or marked unknown.
     */
    public void unknown(final long opId)
    {
        open(opId).status = UNKNOWN;
    }

    /**
     * Operations recorded so far.
     *
     * @return the number of invocations.
     */
    public int size()
    {
        return slots.size();
    }

    /**
     * The history so far, in invocation order; open operations are reported with an unknown outcome.
     *
     * @return a new immutable list.
     */
    public List<Operation<I, O>> history()
    {
        final ArrayList<Operation<I, O>> history = new ArrayList<>(slots.size());
        for (int i = 0; i < slots.size(); i++)
        {
            final Slot<I, O> slot = slots.get(i);
            history.add(COMPLETED == slot.status ?
                Operation.completed(i, slot.clientId, slot.input, slot.invokeNs, slot.output, slot.completeNs) :
                Operation.unknown(i, slot.clientId, slot.input, slot.invokeNs));
        }
        return List.copyOf(history);
    }

    private Slot<I, O> open(final long opId)
    {
        if (opId < 0 || opId >= slots.size())
        {
            throw new IllegalArgumentException("no such operation: " + opId);
        }
        final Slot<I, O> slot = slots.get((int)opId);
        if (OPEN != slot.status)
        {
            throw new IllegalStateException(
                "op " + opId + " is already " + (COMPLETED == slot.status ? "completed" : "unknown"));
        }
        return slot;
    }
}
