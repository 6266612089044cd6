package io.synod.bench.harness;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.IdleStrategy;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Offers load to a {@link LoadTarget} from the calling thread and records latency into HdrHistogram.
 *
 * <ul>
 *   <li>Fixed rate: request {@code i} has the intended send time {@code start + i / rate}. Latency is
 *       measured from the intended time, not from the moment it was actually sent, so a stall of the
 *       system (or of the generator) counts against every request it delayed: coordinated omission is
 *       corrected by construction. At most {@link #MAX_IN_FLIGHT} requests are outstanding; beyond that the
 *       generator waits, and the waiting is charged to the requests' latency.</li>
 *   <li>Closed loop: {@code window} requests outstanding; each completion releases the next. Latency is
 *       from the actual send (window 1 is a single client doing one request at a time).</li>
 * </ul>
 * <b>A completion is timestamped when the generator thread observes it</b>, in {@link LoadTarget#poll}: for
 * the Aeron clients when it reads the reply off the subscription, for Synod and Ratis (which complete on
 * their own threads) when it drains the id from a {@link CompletionQueue}. Every system's latency therefore
 * includes the generator's wake-up from its idle strategy; none is timed on the system's own thread.
 * {@link #onComplete} throws if called on any other thread.
 *
 * <p>Warm-up requests are sent the same way and not recorded. Allocation is the sum of every JVM thread's
 * allocated bytes over the measured interval, divided by the completed requests.
 *
 * <p>Whenever the generator has nothing to do (waiting for the next intended send time, for a free slot in the
 * window, or for the last completions) it polls the target and then calls the given {@link IdleStrategy}: the
 * same strategy as every other polling thread of the run ({@link HarnessSetup}), so that on a small machine
 * the generator does not take a core away from the system under test. A late wake-up delays sends and is
 * charged to the fixed-rate latencies like any other stall.
 */
public final class LoadGenerator
{
    static final int RING = 1 << 20;
    static final int MASK = RING - 1;
    static final int MAX_IN_FLIGHT = 100_000;
    static final long DRAIN_NS = TimeUnit.SECONDS.toNanos(5);

    /**
     * One measured run. {@code threads}: live JVM threads at the end of the measured interval (the system's,
     * the generator's and the JVM's own: GC, JIT, ...).
     */
    public record Result(
        String name, Histogram histogram, long completed, long sent, double seconds, double offeredPerSec, double bytesPerOp,
        int threads)
    {
        public double achievedPerSec()
        {
            return completed / seconds;
        }
    }

    private static final AtomicLong IDS = new AtomicLong(1);

    private final long[] intendedNs = new long[RING];
    private final Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    /** Every completion of this run, warm-up included: reported only when the measured window stayed empty. */
    private final Recorder wholeRunRecorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    private final AtomicLong completed = new AtomicLong();
    /** First id of this run; late completions of an earlier run (lower ids) are ignored. */
    private volatile long baseId = Long.MAX_VALUE;
    private volatile long firstMeasuredId = Long.MAX_VALUE;
    private volatile long lastCompletionNs;
    private volatile long lastAnyCompletionNs;

    private final IdleStrategy idle;
    /** The thread running {@link #run}: the only one that may report (and so timestamp) a completion. */
    private Thread generatorThread;

    private LoadGenerator(final IdleStrategy idle)
    {
        this.idle = idle;
    }

    /** Fixed rate for {@code warmupNs} unrecorded, then {@code durationNs} recorded. */
    public static Result fixedRate(
        final String name, final LoadTarget target, final double ratePerSec, final long warmupNs, final long durationNs,
        final IdleStrategy idle)
    {
        return new LoadGenerator(idle).run(name, target, ratePerSec, 0, warmupNs, durationNs);
    }

    /** Closed loop with {@code window} outstanding requests. */
    public static Result closedLoop(
        final String name, final LoadTarget target, final int window, final long warmupNs, final long durationNs,
        final IdleStrategy idle)
    {
        return new LoadGenerator(idle).run(name, target, 0, window, warmupNs, durationNs);
    }

    private void onComplete(final long id)
    {
        if (Thread.currentThread() != generatorThread)
        {
            throw new IllegalStateException("completion " + id + " reported on " + Thread.currentThread().getName() +
                ", not on the generator thread: it must be queued and drained in LoadTarget.poll");
        }
        if (id < baseId)
        {
            return;
        }
        final long nowNs = System.nanoTime();
        final long latencyNs = Math.min(nowNs - intendedNs[(int)(id & MASK)], TimeUnit.SECONDS.toNanos(60));
        if (id >= firstMeasuredId)
        {
            recorder.recordValue(latencyNs);
            lastCompletionNs = nowNs;
        }
        wholeRunRecorder.recordValue(latencyNs);
        lastAnyCompletionNs = nowNs;
        completed.incrementAndGet();
    }

    private Result run(
        final String name, final LoadTarget target, final double ratePerSec, final int window, final long warmupNs,
        final long durationNs)
    {
        generatorThread = Thread.currentThread();
        target.completion(this::onComplete);
        final boolean fixed = ratePerSec > 0;
        final double periodNs = fixed ? 1e9 / ratePerSec : 0;
        final long startNs = System.nanoTime();
        final long measureStartNs = startNs + warmupNs;
        final long endNs = measureStartNs + durationNs;
        long sent = 0;
        long measuredSent = 0;
        long allocatedBefore = -1;
        long nextId = IDS.getAndAdd(1L << 32);
        baseId = nextId;
        final long allocatedAtStart = allocatedBytes();
        while (true)
        {
            final long nowNs = System.nanoTime();
            long intended;
            if (fixed)
            {
                intended = startNs + (long)(sent * periodNs);
                if (nowNs < intended)
                {
                    idle.idle(target.poll());
                    continue;
                }
            }
            else
            {
                if (sent - completed.get() >= window)
                {
                    idle.idle(target.poll());
                    if (nowNs >= endNs)
                    {
                        break;
                    }
                    continue;
                }
                intended = nowNs;
            }
            if (intended >= endNs || nowNs - endNs > DRAIN_NS)
            {
                // Past the end of the schedule, or so far behind it (a blocking client, a stalled system) that
                // the rest would never be sent in time: stop. Unsent requests count as unfinished.
                break;
            }
            if (allocatedBefore < 0 && intended >= measureStartNs)
            {
                firstMeasuredId = nextId;
                allocatedBefore = allocatedBytes();
                completed.set(completed.get());
            }
            while (sent - completed.get() >= MAX_IN_FLIGHT)
            {
                idle.idle(target.poll());
            }
            intendedNs[(int)(nextId & MASK)] = intended;
            while (!target.send(nextId))
            {
                idle.idle(target.poll());
            }
            idle.reset();
            nextId++;
            sent++;
            if (allocatedBefore >= 0)
            {
                measuredSent++;
            }
        }
        final long drainDeadlineNs = System.nanoTime() + DRAIN_NS;
        while (completed.get() < sent && System.nanoTime() < drainDeadlineNs)
        {
            idle.idle(target.poll());
        }
        final long allocatedAtEnd = allocatedBytes();
        final int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        final Histogram histogram = recorder.getIntervalHistogram();
        final Histogram wholeRun = wholeRunRecorder.getIntervalHistogram();
        final long measured = histogram.getTotalCount();
        firstMeasuredId = Long.MAX_VALUE;
        final long scheduled = fixed ? (long)(durationNs / periodNs) : measuredSent;
        if (fixed && measured == 0 && wholeRun.getTotalCount() > 0)
        {
            // So far behind the schedule that not one request due in the measured interval was ever sent (a
            // system far slower than the offered rate): report the whole run, warm-up included, latency still
            // from each request's intended time, throughput over the whole run. Marked in the name.
            final long count = wholeRun.getTotalCount();
            return new Result(name + " [never caught up: whole run incl. warm-up]", wholeRun, count,
                (long)((warmupNs + durationNs) / periodNs), (Math.max(lastAnyCompletionNs, endNs) - startNs) / 1e9,
                ratePerSec, (double)(allocatedAtEnd - allocatedAtStart) / count, threads);
        }
        final long allocated = allocatedAtEnd - Math.max(0, allocatedBefore);
        final long lastNs = Math.max(lastCompletionNs, endNs);
        final double seconds = (fixed ? lastNs : endNs) - measureStartNs;
        return new Result(name, histogram, measured, Math.max(scheduled, measuredSent), seconds / 1e9, ratePerSec,
            measured == 0 ? Double.NaN : (double)allocated / measured, threads);
    }

    static long allocatedBytes()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds()))
        {
            total += Math.max(0, bytes);
        }
        return total;
    }
}
