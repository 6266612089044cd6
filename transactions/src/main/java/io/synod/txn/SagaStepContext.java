package io.synod.txn;

/**
 * What a {@link SagaStep} is called with: the saga's id and input, its own index and idempotency key, and
 * the results recorded by the steps before it. An immutable value made per call.
 */
public final class SagaStepContext
{
    private final long sagaId;
    private final int step;
    private final byte[] input;
    private final byte[][] results;

    SagaStepContext(final long sagaId, final int step, final byte[] input, final byte[][] results)
    {
        this.sagaId = sagaId;
        this.step = step;
        this.input = input;
        this.results = results;
    }

    /** @return the saga's id. */
    public long sagaId()
    {
        return sagaId;
    }

    /** @return this step's index, from 0. */
    public int step()
    {
        return step;
    }

    /**
     * @return the step's idempotency key, {@code "saga-<id in hex>-<step>"}: the same for every execute and
     * compensate of this step, on every retry and every leader.
     */
    public String idempotencyKey()
    {
        return "saga-" + Long.toHexString(sagaId) + "-" + step;
    }

    /** @return the saga's input (a copy). */
    public byte[] input()
    {
        return input.clone();
    }

    /**
     * @return the result step {@code i} recorded (a copy; empty if it recorded none, and for a step whose
     * outcome stayed unknown).
     * @throws IndexOutOfBoundsException if {@code i} is not a step of the saga.
     */
    public byte[] result(final int i)
    {
        final byte[] result = results[i];
        return result == null ? new byte[0] : result.clone();
    }
}
