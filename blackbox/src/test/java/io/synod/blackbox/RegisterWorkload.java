package io.synod.blackbox;

import io.synod.client.KvResult;
import io.synod.client.OutcomeUnknownException;
import io.synod.client.RequestRejectedException;
import io.synod.client.SynodClient;
import io.synod.raft.ReadMode;
import io.synod.raft.testkit.linearizability.CheckResult;
import io.synod.raft.testkit.linearizability.KvInput;
import io.synod.raft.testkit.linearizability.KvModel;
import io.synod.raft.testkit.linearizability.KvOutput;
import io.synod.raft.testkit.linearizability.LinearizabilityChecker;
import io.synod.raft.testkit.linearizability.Operation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The register workload: {@code concurrency} client threads, each with its own {@link SynodClient} (its own
 * session), read, write and compare-and-set a few keys at a time. Every write writes a value never written
 * before. Keys rotate: after {@link #OPS_PER_KEY} operations per key on average the threads move to fresh keys
 * (as jepsen.independent does), so each key's history stays small enough for the checker to decide.
 *
 * <p>Outcomes: a result is {@code :ok} (a compare-and-set whose version did not match is {@code :fail}, and in
 * the checked history a completed cas that reports the key's version); {@link RequestRejectedException} is
 * {@code :fail} (not applied); {@link OutcomeUnknownException} or no answer is {@code :info} and the thread
 * continues as a new Jepsen process. Unknown and failed reads leave the checked history (a read changes
 * nothing); unknown writes stay as operations that may take effect at any later time or never.
 *
 * <p>Checks: the history of every key is linearizable against raft-testkit's {@link KvModel} (versions
 * included), decided within the checker's default state budget (undecided fails); and nothing acknowledged is
 * lost: each key's final linearizable read shows at least the highest version any client was told was written,
 * with the value written at that version when they are equal.
 */
final class RegisterWorkload implements Workload
{
    /** Keys written at a time. */
    static final int ACTIVE_KEYS = 3;
    /** Operations per key on average before the threads move on to fresh keys. */
    static final int OPS_PER_KEY = 80;
    /** Pause between a thread's operations, at most (ms): keeps a 2-core machine from saturating. */
    static final int THINK_MS_MAX = 60;
    /**
     * The longest client deadline per request; a result after it is {@code :info}. Thread t's client waits
     * {@code 1 s + t * 0.5 s}, at most this: the short deadlines end in {@code :info} during elections (unknown
     * writes the checker must place or drop), the long ones ride them out through the client's retries.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    /** One operation for the checker. */
    record Op(long id, int process, KvInput<Integer, Long> input, long invokeNs, KvOutput<Long> output, long completeNs)
    {
    }

    private final List<Op> ops = new ArrayList<>();
    private final AtomicLong opIds = new AtomicLong();
    private final AtomicLong values = new AtomicLong();
    private final long[] outcomes = new long[3];
    /** Highest version any client was told it wrote, per key, and the value it wrote at that version. */
    private final Map<Integer, long[]> acknowledged = new TreeMap<>();
    private final Map<Integer, KvResult> finalReads = new TreeMap<>();
    private final List<SynodClient> clients = new ArrayList<>();
    /** 0, or the one member every read is sent to (see {@link #RegisterWorkload(int)}). */
    private final int readMember;
    private SynodClient readClient;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;
    private int histories;
    private RunContext context;

    /** Reads go wherever the client sends them (the leader it knows). */
    RegisterWorkload()
    {
        this(0);
    }

    /**
     * Every worker's reads go to member {@code readMember} only, through one client that knows no other member (writes
     * still go to the leader). With {@link ReadMode#LINEARIZABLE} the member asks the leader for a read index and the
     * history stays linearizable; with {@link ReadMode#STALE} it answers from whatever it has applied, and a run that
     * cuts it off from its peers meanwhile records stale reads, which the checker must report
     * ({@code AnomalyBlackBoxIT}). The final reads are linearizable either way.
     *
     * @param readMember the member's id, or 0 for the default.
     */
    RegisterWorkload(final int readMember)
    {
        this.readMember = readMember;
    }

    @Override
    public String name()
    {
        return "register";
    }

    @Override
    public void start(final RunContext context)
    {
        this.context = context;
        for (int t = 0; t < context.concurrency(); t++)
        {
            clients.add(connect(context, Duration.ofMillis(Math.min(REQUEST_TIMEOUT.toMillis(), 1_000 + 500L * t))));
        }
        if (readMember != 0)
        {
            final String only = java.util.Arrays.stream(context.members().split(",")).filter((m) -> m.startsWith(readMember + "@")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + readMember + " in " + context.members()));
            readClient = SynodClient.connect(new SynodClient.Context().clusterId(context.clusterId()).members(only)
                .aeronDirectory(context.aeronDir()).requestTimeout(REQUEST_TIMEOUT).attemptTimeout(Duration.ofMillis(400)).openSession(false));
            clients.add(0, readClient);
        }
        for (int t = 0; t < context.concurrency(); t++)
        {
            final int worker = t;
            final Thread thread = new Thread(() -> work(worker), "register-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private static SynodClient connect(final RunContext context, final Duration requestTimeout)
    {
        return SynodClient.connect(new SynodClient.Context().clusterId(context.clusterId()).members(context.members())
            .aeronDirectory(context.aeronDir()).requestTimeout(requestTimeout).attemptTimeout(Duration.ofMillis(400)));
    }

    private void work(final int worker)
    {
        final SynodClient client = clients.get(readClient == null ? worker : worker + 1);
        final History history = context.history();
        final SplittableRandom random = new SplittableRandom(context.seed() * 1_000_003L + worker);
        // What this thread last learned of each key: {version, value} (value -1: not known).
        final Map<Integer, long[]> seen = new HashMap<>();
        int process = worker;
        while (!stopping)
        {
            final long id = opIds.getAndIncrement();
            final int key = (int)(id / ((long)ACTIVE_KEYS * OPS_PER_KEY)) * ACTIVE_KEYS + random.nextInt(ACTIVE_KEYS);
            final long[] known = seen.get(key);
            final double dice = random.nextDouble();
            final Outcome outcome;
            if (dice < 0.25)
            {
                outcome = write(client, history, process, id, key, seen);
            }
            else if (dice < 0.5 && known != null && known[1] >= 0)
            {
                outcome = cas(client, history, process, id, key, known, seen);
            }
            else
            {
                outcome = read(readClient == null ? client : readClient, history, process, id, key, context.readMode(), seen);
            }
            synchronized (this)
            {
                outcomes[outcome.ordinal()]++;
            }
            if (outcome == Outcome.INFO)
            {
                // Jepsen's rule: a process whose operation may still be in flight never invokes again.
                process += context.concurrency();
            }
            sleepQuietly(random.nextInt(THINK_MS_MAX + 1));
        }
    }

    private enum Outcome
    {
        OK, FAIL, INFO
    }

    private Outcome read(
        final SynodClient client, final History history, final int process, final long id, final int key, final ReadMode mode,
        final Map<Integer, long[]> seen)
    {
        history.append(process, History.Type.INVOKE, "read", History.pair(key, null), null);
        final long invokeNs = history.now();
        final Answer answer = await(client.get(keyName(key), mode));
        final long completeNs = history.now();
        if (answer.result == null)
        {
            history.append(process, answer.rejected ? History.Type.FAIL : History.Type.INFO, "read", History.pair(key, null), answer.error);
            return answer.rejected ? Outcome.FAIL : Outcome.INFO;
        }
        final KvResult r = answer.result;
        final Long value = r.ok() ? Long.valueOf(r.valueString()) : null;
        history.append(process, History.Type.OK, "read", History.pair(key, value), null);
        seen.put(key, new long[] {r.version(), value == null ? 0 : value});
        record(new Op(id, process, KvInput.get(key), invokeNs, value == null ? KvOutput.absent() : KvOutput.read(value, r.version()),
            completeNs));
        return Outcome.OK;
    }

    private Outcome write(
        final SynodClient client, final History history, final int process, final long id, final int key, final Map<Integer, long[]> seen)
    {
        final long value = values.incrementAndGet();
        history.append(process, History.Type.INVOKE, "write", History.pair(key, value), null);
        final long invokeNs = history.now();
        final Answer answer = await(client.put(keyName(key), Long.toString(value)));
        final long completeNs = history.now();
        if (answer.result == null)
        {
            history.append(process, answer.rejected ? History.Type.FAIL : History.Type.INFO, "write", History.pair(key, value), answer.error);
            if (!answer.rejected)
            {
                record(new Op(id, process, KvInput.put(key, value), invokeNs, null, Operation.NEVER));
            }
            seen.remove(key);
            return answer.rejected ? Outcome.FAIL : Outcome.INFO;
        }
        history.append(process, History.Type.OK, "write", History.pair(key, value), null);
        seen.put(key, new long[] {answer.result.version(), value});
        acknowledge(key, answer.result.version(), value);
        record(new Op(id, process, KvInput.put(key, value), invokeNs, KvOutput.written(answer.result.version()), completeNs));
        return Outcome.OK;
    }

    private Outcome cas(
        final SynodClient client, final History history, final int process, final long id, final int key, final long[] known,
        final Map<Integer, long[]> seen)
    {
        final long value = values.incrementAndGet();
        final long expectedVersion = known[0];
        final String ednValue = "[" + key + " [" + (expectedVersion == 0 ? "nil" : Long.toString(known[1])) + " " + value + "]]";
        history.append(process, History.Type.INVOKE, "cas", ednValue, null);
        final long invokeNs = history.now();
        final Answer answer = await(client.compareAndSet(keyName(key), expectedVersion, Long.toString(value)));
        final long completeNs = history.now();
        final KvInput<Integer, Long> input = KvInput.casVersion(key, expectedVersion, value);
        if (answer.result == null)
        {
            history.append(process, answer.rejected ? History.Type.FAIL : History.Type.INFO, "cas", ednValue, answer.error);
            if (!answer.rejected)
            {
                record(new Op(id, process, input, invokeNs, null, Operation.NEVER));
            }
            seen.remove(key);
            return answer.rejected ? Outcome.FAIL : Outcome.INFO;
        }
        final KvResult r = answer.result;
        record(new Op(id, process, input, invokeNs, KvOutput.cas(r.ok(), r.version()), completeNs));
        if (r.ok())
        {
            history.append(process, History.Type.OK, "cas", ednValue, null);
            seen.put(key, new long[] {r.version(), value});
            acknowledge(key, r.version(), value);
            return Outcome.OK;
        }
        history.append(process, History.Type.FAIL, "cas", ednValue, r.status().name());
        seen.put(key, new long[] {r.version(), -1});
        return Outcome.FAIL;
    }

    private record Answer(KvResult result, boolean rejected, String error)
    {
    }

    private static Answer await(final CompletableFuture<KvResult> future)
    {
        try
        {
            return new Answer(future.get(REQUEST_TIMEOUT.toMillis() + 10_000, TimeUnit.MILLISECONDS), false, null);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof RequestRejectedException rejected)
            {
                return new Answer(null, true, rejected.reasonName());
            }
            return new Answer(null, false, cause instanceof OutcomeUnknownException ? "unknown: " + cause.getMessage() : String.valueOf(cause));
        }
        catch (final TimeoutException ex)
        {
            return new Answer(null, false, "no answer within the client's deadline");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Answer(null, false, "interrupted");
        }
    }

    private synchronized void record(final Op op)
    {
        ops.add(op);
    }

    private synchronized void acknowledge(final int key, final long version, final long value)
    {
        final long[] highest = acknowledged.get(key);
        if (highest == null || version > highest[0])
        {
            acknowledged.put(key, new long[] {version, value});
        }
    }

    static String keyName(final int key)
    {
        return "register/" + key;
    }

    private static void sleepQuietly(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() throws InterruptedException
    {
        stopping = true;
        for (final Thread thread : threads)
        {
            thread.join(REQUEST_TIMEOUT.toMillis() + 30_000);
        }
    }

    /** One linearizable read of every key used, by a fresh process; retried until answered (up to 60 s per key). */
    @Override
    public void finalReads(final RunContext context) throws InterruptedException
    {
        final int keys = (int)(opIds.get() / ((long)ACTIVE_KEYS * OPS_PER_KEY) + 1) * ACTIVE_KEYS;
        final History history = context.history();
        int process = 10 * context.concurrency() + 1_000_000;
        for (int key = 0; key < keys; key++)
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline)
            {
                final long id = opIds.getAndIncrement();
                final Outcome outcome = read(clients.get(clients.size() - 1), history, process, id, key, ReadMode.LINEARIZABLE, new HashMap<>());
                synchronized (this)
                {
                    outcomes[outcome.ordinal()]++;
                }
                if (outcome == Outcome.OK)
                {
                    synchronized (this)
                    {
                        final Op last = ops.get(ops.size() - 1);
                        final KvOutput.Read<Long> read = (KvOutput.Read<Long>)last.output();
                        finalReads.put(key, new KvResult(read.present() ? KvResult.Status.OK : KvResult.Status.NOT_FOUND, read.version(),
                            read.present() ? Long.toString(read.value()).getBytes(java.nio.charset.StandardCharsets.UTF_8) : null, 0));
                    }
                    break;
                }
                process += outcome == Outcome.INFO ? 1 : 0;
                Thread.sleep(200);
            }
        }
    }

    @Override
    public synchronized List<Check> check()
    {
        final Checked checked = check(ops, acknowledged, finalReads);
        histories = checked.histories();
        return checked.checks();
    }

    /** What {@link #check(List, Map, Map)} found, and in how many independent (per key) histories. */
    record Checked(List<Check> checks, int histories)
    {
    }

    /**
     * The register workload's checks over a recorded history (the run's, or one a test plants an anomaly in).
     *
     * @param ops          every operation: completed ones with their output, unknown writes with none.
     * @param acknowledged per key, the highest version a client was told it wrote and the value written at it.
     * @param finalReads   per key, the final linearizable read after the heal.
     */
    static Checked check(final List<Op> ops, final Map<Integer, long[]> acknowledged, final Map<Integer, KvResult> finalReads)
    {
        final List<Check> checks = new ArrayList<>();
        final List<Operation<KvInput<Integer, Long>, KvOutput<Long>>> history = new ArrayList<>(ops.size());
        for (final Op op : ops)
        {
            history.add(new Operation<>(op.id(), op.process(), op.input(), op.invokeNs(), op.output(), op.completeNs()));
        }
        final CheckResult result = LinearizabilityChecker.check(new KvModel<Integer, Long>(), history);
        checks.add(new Check("linearizable register, per key (raft-testkit KvModel, versions checked): " + result.verdict(),
            result.isOk(), result.explanation()));

        final StringBuilder lost = new StringBuilder();
        int missing = 0;
        for (final Map.Entry<Integer, long[]> entry : acknowledged.entrySet())
        {
            final KvResult read = finalReads.get(entry.getKey());
            final long[] acked = entry.getValue();
            if (read == null)
            {
                missing++;
                lost.append(" key ").append(entry.getKey()).append(": no final read;");
            }
            else if (read.version() < acked[0] || (read.version() == acked[0] && !Long.toString(acked[1]).equals(read.valueString())))
            {
                lost.append(" key ").append(entry.getKey()).append(": acknowledged version ").append(acked[0]).append(" value ")
                    .append(acked[1]).append(", final read version ").append(read.version()).append(" value ").append(read.valueString())
                    .append(';');
            }
        }
        checks.add(new Check("nothing acknowledged lost (" + acknowledged.size() + " keys, final read of each)", lost.length() == 0,
            lost.length() == 0 ? "every key's final read is at or past its highest acknowledged write" :
                "LOST or unread (" + missing + " unread):" + lost));
        return new Checked(checks, result.partitions());
    }

    @Override
    public synchronized int histories()
    {
        return histories;
    }

    @Override
    public long operations()
    {
        return opIds.get();
    }

    @Override
    public synchronized long[] outcomes()
    {
        return outcomes.clone();
    }

    @Override
    public void close()
    {
        for (final SynodClient client : clients)
        {
            try
            {
                client.close();
            }
            catch (final RuntimeException ex)
            {
                // closing after the run; nothing left to record
            }
        }
        clients.clear();
    }
}
