package io.synod.blackbox;

/**
 * One completed or abandoned operation of the lock workload, as the {@link LockChecker} reads it. The same operation
 * is in the run's {@link History} as an {@code :invoke} event and a completion event; {@link #invokeIndex} and
 * {@link #completeIndex} are their {@code :index} there, so a reported anomaly names the lines of {@code history.edn}.
 *
 * <p>Functions: {@code acquire} (ok: granted with {@link #fence}; fail: not granted; info: unknown, it may hold),
 * {@code release} (ok: the cluster answered RELEASED, so the hold was valid up to the release; fail: NOT_HELD, the
 * hold was lost before; info: unknown), {@code fenced-write} (ok: the fenced resource accepted {@link #value} with
 * {@link #fence}; fail: it refused the fence as stale; never info, the resource is in the harness).
 *
 * @param process       the Jepsen process.
 * @param client        who holds: one number per client session ({@code SynodClient}), never reused in a run.
 * @param f             {@code acquire}, {@code release} or {@code fenced-write}.
 * @param lock          the lock's name.
 * @param fence         acquire ok: the fence granted; release and fenced-write: the fence of the hold they belong to;
 *                      otherwise 0.
 * @param value         fenced-write: the value written; otherwise 0.
 * @param type          the completion: {@code OK}, {@code FAIL} or {@code INFO}.
 * @param invokeNs      when invoked (ns since the run started).
 * @param completeNs    when completed.
 * @param invokeIndex   the invoke event's index in the history.
 * @param completeIndex the completion event's index in the history.
 * @param error         why a fail or info (null for ok).
 */
record LockOp(int process, int client, String f, String lock, long fence, long value, History.Type type, long invokeNs, long completeNs,
    int invokeIndex, int completeIndex, String error)
{
    static final String ACQUIRE = "acquire";
    static final String RELEASE = "release";
    static final String WRITE = "fenced-write";

    /** @return the operation's value as EDN: {@code {:lock "l", :client c, :fence f}} (and {@code :value v} for a write). */
    static String edn(final String lock, final int client, final long fence, final String f, final long value)
    {
        return "{:lock " + History.ednString(lock) + ", :client " + client + ", :fence " + (fence == 0 ? "nil" : Long.toString(fence)) +
            (WRITE.equals(f) ? ", :value " + value : "") + "}";
    }

    /** @return a short description naming the history lines. */
    String describe()
    {
        return String.format(java.util.Locale.ROOT, "%s %s by client %d (process %d) fence %d%s -> %s [history :index %d..%d]", f, lock, client,
            process, fence, WRITE.equals(f) ? " value " + value : "", type.edn(), invokeIndex, completeIndex);
    }
}
