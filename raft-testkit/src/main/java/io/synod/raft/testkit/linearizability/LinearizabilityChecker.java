package io.synod.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether a recorded history is linearizable with respect to a {@link Model}: whether every
 * operation can be given one instant between its invocation and its completion such that, taken in the
 * order of those instants, the operations are a legal sequential run of the model. Operations with an
 * unknown outcome may take effect at any instant after their invocation, or not at all.
 *
 * <p>Algorithm: the model {@linkplain Model#partition splits} the history into independent parts; each
 * part is searched with the Wing–Gong / Lowe algorithm (as in Porcupine and Knossos): a depth-first search
 * over the order of concurrent operations with memoization of (linearized set, model state). Parts are
 * searched smallest first; the first illegal part decides the verdict.
 *
 * <p>Verdicts: {@link Verdict#OK} is a proof (a linearization was found for every part);
 * {@link Verdict#ILLEGAL} is a proof (the search of one part was exhaustive); {@link Verdict#UNKNOWN} means
 * the {@link CheckBudget} ran out first. A test should fail on ILLEGAL with {@link CheckResult#explanation()},
 * and treat UNKNOWN as a problem with the test (history too long or too concurrent), never as a pass.
 *
 * <pre>{@code
 * final CheckResult result = LinearizabilityChecker.check(new KvModel<String, String>(), recorder.history());
 * if (!result.isOk())
 * {
 *     throw new AssertionError(result.explanation());
 * }
 * }</pre>
 *
 * <p>Threading: stateless; each call is independent and single-threaded. Allocation: proportional to the
 * states explored (see {@link CheckBudget}). Reads {@link System#nanoTime()} to report how long a check took
 * and, only under a budget with a wall-clock limit (an opt-in), to enforce it; under the default budget the
 * verdict depends on the history alone.
 */
public final class LinearizabilityChecker
{
    private LinearizabilityChecker()
    {
    }

    /**
     * Checks a history under {@link CheckBudget#DEFAULT}: a state budget, no wall-clock limit.
     *
     * @param model   the sequential specification.
     * @param history the recorded operations, in any order; ids must be unique.
     * @param <S>     state type.
     * @param <I>     input type.
     * @param <O>     output type.
     * @return the verdict with a readable explanation.
     * @throws IllegalArgumentException if ids repeat or the model's partition loses or duplicates an
     *                                  operation.
     */
    public static <S, I, O> CheckResult check(final Model<S, I, O> model, final List<Operation<I, O>> history)
    {
        return check(model, history, CheckBudget.DEFAULT);
    }

    /**
     * Checks a history under a budget.
     *
     * @param model   the sequential specification.
     * @param history the recorded operations, in any order; ids must be unique.
     * @param budget  bounds on states (and on wall-clock time if it sets one); when they run out the verdict
     *                is {@link Verdict#UNKNOWN}.
     * @param <S>     state type.
     * @param <I>     input type.
     * @param <O>     output type.
     * @return the verdict with a readable explanation.
     * @throws IllegalArgumentException if ids repeat or the model's partition loses or duplicates an
     *                                  operation.
     */
    public static <S, I, O> CheckResult check(
        final Model<S, I, O> model, final List<Operation<I, O>> history, final CheckBudget budget)
    {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(budget, "budget");
        final long startNs = System.nanoTime();
        final boolean timed = budget.hasTimeLimit();
        final long deadlineNs = timed ? startNs + budget.maxDurationNs() : 0;

        final HashSet<Long> ids = new HashSet<>();
        for (final Operation<I, O> op : history)
        {
            if (!ids.add(op.id()))
            {
                throw new IllegalArgumentException("operation id " + op.id() + " appears twice in the history");
            }
        }

        final List<List<Operation<I, O>>> parts = model.partition(history);
        final HashSet<Long> partitioned = new HashSet<>();
        int partitionedCount = 0;
        for (final List<Operation<I, O>> part : parts)
        {
            for (final Operation<I, O> op : part)
            {
                partitionedCount++;
                partitioned.add(op.id());
            }
        }
        if (partitionedCount != history.size() || !partitioned.equals(ids))
        {
            throw new IllegalArgumentException(
                model.getClass().getName() + ".partition lost or duplicated operations: " + history.size() +
                " in, " + partitionedCount + " out");
        }

        final ArrayList<Integer> order = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++)
        {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((final Integer i) -> parts.get(i).size()));

        long states = 0;
        final ArrayList<String> overBudget = new ArrayList<>();
        boolean outOfTime = false;
        for (final int index : order)
        {
            final List<Operation<I, O>> part = parts.get(index);
            if (outOfTime)
            {
                overBudget.add(HistoryReport.partitionName(index, parts.size(), part.size()) + ": not started");
                continue;
            }
            final WglSearch<S, I, O> search = new WglSearch<>(model, part);
            final Verdict verdict = search.run(budget.maxStatesPerPartition(), timed, deadlineNs);
            states += search.states();
            if (Verdict.ILLEGAL == verdict)
            {
                final long elapsedNs = System.nanoTime() - startNs;
                final String explanation = HistoryReport.illegal(
                    model, part, index, parts.size(), search, history.size(), states, elapsedNs);
                return new CheckResult(Verdict.ILLEGAL, explanation, history.size(), parts.size(), states, elapsedNs);
            }
            if (Verdict.UNKNOWN == verdict)
            {
                outOfTime = search.timedOut();
                overBudget.add(HistoryReport.partitionName(index, parts.size(), part.size()) + ": " +
                    (search.timedOut() ? "time ran out" : "state budget ran out") + " after " +
                    search.states() + " states");
            }
        }

        final long elapsedNs = System.nanoTime() - startNs;
        final String summary = history.size() + " operations, " + parts.size() + " partitions, " + states +
            " states explored, " + TimeUnit.NANOSECONDS.toMillis(elapsedNs) + " ms";
        if (overBudget.isEmpty())
        {
            return new CheckResult(
                Verdict.OK, "OK: linearizable (" + summary + ")", history.size(), parts.size(), states, elapsedNs);
        }

        final StringBuilder explanation = new StringBuilder()
            .append("UNKNOWN: budget exceeded (").append(summary).append("; budget ").append(budget).append("). ")
            .append("No partition was found illegal; ").append(overBudget.size())
            .append(" not decided:");
        for (final String line : overBudget)
        {
            explanation.append(System.lineSeparator()).append("  ").append(line);
        }
        return new CheckResult(Verdict.UNKNOWN, explanation.toString(), history.size(), parts.size(), states, elapsedNs);
    }
}
