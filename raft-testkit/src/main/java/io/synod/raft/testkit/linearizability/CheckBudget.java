package io.synod.raft.testkit.linearizability;

import java.util.concurrent.TimeUnit;

/**
 * Bounds on one {@link LinearizabilityChecker#check} call, so a pathological history yields
 * {@link Verdict#UNKNOWN} rather than a hung test.
 *
 * <p>The search is exponential in the worst case (many concurrent operations, many unknown outcomes).
 * Memory is proportional to the states explored: roughly 100 bytes plus the size of a model state per
 * state, so the default of one million states per partition stays under a few hundred MiB.
 *
 * <p>By default a budget counts states only: the verdict then depends on the history alone, never on how
 * busy the machine is, so a history checked on a loaded CI machine gets the answer it gets on a laptop. A
 * wall-clock limit is an opt-in ({@link #withMaxDuration} or the two-argument constructor) for callers
 * that would rather have a quick {@link Verdict#UNKNOWN} than wait.
 *
 * @param maxStatesPerPartition distinct (linearized set, model state) pairs explored in one partition
 *                              before that partition is given up as unknown; a partition over budget
 *                              does not stop the others, which may still prove the history illegal.
 * @param maxDurationNs         wall-clock time for the whole check, or {@link #NO_TIME_LIMIT} (the default)
 *                              for none; when it passes, every partition not yet decided is unknown.
 *                              Measured with {@link System#nanoTime()}: it decides between an answer and
 *                              {@link Verdict#UNKNOWN}, never between {@link Verdict#OK} and
 *                              {@link Verdict#ILLEGAL}.
 */
public record CheckBudget(long maxStatesPerPartition, long maxDurationNs)
{
    /** The {@link #maxDurationNs()} of a budget without a wall-clock limit. */
    public static final long NO_TIME_LIMIT = Long.MAX_VALUE;

    /** One million states per partition and no wall-clock limit. */
    public static final CheckBudget DEFAULT = new CheckBudget(1_000_000);

    /**
     * Validates the record.
     *
     * @throws IllegalArgumentException if a bound is not positive.
     */
    public CheckBudget
    {
        if (maxStatesPerPartition <= 0 || maxDurationNs <= 0)
        {
            throw new IllegalArgumentException(
                "bounds must be positive: maxStatesPerPartition=" + maxStatesPerPartition +
                " maxDurationNs=" + maxDurationNs);
        }
    }

    /**
     * A state budget without a wall-clock limit.
     *
     * @param maxStatesPerPartition see {@link #maxStatesPerPartition()}.
     * @throws IllegalArgumentException if the bound is not positive.
     */
    public CheckBudget(final long maxStatesPerPartition)
    {
        this(maxStatesPerPartition, NO_TIME_LIMIT);
    }

    /**
     * This budget's state bound with a wall-clock limit added (opt-in: the verdict may then depend on the
     * machine's speed and load, between an answer and {@link Verdict#UNKNOWN}).
     *
     * @param maxDurationNs wall-clock time for the whole check, or {@link #NO_TIME_LIMIT}.
     * @return a new budget.
     * @throws IllegalArgumentException if the duration is not positive.
     */
    public CheckBudget withMaxDuration(final long maxDurationNs)
    {
        return new CheckBudget(maxStatesPerPartition, maxDurationNs);
    }

    /**
     * Whether this budget stops the check after a wall-clock time.
     *
     * @return false for {@link #NO_TIME_LIMIT}.
     */
    public boolean hasTimeLimit()
    {
        return maxDurationNs != NO_TIME_LIMIT;
    }

    @Override
    public String toString()
    {
        return maxStatesPerPartition + " states per partition, " +
            (hasTimeLimit() ? TimeUnit.NANOSECONDS.toMillis(maxDurationNs) + " ms" : "no time limit");
    }
}
