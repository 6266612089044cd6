package io.synod.kv.sim;

/**
 * A {@link KvClusterSimulation} run failed: a Raft invariant broke, a client was told something it
 * cannot be told, the cluster made no progress once healed, or the history is not linearizable. The
 * message starts with the seed and the command that replays exactly this run.
 */
public final class KvSimulationFailure extends AssertionError
{
    private static final long serialVersionUID = 1L;

    private final long seed;

    /**
     * @param seed   the run's seed.
     * @param detail what went wrong, with whatever context helps (fault log, checker explanation).
     * @param cause  the underlying exception, or null.
     */
    public KvSimulationFailure(final long seed, final String detail, final Throwable cause)
    {
        super("KV SIMULATION FAILED seed=" + seed + "\n  replay: " + replayCommand(seed) + "\n" + detail, cause);
        this.seed = seed;
    }

    /** @return the seed that reproduces the failure. */
    public long seed()
    {
        return seed;
    }

    /** @return the command line that replays exactly this run. */
    public static String replayCommand(final long seed)
    {
        return "mvn -q -pl kv-store -am test -Dtest=KvClusterReplayTest -Dsurefire.failIfNoSpecifiedTests=false " +
            "-Dsynod.kv.seed=" + seed;
    }
}
