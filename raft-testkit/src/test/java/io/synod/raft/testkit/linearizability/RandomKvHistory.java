package io.synod.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates linearizable key-value histories by construction: simulated clients, each running one
 * operation at a time, invoke operations with random latencies; every operation that takes effect gets a
 * linearization point inside its interval, and the outputs come from running {@link KvModel#execute} in the
 * order of those points. An operation may time out (unknown outcome) and then either take effect at a point
 * after its invocation or never.
 */
final class RandomKvHistory
{
    static final String NEVER_WRITTEN = "never-written";
    static final long IMPOSSIBLE_VERSION = 1_000_000;

    private record Planned(int index, int clientId, KvInput<String, String> input, long invokeNs, long completeNs,
        long pointNs, boolean unknown, boolean takesEffect)
    {
    }

    private RandomKvHistory()
    {
    }

    static List<Operation<KvInput<String, String>, KvOutput<String>>> generate(
        final SplittableRandom random, final int operations, final int keys, final int clients, final double unknownRate)
    {
        final KvModel<String, String> model = new KvModel<>();
        final long[] freeAtNs = new long[clients];
        final ArrayList<Planned> planned = new ArrayList<>(operations);
        for (int i = 0; i < operations; i++)
        {
            int client = random.nextInt(clients);
            for (int c = 0; c < clients; c++)
            {
                if (freeAtNs[c] < freeAtNs[client])
                {
                    client = c;
                }
            }
            final long invokeNs = freeAtNs[client] + random.nextInt(10);
            final long pointNs = invokeNs + random.nextInt(40);
            final long completeNs = pointNs + random.nextInt(40);
            final boolean unknown = random.nextDouble() < unknownRate;
            final boolean takesEffect = !unknown || random.nextBoolean();
            final long unknownPointNs = invokeNs + random.nextInt(200);
            planned.add(new Planned(i, client, randomInput(random, keys, i), invokeNs, completeNs,
                unknown ? unknownPointNs : pointNs, unknown, takesEffect));
            // A client that timed out moves on after its timeout, its operation possibly still in flight.
            freeAtNs[client] = (unknown ? invokeNs + 50 : completeNs) + 1;
        }

        final ArrayList<Planned> byPoint = new ArrayList<>(planned);
        byPoint.sort(Comparator.comparingLong(Planned::pointNs).thenComparingInt(Planned::index));
        final ArrayList<KvOutput<String>> outputs = new ArrayList<>(operations);
        for (int i = 0; i < operations; i++)
        {
            outputs.add(null);
        }
        KvModel.State<String, String> state = model.init();
        for (final Planned p : byPoint)
        {
            if (p.takesEffect())
            {
                final KvModel.Transition<String, String> t = model.execute(state, p.input());
                state = t.state();
                outputs.set(p.index(), t.output());
            }
        }

        final ArrayList<Operation<KvInput<String, String>, KvOutput<String>>> history = new ArrayList<>(operations);
        for (final Planned p : planned)
        {
            history.add(p.unknown() ?
                Operation.unknown(p.index(), p.clientId(), p.input(), p.invokeNs()) :
                Operation.completed(p.index(), p.clientId(), p.input(), p.invokeNs(), outputs.get(p.index()),
                    p.completeNs()));
        }
        return history;
    }

    /**
     * Replaces the output of one known put, get or compare-and-set with one no run can produce: a value
     * nobody wrote, or a version beyond the number of writes in the history.
     *
     * @return the mutated history, or {@code null} if no operation can be mutated detectably.
     */
    static List<Operation<KvInput<String, String>, KvOutput<String>>> mutateOne(
        final SplittableRandom random, final List<Operation<KvInput<String, String>, KvOutput<String>>> history)
    {
        final ArrayList<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < history.size(); i++)
        {
            final Operation<KvInput<String, String>, KvOutput<String>> op = history.get(i);
            if (!op.unknown() && !(op.input() instanceof KvInput.Delete))
            {
                candidates.add(i);
            }
        }
        if (candidates.isEmpty())
        {
            return null;
        }
        final int index = candidates.get(random.nextInt(candidates.size()));
        final Operation<KvInput<String, String>, KvOutput<String>> op = history.get(index);
        final KvOutput<String> impossible;
        if (op.output() instanceof KvOutput.Read<String>)
        {
            impossible = KvOutput.read(NEVER_WRITTEN, random.nextBoolean() ? KvOutput.ANY_VERSION : 1 + random.nextInt(3));
        }
        else if (op.output() instanceof KvOutput.CasResult<String> cas)
        {
            impossible = KvOutput.cas(cas.success(), IMPOSSIBLE_VERSION);
        }
        else
        {
            impossible = KvOutput.written(IMPOSSIBLE_VERSION);
        }
        final ArrayList<Operation<KvInput<String, String>, KvOutput<String>>> mutated = new ArrayList<>(history);
        mutated.set(index, Operation.completed(
            op.id(), op.clientId(), op.input(), op.invokeNs(), impossible, op.completeNs()));
        return mutated;
    }

    static KvInput<String, String> randomInput(final SplittableRandom random, final int keys, final int sequence)
    {
        final String key = "k" + random.nextInt(keys);
        final String value = "v" + sequence;
        return switch (random.nextInt(10))
        {
            case 0, 1, 2 -> KvInput.put(key, value);
            case 3, 4, 5 -> KvInput.get(key);
            case 6 -> KvInput.delete(key);
            case 7, 8 -> KvInput.casVersion(key, random.nextInt(3), value);
            default -> KvInput.casValue(key, random.nextBoolean() ? null : "v" + random.nextInt(Math.max(1, sequence)),
                value);
        };
    }
}
