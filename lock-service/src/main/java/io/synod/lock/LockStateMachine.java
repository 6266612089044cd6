package io.synod.lock;

import io.synod.raft.ClientSessions;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;

/**
 * Fenced locks, semaphores and read-write locks with sessions, as a replicated {@link StateMachine}.
 *
 * <p><b>One machinery.</b> Every named resource has a capacity in permits, a list of holds and a FIFO
 * queue of waits. A mutex is capacity 1; a semaphore capacity n; a read-write lock capacity
 * {@link LockCommand#RW_CAPACITY}, where a read takes one permit and a write all of them. A waiter is
 * granted only when it is at the head of the queue and fits (no barging), so grants among waiters are
 * FIFO. The same session and thread re-acquiring a mutex or a read-write lock in the same mode is a
 * reentrant hold (same fence, count + 1, at most {@code maxHoldCount}).
 *
 * <p><b>Fencing.</b> The fence of a grant is the log index of the entry that granted it, so fences of
 * exclusive grants strictly increase per resource on every replica; shared grants made by one entry
 * (readers let in by one release) share that index.
 *
 * <p><b>Sessions and log time.</b> Sessions are the node's client sessions ({@link ClientSessions}, one
 * facility for every service of a group): a client opens one with a TTL, keeps it alive, and sends
 * ACQUIRE and RELEASE as session commands whose sequence is the request id. Nothing here reads a clock:
 * the leader stamps every session entry with its time and writes a TICK while sessions exist; log time
 * is the largest such time applied. When log time passes a session's last activity plus its TTL the
 * node ends the session ({@link #onSessionEnded}): its holds are released (reported as lost) and its
 * waits removed; then ({@link #onLogTime}) waits whose deadline passed fail and freed resources are
 * granted to their queues, once per entry. The first session entry of a new term renews every session
 * (a client must never be expired for the cluster's own outage; etcd renews leases on promotion too).
 *
 * <p><b>Safety of leases.</b> A session's last activity is the log time when its keep-alive is
 * applied, which is at least the keep-alive's arrival at the leader less one tick interval (or the
 * renewal of a new term). A client that counts its lease from the keep-alive's send time and gives it
 * up after {@code clientTimeout <= ttl - 2 * tickInterval - clockDrift} stops using its locks before
 * any replica can expire it ({@code tickInterval} is the group's {@code RaftConfig#sessionTickIntervalNs}).
 *
 * <p><b>Exactly once.</b> The node applies each (session, request id) once and keeps the outcome of the
 * last {@code RaftConfig#sessionWindow} requests of each session; a queued wait's outcome is updated
 * when it is decided ({@link ClientSessions#updateOutcome}), so that a co-located client whose replica
 * skipped entries by installing a snapshot learns what became of its requests (Raft dissertation §6.3).
 * See {@link #requestOutcome}.
 *
 * <p><b>Queries.</b> {@link #hasSession}, {@link #sessionForNonce}, {@link #requestOutcome},
 * {@link #holdFence}, {@link #holdCount}, {@link #forEachHolder}, {@link #waiterCount} and
 * {@link #forEachResource} read this replica's state on the node's thread, allocation-free; they are
 * what a co-located client reconciles from after {@link LockEvents#onRestored}.
 *
 * <p><b>Allocation.</b> Opening a session and the first use of a resource name allocate; lock, unlock,
 * wait, keep-alive and tick reuse pooled holds and waits and allocate nothing once warm.
 */
public final class LockStateMachine implements StateMachine
{
    /** Visits one holder of a resource. */
    @FunctionalInterface
    public interface HolderConsumer
    {
        void accept(long sessionId, long thread, long fence, int permits, int holdCount, DirectBuffer value, int valueLength);
    }

    /** Visits one resource. */
    @FunctionalInterface
    public interface ResourceConsumer
    {
        void accept(DirectBuffer name, int nameLength, int kind, int capacity, int usedPermits, int holders, int waiters);
    }

