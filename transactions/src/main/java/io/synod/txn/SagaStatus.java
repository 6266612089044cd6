package io.synod.txn;

/**
 * What one replica of the coordinator group knows of a saga, copied out of {@link SagaLog} (an immutable
 * value; the status API for operators and for a daemon's {@code saga list|show}).
 *
 * @param sagaId          the saga's id (its idempotency key).
 * @param name            the registered {@link SagaDefinition}'s name.
 * @param state           {@link SagaLog#RUNNING}, {@link SagaLog#COMPENSATING}, {@link SagaLog#COMPLETED},
 *                        {@link SagaLog#COMPENSATED} or {@link SagaLog#PARKED}.
 * @param step            the step being executed (RUNNING) or compensated (COMPENSATING, PARKED); the step
 *                        count once COMPLETED; -1 once COMPENSATED.
 * @param steps           the saga's step count.
 * @param cause           why it compensates: 0, {@link SagaLog#CAUSE_FAILED}, {@link SagaLog#CAUSE_UNRESOLVED}
 *                        or {@link SagaLog#CAUSE_CANCELLED}.
 * @param cancelRequested a cancel arrived while a step was running; compensation starts once its outcome is known.
 * @param parks           times the saga has been parked (an operator's RESUME or SKIP names it).
 * @param skippedSteps    bit {@code i} set: an operator skipped step {@code i}'s compensation.
 * @param message         the last failure or park message, or the empty string.
 */
public record SagaStatus(
    long sagaId, String name, int state, int step, int steps, int cause, boolean cancelRequested, int parks, long skippedSteps,
    String message)
{
    /** @return the state's name. */
    public String stateName()
    {
        return SagaLog.stateName(state);
    }
}
