package io.synod.raft.testkit;

/** A Raft safety property was broken. The message names the property and the evidence. */
public final class InvariantViolation extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public InvariantViolation(final String message)
    {
        super(message);
    }
}
