package io.synod.client;

/**
 * Why a {@link SynodClient} request did not complete with a result: {@link RequestRejectedException} (it was
 * definitely not applied) or {@link OutcomeUnknownException} (it may or may not have been).
 */
public abstract class SynodException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    SynodException(final String message)
    {
        super(message, null, false, false);
    }
}
