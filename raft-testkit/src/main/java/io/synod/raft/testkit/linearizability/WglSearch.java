package io.synod.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;

/**
 * The search for one partition: the Wing–Gong algorithm with Lowe's improvements, as in Porcupine, extended
 * for operations whose outcome is unknown.
 *
 * <p>Operations with a known outcome become one doubly linked list of call and return entries in time
 * order. The search walks it from the head: at a call it tries to linearize that operation next (step the
 * model; on success "lift" the call and its return out of the list and restart from the head); at a return
 * it has met an operation that had to take effect before that point. Before giving up there, it tries the
 * operations with an unknown outcome invoked by then (a second list, by invocation time: they never return,
 * so they are never forced); when none helps it backtracks: pops the last linearized operation, "unlifts"
 * it and tries the next candidate after it. A linearization is found when every known-outcome operation is
 * lifted; unknown outcomes left over simply never took effect.
 *
 * <p>Memoization (Lowe): a configuration is (set of linearized operations, model state). Two paths that
 * reach the same configuration have the same futures, so a configuration already seen is never explored
 * again: the search is bounded by the number of distinct configurations, not of orders. Unknown outcomes
 * get three more measures, without which a few dozen timeouts make an illegal history take exponential
 * time: one that changes nothing in the current state is never linearized there; known operations are
 * tried before unknown ones, so configurations that use fewer unknown outcomes are explored first; and a
 * configuration that has used a superset of the unknown outcomes of a seen one, with the same known set
 * and state, is skipped (see {@link #firstVisit}).
 *
 * <p>Single use, single-threaded.
 */
final class WglSearch<S, I, O>
{
    private static final class Entry
    {
        private final boolean call;
        private final long timeNs;
        private final int op;
        private Entry match;
        private Entry prev;
        private Entry next;

        private Entry(final boolean call, final long timeNs, final int op)
        {
            this.call = call;
            this.timeNs = timeNs;
            this.op = op;
        }
    }

    /** The memo key: which operations with a known outcome are linearized, and the model state. */
    private static final class Configuration
    {
        private final long[] linearized;
        private final Object state;
        private final int hash;

        private Configuration(final long[] linearized, final Object state)
        {
            this.linearized = linearized;
            this.state = state;
            this.hash = 31 * Arrays.hashCode(linearized) + state.hashCode();
        }

        @Override
        public int hashCode()
        {
            return hash;
        }

        @Override
        public boolean equals(final Object obj)
        {
            return obj instanceof Configuration other && hash == other.hash &&
                Arrays.equals(linearized, other.linearized) && state.equals(other.state);
        }
    }

    /** Iterations between two reads of the wall clock. */
    private static final int CLOCK_CHECK_MASK = 1023;

    private final Model<S, I, O> model;
    private final List<Operation<I, O>> ops;
    /** Known outcomes: calls and returns by time, calls first at equal times. */
    private final Entry head = new Entry(false, Long.MIN_VALUE, -1);
    /** Unknown outcomes: calls only, by invocation time. */
    private final Entry unknownHead = new Entry(true, Long.MIN_VALUE, -1);
    private final Entry[] calls;
    /** Per operation: its index in the known-outcome bitset or in the unknown-outcome bitset. */
    private final int[] bit;
    private final int knownCount;
    private final int unknownCount;

    private Verdict verdict;
    private boolean timedOut;
    private long states;
    private int[] bestPrefix = new int[0];
    private int blockedOp = -1;
    private S stateAfterBest;

    WglSearch(final Model<S, I, O> model, final List<Operation<I, O>> ops)
    {
        this.model = model;
        this.ops = ops;
        this.calls = new Entry[ops.size()];
        this.bit = new int[ops.size()];
        int known = 0;
        int unknown = 0;
        for (int i = 0; i < ops.size(); i++)
        {
            bit[i] = ops.get(i).unknown() ? unknown++ : known++;
        }
        this.knownCount = known;
        this.unknownCount = unknown;
        buildEntryLists();
    }

