package io.synod.blackbox;

import java.util.HashMap;
import java.util.Map;

/**
 * The storage a lock holder protects, in the harness: per lock, a register that accepts a write only with a fence at
 * least the highest it has accepted, and refuses a lower one as stale. This is what a fencing token is for: a holder
 * that lost its lock without knowing (paused past its session's TTL) still writes with its old fence, and the
 * resource refuses it because the successor has written with a higher one.
 *
 * <p>Every attempt, accepted or refused, is recorded in the run's {@link History} ({@code :fenced-write}, {@code :ok}
 * accepted, {@code :fail} refused) while the resource decides it, so the history's order of those completions is the
 * order the resource decided them in (the {@link LockChecker} replays it). Threading: any thread (synchronized).
 */
final class FencedResource
{
    private final History history;
    private final Map<String, long[]> highest = new HashMap<>();

    FencedResource(final History history)
    {
        this.history = history;
    }

    /**
     * One write attempt.
     *
     * @param process the writer's Jepsen process.
     * @param client  the writer's client number.
     * @param fence   the fence the writer holds (or believes it holds).
     * @return the recorded operation: OK if accepted, FAIL if refused as stale.
     */
    synchronized LockOp write(final int process, final int client, final String lock, final long fence, final long value)
    {
        final String edn = LockOp.edn(lock, client, fence, LockOp.WRITE, value);
        final int invokeIndex = history.append(process, History.Type.INVOKE, LockOp.WRITE, edn, null);
        final long invokeNs = history.now();
        final long[] state = highest.computeIfAbsent(lock, (k) -> new long[] {0, 0});
        final boolean accept = fence >= state[0];
        String error = null;
        if (accept)
        {
            state[0] = fence;
            state[1] = value;
        }
        else
        {
            error = "stale fence " + fence + " < " + state[0];
        }
        final int completeIndex = history.append(process, accept ? History.Type.OK : History.Type.FAIL, LockOp.WRITE, edn, error);
        return new LockOp(process, client, LockOp.WRITE, lock, fence, value, accept ? History.Type.OK : History.Type.FAIL, invokeNs,
            history.now(), invokeIndex, completeIndex, error);
    }

    /** @return the highest fence accepted for {@code lock} so far (0: none). */
    synchronized long highestFence(final String lock)
    {
        final long[] state = highest.get(lock);
        return state == null ? 0 : state[0];
    }
}
