package io.synod.bench.harness;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The process set-up every system in one harness run gets alike, so that none is favoured by it: the idle
 * strategy of every polling thread (media drivers, Synod agents, Aeron Cluster agents, the ping-pong echo, the
 * load generator itself) and whether the Aeron-based systems share one embedded media driver per process or
 * run one per member. Ratis has no idle strategy (its threads block) and no media driver; it is unaffected.
 *
 * <p>Why it matters: on a 2-core machine, every thread that yields instead of parking stays runnable, so with
 * 5–14 of them the OS scheduler decides the latency (the Aeron UDP floor measured 4 ms p50 with yielding
 * threads and one driver per endpoint).
 *
 * @param idleName        how the idle strategy was given ({@code yielding}, {@code backoff}, {@code backoff:100},
 *                        {@code busy}), for the report.
 * @param idleStrategy    a fresh idle strategy per thread.
 * @param sharedDriver    true: one embedded media driver ({@code ThreadingMode.SHARED}) per system, shared by
 *                        its members and its client; false: one per member (and one for a client).
 */
public record HarnessSetup(String idleName, Supplier<IdleStrategy> idleStrategy, boolean sharedDriver)
{
    /** Agrona's backoff defaults (10 spins, 5 yields) with parks from 1 µs doubling up to this many µs. */
    public static final long BACKOFF_MAX_PARK_US_DEFAULT = 1000;

    /** The default of the harness and of {@code AeronCommitBenchmark}: backoff, one shared driver. */
    public static final HarnessSetup DEFAULT = of("backoff", "shared");

    /**
     * @param idle    {@code yielding}, {@code busy}, {@code backoff} (Agrona defaults: 10 spins, 5 yields, park
     *                1 µs doubling to 1 ms) or {@code backoff:<maxParkUs>}.
     * @param drivers {@code shared} or {@code per-member}.
     * @return the set-up.
     */
    public static HarnessSetup of(final String idle, final String drivers)
    {
        final Supplier<IdleStrategy> supplier;
        final String name = idle.toLowerCase(Locale.ROOT);
        if (name.equals("yielding"))
        {
            supplier = YieldingIdleStrategy::new;
        }
        else if (name.equals("busy"))
        {
            supplier = BusySpinIdleStrategy::new;
        }
        else if (name.startsWith("backoff"))
        {
            final long maxParkUs = name.startsWith("backoff:") ?
                Long.parseLong(name.substring("backoff:".length())) : BACKOFF_MAX_PARK_US_DEFAULT;
            if (!(maxParkUs >= 1))
            {
                throw new IllegalArgumentException("backoff max park must be >= 1 µs: " + idle);
            }
            supplier = () -> new BackoffIdleStrategy(
                BackoffIdleStrategy.DEFAULT_MAX_SPINS, BackoffIdleStrategy.DEFAULT_MAX_YIELDS,
                BackoffIdleStrategy.DEFAULT_MIN_PARK_PERIOD_NS, TimeUnit.MICROSECONDS.toNanos(maxParkUs));
        }
        else
        {
            throw new IllegalArgumentException("unknown idle strategy " + idle + " (yielding, busy, backoff, backoff:<maxParkUs>)");
        }
        final boolean shared = switch (drivers)
        {
            case "shared" -> true;
            case "per-member" -> false;
            default -> throw new IllegalArgumentException("unknown driver mode " + drivers + " (shared, per-member)");
        };
        return new HarnessSetup(name, supplier, shared);
    }

    /** @return one line for the report, e.g. {@code idle BackoffIdleStrategy{...}, one shared media driver}. */
    public String describe()
    {
        return "idle strategy " + idleStrategy.get() + "; " +
            (sharedDriver ? "one embedded media driver (SHARED threading) per system" : "one embedded media driver (SHARED threading) per member");
    }
}
