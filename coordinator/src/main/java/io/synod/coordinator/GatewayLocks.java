package io.synod.coordinator;

import io.synod.client.LockAnswer;
import io.synod.client.SynodClient;
import io.synod.lock.LockStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The HTTP lock holders of one daemon's gateway, and how they map onto the cluster's lock service.
 *
 * <p><b>Mapping.</b> The gateway is one client of the cluster ({@link SynodClient}, one client session, kept alive by
 * the gateway). An HTTP lock holder is a name the caller picks ({@code holder}); each hold of a lock by a holder gets
 * its own holder id inside the gateway's session ({@link SynodClient#acquireAs}), so two HTTP holders contend like two
 * clients: FIFO, each grant with its own fence (the log index of the grant, strictly increasing across holders).
 * <p><b>Leases.</b> Each hold has a TTL the caller chose ({@code ttlMs}); the caller renews it before it runs out. A hold
 * not renewed in time is released by the gateway ({@link #sweep}), so the next waiter gets the lock; the daemon stopping,
 * or its session expiring, releases every hold it keeps (the cluster's session expiry). A hold is known only to the
 * daemon that granted it: renew and release there. As with every lease, a holder that stalls past its TTL may still
 * believe it holds the lock: it must pass its fence to what it writes.
 * <p><b>Idempotent.</b> An acquire by a holder that already holds the lock refreshes its lease and answers the same fence;
 * an acquire while the same holder's earlier acquire of the lock still waits is refused (409).
 * <p><b>Threading.</b> Every method is synchronized; client futures complete on the client's thread and call back here.
 * <p><b>Bounded.</b> At most {@link #HOLDS_MAX} holds and waiting acquires.
 */
final class GatewayLocks
{
    /** How often {@link #sweep} runs, ms: a lease is released at most this late. */
    static final long SWEEP_PERIOD_MS = 100;
    /** Holds and waiting acquires at most. */
    static final int HOLDS_MAX = 4096;
    /** Releases the gateway retries (an expired lease whose release went unanswered) at most. */
    static final int ORPHANS_MAX = 4096;
    /** Holder ids within the gateway's session start here, far above any thread id of the daemon's own JVM. */
    private static final long FIRST_HOLDER_ID = 1L << 48;

    /** One hold (or waiting acquire) of a lock by an HTTP holder. */
    static final class Hold
    {
        final String name;
        final String holder;
        final long holderId;
        final long ttlNs;
        long fence;
        long expiresNs;
        boolean granted;

        Hold(final String name, final String holder, final long holderId, final long ttlNs)
        {
            this.name = name;
            this.holder = holder;
            this.holderId = holderId;
            this.ttlNs = ttlNs;
        }
    }

    /** The outcome of an acquire, renew or release: a hold with its fence, or the lock service's status. */
    record Outcome(Hold hold, int status, String message)
    {
    }

    private final SynodClient client;
    private final LongSupplier clock;
    private final Map<String, Hold> holds = new HashMap<>();
    private final ArrayDeque<Hold> orphans = new ArrayDeque<>();
    private long nextHolderId = FIRST_HOLDER_ID;
    private long released;
    private long expired;

    GatewayLocks(final SynodClient client, final LongSupplier clock)
    {
        this.client = client;
        this.clock = clock;
        client.onLockLost(this::onLost);
    }

    private static String key(final String name, final String holder)
    {
        return name.length() + ":" + name + holder;
    }

    /**
     * Acquires {@code name} for {@code holder}, waiting at most {@code waitNs} in the queue (0: not at all).
     *
     * @return completes with a hold (status GRANTED) or the status it was refused with; exceptionally as the client's
     *     request did (rejected, unknown).
     */
    synchronized CompletableFuture<Outcome> acquire(final String name, final String holder, final long ttlNs, final long waitNs)
    {
        final String key = key(name, holder);
        final Hold existing = holds.get(key);
        if (existing != null)
        {
            if (!existing.granted)
            {
                return CompletableFuture.completedFuture(new Outcome(null, LockStatus.DUPLICATE,
                    "holder '" + holder + "' already waits for '" + name + "'"));
            }
            existing.expiresNs = clock.getAsLong() + existing.ttlNs;
            return CompletableFuture.completedFuture(new Outcome(existing, LockStatus.GRANTED, "already held"));
        }
        if (holds.size() >= HOLDS_MAX)
        {
            return CompletableFuture.completedFuture(new Outcome(null, LockStatus.LIMIT, "the gateway keeps " + HOLDS_MAX + " holds at most"));
        }
        final Hold hold = new Hold(name, holder, nextHolderId++, ttlNs);
        holds.put(key, hold);
        final CompletableFuture<LockAnswer> answer;
        try
        {
            answer = client.acquireAs(name, hold.holderId, waitNs);
        }
        catch (final RuntimeException ex)
        {
            holds.remove(key);
            throw ex;
        }
        return answer.handle((result, failure) -> onAcquired(key, hold, result, failure));
    }

    private synchronized Outcome onAcquired(final String key, final Hold hold, final LockAnswer answer, final Throwable failure)
    {
        if (failure != null || answer.status() != LockStatus.GRANTED)
        {
            holds.remove(key, hold);
            if (failure != null)
            {
                // The acquire may have been applied (unknown outcome): release in case it was.
                orphan(hold);
                throw failure instanceof RuntimeException ? (RuntimeException)failure : new RuntimeException(failure);
            }
            return new Outcome(null, answer.status(), "not granted: " + LockStatus.name(answer.status()));
        }
        hold.granted = true;
        hold.fence = answer.fence();
        hold.expiresNs = clock.getAsLong() + hold.ttlNs;
        if (holds.get(key) != hold)
        {
            // Lost (session expired) between the grant and its answer: give it back.
            orphan(hold);
            return new Outcome(null, LockStatus.SESSION_EXPIRED, "lost before it could be handed over");
        }
        return new Outcome(hold, LockStatus.GRANTED, "granted");
    }

    /** Extends {@code holder}'s lease of {@code name} by its TTL; NOT_HELD if the gateway holds no such lease. */
    synchronized Outcome renew(final String name, final String holder)
    {
        final Hold hold = holds.get(key(name, holder));
        if (hold == null || !hold.granted)
        {
            return new Outcome(null, LockStatus.NOT_HELD, "holder '" + holder + "' holds no lease of '" + name + "' here");
        }
        hold.expiresNs = clock.getAsLong() + hold.ttlNs;
        return new Outcome(hold, LockStatus.GRANTED, "renewed");
    }

    /**
     * Releases {@code holder}'s hold of {@code name}.
     *
     * @return completes with the released hold (status RELEASED), or NOT_HELD; exceptionally as the client's request did
     *     (the release is then retried in the background).
     */
    synchronized CompletableFuture<Outcome> release(final String name, final String holder)
    {
        final Hold hold = holds.get(key(name, holder));
        if (hold == null || !hold.granted)
        {
            return CompletableFuture.completedFuture(new Outcome(null, LockStatus.NOT_HELD,
                "holder '" + holder + "' holds no lease of '" + name + "' here"));
        }
        holds.remove(key(name, holder));
        return client.releaseAs(name, hold.holderId).handle((answer, failure) ->
        {
            if (failure != null)
            {
                synchronized (this)
                {
                    orphan(hold);
                }
                throw failure instanceof RuntimeException ? (RuntimeException)failure : new RuntimeException(failure);
            }
            synchronized (this)
            {
                released++;
            }
            return new Outcome(hold, answer.status(), LockStatus.name(answer.status()));
        });
    }

    /** Releases the holds whose lease ran out and retries unanswered releases. Any thread; every 100 ms or so. */
    void sweep()
    {
        final List<Hold> due = new ArrayList<>();
        synchronized (this)
        {
            final long nowNs = clock.getAsLong();
            for (final Iterator<Hold> it = holds.values().iterator(); it.hasNext(); )
            {
                final Hold hold = it.next();
                if (hold.granted && nowNs - hold.expiresNs >= 0)
                {
                    it.remove();
                    expired++;
                    due.add(hold);
                }
            }
            due.addAll(orphans);
            orphans.clear();
        }
        for (final Hold hold : due)
        {
            client.releaseAs(hold.name, hold.holderId).whenComplete((answer, failure) ->
            {
                if (failure != null)
                {
                    synchronized (this)
                    {
                        orphan(hold);
                    }
                }
            });
        }
    }

    private void orphan(final Hold hold)
    {
        if (orphans.size() < ORPHANS_MAX)
        {
            orphans.add(hold);
        }
    }

    /** The client learnt that a hold is gone: {@code "*"}: the whole session expired. Client thread. */
    private synchronized void onLost(final String name, final long fence, final String reason)
    {
        for (final Iterator<Hold> it = holds.values().iterator(); it.hasNext(); )
        {
            final Hold hold = it.next();
            if ("*".equals(name) || (hold.granted && hold.name.equals(name) && hold.fence == fence))
            {
                it.remove();
            }
        }
    }

    /** @return holds now granted. */
    synchronized int held()
    {
        int count = 0;
        for (final Hold hold : holds.values())
        {
            count += hold.granted ? 1 : 0;
        }
        return count;
    }

    /** @return leases that ran out without a renewal. */
    synchronized long expired()
    {
        return expired;
    }

    /** @return holds released by their holder. */
    synchronized long released()
    {
        return released;
    }
}
