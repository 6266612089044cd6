package io.synod.txn;

/**
 * One step of a saga: an action and the compensation that undoes it, both host code run by the
 * {@link SagaOrchestrator} of the member leading the coordinator group, on a worker thread (never the
 * agent's: either may block), one call at a time per saga.
 *
 * <h2>The contract that makes retries and leader changes safe</h2>
 * Both are called with the step's {@link SagaStepContext#idempotencyKey()}, the same on every call, every
 * retry and every leader:
 * <ul>
 *   <li>{@link #execute} may run more than once for a key (a retry after an unknown outcome, or an old and
 *   a new leader): the participant applies the action at most once per key and answers a repeat with the
 *   outcome it remembered, success or failure.</li>
 *   <li>{@link #compensate} may run more than once, and for a key whose execute never arrived (a step
 *   whose outcome stayed unknown is compensated as if it took effect): it undoes what the key did, if
 *   anything, and marks the key so that an execute of it arriving later (from a slow old leader) takes no
 *   effect and fails.</li>
 * </ul>
 */
public interface SagaStep
{
    /**
     * Does the step.
     *
     * @return a result (at most {@link SagaCodec#RESULT_MAX} bytes; never null) recorded in the saga log and
     * given to later steps and to this step's compensation (a reservation id, say).
     * @throws SagaStepFailedException if the step definitely took no effect: the saga compensates the steps
     * before it.
     * @throws Exception any other failure means the outcome is unknown: the step is retried with the same key
     * (with backoff), and if it stays unknown it is compensated as if it took effect.
     */
    byte[] execute(SagaStepContext context) throws Exception;

    /**
     * Undoes the step (see the contract above).
     *
     * @throws Exception to be retried with backoff; after the orchestrator's attempts the saga is parked
     * for an operator ({@link SagaLog#PARKED}).
     */
    void compensate(SagaStepContext context) throws Exception;
}
