package io.synod.raft.testkit.linearizability;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.synod.raft.testkit.linearizability.KvInput.casValue;
import static io.synod.raft.testkit.linearizability.KvInput.casVersion;
import static io.synod.raft.testkit.linearizability.KvInput.delete;
import static io.synod.raft.testkit.linearizability.KvInput.get;
import static io.synod.raft.testkit.linearizability.KvInput.put;
import static io.synod.raft.testkit.linearizability.KvOutput.ANY_VERSION;
import static io.synod.raft.testkit.linearizability.KvOutput.absent;
import static io.synod.raft.testkit.linearizability.KvOutput.cas;
import static io.synod.raft.testkit.linearizability.KvOutput.deleted;
import static io.synod.raft.testkit.linearizability.KvOutput.read;
import static io.synod.raft.testkit.linearizability.KvOutput.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-written key-value histories with a known answer.
 */
class KvLinearizabilityTest
{
    private final KvModel<String, String> model = new KvModel<>();

    private CheckResult check(final List<Operation<KvInput<String, String>, KvOutput<String>>> history)
    {
        return LinearizabilityChecker.check(model, history);
    }

    private void assertOk(final List<Operation<KvInput<String, String>, KvOutput<String>>> history)
    {
        final CheckResult result = check(history);
        assertEquals(Verdict.OK, result.verdict(), result::explanation);
    }

    private CheckResult assertIllegal(final List<Operation<KvInput<String, String>, KvOutput<String>>> history)
    {
        final CheckResult result = check(history);
        assertEquals(Verdict.ILLEGAL, result.verdict(), result::explanation);
        return result;
    }

