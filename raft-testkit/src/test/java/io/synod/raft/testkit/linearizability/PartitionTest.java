package io.synod.raft.testkit.linearizability;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.synod.raft.testkit.linearizability.KvInput.get;
import static io.synod.raft.testkit.linearizability.KvInput.put;
import static io.synod.raft.testkit.linearizability.KvOutput.absent;
import static io.synod.raft.testkit.linearizability.KvOutput.read;
import static io.synod.raft.testkit.linearizability.KvOutput.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionTest
{
    private final KvModel<String, String> model = new KvModel<>();

    @Test
    void shouldSplitKvHistoryPerKeyKeepingOrder()
    {
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 0, 10, put("y", "b"), written(1))
            .op(1, 20, 30, get("x"), read("a", 1))
            .op(2, 20, 30, get("z"), absent())
            .op(3, 40, 50, get("y"), read("b", 1))
            .build();

        final List<List<Operation<KvInput<String, String>, KvOutput<String>>>> parts = model.partition(history);

        assertEquals(3, parts.size());
        assertEquals(List.of(0L, 2L), ids(parts.get(0)));
        assertEquals(List.of(1L, 4L), ids(parts.get(1)));
        assertEquals(List.of(3L), ids(parts.get(2)));
        final CheckResult result = LinearizabilityChecker.check(model, history);
        assertEquals(Verdict.OK, result.verdict(), result::explanation);
        assertEquals(3, result.partitions());
    }

    @Test
    void shouldReportOnlyTheIllegalKey()
    {
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 0, 10, put("y", "b"), written(1))
            .op(1, 20, 30, get("x"), read("a", 1))
            .op(2, 20, 30, get("y"), absent())
            .build();

        final CheckResult result = LinearizabilityChecker.check(model, history);

        assertEquals(Verdict.ILLEGAL, result.verdict(), result::explanation);
        assertTrue(result.explanation().contains("get(y) -> absent  <-- cannot be placed"), result::explanation);
        assertFalse(result.explanation().contains("get(x)"), result::explanation);
    }

    @Test
    void shouldCheckManyConcurrentKeysCheaplyWhenPartitioned()
    {
        // 64 keys x 12 fully concurrent puts each, then a read: unpartitioned this is one search over
        // 832 operations; per key, 64 small ones.
        final HistoryBuilder<KvInput<String, String>, KvOutput<String>> builder = HistoryBuilder.kv();
        for (int k = 0; k < 64; k++)
        {
            for (int c = 0; c < 12; c++)
            {
                builder.op(c, 0, 100, put("k" + k, "v" + c), written(12 - c));
            }
            builder.op(99, 200, 210, get("k" + k), read("v0", 12));
        }

        final CheckResult result = LinearizabilityChecker.check(model, builder.build());

        assertEquals(Verdict.OK, result.verdict(), result::explanation);
        assertEquals(64, result.partitions());
    }

    @Test
    void shouldRefuseAPartitionThatLosesOperations()
    {
        final Model<KvModel.State<String, String>, KvInput<String, String>, KvOutput<String>> lossy =
            new Model<>()
            {
                @Override
                public KvModel.State<String, String> init()
                {
                    return model.init();
                }

                @Override
                public KvModel.State<String, String> step(
                    final KvModel.State<String, String> state, final KvInput<String, String> input,
                    final KvOutput<String> output)
                {
                    return model.step(state, input, output);
                }

                @Override
                public List<List<Operation<KvInput<String, String>, KvOutput<String>>>> partition(
                    final List<Operation<KvInput<String, String>, KvOutput<String>>> history)
                {
                    return List.of(history.subList(1, history.size()));
                }
            };
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(1, 20, 30, get("x"), read("a", 1))
            .build();

        assertThrows(IllegalArgumentException.class, () -> LinearizabilityChecker.check(lossy, history));
    }

    @Test
    void shouldRefuseRepeatedOperationIds()
    {
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = List.of(
            Operation.completed(7, 1, put("x", "a"), 0, written(1), 10),
            Operation.completed(7, 2, get("x"), 20, read("a", 1), 30));

        assertThrows(IllegalArgumentException.class, () -> LinearizabilityChecker.check(model, history));
    }

    private static List<Long> ids(final List<Operation<KvInput<String, String>, KvOutput<String>>> part)
    {
        final ArrayList<Long> ids = new ArrayList<>();
        part.forEach(op -> ids.add(op.id()));
        return ids;
    }
}
