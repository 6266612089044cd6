package io.synod.raft.testkit.linearizability;

/**
 * What {@link LinearizabilityChecker#check} found.
 *
 * @param verdict         {@link Verdict#OK}, {@link Verdict#ILLEGAL} or {@link Verdict#UNKNOWN}.
 * @param explanation     human-readable: a one-line summary, and for {@link Verdict#ILLEGAL} the failing
 *                        partition printed per client, the longest linearizable prefix found and the
 *                        operation that could not be placed after it.
 * @param operations      operations in the history.
 * @param partitions      partitions the model split the history into.
 * @param statesExplored  distinct (linearized set, model state) pairs explored, over all partitions.
 * @param elapsedNs       wall-clock time of the check.
 */
public record CheckResult(
    Verdict verdict, String explanation, int operations, int partitions, long statesExplored, long elapsedNs)
{
    /**
     * Whether the history was proved linearizable.
     *
     * @return true for {@link Verdict#OK} only.
     */
    public boolean isOk()
    {
        return Verdict.OK == verdict;
    }

    /**
     * Whether the history was proved not linearizable.
     *
     * @return true for {@link Verdict#ILLEGAL} only.
     */
    public boolean isIllegal()
    {
        return Verdict.ILLEGAL == verdict;
    }

    @Override
    public String toString()
    {
        return explanation;
    }
}
