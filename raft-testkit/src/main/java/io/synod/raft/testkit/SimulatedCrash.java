package io.synod.raft.testkit;

/**
 * Thrown by simulated storage to stop a node in the middle of a duty cycle, as a power cut would.
 * The simulator catches it and marks the node dead.
 */
public final class SimulatedCrash extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public SimulatedCrash(final String where)
    {
        super("simulated crash during " + where, null, false, false);
    }
}
