package io.synod.blackbox;

import io.synod.client.KvResult;
import io.synod.raft.testkit.linearizability.KvInput;
import io.synod.raft.testkit.linearizability.KvOutput;
import io.synod.raft.testkit.linearizability.Operation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The black-box checkers catch what they are there for: histories with a planted anomaly go through the same check
 * code the runs use ({@link RegisterWorkload#check(List, Map, Map)}, {@link LockChecker#check}) and each anomaly is
 * reported, naming the offending operations; the same histories without the plant pass. (The live counterpart, a run
 * whose reads really are stale, is {@code AnomalyBlackBoxIT}.)
 */
class CheckerAnomaliesTest
{
    // ---------------------------------------------------------------- register

    private static RegisterWorkload.Op op(final long id, final int process, final KvInput<Integer, Long> input, final long invokeNs,
        final KvOutput<Long> output, final long completeNs)
    {
        return new RegisterWorkload.Op(id, process, input, invokeNs, output, completeNs);
    }

    /** Two writes acknowledged one after the other, then a read; {@code readValue} is what the read returned. */
    private static List<RegisterWorkload.Op> registerHistory(final long readValue, final long readVersion)
    {
        final List<RegisterWorkload.Op> ops = new ArrayList<>();
        ops.add(op(0, 0, KvInput.put(7, 101L), 0, KvOutput.written(1), 10));
        ops.add(op(1, 1, KvInput.put(7, 102L), 20, KvOutput.written(2), 30));
        ops.add(op(2, 2, KvInput.get(7), 40, KvOutput.read(readValue, readVersion), 50));
        // An unknown write on another key: it may apply at any time or never.
        ops.add(op(3, 3, KvInput.put(8, 103L), 5, null, Operation.NEVER));
        return ops;
    }

    private static Map<Integer, long[]> acknowledged()
    {
        final Map<Integer, long[]> acked = new TreeMap<>();
        acked.put(7, new long[] {2, 102});
        return acked;
    }

    private static Map<Integer, KvResult> finalRead(final long version, final long value)
    {
        final Map<Integer, KvResult> reads = new TreeMap<>();
        reads.put(7, new KvResult(KvResult.Status.OK, version, Long.toString(value).getBytes(StandardCharsets.UTF_8), 0));
        return reads;
    }

    @Test
    void shouldPassARegisterHistoryWithoutAnomaly()
    {
        final RegisterWorkload.Checked checked = RegisterWorkload.check(registerHistory(102, 2), acknowledged(), finalRead(2, 102));
        assertTrue(checked.checks().stream().allMatch(Workload.Check::ok), checked.checks().toString());
        assertEquals(2, checked.histories(), "one history per key");
    }

    @Test
    void shouldReportAStaleReadWithTheOperationsInvolved()
    {
        // The read began after the write of 102 was acknowledged, yet returned 101: a stale read.
        final RegisterWorkload.Checked checked = RegisterWorkload.check(registerHistory(101, 1), acknowledged(), finalRead(2, 102));
        final Workload.Check linearizable = checked.checks().get(0);
        assertFalse(linearizable.ok(), linearizable.toString());
        assertTrue(linearizable.name().contains("ILLEGAL"), "decided, not UNKNOWN: " + linearizable.name());
        assertTrue(linearizable.detail().contains("#2 get(7) -> 101"), "names the stale read: " + linearizable.detail());
        assertTrue(linearizable.detail().contains("#1 put(7, 102)"), "names the write it missed: " + linearizable.detail());
        assertTrue(checked.checks().get(1).ok(), "nothing lost: " + checked.checks().get(1));
    }

    @Test
    void shouldReportAnAcknowledgedWriteLostFromTheFinalRead()
    {
        final RegisterWorkload.Checked checked = RegisterWorkload.check(registerHistory(102, 2), acknowledged(), finalRead(1, 101));
        final Workload.Check lost = checked.checks().get(1);
        assertFalse(lost.ok(), lost.toString());
        assertTrue(lost.detail().contains("key 7: acknowledged version 2 value 102, final read version 1 value 101"), lost.detail());
    }

    // ---------------------------------------------------------------- lock

    private static int index;

    private static LockOp lockOp(final int client, final String f, final long fence, final History.Type type, final long invokeNs,
        final long completeNs)
    {
        final int invoke = index++;
        return new LockOp(client, client, f, "L", fence, f.equals(LockOp.WRITE) ? 1000 + invoke : 0, type, invokeNs, completeNs, invoke, index++,
            type == History.Type.OK ? null : "planted");
    }

    /** Client 1 holds fence 10 and releases; then client 2 holds fence 20 and releases; each writes once. */
    private static List<LockOp> cleanLockHistory()
    {
        index = 0;
        final List<LockOp> ops = new ArrayList<>();
        ops.add(lockOp(1, LockOp.ACQUIRE, 10, History.Type.OK, 0, 10));
        ops.add(lockOp(1, LockOp.WRITE, 10, History.Type.OK, 11, 12));
        ops.add(lockOp(1, LockOp.RELEASE, 10, History.Type.OK, 13, 20));
        ops.add(lockOp(2, LockOp.ACQUIRE, 20, History.Type.OK, 5, 25));
        ops.add(lockOp(2, LockOp.WRITE, 20, History.Type.OK, 26, 27));
        ops.add(lockOp(2, LockOp.RELEASE, 20, History.Type.OK, 28, 30));
        return ops;
    }

    private static Workload.Check failing(final List<Workload.Check> checks, final String namePart)
    {
        final List<Workload.Check> failed = checks.stream().filter((c) -> !c.ok()).toList();
        assertEquals(1, failed.size(), "exactly one check fails: " + checks);
        assertTrue(failed.get(0).name().contains(namePart), "the failing check is '" + namePart + "': " + failed.get(0));
        return failed.get(0);
    }

    @Test
    void shouldPassALockHistoryWithoutAnomalyAndARefusedStaleWrite()
    {
        final List<LockOp> ops = cleanLockHistory();
        // The paused holder's late write with fence 10 after fence 20 was accepted: refused, as it must be.
        ops.add(lockOp(1, LockOp.WRITE, 10, History.Type.FAIL, 31, 32));
        final List<Workload.Check> checks = LockChecker.check(ops);
        assertTrue(checks.stream().allMatch(Workload.Check::ok), checks.toString());
    }

    @Test
    void shouldReportAStaleFenceAcceptedByTheResource()
    {
        final List<LockOp> ops = cleanLockHistory();
        final LockOp late = lockOp(1, LockOp.WRITE, 10, History.Type.OK, 31, 32);
        ops.add(late);
        final Workload.Check check = failing(LockChecker.check(ops), "no accepted fence below one accepted before");
        assertTrue(check.detail().contains("accepted fenced-write L by client 1 (process 1) fence 10 value " + late.value()) &&
            check.detail().contains(":index " + late.invokeIndex() + ".." + late.completeIndex()) && check.detail().contains("fence 20"),
            check.detail());
    }

    @Test
    void shouldReportACurrentFenceRefusedByTheResource()
    {
        final List<LockOp> ops = cleanLockHistory();
        ops.add(lockOp(2, LockOp.WRITE, 20, History.Type.FAIL, 29, 29));
        final Workload.Check check = failing(LockChecker.check(ops), "no accepted fence below one accepted before");
        assertTrue(check.detail().contains("refused fenced-write L by client 2 (process 2) fence 20"), check.detail());
    }

    @Test
    void shouldReportOneFenceGrantedToTwoClients()
    {
        final List<LockOp> ops = cleanLockHistory();
        ops.add(lockOp(3, LockOp.ACQUIRE, 20, History.Type.OK, 24, 26));
        final Workload.Check check = failing(LockChecker.check(ops), "no fence granted to two clients");
        assertTrue(check.detail().contains("fence 20 granted twice") && check.detail().contains("acquire L by client 2") &&
            check.detail().contains("acquire L by client 3"), check.detail());
    }

    @Test
    void shouldReportAFenceLowerThanAnEarlierGrantsAndTheOverlapItImplies()
    {
        index = 0;
        final List<LockOp> ops = new ArrayList<>();
        // Client 2's grant (fence 5) was asked for after client 1's (fence 10) was answered, and came while client 1
        // still held (client 1's release, answered RELEASED, was sent after client 2 was granted).
        ops.add(lockOp(1, LockOp.ACQUIRE, 10, History.Type.OK, 0, 10));
        ops.add(lockOp(2, LockOp.ACQUIRE, 5, History.Type.OK, 12, 14));
        ops.add(lockOp(1, LockOp.RELEASE, 10, History.Type.OK, 16, 18));
        ops.add(lockOp(2, LockOp.RELEASE, 5, History.Type.OK, 19, 20));
        final List<Workload.Check> checks = LockChecker.check(ops);
        final List<Workload.Check> failed = checks.stream().filter((c) -> !c.ok()).toList();
        assertEquals(2, failed.size(), checks.toString());
        assertTrue(failed.get(0).name().contains("fences increase in real-time acquisition order") &&
            failed.get(0).detail().contains("acquire L by client 2 (process 2) fence 5 -> :ok [history :index 2..3] was invoked after " +
                "acquire L by client 1 (process 1) fence 10 -> :ok [history :index 0..1] completed"), failed.get(0).toString());
        assertTrue(failed.get(1).name().contains("no two holders in overlapping valid holds") &&
            failed.get(1).detail().contains("two holders at once"), failed.get(1).toString());
    }

    @Test
    void shouldReportOverlappingValidHoldsEvenWithIncreasingFences()
    {
        index = 0;
        final List<LockOp> ops = new ArrayList<>();
        ops.add(lockOp(1, LockOp.ACQUIRE, 10, History.Type.OK, 0, 10));
        ops.add(lockOp(2, LockOp.ACQUIRE, 20, History.Type.OK, 5, 12));
        ops.add(lockOp(1, LockOp.RELEASE, 10, History.Type.OK, 14, 16));
        ops.add(lockOp(2, LockOp.RELEASE, 20, History.Type.OK, 17, 18));
        failing(LockChecker.check(ops), "no two holders in overlapping valid holds");
        // The same, but client 1's release found the hold gone (NOT_HELD: its session had expired): no valid overlap.
        index = 0;
        final List<LockOp> lost = new ArrayList<>(ops.subList(0, 2));
        lost.add(lockOp(1, LockOp.RELEASE, 10, History.Type.FAIL, 14, 16));
        lost.add(ops.get(3));
        assertTrue(LockChecker.check(lost).stream().allMatch(Workload.Check::ok));
    }

    @Test
    void shouldReportAWriteWithAFenceNeverGrantedToItsWriter()
    {
        final List<LockOp> ops = cleanLockHistory();
        ops.add(lockOp(3, LockOp.WRITE, 30, History.Type.OK, 40, 41));
        final Workload.Check check = failing(LockChecker.check(ops), "every write's fence was granted to its writer");
        assertTrue(check.detail().contains("no acquire granted fence 30 of L to client 3"), check.detail());
    }
}
