package io.synod.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prints a failing partition the way Porcupine shows it: every operation per client with its interval,
 * the longest linearizable prefix the search found, the state after it, and the operation that could not
 * be placed after that prefix.
 */
final class HistoryReport
{
    /** Partitions larger than this print only the operations near the one that could not be placed. */
    static final int MAX_PRINTED_OPERATIONS = 100;

    /** Prefix steps printed before eliding the older ones. */
    static final int MAX_PRINTED_PREFIX = 30;

    private static final String NL = System.lineSeparator();

    private HistoryReport()
    {
    }

    static String partitionName(final int index, final int partitions, final int size)
    {
        return "partition " + (index + 1) + " of " + partitions + " (" + size + " operations)";
    }

    static <S, I, O> String illegal(
        final Model<S, I, O> model,
        final List<Operation<I, O>> part,
        final int partIndex,
        final int partitions,
        final WglSearch<S, I, O> search,
        final int operations,
        final long states,
        final long elapsedNs)
    {
        final int[] prefix = search.bestPrefix();
        final int blocked = search.blockedOp();
        final Operation<I, O> blockedOp = part.get(blocked);
        final HashMap<Integer, Integer> positionInPrefix = new HashMap<>();
        for (int i = 0; i < prefix.length; i++)
        {
            positionInPrefix.put(prefix[i], i + 1);
        }

        final StringBuilder out = new StringBuilder()
            .append("ILLEGAL: not linearizable: ").append(partitionName(partIndex, partitions, part.size()))
            .append(" has no linearization (").append(operations).append(" operations in all, ")
            .append(states).append(" states explored, ").append(TimeUnit.NANOSECONDS.toMillis(elapsedNs))
            .append(" ms)").append(NL);

        final ArrayList<Integer> printed = new ArrayList<>();
        for (int i = 0; i < part.size(); i++)
        {
            if (part.size() <= MAX_PRINTED_OPERATIONS || nearBlocked(part.get(i), blockedOp) ||
                (positionInPrefix.containsKey(i) && positionInPrefix.get(i) > prefix.length - 10))
            {
                printed.add(i);
            }
        }
        printed.sort(Comparator
            .comparingInt((final Integer i) -> part.get(i).clientId())
            .thenComparingLong(i -> part.get(i).invokeNs())
            .thenComparingLong(i -> part.get(i).id()));
        final List<Integer> shown = printed.size() > MAX_PRINTED_OPERATIONS ?
            printed.subList(0, MAX_PRINTED_OPERATIONS) : printed;

        out.append("History of that partition, per client ([invoke, complete] in ns, '?' = outcome unknown; ")
            .append("[n] = position in the longest linearizable prefix):").append(NL);
        if (shown.size() < part.size())
        {
            out.append("  (showing ").append(shown.size()).append(" of ").append(part.size())
                .append(" operations: those concurrent with the one that cannot be placed and the end of the prefix)")
                .append(NL);
        }
        int client = Integer.MIN_VALUE;
        for (final int i : shown)
        {
            final Operation<I, O> op = part.get(i);
            if (op.clientId() != client)
            {
                client = op.clientId();
                out.append("  client ").append(client).append(NL);
            }
            final Integer position = positionInPrefix.get(i);
            out.append("    ").append(interval(op)).append("  ").append(describe(model, op));
            if (null != position)
            {
                out.append("  [").append(position).append(']');
            }
            if (i == blocked)
            {
                out.append("  <-- cannot be placed");
            }
            out.append(NL);
        }

        out.append("Longest linearizable prefix found: ").append(prefix.length).append(" of ").append(part.size())
            .append(" operations").append(NL);
        final int firstShown = Math.max(0, prefix.length - MAX_PRINTED_PREFIX);
        if (firstShown > 0)
        {
            out.append("  ... ").append(firstShown).append(" earlier operations").append(NL);
        }
        for (int i = firstShown; i < prefix.length; i++)
        {
            final Operation<I, O> op = part.get(prefix[i]);
            out.append("  ").append(i + 1).append(". client ").append(op.clientId()).append(' ')
                .append(describe(model, op)).append(NL);
        }
        out.append("State after that prefix: ").append(model.describeState(search.stateAfterBest())).append(NL);
        out.append("Cannot place: client ").append(blockedOp.clientId()).append(' ').append(interval(blockedOp))
            .append(' ').append(describe(model, blockedOp)).append(NL)
            .append("  it completed at ").append(blockedOp.completeNs())
            .append(", so it must take effect before then; after that prefix neither it nor any other pending ")
            .append("operation invoked by then can take effect next, and every other order gets stuck no later.");
        return out.toString();
    }

    private static <I, O> boolean nearBlocked(final Operation<I, O> op, final Operation<I, O> blocked)
    {
        return op.completeNs() >= blocked.invokeNs() && op.invokeNs() <= blocked.completeNs();
    }

    private static <I, O> String interval(final Operation<I, O> op)
    {
        return "[" + op.invokeNs() + ", " + (op.unknown() ? "?" : Long.toString(op.completeNs())) + "]";
    }

    private static <S, I, O> String describe(final Model<S, I, O> model, final Operation<I, O> op)
    {
        return "#" + op.id() + " " + model.describeOperation(op.input(), op.output());
    }
}