    public static final int MAX_HOLD_COUNT_DEFAULT = 1024;
    public static final int MAX_WAITERS_DEFAULT = 4096;
    public static final int MAX_RESOURCES_DEFAULT = 65_536;
    public static final int RESPONSE_LENGTH = 12;
    /** {@link #requestOutcome}: the request was not applied, or is outside the session's window, or the session is gone. */
    public static final long OUTCOME_NONE = -1;
    /** Fences are log indexes; an outcome packs one with a status byte into a long. */
    private static final long MAX_OUTCOME_FENCE = (1L << 55) - 1;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static final class Hold
    {
        long sessionId;
        long thread;
        long fence;
        int permits;
        int count;
        byte[] value = new byte[16];
        int valueLength;
    }

    static final class Wait
    {
        long sessionId;
        long thread;
        long requestId;
        long deadlineNs;
        int permits;
        byte[] value = new byte[16];
        int valueLength;
    }

    static final class Resource
    {
        final byte[] name;
        final UnsafeBuffer nameBuffer;
        final int kind;
        final int capacity;
        int used;
        /** A tick removed holds or waits; grant once all expiries of the entry are done. */
        boolean dirty;
        final ArrayList<Hold> holds = new ArrayList<>(4);
        final ArrayDeque<Wait> waits = new ArrayDeque<>(8);

        Resource(final DirectBuffer buffer, final int offset, final int length, final int kind, final int capacity)
        {
            this.name = new byte[length];
            buffer.getBytes(offset, name);
            this.nameBuffer = new UnsafeBuffer(name);
            this.kind = kind;
            this.capacity = capacity;
        }

        boolean sameName(final DirectBuffer buffer, final int offset, final int length)
        {
            if (length != name.length)
            {
                return false;
            }
            for (int i = 0; i < length; i++)
            {
                if (buffer.getByte(offset + i) != name[i])
                {
                    return false;
                }
            }
            return true;
        }

        Hold find(final long sessionId, final long thread)
        {
            for (int i = 0, size = holds.size(); i < size; i++)
            {
                final Hold hold = holds.get(i);
                if (hold.sessionId == sessionId && hold.thread == thread)
                {
                    return hold;
                }
            }
            return null;
        }
    }

    private final LockCommand command = new LockCommand();
    final Long2ObjectHashMap<Resource> resources = new Long2ObjectHashMap<>();
    /** Resources in creation order (never removed): every event-producing walk uses it, so event order
     * does not depend on hash-map layout and is the same on a replica restored from a snapshot. */
    final ArrayList<Resource> resourceList = new ArrayList<>();
    private final ExpandableArrayBuffer snapshotBuffer = new ExpandableArrayBuffer(1024);
    private final LockSnapshotCodec.Stream snapshotStream = new LockSnapshotCodec.Stream(snapshotBuffer);
    private final UnsafeBuffer outcomeBuffer = new UnsafeBuffer(new byte[RESPONSE_LENGTH]);
    final ArrayDeque<Hold> freeHolds = new ArrayDeque<>();
    final ArrayDeque<Wait> freeWaits = new ArrayDeque<>();
    private final int maxHoldCount;
    final int maxWaiters;
    final int maxResources;
    private LockEvents events;
    private ClientSessions sessions;
    /** Invariant: no wait's deadline is earlier (a lower bound: waits decided since may have had it). */
    long nextDeadlineNs = Long.MAX_VALUE;
    /** Invariant: the number of resources marked dirty (holds released by expiry, grants pending). */
    int dirtyResources;
    long lastAppliedIndex;
    long malformedCommands;
    private int responseStatus;
    private long responseFence;

    public LockStateMachine()
    {
        this(LockEvents.NONE);
    }

    public LockStateMachine(final LockEvents events)
    {
        this(events, MAX_HOLD_COUNT_DEFAULT, MAX_WAITERS_DEFAULT, MAX_RESOURCES_DEFAULT);
    }

