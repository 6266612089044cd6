package io.synod.client;

/**
 * The request's time ran out (or its session was lost) after it may have reached the cluster: a write may or
 * may not have been applied. Read the state to find out; a write retried by the client within its session
 * was never applied twice.
 */
public final class OutcomeUnknownException extends SynodException
{
    private static final long serialVersionUID = 1L;

    OutcomeUnknownException(final String message)
    {
        super(message);
    }
}
