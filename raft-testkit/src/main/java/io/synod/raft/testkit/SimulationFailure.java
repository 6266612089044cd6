package io.synod.raft.testkit;

/**
 * A simulation run broke an invariant or made no progress. The message starts with the seed and the
 * one-line command that replays the run.
 */
public final class SimulationFailure extends AssertionError
{
    private static final long serialVersionUID = 1L;

    private final long seed;

    /** A failure of a default run, replayed by {@code SimulationReplayTest}. */
    public SimulationFailure(final long seed, final long steps, final String detail, final Throwable cause)
    {
        this(seed, steps, replayCommand(seed, steps), detail, cause);
    }

    /** A failure replayed by {@code replayCommand} (a user's test, for a run with the user's parts). */
    public SimulationFailure(final long seed, final long steps, final String replayCommand, final String detail, final Throwable cause)
    {
        super("SIMULATION FAILED seed=" + seed + " steps=" + steps + "\n  replay: " + replayCommand + "\n" + detail, cause);
        this.seed = seed;
    }

    public long seed()
    {
        return seed;
    }

    /** @return the command line that replays exactly this default run. */
    public static String replayCommand(final long seed, final long steps)
    {
        return replayCommand("raft-testkit", "SimulationReplayTest", seed, steps);
    }

    /**
     * @param module the Maven module holding the test.
     * @param test   the test (class, or class#method) that reads {@code synod.sim.seed} and {@code synod.sim.steps}.
     * @return the command line that replays a run through that test.
     */
    public static String replayCommand(final String module, final String test, final long seed, final long steps)
    {
        return "mvn -q -pl " + module + " -am test -Dtest=" + test + " -Dsurefire.failIfNoSpecifiedTests=false " +
            "-Dsynod.sim.seed=" + seed + " -Dsynod.sim.steps=" + steps;
    }
}