    /**
     * Runs the search to an answer or to the budget.
     *
     * @param maxStates  configurations to explore before giving up.
     * @param timed      whether to give up at {@code deadlineNs}; when false the clock is never read.
     * @param deadlineNs {@link System#nanoTime()} after which to give up, if {@code timed}.
     * @return {@link Verdict#OK}, {@link Verdict#ILLEGAL}, or {@link Verdict#UNKNOWN} if over budget.
     */
    Verdict run(final long maxStates, final boolean timed, final long deadlineNs)
    {
        final int n = ops.size();
        final long[] known = new long[(knownCount + 63) >>> 6];
        final long[] unknown = new long[(unknownCount + 63) >>> 6];
        final HashMap<Configuration, ArrayList<long[]>> seen = new HashMap<>();
        final int[] stackOps = new int[n];
        final Object[] stackStates = new Object[n];
        final Entry[] stackBounds = new Entry[n];
        int depth = 0;
        int knownRemaining = knownCount;

        S state = model.init();
        stateAfterBest = state;
        int bestDepth = -1;
        // Cursor: in the known list until it meets a return (bound), then in the unknown list.
        Entry entry = head.next;
        Entry bound = null;
        long iterations = 0;

        while (knownRemaining > 0)
        {
            if (timed && (++iterations & CLOCK_CHECK_MASK) == 0 && System.nanoTime() - deadlineNs > 0)
            {
                timedOut = true;
                return verdict = Verdict.UNKNOWN;
            }

            if (null == bound && !entry.call)
            {
                // Every known candidate tried: now unknown outcomes invoked by this return.
                bound = entry;
                entry = unknownHead.next;
                continue;
            }

            if (null == bound || (null != entry && entry.timeNs <= bound.timeNs))
            {
                final Operation<I, O> op = ops.get(entry.op);
                final boolean isUnknown = null != bound;
                final S next = isUnknown ?
                    model.stepUnknown(state, op.input()) : model.step(state, op.input(), op.output());
                // An unknown outcome that changes nothing need never be linearized: leaving it out is as good.
                if (null != next && !(isUnknown && next.equals(state)))
                {
                    final long[] bits = isUnknown ? unknown : known;
                    set(bits, bit[entry.op]);
                    if (firstVisit(seen, known, unknown, next))
                    {
                        if (++states > maxStates)
                        {
                            return verdict = Verdict.UNKNOWN;
                        }
                        stackOps[depth] = entry.op;
                        stackStates[depth] = state;
                        stackBounds[depth] = bound;
                        depth++;
                        state = next;
                        if (isUnknown)
                        {
                            liftUnknown(entry);
                        }
                        else
                        {
                            lift(entry);
                            knownRemaining--;
                        }
                        entry = head.next;
                        bound = null;
                        continue;
                    }
                    clear(bits, bit[entry.op]);
                }
                entry = entry.next;
                continue;
            }

            // Dead end: the operation of the bounding return had to take effect by now and cannot.
            if (depth > bestDepth)
            {
                bestDepth = depth;
                bestPrefix = Arrays.copyOf(stackOps, depth);
                blockedOp = bound.op;
                stateAfterBest = state;
            }
            if (0 == depth)
            {
                return verdict = Verdict.ILLEGAL;
            }
            depth--;
            final int undone = stackOps[depth];
            @SuppressWarnings("unchecked") final S previous = (S)stackStates[depth];
            state = previous;
            stackStates[depth] = null;
            bound = stackBounds[depth];
            stackBounds[depth] = null;
            final Entry call = calls[undone];
            if (null != bound)
            {
                clear(unknown, bit[undone]);
                unliftUnknown(call);
            }
            else
            {
                clear(known, bit[undone]);
                unlift(call);
                knownRemaining++;
            }
            entry = call.next;
        }

        return verdict = Verdict.OK;
    }

    Verdict verdict()
    {
        return verdict;
    }

    boolean timedOut()
    {
        return timedOut;
    }

    long states()
    {
        return states;
    }

    /** The longest sequence of operations (indexes into the partition) linearized before a dead end. */
    int[] bestPrefix()
    {
        return bestPrefix;
    }