    /**
     * @param events       told of every grant, wait, release, loss and session change, on the node's thread.
     * @param maxHoldCount reentrant holds of one lock by one session and thread.
     * @param maxWaiters   waits queued per resource; beyond it an acquire fails with {@link LockStatus#LIMIT}.
     * @param maxResources distinct resource names (resources are kept once created, so fences and
     *                     memory stay bounded and lock/unlock stays allocation-free).
     *                     Sessions are bounded by the group's {@code RaftConfig#sessionsMax}.
     */
    public LockStateMachine(final LockEvents events, final int maxHoldCount, final int maxWaiters, final int maxResources)
    {
        this.events = events;
        this.maxHoldCount = maxHoldCount;
        this.maxWaiters = maxWaiters;
        this.maxResources = maxResources;
    }

    /** Replaces the event listener (node thread only). */
    public void events(final LockEvents events)
    {
        this.events = events == null ? LockEvents.NONE : events;
    }

    @Override
    public void onSessions(final ClientSessions sessions)
    {
        this.sessions = sessions;
    }

    /** A command outside a session: every lock command belongs to one, so it is refused and counted. */
    @Override
    public int apply(
        final long index, final long term, final DirectBuffer buffer, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        advance(index);
        malformedCommands++;
        return respond(LockStatus.ILLEGAL, 0, response);
    }

    /** ACQUIRE, RELEASE or FORCE_RELEASE of a session; the sequence is the request id. */
    @Override
    public int applyInSession(
        final long index, final long term, final long sessionId, final long sequence, final DirectBuffer buffer,
        final int offset, final int length, final ExpandableArrayBuffer response)
    {
        advance(index);
        responseStatus = LockStatus.ILLEGAL;
        responseFence = 0;
        command.wrap(buffer, offset);
        if (!command.validate(length))
        {
            malformedCommands++;
        }
        else if (command.type() == LockCommand.ACQUIRE)
        {
            onAcquire(index, sessionId, sequence);
        }
        else if (command.type() == LockCommand.FORCE_RELEASE)
        {
            onForceRelease(index, sessionId, sequence);
        }
        else
        {
            onRelease(index, sessionId, sequence);
        }
        return respond(responseStatus, responseFence, response);
    }

    private static int respond(final int status, final long fence, final MutableDirectBuffer response)
    {
        response.putInt(0, status, ORDER);
        response.putLong(4, fence, ORDER);
        return RESPONSE_LENGTH;
    }

    private void advance(final long index)
    {
        // The node's own calls for an entry (expiries, log time) may come first, at the same index.
        if (index < lastAppliedIndex)
        {
            throw new IllegalStateException("apply out of order: " + index + " after " + lastAppliedIndex);
        }
        lastAppliedIndex = index;
    }

