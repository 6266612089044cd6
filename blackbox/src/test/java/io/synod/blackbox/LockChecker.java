package io.synod.blackbox;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a lock workload's history ({@link LockOp}s), per lock. Each check is a safety property of a fenced mutex that
 * the recorded outcomes alone decide (no model search, so no UNKNOWN verdict):
 *
 * <ol>
 *   <li><b>One fence, one holder:</b> no two clients were granted the same fence.</li>
 *   <li><b>Fences increase in acquisition order:</b> if acquisition A completed before acquisition B was invoked (real
 *   time), A's fence is lower than B's. A fence is the log index of its grant, so any later grant has a higher one.</li>
 *   <li><b>The fenced resource never goes back:</b> replaying its writes in the order it decided them, no write is
 *   accepted with a fence lower than one accepted before, and none is refused unless a higher fence was accepted
 *   before it (a refusal of a current fence would hide a lost write).</li>
 *   <li><b>Writes carry granted fences:</b> every fenced write's fence was granted to its writer for that lock.</li>
 *   <li><b>No two holders in overlapping valid holds:</b> a hold is valid from its grant to its release when the
 *   release was answered RELEASED (the cluster still counted it held then). Holds A and B of different clients
 *   certainly overlapped if A's grant was answered before B's release was sent and B's grant was answered before A's
 *   release was sent: then each grant was applied before the other hold's release.</li>
 * </ol>
 *
 * Every anomaly is reported with the offending operations and their {@code :index} in {@code history.edn}.
 */
final class LockChecker
{
    /** Anomalies listed per check, at most (the count is always given). */
    static final int LISTED_MAX = 10;

    private LockChecker()
    {
    }

    /** @return the five checks over {@code ops} (in any order). */
    static List<Workload.Check> check(final List<LockOp> ops)
    {
        final Map<String, List<LockOp>> byLock = new TreeMap<>();
        for (final LockOp op : ops)
        {
            byLock.computeIfAbsent(op.lock(), (k) -> new ArrayList<>()).add(op);
        }
        final Findings sameFence = new Findings();
        final Findings fenceOrder = new Findings();
        final Findings resource = new Findings();
        final Findings forged = new Findings();
        final Findings overlap = new Findings();
        long grants = 0;
        long accepted = 0;
        long refused = 0;
        long validHolds = 0;
        for (final List<LockOp> lockOps : byLock.values())
        {
            final List<LockOp> granted = lockOps.stream().filter((op) -> op.f().equals(LockOp.ACQUIRE) && op.type() == History.Type.OK).toList();
            grants += granted.size();
            checkSameFence(granted, sameFence);
            checkFenceOrder(granted, fenceOrder);
            final List<LockOp> writes = lockOps.stream().filter((op) -> op.f().equals(LockOp.WRITE))
                .sorted(Comparator.comparingInt(LockOp::completeIndex)).toList();
            long highest = 0;
            LockOp highestOp = null;
            for (final LockOp write : writes)
            {
                if (write.type() == History.Type.OK)
                {
                    accepted++;
                    if (write.fence() < highest)
                    {
                        resource.add("accepted " + write.describe() + " after accepting fence " + highest + " (" + highestOp.describe() + ")");
                    }
                    else
                    {
                        highest = write.fence();
                        highestOp = write;
                    }
                }
                else
                {
                    refused++;
                    if (write.fence() >= highest)
                    {
                        resource.add("refused " + write.describe() + " though the highest fence accepted before it was " + highest);
                    }
                }
                final boolean wasGranted = granted.stream().anyMatch((g) -> g.client() == write.client() && g.fence() == write.fence());
                if (!wasGranted)
                {
                    forged.add(write.describe() + ": no acquire granted fence " + write.fence() + " of " + write.lock() + " to client " +
                        write.client());
                }
            }
            final List<LockOp[]> holds = validHolds(granted, lockOps);
            validHolds += holds.size();
            checkOverlap(holds, overlap);
        }
        final List<Workload.Check> checks = new ArrayList<>();
        checks.add(sameFence.check("lock: no fence granted to two clients (" + grants + " grants, " + byLock.size() + " locks)",
            "every grant's fence is its own"));
        checks.add(fenceOrder.check("lock: fences increase in real-time acquisition order", "every grant answered before another was " +
            "asked for has the lower fence"));
        checks.add(resource.check("fenced resource: no accepted fence below one accepted before (" + accepted + " accepted, " + refused +
            " refused as stale)", "accepted fences never went back; every refusal was of a fence below one accepted before"));
        checks.add(forged.check("fenced resource: every write's fence was granted to its writer", "every fenced write used its own grant"));
        checks.add(overlap.check("lock: no two holders in overlapping valid holds (" + validHolds + " holds released RELEASED)",
            "no two valid holds of different clients certainly overlap"));
        return checks;
    }

