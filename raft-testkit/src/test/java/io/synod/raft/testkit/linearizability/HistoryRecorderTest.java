package io.synod.raft.testkit.linearizability;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.synod.raft.testkit.linearizability.KvInput.get;
import static io.synod.raft.testkit.linearizability.KvInput.put;
import static io.synod.raft.testkit.linearizability.KvOutput.read;
import static io.synod.raft.testkit.linearizability.KvOutput.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistoryRecorderTest
{
    private final HistoryRecorder<KvInput<String, String>, KvOutput<String>> recorder = new HistoryRecorder<>();

    @Test
    void shouldRecordCompletedOpenAndUnknownOperations()
    {
        final long first = recorder.invoke(1, put("x", "a"), 100);
        final long second = recorder.invoke(2, put("x", "b"), 110);
        final long third = recorder.invoke(3, get("x"), 120);
        recorder.complete(first, written(1), 150);
        recorder.unknown(second);

        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = recorder.history();

        assertEquals(3, history.size());
        assertEquals(Operation.completed(first, 1, put("x", "a"), 100, written(1), 150), history.get(0));
        assertTrue(history.get(1).unknown());
        assertEquals(Operation.NEVER, history.get(1).completeNs());
        assertTrue(history.get(2).unknown(), "an open operation is reported as unknown");
        assertEquals(third, history.get(2).id());
    }

    @Test
    void shouldFeedTheChecker()
    {
        final long put = recorder.invoke(1, put("x", "a"), 0);
        recorder.complete(put, written(1), 10);
        final long read = recorder.invoke(2, get("x"), 20);
        recorder.complete(read, read("a", 1), 30);

        final CheckResult result = LinearizabilityChecker.check(new KvModel<>(), recorder.history());

        assertTrue(result.isOk(), result::explanation);
        assertFalse(result.isIllegal());
    }

    @Test
    void shouldRefuseToCompleteTwiceOrAfterUnknown()
    {
        final long first = recorder.invoke(1, put("x", "a"), 0);
        final long second = recorder.invoke(1, put("x", "b"), 0);
        recorder.complete(first, written(1), 10);
        recorder.unknown(second);

        assertThrows(IllegalStateException.class, () -> recorder.complete(first, written(1), 20));
        assertThrows(IllegalStateException.class, () -> recorder.complete(second, written(2), 20));
        assertThrows(IllegalStateException.class, () -> recorder.unknown(first));
    }

    @Test
    void shouldRefuseCompletionBeforeInvocation()
    {
        final long op = recorder.invoke(1, put("x", "a"), 100);

        assertThrows(IllegalArgumentException.class, () -> recorder.complete(op, written(1), 99));
        assertThrows(IllegalArgumentException.class, () -> recorder.complete(42, written(1), 200));
    }
}
