package io.synod.raft.testkit.linearizability;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.synod.raft.testkit.linearizability.KvInput.get;
import static io.synod.raft.testkit.linearizability.KvInput.put;
import static io.synod.raft.testkit.linearizability.KvOutput.ANY_VERSION;
import static io.synod.raft.testkit.linearizability.KvOutput.read;
import static io.synod.raft.testkit.linearizability.KvOutput.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetTest
{
    private final KvModel<String, String> model = new KvModel<>();

    /**
     * Twenty fully concurrent writes and then a read of a value nobody wrote: proving this illegal means
     * trying every order of the writes (millions of configurations).
     */
    private static List<Operation<KvInput<String, String>, KvOutput<String>>> hardHistory(final String key)
    {
        final HistoryBuilder<KvInput<String, String>, KvOutput<String>> builder = HistoryBuilder.kv();
        for (int c = 0; c < 20; c++)
        {
            builder.op(c, 0, 100, put(key, "v" + c), written(ANY_VERSION));
        }
        return builder.op(99, 200, 210, get(key), read("nobody", ANY_VERSION)).build();
    }

    @Test
    void shouldAnswerUnknownWhenStateBudgetRunsOut()
    {
        final CheckResult result = LinearizabilityChecker.check(model, hardHistory("x"), new CheckBudget(10_000));

        assertEquals(Verdict.UNKNOWN, result.verdict(), result::explanation);
        assertTrue(result.explanation().startsWith("UNKNOWN: budget exceeded"), result::explanation);
        assertTrue(result.explanation().contains("state budget ran out"), result::explanation);
        assertTrue(result.explanation().contains("budget 10000 states per partition, no time limit"), result::explanation);
    }

    @Test
    void shouldCountStatesOnlyByDefault()
    {
        assertFalse(CheckBudget.DEFAULT.hasTimeLimit(), "the default verdict must not depend on the machine's load");
        assertEquals(CheckBudget.NO_TIME_LIMIT, CheckBudget.DEFAULT.maxDurationNs());
        assertEquals(1_000_000, CheckBudget.DEFAULT.maxStatesPerPartition());
        assertFalse(new CheckBudget(10).hasTimeLimit());
        assertTrue(new CheckBudget(10).withMaxDuration(1).hasTimeLimit());
        assertTrue(new CheckBudget(10, 1).hasTimeLimit());
        assertThrows(IllegalArgumentException.class, () -> new CheckBudget(0));
        assertThrows(IllegalArgumentException.class, () -> new CheckBudget(10).withMaxDuration(0));
    }

    @Test
    void shouldAnswerUnknownWhenTimeRunsOut()
    {
        final long startNs = System.nanoTime();
        final CheckResult result = LinearizabilityChecker.check(
            model, hardHistory("x"), new CheckBudget(Long.MAX_VALUE).withMaxDuration(TimeUnit.MILLISECONDS.toNanos(50)));
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);

        assertEquals(Verdict.UNKNOWN, result.verdict(), result::explanation);
        assertTrue(result.explanation().contains("time ran out"), result::explanation);
        assertTrue(result.explanation().contains("states per partition, 50 ms"), result::explanation);
        assertTrue(elapsedMs < 2_000, "took " + elapsedMs + " ms");
    }

    @Test
    void shouldStillFindAnIllegalPartitionBesideOneOverBudget()
    {
        final HistoryBuilder<KvInput<String, String>, KvOutput<String>> builder = HistoryBuilder.kv();
        hardHistory("x").forEach(op -> builder.op(op.clientId(), op.invokeNs(), op.completeNs(), op.input(), op.output()));
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = builder
            .op(1, 300, 310, put("y", "a"), written(1))
            .op(1, 320, 330, put("y", "b"), written(2))
            .op(2, 340, 350, get("y"), read("a", 1))
            .build();

        final CheckResult result = LinearizabilityChecker.check(model, history, new CheckBudget(10_000));

        assertEquals(Verdict.ILLEGAL, result.verdict(), result::explanation);
    }
}
