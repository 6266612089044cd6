package io.synod.lock;

/**
 * The lock-service session ended while the request was pending or the lock was held: the client's lease
 * passed without an acknowledged keep-alive, or the leader expired or closed the session. Every lock
 * the session held is no longer held; a blocked wait is released with this exception.
 */
public final class SessionExpiredException extends LockException
{
    private static final long serialVersionUID = 1L;

    public SessionExpiredException(final int status, final String message)
    {
        super(status, message);
    }
}