    private static void checkSameFence(final List<LockOp> granted, final Findings findings)
    {
        final Map<Long, LockOp> byFence = new HashMap<>();
        for (final LockOp op : granted)
        {
            final LockOp other = byFence.putIfAbsent(op.fence(), op);
            if (other != null && other.client() != op.client())
            {
                findings.add("fence " + op.fence() + " granted twice: " + other.describe() + " and " + op.describe());
            }
        }
    }

    /** Sweep: grants by completion time, a prefix maximum of fences; each grant against those completed before its invoke. */
    private static void checkFenceOrder(final List<LockOp> granted, final Findings findings)
    {
        final List<LockOp> byCompletion = granted.stream().sorted(Comparator.comparingLong(LockOp::completeNs)).toList();
        final LockOp[] maxUpTo = new LockOp[byCompletion.size()];
        for (int i = 0; i < byCompletion.size(); i++)
        {
            final LockOp op = byCompletion.get(i);
            maxUpTo[i] = i == 0 || op.fence() > maxUpTo[i - 1].fence() ? op : maxUpTo[i - 1];
        }
        for (final LockOp op : granted)
        {
            // The last grant completed strictly before op was invoked.
            int lo = 0;
            int hi = byCompletion.size() - 1;
            int last = -1;
            while (lo <= hi)
            {
                final int mid = (lo + hi) >>> 1;
                if (byCompletion.get(mid).completeNs() < op.invokeNs())
                {
                    last = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (last >= 0 && maxUpTo[last].fence() >= op.fence())
            {
                findings.add(op.describe() + " was invoked after " + maxUpTo[last].describe() + " completed, yet its fence is not higher");
            }
        }
    }

    /** @return {grant, release} pairs whose release was answered RELEASED, sorted by the grant's completion. */
    private static List<LockOp[]> validHolds(final List<LockOp> granted, final List<LockOp> lockOps)
    {
        final Map<String, LockOp> releases = new HashMap<>();
        for (final LockOp op : lockOps)
        {
            if (op.f().equals(LockOp.RELEASE) && op.type() == History.Type.OK)
            {
                releases.put(op.client() + "/" + op.fence(), op);
            }
        }
        final List<LockOp[]> holds = new ArrayList<>();
        for (final LockOp grant : granted)
        {
            final LockOp release = releases.get(grant.client() + "/" + grant.fence());
            if (release != null)
            {
                holds.add(new LockOp[] {grant, release});
            }
        }
        holds.sort(Comparator.comparingLong((LockOp[] h) -> h[0].completeNs()));
        return holds;
    }

    private static void checkOverlap(final List<LockOp[]> holds, final Findings findings)
    {
        for (int i = 0; i < holds.size(); i++)
        {
            final LockOp[] a = holds.get(i);
            // Holds are sorted by grant answer: b's grant answered after a's, so they certainly overlap when b's grant was
            // answered before a's release was sent (a's grant was answered before b's release was sent: b's grant precedes it).
            for (int j = i + 1; j < holds.size() && holds.get(j)[0].completeNs() < a[1].invokeNs(); j++)
            {
                final LockOp[] b = holds.get(j);
                if (b[0].client() != a[0].client() && a[0].completeNs() < b[1].invokeNs())
                {
                    findings.add("two holders at once: " + a[0].describe() + " held until " + a[1].describe() + ", while " + b[0].describe() +
                        " held until " + b[1].describe());
                }
            }
        }
    }

    /** Anomalies of one check. */
    private static final class Findings
    {
        private final List<String> listed = new ArrayList<>();
        private int count;

        void add(final String finding)
        {
            count++;
            if (listed.size() < LISTED_MAX)
            {
                listed.add(finding);
            }
        }

        Workload.Check check(final String name, final String okDetail)
        {
            if (count == 0)
            {
                return new Workload.Check(name, true, okDetail);
            }
            return new Workload.Check(name, false, count + " anomal" + (count == 1 ? "y" : "ies") + (count > listed.size() ? " (first " +
                listed.size() + ")" : "") + ":\n" + String.join("\n", listed));
        }
    }
}
