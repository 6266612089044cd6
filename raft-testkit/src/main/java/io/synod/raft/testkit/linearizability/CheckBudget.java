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
 * @param maxStatesPerPartition distinct (linearized set, model state) pairs explored in one partition
 *                              before that partition is given up as unknown; a partition over budget
 *                              does not stop the others, which may still prove the history illegal.
 * @param maxDurationNs         wall-clock time for the whole check; when it passes, every partition not
 *                              yet decided is unknown. Measured with {@link System#nanoTime()}, the only
 *                              real clock the checker reads: it decides between an answer and
 *                              {@link Verdict#UNKNOWN}, never between {@link Verdict#OK} and
 *                              {@link Verdict#ILLEGAL}.
 */
public record CheckBudget(long maxStatesPerPartition, long maxDurationNs)
{
    /** One million states per partition and ten seconds in all. */
    public static final CheckBudget DEFAULT = new CheckBudget(1_000_000, TimeUnit.SECONDS.toNanos(10));

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
}
