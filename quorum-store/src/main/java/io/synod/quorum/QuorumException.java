package io.synod.quorum;

/**
 * A {@link QuorumStore} request that did not succeed: {@link #status()} is a {@link QuorumStatus} code
 * ({@link QuorumStatus#TIMEOUT} for a write means its outcome is unknown).
 */
public final class QuorumException extends RuntimeException
{
    private static final long serialVersionUID = 1L;
    private final int status;

    public QuorumException(final int status, final String message)
    {
        super(QuorumStatus.name(status) + ": " + message);
        this.status = status;
    }

    /** @return the {@link QuorumStatus} code. */
    public int status()
    {
        return status;
    }
}
