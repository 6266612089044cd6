package io.synod.raft.testkit.linearizability;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The size of history the simulator produces per run: 1,000 operations over 10 keys from 8 clients, some
 * with unknown outcomes. Checked well under a second, including the first (cold) check.
 */
class CheckerPerformanceTest
{
    private static final int OPERATIONS = 1_000;
    private static final int KEYS = 10;
    private static final int CLIENTS = 8;
    private static final int HISTORIES = 20;

    @Test
    void shouldCheckThousandOperationHistoryWellUnderOneSecond()
    {
        final KvModel<String, String> model = new KvModel<>();
        long maxMs = 0;
        long totalNs = 0;
        long maxStates = 0;
        for (int h = 0; h < HISTORIES; h++)
        {
            final List<Operation<KvInput<String, String>, KvOutput<String>>> history =
                RandomKvHistory.generate(new SplittableRandom(h), OPERATIONS, KEYS, CLIENTS, 0.05);
            final long startNs = System.nanoTime();
            final CheckResult result = LinearizabilityChecker.check(model, history);
            final long elapsedNs = System.nanoTime() - startNs;

            assertEquals(Verdict.OK, result.verdict(), result::explanation);
            assertEquals(KEYS, result.partitions());
            maxMs = Math.max(maxMs, TimeUnit.NANOSECONDS.toMillis(elapsedNs));
            totalNs += elapsedNs;
            maxStates = Math.max(maxStates, result.statesExplored());
        }
        System.out.println("linearizability: " + HISTORIES + " histories of " + OPERATIONS + " ops / " + KEYS +
            " keys / " + CLIENTS + " clients (5% unknown): mean " +
            TimeUnit.NANOSECONDS.toMicros(totalNs / HISTORIES) + " us, max " + maxMs + " ms, max states " + maxStates);
        assertTrue(maxMs < 1_000, "slowest check took " + maxMs + " ms");
    }
}