    @Test
    void shouldAcceptSequentialHistory()
    {
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 10, get("x"), absent())
            .op(1, 20, 30, put("x", "a"), written(1))
            .op(2, 40, 50, get("x"), read("a", 1))
            .op(2, 60, 70, put("x", "b"), written(2))
            .op(1, 80, 90, casVersion("x", 2, "c"), cas(true, 3))
            .op(1, 100, 110, casValue("x", "b", "d"), cas(false, 3))
            .op(2, 120, 130, delete("x"), deleted(true))
            .op(2, 140, 150, delete("x"), deleted(false))
            .op(1, 160, 170, get("x"), absent())
            .build());
    }

    @Test
    void shouldRestartVersionsAtOneAfterDelete()
    {
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(1, 20, 30, put("x", "b"), written(2))
            .op(1, 40, 50, delete("x"), deleted(true))
            .op(1, 60, 70, put("x", "c"), written(1))
            .build());
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(1, 40, 50, delete("x"), deleted(true))
            .op(1, 60, 70, put("x", "c"), written(2))
            .build());
    }

    @Test
    void shouldAcceptConcurrentOverlappingOperationsInEitherOrder()
    {
        // Two overlapping puts; readers during and after see an order consistent with some linearization.
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 100, put("x", "a"), written(2))
            .op(2, 10, 90, put("x", "b"), written(1))
            .op(3, 20, 30, get("x"), read("b", 1))
            .op(4, 40, 120, get("x"), read("a", 2))
            .op(3, 130, 140, get("x"), read("a", 2))
            .build());
    }

    @Test
    void shouldTreatTouchingIntervalsAsConcurrent()
    {
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 10, 20, get("x"), absent())
            .build());
    }

    @Test
    void shouldRejectStaleReadAfterCompletedWrite()
    {
        final CheckResult result = assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(1, 20, 30, put("x", "b"), written(2))
            .op(2, 40, 50, get("x"), read("a", 1))
            .build());
        final String text = result.explanation();
        assertTrue(text.contains("client 2"), text);
        assertTrue(text.contains("[40, 50]  #2 get(x) -> a@v1  <-- cannot be placed"), text);
        assertTrue(text.contains("Longest linearizable prefix found: 2 of 3"), text);
        assertTrue(text.contains("State after that prefix: {x=b@v2}"), text);
    }

    @Test
    void shouldRejectStaleReadEvenWithoutVersions()
    {
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(ANY_VERSION))
            .op(1, 20, 30, put("x", "b"), written(ANY_VERSION))
            .op(2, 40, 50, get("x"), read("a", ANY_VERSION))
            .build());
    }

    @Test
    void shouldRejectLostWrite()
    {
        // Both writes were acknowledged, yet a later read sees the first again and never the second.
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 5, 20, put("x", "b"), written(2))
            .op(3, 30, 40, get("x"), read("a", 1))
            .build());
    }

    @Test
    void shouldRejectReadThatGoesBackInTime()
    {
        // Concurrent with the write, a reader may see either value; but once one reader saw the new value,
        // a later reader may not see the old one.
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(1, 20, 100, put("x", "b"), written(2))
            .op(2, 30, 40, get("x"), read("b", 2))
            .op(3, 50, 60, get("x"), read("a", 1))
            .build());
    }

    @Test
    void shouldRejectTwoCompareAndSetsWinningOnTheSameVersion()
    {
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 20, 50, casVersion("x", 1, "b"), cas(true, 2))
            .op(3, 25, 55, casVersion("x", 1, "c"), cas(true, 2))
            .build());
    }

    @Test
    void shouldRejectTwoCompareAndSetsWinningOnTheSameValue()
    {
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(ANY_VERSION))
            .op(2, 20, 50, casValue("x", "a", "b"), cas(true, ANY_VERSION))
            .op(3, 25, 55, casValue("x", "a", "c"), cas(true, ANY_VERSION))
            .build());
    }

    @Test
    void shouldAcceptOneWinnerAmongConcurrentCompareAndSets()
    {
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 20, 50, casVersion("x", 1, "b"), cas(false, 2))
            .op(3, 25, 55, casVersion("x", 1, "c"), cas(true, 2))
            .op(4, 60, 70, get("x"), read("c", 2))
            .build());
    }

    @Test
    void shouldRejectCompareAndSetThatFailedWithNothingInTheWay()
    {
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 20, 30, casVersion("x", 1, "b"), cas(false, 1))
            .build());
    }

    @Test
    void shouldRejectReadOfOldValueAfterCompareAndSetSucceeded()
    {
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .op(2, 20, 30, casValue("x", "a", "b"), cas(true, 2))
            .op(3, 40, 50, get("x"), read("a", 1))
            .build());
    }

    @Test
    void shouldAcceptUnknownWriteThatTookEffect()
    {
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .unknown(2, 20, put("x", "b"))
            .op(3, 1000, 1010, get("x"), read("b", 2))
            .op(1, 1020, 1030, put("x", "c"), written(3))
            .build());
    }

    @Test
    void shouldAcceptUnknownWriteThatNeverTookEffect()
    {
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(1))
            .unknown(2, 20, put("x", "b"))
            .op(3, 1000, 1010, get("x"), read("a", 1))
            .op(1, 1020, 1030, put("x", "c"), written(2))
            .build());
    }

    @Test
    void shouldAcceptUnknownWriteThatTookEffectLongAfterItsClientGaveUp()
    {
        assertOk(HistoryBuilder.kv()
            .unknown(2, 0, put("x", "late"))
            .op(1, 100, 110, get("x"), absent())
            .op(1, 200, 210, get("x"), read("late", 1))
            .build());
    }

    @Test
    void shouldRejectUnknownWriteObservedBeforeItWasInvoked()
    {
        assertIllegal(HistoryBuilder.kv()
            .op(1, 0, 10, get("x"), read("b", 1))
            .unknown(2, 20, put("x", "b"))
            .build());
    }

    @Test
    void shouldRejectUnknownWriteThatTookEffectTwice()
    {
        assertIllegal(HistoryBuilder.kv()
            .unknown(2, 0, put("x", "b"))
            .op(1, 10, 20, get("x"), read("b", 1))
            .op(1, 30, 40, put("x", "c"), written(2))
            .op(1, 50, 60, get("x"), read("b", 3))
            .build());
    }

    @Test
    void shouldAcceptHistoryOfOnlyUnknownOutcomes()
    {
        assertOk(HistoryBuilder.kv()
            .unknown(1, 0, put("x", "a"))
            .unknown(2, 5, delete("x"))
            .unknown(3, 7, casVersion("x", 4, "z"))
            .build());
    }

    @Test
    void shouldAcceptEmptyHistory()
    {
        final CheckResult result = check(List.of());
        assertEquals(Verdict.OK, result.verdict(), result::explanation);
        assertEquals(0, result.partitions());
    }

    @Test
    void shouldMatchAnyVersionWhenClientDidNotObserveOne()
    {
        assertOk(HistoryBuilder.kv()
            .op(1, 0, 10, put("x", "a"), written(ANY_VERSION))
            .op(1, 20, 30, casVersion("x", 1, "b"), cas(true, ANY_VERSION))
            .op(2, 40, 50, get("x"), read("b", ANY_VERSION))
            .build());
    }
}
