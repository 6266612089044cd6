package io.synod.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written histories for tests: one line per operation, ids in order of appearance.
 */
final class HistoryBuilder<I, O>
{
    private final ArrayList<Operation<I, O>> ops = new ArrayList<>();

    HistoryBuilder<I, O> op(final int clientId, final long invokeNs, final long completeNs, final I input, final O output)
    {
        ops.add(Operation.completed(ops.size(), clientId, input, invokeNs, output, completeNs));
        return this;
    }

    HistoryBuilder<I, O> unknown(final int clientId, final long invokeNs, final I input)
    {
        ops.add(Operation.unknown(ops.size(), clientId, input, invokeNs));
        return this;
    }

    List<Operation<I, O>> build()
    {
        return List.copyOf(ops);
    }

    static HistoryBuilder<KvInput<String, String>, KvOutput<String>> kv()
    {
        return new HistoryBuilder<>();
    }
}