    @Override
    public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
        advance(index);
        events.onSessionOpened(index, sessionId, nonce, ttlNs);
    }

    @Override
    public void onKeepAlive(final long index, final long sessionId, final long token)
    {
        advance(index);
        events.onKeepAlive(index, sessionId, token);
    }

    /** Releases what the session held; a closed session's resources are granted at once, an expired one's in {@link #onLogTime}. */
    @Override
    public void onSessionEnded(final long index, final long sessionId, final boolean expired)
    {
        advance(index);
        endSession(index, sessionId, expired, !expired);
    }

    /**
     * Fails the waits whose deadline log time passed, then grants every resource freed by expiry or by
     * those failures. Runs after all the expiries of the entry, so one entry grants a resource at most once
     * and fences stay strictly increasing.
     */
    @Override
    public void onLogTime(final long index, final long logTimeNs)
    {
        advance(index);
        if (dirtyResources == 0 && logTimeNs <= nextDeadlineNs)
        {
            return;
        }
        final boolean deadlinePassed = logTimeNs > nextDeadlineNs;
        if (deadlinePassed)
        {
            nextDeadlineNs = Long.MAX_VALUE;
        }
        for (int r = 0, count = resourceList.size(); r < count; r++)
        {
            final Resource resource = resourceList.get(r);
            if (deadlinePassed && !resource.waits.isEmpty() && expireWaits(index, resource, logTimeNs))
            {
                markDirty(resource);
            }
            if (resource.dirty)
            {
                resource.dirty = false;
                dirtyResources--;
                grantWaiters(index, resource);
                events.onHoldersChanged(index, resource.nameBuffer, resource.name.length);
            }
        }
    }

    private void markDirty(final Resource resource)
    {
        if (!resource.dirty)
        {
            resource.dirty = true;
            dirtyResources++;
        }
    }

    /** @return log time: the largest leader timestamp applied. */
    public long logTimeNs()
    {
        return sessions.logTimeNs();
    }

    public int sessionCount()
    {
        return sessions.count();
    }

    /** @return true while the session holds what it holds: in the node's table ({@link ClientSessions#exists}). */
    public boolean hasSession(final long sessionId)
    {
        return sessions.exists(sessionId);
    }

    /** @return the id of the live session opened with {@code nonce}, or 0. Node thread only. */
    public long sessionForNonce(final long nonce)
    {
        return sessions.sessionForNonce(nonce);
    }

    /**
     * What became of an ACQUIRE or RELEASE: {@link LockStatus#QUEUED} while it waits, then
     * {@link LockStatus#GRANTED} with the grant's fence (a reentrant grant: the hold's fence),
     * {@link LockStatus#RELEASED} with the released hold's fence, or the failure. Kept for the last
     * {@code RaftConfig#sessionWindow} request ids of each live session, in snapshots too. Node thread only;
     * allocation-free.
     *
     * @return the outcome, read with {@link #outcomeStatus} and {@link #outcomeFence}; or {@link #OUTCOME_NONE}
     * when the request was not applied (yet), is older than the window, or the session is gone.
     */
    public long requestOutcome(final long sessionId, final long requestId)
    {
        if (sessions.outcome(sessionId, requestId, outcomeBuffer) != RESPONSE_LENGTH)
        {
            return OUTCOME_NONE;
        }
        return packOutcome(outcomeBuffer.getInt(0, ORDER), outcomeBuffer.getLong(4, ORDER));
    }

    /** @return the {@link LockStatus} of an outcome from {@link #requestOutcome} (not {@link #OUTCOME_NONE}). */
    public static int outcomeStatus(final long outcome)
    {
        return (int)(outcome & 0xFF);
    }

    /** @return the fence of an outcome from {@link #requestOutcome}: the grant's or released hold's log index, else 0. */
    public static long outcomeFence(final long outcome)
    {
        return outcome >>> 8;
    }

    private static long packOutcome(final int status, final long fence)
    {
        if (!(fence >= 0 && fence <= MAX_OUTCOME_FENCE && status >= 0 && status <= 0xFF))
        {
            throw new IllegalStateException("outcome out of range: status " + status + " fence " + fence);
        }
        return fence << 8 | status;
    }

    /**
     * @return the fence of the hold of a session and thread on a resource (semaphores: of its latest
     * grant), or -1 if it holds none. Node thread only; allocation-free.
     */
    public long holdFence(final DirectBuffer name, final int offset, final int length, final long sessionId, final long thread)
    {
        final Resource resource = lookup(name, offset, length);
        final Hold hold = resource == null ? null : resource.find(sessionId, thread);
        return hold == null ? -1 : hold.fence;
    }

    /**
     * @return what a session and thread hold of a resource as {@link LockEvents#onGranted} reports it: the
     * reentrant hold count of a mutex or read-write lock, the permits of a semaphore; 0 if none. Node
     * thread only; allocation-free.
     */
    public int holdCount(final DirectBuffer name, final int offset, final int length, final long sessionId, final long thread)
    {
        final Resource resource = lookup(name, offset, length);
        final Hold hold = resource == null ? null : resource.find(sessionId, thread);
        return hold == null ? 0 : resource.kind == LockCommand.SEMAPHORE ? hold.permits : hold.count;
    }

    /** @return the session's last activity in log time, or {@link Long#MIN_VALUE} if it does not exist. */
    public long sessionLastActiveNs(final long sessionId)
    {
        return sessions.lastActiveNs(sessionId);
    }

    public long malformedCommands()
    {
        return malformedCommands;
    }

    public long lastAppliedIndex()
    {
        return lastAppliedIndex;
    }

    /** Visits the holders of a resource in grant order. @return how many. Node thread only. */
    public int forEachHolder(final DirectBuffer name, final int offset, final int length, final HolderConsumer consumer)
    {
        final Resource resource = lookup(name, offset, length);
        if (resource == null)
        {
            return 0;
        }
        final int size = resource.holds.size();
        for (int i = 0; i < size; i++)
        {
            final Hold hold = resource.holds.get(i);
            valueView.wrap(hold.value, 0, hold.valueLength);
            consumer.accept(hold.sessionId, hold.thread, hold.fence, hold.permits, hold.count, valueView, hold.valueLength);
        }
        return size;
    }

    /** @return the number of waits queued on a resource. Node thread only. */
    public int waiterCount(final DirectBuffer name, final int offset, final int length)
    {
        final Resource resource = lookup(name, offset, length);
        return resource == null ? 0 : resource.waits.size();
    }

    /** Visits every resource. Node thread only. */
    public void forEachResource(final ResourceConsumer consumer)
    {
        for (int r = 0, count = resourceList.size(); r < count; r++)
        {
            final Resource resource = resourceList.get(r);
            consumer.accept(resource.nameBuffer, resource.name.length, resource.kind, resource.capacity, resource.used,
                resource.holds.size(), resource.waits.size());
        }
    }

    private final UnsafeBuffer valueView = new UnsafeBuffer(new byte[0]);

    private boolean expireWaits(final long index, final Resource resource, final long logTimeNs)
    {
        boolean removed = false;
        final Iterator<Wait> iterator = resource.waits.iterator();
        while (iterator.hasNext())
        {
            final Wait wait = iterator.next();
            if (wait.deadlineNs < logTimeNs)
            {
                iterator.remove();
                removed = true;
                record(wait.sessionId, wait.requestId, LockStatus.TIMED_OUT, 0);
                events.onFailed(index, wait.sessionId, wait.requestId, LockStatus.TIMED_OUT);
                freeWaits.addLast(wait);
            }
            else if (wait.deadlineNs < nextDeadlineNs)
            {
                nextDeadlineNs = wait.deadlineNs;
            }
        }
        return removed;
    }

    private void endSession(final long index, final long sessionId, final boolean expired, final boolean grantNow)
    {
        final int waitStatus = expired ? LockStatus.SESSION_EXPIRED : LockStatus.SESSION_CLOSED;
        for (int r = 0, count = resourceList.size(); r < count; r++)
        {
            final Resource resource = resourceList.get(r);
            boolean changed = false;
            if (!resource.waits.isEmpty())
            {
                final Iterator<Wait> waits = resource.waits.iterator();
                while (waits.hasNext())
                {
                    final Wait wait = waits.next();
                    if (wait.sessionId == sessionId)
                    {
                        waits.remove();
                        events.onFailed(index, sessionId, wait.requestId, waitStatus);
                        freeWaits.addLast(wait);
                        changed = true;
                    }
                }
            }
            for (int i = resource.holds.size() - 1; i >= 0; i--)
            {
                final Hold hold = resource.holds.get(i);
                if (hold.sessionId == sessionId)
                {
                    resource.holds.remove(i);
                    resource.used -= hold.permits;
                    events.onLost(index, sessionId, resource.nameBuffer, resource.name.length, hold.fence);
                    freeHolds.addLast(hold);
                    changed = true;
                }
            }
            if (changed && grantNow)
            {
                grantWaiters(index, resource);
                events.onHoldersChanged(index, resource.nameBuffer, resource.name.length);
            }
            else if (changed)
            {
                markDirty(resource);
            }
        }
        events.onSessionClosed(index, sessionId, expired);
    }

    private void onAcquire(final long index, final long sessionId, final long requestId)
    {
        final int kind = command.kind();
        final int capacity = kind == LockCommand.MUTEX ? 1 : command.capacity();
        final int permits = kind == LockCommand.MUTEX ? 1 : command.permits();
        final Resource resource = resourceFor(command.nameOffset(), command.nameLength(), kind, capacity);
        if (resource == null)
        {
            fail(index, sessionId, requestId, responseStatus);
            return;
        }
        final long thread = command.thread();
        final Hold hold = resource.find(sessionId, thread);
        if (hold != null && kind != LockCommand.SEMAPHORE)
        {
            if (hold.permits != permits)
            {
                fail(index, sessionId, requestId, LockStatus.ILLEGAL);
                return;
            }
            if (hold.count >= maxHoldCount)
            {
                fail(index, sessionId, requestId, LockStatus.HOLD_LIMIT);
                return;
            }
            hold.count++;
            responseStatus = LockStatus.GRANTED;
            responseFence = hold.fence;
            events.onGranted(index, sessionId, requestId, thread, resource.nameBuffer, resource.name.length, hold.fence, hold.count);
            return;
        }
        if (resource.waits.isEmpty() && resource.used + permits <= resource.capacity)
        {
            responseStatus = LockStatus.GRANTED;
            responseFence = index;
            grant(index, resource, sessionId, thread, requestId, permits, command.buffer(), command.valueOffset(), command.valueLength());
            events.onHoldersChanged(index, resource.nameBuffer, resource.name.length);
            return;
        }
        final long waitTimeoutNs = command.waitTimeoutNs();
        if (waitTimeoutNs == 0)
        {
            fail(index, sessionId, requestId, LockStatus.WOULD_BLOCK);
            return;
        }
        if (resource.waits.size() >= maxWaiters)
        {
            fail(index, sessionId, requestId, LockStatus.LIMIT);
            return;
        }
        final Wait wait = freeWaits.isEmpty() ? new Wait() : freeWaits.pollFirst();
        wait.sessionId = sessionId;
        wait.thread = thread;
        wait.requestId = requestId;
        wait.permits = permits;
        wait.deadlineNs = waitTimeoutNs < 0 ? Long.MAX_VALUE : saturatedAdd(sessions.logTimeNs(), waitTimeoutNs);
        nextDeadlineNs = Math.min(nextDeadlineNs, wait.deadlineNs);
        final int valueLength = command.valueLength();
        if (wait.value.length < valueLength)
        {
            wait.value = new byte[valueLength];
        }
        command.buffer().getBytes(command.valueOffset(), wait.value, 0, valueLength);
        wait.valueLength = valueLength;
        resource.waits.addLast(wait);
        responseStatus = LockStatus.QUEUED;
        events.onQueued(index, sessionId, requestId, resource.nameBuffer, resource.name.length, resource.waits.size() - 1);
    }

    private void onRelease(final long index, final long sessionId, final long requestId)
    {
        final Resource resource = lookup(command.buffer(), command.nameOffset(), command.nameLength());
        final Hold hold = resource == null ? null : resource.find(sessionId, command.thread());
        if (hold == null)
        {
            fail(index, sessionId, requestId, LockStatus.NOT_HELD);
            return;
        }
        final long fence = hold.fence;
        int remaining;
        if (resource.kind == LockCommand.SEMAPHORE)
        {
            final int permits = command.permits();
            if (permits > hold.permits)
            {
                fail(index, sessionId, requestId, LockStatus.ILLEGAL);
                return;
            }
            hold.permits -= permits;
            resource.used -= permits;
            remaining = hold.permits;
        }
        else
        {
            hold.count--;
            remaining = hold.count;
            if (remaining == 0)
            {
                resource.used -= hold.permits;
            }
        }
        responseStatus = LockStatus.RELEASED;
        responseFence = fence;
        if (remaining == 0)
        {
            resource.holds.remove(hold);
            freeHolds.addLast(hold);
        }
        events.onReleased(index, sessionId, requestId, resource.nameBuffer, resource.name.length, fence, remaining);
        if (remaining == 0 || resource.kind == LockCommand.SEMAPHORE)
        {
            grantWaiters(index, resource);
            events.onHoldersChanged(index, resource.nameBuffer, resource.name.length);
        }
    }

    /** An operator's release of another session's whole hold: reported to the holder as lost, then waiters are granted. */
    private void onForceRelease(final long index, final long sessionId, final long requestId)
    {
        final Resource resource = lookup(command.buffer(), command.nameOffset(), command.nameLength());
        final long holder = command.targetSession();
        final Hold hold = resource == null ? null : resource.find(holder, command.thread());
        if (hold == null)
        {
            fail(index, sessionId, requestId, LockStatus.NOT_HELD);
            return;
        }
        resource.holds.remove(hold);
        resource.used -= hold.permits;
        responseStatus = LockStatus.RELEASED;
        responseFence = hold.fence;
        events.onLost(index, holder, resource.nameBuffer, resource.name.length, hold.fence);
        freeHolds.addLast(hold);
        grantWaiters(index, resource);
        events.onHoldersChanged(index, resource.nameBuffer, resource.name.length);
    }

    /**
     * Grants waits at the head of the queue while they fit (FIFO, no barging).
     *
     * <p>A session and thread may have several waits queued (asynchronous acquires). Once one of them is
     * granted, the next that reaches the head is decided exactly as the same ACQUIRE arriving now would
     * be: in the same mode it is a reentrant acquire (same fence, count + 1, or {@link LockStatus#HOLD_LIMIT}),
     * in the other mode of a read-write lock it is {@link LockStatus#ILLEGAL} (no upgrade or downgrade).
     * Invariant: a session and thread have at most one hold per mutex or read-write lock.
     */
    private void grantWaiters(final long index, final Resource resource)
    {
        Wait head;
        while ((head = resource.waits.peekFirst()) != null)
        {
            final Hold own = resource.kind == LockCommand.SEMAPHORE ? null : resource.find(head.sessionId, head.thread);
            if (own == null && resource.used + head.permits > resource.capacity)
            {
                return;
            }
            resource.waits.pollFirst();
            if (own == null)
            {
                valueView.wrap(head.value, 0, head.valueLength);
                grant(index, resource, head.sessionId, head.thread, head.requestId, head.permits, valueView, 0, head.valueLength);
            }
            else if (own.permits != head.permits)
            {
                record(head.sessionId, head.requestId, LockStatus.ILLEGAL, 0);
                events.onFailed(index, head.sessionId, head.requestId, LockStatus.ILLEGAL);
            }
            else if (own.count >= maxHoldCount)
            {
                record(head.sessionId, head.requestId, LockStatus.HOLD_LIMIT, 0);
                events.onFailed(index, head.sessionId, head.requestId, LockStatus.HOLD_LIMIT);
            }
            else
            {
                own.count++;
                record(head.sessionId, head.requestId, LockStatus.GRANTED, own.fence);
                events.onGranted(index, head.sessionId, head.requestId, head.thread, resource.nameBuffer, resource.name.length,
                    own.fence, own.count);
            }
            freeWaits.addLast(head);
        }
    }

    /** Grants a new hold, or more permits of a semaphore hold; reports it. Leaves the response alone: the
     * entry being applied may be a RELEASE, CLOSE or TICK that let a waiter in. */
    private void grant(
        final long index, final Resource resource, final long sessionId, final long thread, final long requestId,
        final int permits, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        Hold hold = resource.kind == LockCommand.SEMAPHORE ? resource.find(sessionId, thread) : null;
        if (hold == null)
        {
            hold = freeHolds.isEmpty() ? new Hold() : freeHolds.pollFirst();
            hold.sessionId = sessionId;
            hold.thread = thread;
            hold.permits = 0;
            hold.count = 0;
            resource.holds.add(hold);
        }
        hold.permits += permits;
        hold.count++;
        hold.fence = index;
        if (hold.value.length < valueLength)
        {
            hold.value = new byte[valueLength];
        }
        value.getBytes(valueOffset, hold.value, 0, valueLength);
        hold.valueLength = valueLength;
        resource.used += permits;
        record(sessionId, requestId, LockStatus.GRANTED, index);
        final int reported = resource.kind == LockCommand.SEMAPHORE ? hold.permits : hold.count;
        events.onGranted(index, sessionId, requestId, thread, resource.nameBuffer, resource.name.length, index, reported);
    }

    private void fail(final long index, final long sessionId, final long requestId, final int status)
    {
        responseStatus = status;
        record(sessionId, requestId, status, 0);
        events.onFailed(index, sessionId, requestId, status);
    }

    /**
     * Updates the kept outcome of a request decided after it was applied (a queued wait granted or failed
     * later); the request's own entry keeps its response through the node. Allocation-free.
     */
    private void record(final long sessionId, final long requestId, final int status, final long fence)
    {
        respond(status, fence, outcomeBuffer);
        sessions.updateOutcome(sessionId, requestId, outcomeBuffer, 0, RESPONSE_LENGTH);
    }

    private Resource resourceFor(final int nameOffset, final int nameLength, final int kind, final int capacity)
    {
        final DirectBuffer buffer = command.buffer();
        final long key = LockNames.hash(buffer, nameOffset, nameLength);
        Resource resource = resources.get(key);
        if (resource == null)
        {
            if (resources.size() >= maxResources)
            {
                responseStatus = LockStatus.LIMIT;
                return null;
            }
            resource = new Resource(buffer, nameOffset, nameLength, kind, capacity);
            resources.put(key, resource);
            resourceList.add(resource);
            return resource;
        }
        if (!resource.sameName(buffer, nameOffset, nameLength) || resource.kind != kind || resource.capacity != capacity)
        {
            responseStatus = LockStatus.ILLEGAL;
            return null;
        }
        return resource;
    }

    private Resource lookup(final DirectBuffer name, final int offset, final int length)
    {
        final Resource resource = resources.get(LockNames.hash(name, offset, length));
        return resource != null && resource.sameName(name, offset, length) ? resource : null;
    }

    // ------------------------------------------------------------------------------------ snapshots

    /**
     * The whole state in {@link LockSnapshotCodec}'s format, encoded into a reused buffer when the
     * snapshot starts (the node applies nothing until the stream ends), then handed out in chunks of at
     * most {@code maxBytes}.
     */
    @Override
    public SnapshotSource snapshot()
    {
        final int length = encodeSnapshot(snapshotBuffer);
        return snapshotStream.reset(length);
    }

    int encodeSnapshot(final ExpandableArrayBuffer out)
    {
        return LockSnapshotCodec.encode(this, out);
    }

    /**
     * Replaces the whole state with a snapshot from {@link #snapshot()}. Reports no events: the
     * entries the snapshot covers were never applied here, and replaying their outcomes would tell
     * co-located clients about grants and expiries out of log order; events resume with the first
     * entry applied after the snapshot, exactly as on the replicas that applied every entry.
     *
     * @throws IllegalStateException if the stream is truncated, corrupt or inconsistent; the state is
     *                               then left empty.
     */
    @Override
    public void restore(final SnapshotReader reader)
    {
        clear();
        try
        {
            LockSnapshotCodec.decode(this, reader);
        }
        catch (final RuntimeException ex)
        {
            clear();
            throw ex instanceof IllegalStateException ? ex : new IllegalStateException("corrupt lock snapshot: " + ex, ex);
        }
        events.onRestored(this, lastAppliedIndex);
    }

    private void clear()
    {
        resources.clear();
        resourceList.clear();
        nextDeadlineNs = Long.MAX_VALUE;
        dirtyResources = 0;
        lastAppliedIndex = 0;
        malformedCommands = 0;
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
