package io.synod.client;

/**
 * A lock command was applied and refused by the lock service: the lock is held elsewhere and the wait timed out, the
 * session expired while waiting, the lock was not held by the caller, a limit was reached. The status is the lock
 * service's ({@code io.synod.lock.LockStatus}).
 */
public final class LockFailedException extends SynodException
{
    private static final long serialVersionUID = 1L;
    private final int status;

    LockFailedException(final String name, final int status)
    {
        super("lock '" + name + "': " + io.synod.lock.LockStatus.name(status));
        this.status = status;
    }

    /** @return the {@code io.synod.lock.LockStatus} code. */
    public int status()
    {
        return status;
    }
}
