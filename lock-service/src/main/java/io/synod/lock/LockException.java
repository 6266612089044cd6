package io.synod.lock;

/** A lock-service request failed with a {@link LockStatus}. */
public class LockException extends RuntimeException
{
    private static final long serialVersionUID = 1L;
    private final int status;

    public LockException(final int status, final String message)
    {
        super(message + ": " + LockStatus.name(status));
        this.status = status;
    }

    public int status()
    {
        return status;
    }

    static LockException of(final int status, final String what)
    {
        return status == LockStatus.SESSION_EXPIRED || status == LockStatus.SESSION_CLOSED ?
            new SessionExpiredException(status, what) : new LockException(status, what);
    }
}
