package io.synod.election;

import io.synod.lock.FencedLocks;
import io.synod.lock.LockCommand;
import io.synod.lock.LockEvents;
import io.synod.lock.LockStateMachine;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Named elections for any number of client candidates, on lock-service sessions: an election is a
 * fenced mutex named {@code "election/" + name} whose holder is the leader (its value stored with the
 * hold) and whose FIFO waiters are the other candidates. Winning returns the grant's fence; a
 * candidate whose session expires loses leadership (its observers and lock-lost listeners are told)
 * and a pending campaign fails with {@code SessionExpiredException}.
 *
 * <p><b>Wiring.</b> Register as the {@link LockEvents} of the co-located replica's
 * {@link LockStateMachine} (it forwards to its {@link FencedLocks}) and call {@link #doWork} on that
 * member's agent thread.
 * <p><b>Snapshots.</b> When the replica is restored from a snapshot (InstallSnapshot, or a restart from a
 * stored one, possibly into a new {@link LockStateMachine}), the session reconciles its campaigns from the
 * restored replica (see {@link io.synod.lock.LockClient}): a campaign the snapshot decided completes, a
 * leadership it ended is reported lost; and every observer is told the leader the restored replica
 * knows (or "no leader") if it is not the one it was last told. Later queries read the restored replica.
 * A restart from a snapshot older than what was already reported applies entries again: observers are
 * not told of those again (no leader they were told of earlier is reported a second time).
 * <p><b>Threading.</b> {@link #campaign}, {@link #campaignAsync}, {@link #resign}, {@link #leader} and
 * {@link #observe} from any thread; observers are called on the agent thread.
 * <p><b>Allocation.</b> Allocates per call (futures, strings); elections are not a hot path.
 */
public final class NamedElections implements LockEvents
{
    public static final String PREFIX = "election/";

    private final FencedLocks locks;
    /** The co-located replica; replaced by the one {@link #onRestored} reports (agent thread only). */
    private LockStateMachine replica;
    private final Map<String, List<ElectionObserver>> observers = new HashMap<>();
    private final Map<String, Long> lastReportedFence = new HashMap<>();
    /** Invariant: the largest index of an event seen, or of a snapshot reported from (agent thread only). */
    private long lastEventIndex;
    /** Holder changes at or below this index are a restarted replica applying again what was already reported. */
    private long replayedThroughIndex;

    /**
     * @param locks   the session the candidates of this process campaign in.
     * @param replica the co-located replica, read on the agent thread for {@link #leader} and observers.
     */
    public NamedElections(final FencedLocks locks, final LockStateMachine replica)
    {
        this.locks = locks;
        this.replica = replica;
    }

    /** Campaigns and blocks until elected. @throws io.synod.lock.SessionExpiredException if the session expires first. */
    public Leadership campaign(final String name, final long candidate, final byte[] value)
    {
        try
        {
            return campaignAsync(name, candidate, value).join();
        }
        catch (final CompletionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() : ex;
        }
    }

    /** Campaigns; the future completes when elected, or fails when the session expires. */
    public CompletableFuture<Leadership> campaignAsync(final String name, final long candidate, final byte[] value)
    {
        return locks.acquireAsync(PREFIX + name, LockCommand.MUTEX, 1, 1, -1, value, candidate)
            .thenApply(fence -> new Leadership(name, candidate, fence, value.clone()));
    }

    /** Gives up leadership (or a pending candidacy's future grant is released when it arrives). */
    public CompletableFuture<Void> resign(final Leadership leadership)
    {
        return locks.releaseAsync(PREFIX + leadership.name(), LockCommand.MUTEX, 1, leadership.candidate())
            .thenApply(released -> null);
    }

    /** @return the leader as the co-located replica knows it now (may trail the leader of the group by replication lag). */
    public CompletableFuture<Optional<Leadership>> leader(final String name)
    {
        final CompletableFuture<Optional<Leadership>> future = new CompletableFuture<>();
        locks.execute(() -> future.complete(Optional.ofNullable(read(name))));
        return future;
    }

    /** Reports every change of the leader of {@code name} from now on, starting with the current one. */
    public void observe(final String name, final ElectionObserver observer)
    {
        locks.execute(() ->
        {
            observers.computeIfAbsent(name, k -> new ArrayList<>()).add(observer);
            final Leadership leader = read(name);
            lastReportedFence.put(name, leader == null ? 0L : leader.fence());
            observer.onLeaderChange(name, leader);
        });
    }

    /** Agent thread: the session's duty cycle. */
    public int doWork(final long nowNs)
    {
        return locks.doWork(nowNs);
    }

    private Leadership read(final String name)
    {
        final byte[] key = (PREFIX + name).getBytes(StandardCharsets.UTF_8);
        final Leadership[] result = new Leadership[1];
        replica.forEachHolder(new org.agrona.concurrent.UnsafeBuffer(key), 0, key.length,
            (sessionId, thread, fence, permits, holdCount, value, valueLength) ->
            {
                final byte[] bytes = new byte[valueLength];
                value.getBytes(0, bytes);
                result[0] = new Leadership(name, thread, fence, bytes);
            });
        return result[0];
    }

    // ------------------------------------------------------------ LockEvents: forward, and watch elections

    @Override
    public void onHoldersChanged(final long index, final DirectBuffer name, final int nameLength)
    {
        locks.onHoldersChanged(index, name, nameLength);
        if (index <= replayedThroughIndex)
        {
            return;
        }
        seen(index);
        if (observers.isEmpty() || nameLength <= PREFIX.length())
        {
            return;
        }
        final String full = name.getStringWithoutLengthUtf8(0, nameLength);
        if (!full.startsWith(PREFIX))
        {
            return;
        }
        maybeReport(full.substring(PREFIX.length()));
    }

    /** Tells the observers of {@code election} its leader, unless it is the one they were last told. */
    private void maybeReport(final String election)
    {
        final List<ElectionObserver> list = observers.get(election);
        if (list == null)
        {
            return;
        }
        final Leadership leader = read(election);
        final long fence = leader == null ? 0 : leader.fence();
        final Long previous = lastReportedFence.put(election, fence);
        if (previous != null && previous == fence)
        {
            return;
        }
        for (final ElectionObserver observer : list)
        {
            observer.onLeaderChange(election, leader);
        }
    }

    /**
     * The replica was restored from a snapshot: no per-entry events came for what it covers. Campaigns
     * reconcile through the session, then observers hear the restored replica's leader of each election.
     */
    @Override
    public void onRestored(final LockStateMachine replica, final long index)
    {
        this.replica = replica;
        locks.onRestored(replica, index);
        if (index <= lastEventIndex)
        {
            // A restart from an older snapshot: observers already know better than this replica until it catches up.
            replayedThroughIndex = Math.max(replayedThroughIndex, lastEventIndex);
            return;
        }
        lastEventIndex = index;
        for (final String election : new ArrayList<>(observers.keySet()))
        {
            maybeReport(election);
        }
    }

    private void seen(final long index)
    {
        if (index > lastEventIndex)
        {
            lastEventIndex = index;
        }
    }

    @Override
    public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
        seen(index);
        locks.onSessionOpened(index, sessionId, nonce, ttlNs);
    }

    @Override
    public void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
    {
        seen(index);
        locks.onKeepAlive(index, sessionId, sentAtNs);
    }

    @Override
    public void onSessionClosed(final long index, final long sessionId, final boolean expired)
    {
        seen(index);
        locks.onSessionClosed(index, sessionId, expired);
    }

    @Override
    public void onGranted(
        final long index, final long sessionId, final long requestId, final long thread,
        final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
    {
        seen(index);
        locks.onGranted(index, sessionId, requestId, thread, name, nameLength, fence, holdCount);
    }

    @Override
    public void onQueued(
        final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
    {
        seen(index);
        locks.onQueued(index, sessionId, requestId, name, nameLength, position);
    }

    @Override
    public void onFailed(final long index, final long sessionId, final long requestId, final int status)
    {
        seen(index);
        locks.onFailed(index, sessionId, requestId, status);
    }

    @Override
    public void onReleased(
        final long index, final long sessionId, final long requestId,
        final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
    {
        seen(index);
        locks.onReleased(index, sessionId, requestId, name, nameLength, fence, holdCount);
    }

    @Override
    public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
    {
        seen(index);
        locks.onLost(index, sessionId, name, nameLength, fence);
    }
}
