package io.synod.raft.testkit.linearizability;

import java.util.Objects;

/**
 * One operation of a recorded history: a client invoked {@code input} at {@code invokeNs} and was told
 * {@code output} at {@code completeNs}, or never learned the outcome.
 *
 * <p>An operation with an unknown outcome ({@link #unknown()}: a timeout, a lost reply, a client that
 * crashed) may have taken effect at any point after its invocation, or never. It is recorded with
 * {@code output == null} and {@code completeNs == }{@link #NEVER}.
 *
 * <p>Real-time order: operation {@code a} precedes {@code b} only if {@code a.completeNs() < b.invokeNs()}.
 * Operations whose intervals touch or overlap are concurrent, so a history recorded at a coarse clock
 * resolution is never judged too strictly.
 *
 * @param id         unique within a history; used only to name the operation in reports.
 * @param clientId   the client (process) that invoked it; used only for reports.
 * @param input      what the client asked for; never {@code null}.
 * @param invokeNs   when the client invoked it.
 * @param output     what the client was told, or {@code null} if the outcome is unknown.
 * @param completeNs when the client was told, {@code >= invokeNs}, or {@link #NEVER} if the outcome is
 *                   unknown.
 * @param <I>        input type.
 * @param <O>        output type.
 */
public record Operation<I, O>(long id, int clientId, I input, long invokeNs, O output, long completeNs)
{
    /** Completion time of an operation whose outcome is unknown: it may take effect at any later point. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * Validates the record.
     *
     * @throws NullPointerException     if {@code input} is null.
     * @throws IllegalArgumentException if only one of output and completion is known, or the operation
     *                                  completes before it was invoked.
     */
    public Operation
    {
        Objects.requireNonNull(input, "input");
        if ((null == output) != (NEVER == completeNs))
        {
            throw new IllegalArgumentException(
                "op " + id + ": output is null if and only if completeNs is NEVER: output=" + output +
                " completeNs=" + completeNs);
        }
        if (completeNs < invokeNs)
        {
            throw new IllegalArgumentException(
                "op " + id + ": completes at " + completeNs + " before it was invoked at " + invokeNs);
        }
    }

    /**
     * An operation whose output is known.
     *
     * @param id         unique id in the history.
     * @param clientId   client that invoked it.
     * @param input      what was asked.
     * @param invokeNs   invocation time.
     * @param output     what the client was told, not {@code null}.
     * @param completeNs completion time, {@code >= invokeNs} and {@code < NEVER}.
     * @param <I>        input type.
     * @param <O>        output type.
     * @return the operation.
     */
    public static <I, O> Operation<I, O> completed(
        final long id, final int clientId, final I input, final long invokeNs, final O output, final long completeNs)
    {
        return new Operation<>(id, clientId, input, invokeNs, Objects.requireNonNull(output, "output"), completeNs);
    }

    /**
     * An operation whose outcome is unknown: it may take effect at any point after {@code invokeNs}, or
     * never.
     *
     * @param id       unique id in the history.
     * @param clientId client that invoked it.
     * @param input    what was asked.
     * @param invokeNs invocation time.
     * @param <I>      input type.
     * @param <O>      output type.
     * @return the operation.
     */
    public static <I, O> Operation<I, O> unknown(final long id, final int clientId, final I input, final long invokeNs)
    {
        return new Operation<>(id, clientId, input, invokeNs, null, NEVER);
    }

    /**
     * Whether the outcome is unknown.
     *
     * @return true if the client never learned the outcome.
     */
    public boolean unknown()
    {
        return null == output;
    }
}
