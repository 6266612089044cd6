package io.synod.blackbox;

import io.synod.client.FencedLock;
import io.synod.client.LockFailedException;
import io.synod.client.OutcomeUnknownException;
import io.synod.client.RequestRejectedException;
import io.synod.client.SynodClient;
import io.synod.lock.LockStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lock workload: {@code concurrency} client threads, each with its own {@link SynodClient} (its own session),
 * contend for {@link #LOCKS} named locks through {@link FencedLock}: acquire with a short wait, write one or two values
 * to the {@link FencedResource} with the fence, release. Meanwhile a {@link PausedHolder} drives a lock client in a
 * separate JVM through the classic hazard (SIGSTOP while it holds a lock, longer than its session TTL; a successor
 * acquires and writes; SIGCONT; the woken client writes with its old fence and must be refused).
 *
 * <p>Outcomes ({@link LockOp}): an acquire granted is {@code :ok}, one refused (timed out waiting, session expired,
 * rejected before being applied) is {@code :fail}, one without an answer is {@code :info}; a release answered RELEASED is
 * {@code :ok}, NOT_HELD (the hold had been lost) {@code :fail}, unknown {@code :info}. After an {@code :info} the
 * thread closes its client and connects a new one (a new session, a new Jepsen process and client number): the old
 * session might hold the lock without knowing, and its holds go when it is closed or expires.
 *
 * <p>Checks: {@link LockChecker}'s five properties over every lock, and after the heal every lock is granted again to a
 * fresh client within {@link #FINAL_WAIT} (no hold leaked).
 */
final class LockWorkload implements Workload
{
    /** The locks contended for. */
    static final List<String> LOCKS = List.of("bb/lock-0", "bb/lock-1");
    /** How long an acquire waits in the lock's queue (cluster time). */
    static final Duration ACQUIRE_WAIT = Duration.ofMillis(1_500);
    /** Session TTL of the in-JVM clients: outlives most elections, not a long pause of the cluster. */
    static final Duration SESSION_TTL = Duration.ofSeconds(4);
    /** Client deadline per request (after the queue wait). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    /** The final phase's wait for each lock. */
    static final Duration FINAL_WAIT = Duration.ofSeconds(30);
    /** Pause between a thread's operations, at most (ms). */
    static final int THINK_MS_MAX = 30;

    private final boolean pausedHolder;
    private final List<LockOp> ops = new ArrayList<>();
    private final long[] outcomes = new long[3];
    private final AtomicLong invoked = new AtomicLong();
    private final AtomicLong values = new AtomicLong();
    private final AtomicInteger processes = new AtomicInteger();
    private final AtomicLong lostHolds = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<SynodClient> clients = new ArrayList<>();
    private final List<Check> finalChecks = new ArrayList<>();
    private volatile boolean stopping;
    private RunContext context;
    private FencedResource resource;
    private PausedHolder holder;

    /** @param pausedHolder whether a {@link PausedHolder} runs the client-pause hazard meanwhile. */
    LockWorkload(final boolean pausedHolder)
    {
        this.pausedHolder = pausedHolder;
    }

    @Override
    public String name()
    {
        return "lock";
    }

    @Override
    public void start(final RunContext context)
    {
        this.context = context;
        this.resource = new FencedResource(context.history());
        processes.set(context.concurrency());
        for (int t = 0; t < context.concurrency(); t++)
        {
            final int worker = t;
            final Thread thread = new Thread(() -> work(worker), "lock-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        if (pausedHolder)
        {
            holder = new PausedHolder(this, context);
            holder.start();
        }
    }

    SynodClient connect()
    {
        final SynodClient client = SynodClient.connect(new SynodClient.Context().clusterId(context.clusterId()).members(context.members())
            .aeronDirectory(context.aeronDir()).sessionTtl(SESSION_TTL).requestTimeout(REQUEST_TIMEOUT).attemptTimeout(Duration.ofMillis(400)));
        client.onLockLost((name, fence, reason) -> lostHolds.incrementAndGet());
        synchronized (clients)
        {
            clients.add(client);
        }
        return client;
    }

    private void work(final int worker)
    {
        final SplittableRandom random = new SplittableRandom(context.seed() * 1_000_003L + 7_919L * worker);
        int process = worker;
        SynodClient client = connect();
        while (!stopping)
        {
            final String name = LOCKS.get(random.nextInt(LOCKS.size()));
            final FencedLock lock = client.lock(name);
            final LockOp acquired = acquire(process, process, lock);
            boolean replace = acquired.type() == History.Type.INFO;
            if (acquired.type() == History.Type.OK)
            {
                final int writes = 1 + random.nextInt(2);
                for (int w = 0; w < writes; w++)
                {
                    count(resource.write(process, process, name, acquired.fence(), values.incrementAndGet()));
                    sleepQuietly(random.nextInt(THINK_MS_MAX + 1));
                }
                replace = release(process, process, lock, acquired.fence()).type() == History.Type.INFO;
            }
            if (replace)
            {
                // Jepsen's rule: a process whose operation may still be in flight never invokes again; its session may
                // hold the lock unknowingly, so it goes too (closed, or it expires).
                closeQuietly(client);
                process = processes.getAndIncrement();
                client = connect();
            }
            sleepQuietly(random.nextInt(THINK_MS_MAX + 1));
        }
    }

    /** Acquires {@code lock} for the calling thread (waiting {@link #ACQUIRE_WAIT}) and records it. */
    LockOp acquire(final int process, final int client, final FencedLock lock)
    {
        final String name = lock.name();
        final History history = context.history();
        final int invokeIndex = history.append(process, History.Type.INVOKE, LockOp.ACQUIRE, LockOp.edn(name, client, 0, LockOp.ACQUIRE, 0), null);
        final long invokeNs = history.now();
        long fence = 0;
        History.Type type;
        String error = null;
        try
        {
            fence = lock.tryLockAndFence(ACQUIRE_WAIT);
            type = fence == FencedLock.INVALID_FENCE ? History.Type.FAIL : History.Type.OK;
            error = fence == FencedLock.INVALID_FENCE ? "TIMED_OUT" : null;
        }
        catch (final LockFailedException ex)
        {
            type = History.Type.FAIL;
            error = LockStatus.name(ex.status());
        }
        catch (final RequestRejectedException ex)
        {
            type = History.Type.FAIL;
            error = ex.reasonName();
        }
        catch (final RuntimeException ex)
        {
            type = History.Type.INFO;
            error = ex instanceof OutcomeUnknownException ? "unknown: " + ex.getMessage() : String.valueOf(ex);
        }
        return record(process, client, LockOp.ACQUIRE, name, fence, type, invokeIndex, invokeNs, error);
    }

    /** Releases the calling thread's hold of {@code lock} (granted with {@code fence}) and records it. */
    LockOp release(final int process, final int client, final FencedLock lock, final long fence)
    {
        final String name = lock.name();
        final History history = context.history();
        final int invokeIndex = history.append(process, History.Type.INVOKE, LockOp.RELEASE, LockOp.edn(name, client, fence, LockOp.RELEASE, 0),
            null);
        final long invokeNs = history.now();
        History.Type type;
        String error = null;
        try
        {
            lock.unlock();
            type = History.Type.OK;
        }
        catch (final LockFailedException ex)
        {
            type = History.Type.FAIL;
            error = LockStatus.name(ex.status());
        }
        catch (final CompletionException ex)
        {
            final boolean rejected = ex.getCause() instanceof RequestRejectedException;
            type = rejected ? History.Type.FAIL : History.Type.INFO;
            error = String.valueOf(ex.getCause());
        }
        catch (final RuntimeException ex)
        {
            type = History.Type.INFO;
            error = String.valueOf(ex);
        }
        return record(process, client, LockOp.RELEASE, name, fence, type, invokeIndex, invokeNs, error);
    }

    /** Records the completion of an operation invoked at {@code invokeIndex}. */
    LockOp record(
        final int process, final int client, final String f, final String name, final long fence, final History.Type type, final int invokeIndex,
        final long invokeNs, final String error)
    {
        final int completeIndex = context.history().append(process, type, f, LockOp.edn(name, client, fence, f, 0), error);
        return count(new LockOp(process, client, f, name, fence, 0, type, invokeNs, context.history().now(), invokeIndex, completeIndex, error));
    }

    /** Counts an operation the resource or {@link #record} recorded. */
    synchronized LockOp count(final LockOp op)
    {
        invoked.incrementAndGet();
        ops.add(op);
        outcomes[op.type() == History.Type.OK ? 0 : op.type() == History.Type.FAIL ? 1 : 2]++;
        return op;
    }

    FencedResource resource()
    {
        return resource;
    }

    long nextValue()
    {
        return values.incrementAndGet();
    }

    int nextProcess()
    {
        return processes.getAndIncrement();
    }

    /** @return the paused-holder scenario's outcomes (empty when it did not run). */
    List<PausedHolder.Hazard> hazards()
    {
        return holder == null ? List.of() : holder.hazards();
    }

    @Override
    public Map<String, Integer> faults()
    {
        return holder == null ? Map.of() : Map.of("pause-client-process", holder.hazards().size());
    }

    @Override
    public void stop() throws InterruptedException
    {
        // The paused holder first: its current cycle needs the threads that contend for its lock.
        if (holder != null)
        {
            holder.stop();
        }
        stopping = true;
        for (final Thread thread : threads)
        {
            thread.join(ACQUIRE_WAIT.toMillis() + REQUEST_TIMEOUT.toMillis() * 2 + 30_000);
        }
    }

    /** After the heal: a fresh client acquires, writes and releases every lock (no hold leaked, the fences still rise). */
    @Override
    public void finalReads(final RunContext context) throws InterruptedException
    {
        final SynodClient client = connect();
        final StringBuilder missing = new StringBuilder();
        for (final String name : LOCKS)
        {
            final long deadline = System.nanoTime() + FINAL_WAIT.toNanos();
            boolean granted = false;
            while (!granted && System.nanoTime() < deadline)
            {
                final int process = nextProcess();
                final LockOp acquired = acquire(process, process, client.lock(name));
                if (acquired.type() == History.Type.OK)
                {
                    count(resource.write(process, process, name, acquired.fence(), nextValue()));
                    granted = release(process, process, client.lock(name), acquired.fence()).type() == History.Type.OK;
                }
                if (!granted)
                {
                    TimeUnit.MILLISECONDS.sleep(200);
                }
            }
            if (!granted)
            {
                missing.append(' ').append(name);
            }
        }
        finalChecks.add(new Check("lock: every lock granted to a fresh client after the heal (within " + FINAL_WAIT.toSeconds() + " s)",
            missing.length() == 0, missing.length() == 0 ? "granted, written and released: " + LOCKS : "not granted:" + missing));
    }

    @Override
    public synchronized List<Check> check()
    {
        final List<Check> checks = new ArrayList<>(LockChecker.check(ops));
        checks.addAll(finalChecks);
        if (holder != null)
        {
            checks.add(holder.check());
        }
        return checks;
    }

    @Override
    public long operations()
    {
        return invoked.get();
    }

    @Override
    public synchronized long[] outcomes()
    {
        return outcomes.clone();
    }

    @Override
    public int histories()
    {
        return LOCKS.size();
    }

    /** @return holds the clients were told they lost (session expired or force-released). */
    long lostHolds()
    {
        return lostHolds.get();
    }

    @Override
    public void close()
    {
        if (holder != null)
        {
            holder.close();
        }
        synchronized (clients)
        {
            clients.forEach(LockWorkload::closeQuietly);
            clients.clear();
        }
    }

    private static void closeQuietly(final SynodClient client)
    {
        try
        {
            client.close();
        }
        catch (final RuntimeException ex)
        {
            // closing; nothing left to record
        }
    }

    static void sleepQuietly(final long ms)
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
}