    /** The operation whose return was met right after {@link #bestPrefix()}: it could not be placed. */
    int blockedOp()
    {
        return blockedOp;
    }

    S stateAfterBest()
    {
        return stateAfterBest;
    }

    /**
     * Records a configuration unless one at least as good was seen. A configuration with the same known
     * operations linearized and the same state as a seen one, that has used a superset of the seen one's
     * unknown outcomes, is dominated: unknown outcomes are optional and never bound what may come next, so
     * every completion of it is a completion of the seen one, which is (or is being) explored. With no
     * unknown outcomes this is Lowe's exact memoization.
     */
    private static boolean firstVisit(
        final HashMap<Configuration, ArrayList<long[]>> seen, final long[] known, final long[] unknown, final Object state)
    {
        final Configuration key = new Configuration(known.clone(), state);
        final ArrayList<long[]> unknownSets = seen.get(key);
        if (null == unknownSets)
        {
            final ArrayList<long[]> sets = new ArrayList<>(1);
            sets.add(unknown.clone());
            seen.put(key, sets);
            return true;
        }
        for (int i = 0, size = unknownSets.size(); i < size; i++)
        {
            if (subset(unknownSets.get(i), unknown))
            {
                return false;
            }
        }
        unknownSets.add(unknown.clone());
        return true;
    }

    private static boolean subset(final long[] a, final long[] b)
    {
        for (int i = 0; i < a.length; i++)
        {
            if ((a[i] & ~b[i]) != 0)
            {
                return false;
            }
        }
        return true;
    }

    private void buildEntryLists()
    {
        final ArrayList<Entry> entries = new ArrayList<>(2 * knownCount);
        final ArrayList<Entry> unknownCalls = new ArrayList<>(unknownCount);
        for (int i = 0; i < ops.size(); i++)
        {
            final Operation<I, O> op = ops.get(i);
            final Entry call = new Entry(true, op.invokeNs(), i);
            calls[i] = call;
            if (op.unknown())
            {
                unknownCalls.add(call);
            }
            else
            {
                final Entry ret = new Entry(false, op.completeNs(), i);
                call.match = ret;
                entries.add(call);
                entries.add(ret);
            }
        }
        // Calls before returns at equal times: intervals that touch are concurrent (see Operation).
        final Comparator<Entry> order = Comparator
            .comparingLong((final Entry e) -> e.timeNs)
            .thenComparing((final Entry e) -> !e.call)
            .thenComparingInt((final Entry e) -> e.op);
        entries.sort(order);
        unknownCalls.sort(order);
        link(head, entries);
        link(unknownHead, unknownCalls);
    }

    private static void link(final Entry head, final List<Entry> entries)
    {
        Entry last = head;
        for (final Entry e : entries)
        {
            last.next = e;
            e.prev = last;
            last = e;
        }
    }

    /** Unlinks a call and its return. Invariant: a call's return is always later in the list. */
    private static void lift(final Entry call)
    {
        call.prev.next = call.next;
        call.next.prev = call.prev;
        final Entry ret = call.match;
        ret.prev.next = ret.next;
        if (null != ret.next)
        {
            ret.next.prev = ret.prev;
        }
    }

    /** Relinks what {@link #lift} unlinked, in reverse order. */
    private static void unlift(final Entry call)
    {
        final Entry ret = call.match;
        ret.prev.next = ret;
        if (null != ret.next)
        {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        call.next.prev = call;
    }

    private static void liftUnknown(final Entry call)
    {
        call.prev.next = call.next;
        if (null != call.next)
        {
            call.next.prev = call.prev;
        }
    }

    private static void unliftUnknown(final Entry call)
    {
        call.prev.next = call;
        if (null != call.next)
        {
            call.next.prev = call;
        }
    }

    private static void set(final long[] bits, final int index)
    {
        bits[index >>> 6] |= 1L << index;
    }

    private static void clear(final long[] bits, final int index)
    {
        bits[index >>> 6] &= ~(1L << index);
    }
}
