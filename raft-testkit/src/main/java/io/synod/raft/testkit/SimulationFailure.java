package io.synod.raft.testkit;

/**
 * A simulation run broke an invariant or made no progress. The message starts with the seed and the
 * one-line command that replays the run.
 */
public final class SimulationFailure extends AssertionError
{
    private static final long serialVersionUID = 1L;

    private final long seed;

    public SimulationFailure(final long seed, final long steps, final String detail, final Throwable cause)
    {
        super("SIMULATION FAILED seed=" + seed + " steps=" + steps + "\n  replay: " + replayCommand(seed, steps) + "\n" + detail, cause);
        this.seed = seed;
    }

    public long seed()
    {
        return seed;
    }

    /** @return the command line that replays exactly this run. */
    public static String replayCommand(final long seed, final long steps)
    {
        return "mvn -q -pl raft-testkit -am test -Dtest=SimulationReplayTest -Dsurefire.failIfNoSpecifiedTests=false " +
            "-Dsynod.sim.seed=" + seed + " -Dsynod.sim.steps=" + steps;
    }
}
