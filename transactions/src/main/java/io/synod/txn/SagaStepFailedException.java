package io.synod.txn;

/**
 * Thrown by {@link SagaStep#execute} when the step definitely took no effect (a business refusal: out of
 * stock, card declined). The saga then compensates the steps before it; this step is not compensated.
 */
public class SagaStepFailedException extends Exception
{
    private static final long serialVersionUID = 1L;

    /** @param message why; recorded in the saga log (cut to {@link SagaCodec#MESSAGE_MAX} bytes). */
    public SagaStepFailedException(final String message)
    {
        super(message);
    }
}
