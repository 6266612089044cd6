package io.synod.lock;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongArrayList;
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
 * <p><b>Log time.</b> Nothing reads a clock. The leader's {@link LockTicker} writes TICK(leader time)
 * entries; log time is the largest such time applied. A TICK is the leader's expiry decision written
 * to the log: applying it expires every session whose last activity (in log time) is more than its
 * TTL behind, releases its holds (reported as lost) and removes its waits, and fails waits whose
 * deadline passed. The first TICK of a new term renews every session to log time instead of
 * expiring any: keep-alives a client sent while there was no leader could not be written, and a
 * client must never be expired for the cluster's own outage (etcd renews leases on promotion too).
 *
 * <p><b>Safety of leases.</b> A session's last activity is the log time when its keep-alive is
 * applied, which is at least the keep-alive's arrival at the leader less one tick interval (or the
 * renewal of a new term). A client that counts its lease from the keep-alive's send time and gives it
 * up after {@code clientTimeout <= ttl - 2 * tickInterval - clockDrift} stops using its locks before
 * any replica can expire it.
 *
 * <p><b>Exactly once.</b> ACQUIRE and RELEASE carry a per-session request id; a window of the last 64
 * ids per session drops retries that were already applied, and remembers each one's outcome (status and
 * fence, updated when a queued wait is decided), so that a co-located client whose replica skipped
 * entries by installing a snapshot learns what became of its requests (Raft dissertation §6.3: a
 * session keeps the responses of the requests it deduplicates). See {@link #requestOutcome}.
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
    public static final int MAX_SESSIONS_DEFAULT = 65_536;
    public static final int MAX_WAITERS_DEFAULT = 4096;
    public static final int MAX_RESOURCES_DEFAULT = 65_536;
    public static final int RESPONSE_LENGTH = 12;
    /** {@link #requestOutcome}: the request was not applied, or is outside the session's window, or the session is gone. */
    public static final long OUTCOME_NONE = -1;
    /** Request ids per session whose duplicates are dropped and whose outcomes are kept. */
    public static final int WINDOW = 64;
    /** Fences are log indexes; an outcome packs one with a status byte into a long. */
    private static final long MAX_OUTCOME_FENCE = (1L << 55) - 1;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static final class Session
    {
        long id;
        long nonce;
        long ttlNs;
        long lastActiveNs;
        /** Invariant: every request id below {@code requestBase} counts as applied. */
        long requestBase;
        long requestBits;
        /**
         * Invariant: for each applied id r in [requestBase, requestBase + WINDOW), {@code outcomes[r & (WINDOW - 1)]}
         * is its outcome ({@link #packOutcome}), or {@link #OUTCOME_NONE} until it is decided.
         */
        final long[] outcomes = new long[WINDOW];

        /** @return true the first time {@code requestId} is seen (within the window). */
        boolean markApplied(final long requestId)
        {
            if (requestId < requestBase)
            {
                return false;
            }
            final long shift = requestId - requestBase - (WINDOW - 1);
            if (shift > 0)
            {
                requestBits = shift >= WINDOW ? 0 : requestBits >>> shift;
                requestBase += shift;
            }
            final long bit = 1L << (requestId - requestBase);
            if ((requestBits & bit) != 0)
            {
                return false;
            }
            requestBits |= bit;
            outcomes[(int)(requestId & (WINDOW - 1))] = OUTCOME_NONE;
            return true;
        }

        boolean applied(final long requestId)
        {
            return requestId >= requestBase && requestId - requestBase < WINDOW &&
                (requestBits & (1L << (requestId - requestBase))) != 0;
        }

        long outcome(final long requestId)
        {
            return applied(requestId) ? outcomes[(int)(requestId & (WINDOW - 1))] : OUTCOME_NONE;
        }

        /** Keeps the outcome of an applied request still in the window (a wait decided after 64 newer requests is not kept). */
        void record(final long requestId, final int status, final long fence)
        {
            if (applied(requestId))
            {
                outcomes[(int)(requestId & (WINDOW - 1))] = packOutcome(status, fence);
            }
        }
    }

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
    final Long2ObjectHashMap<Session> sessions = new Long2ObjectHashMap<>();
    final Long2LongHashMap sessionByNonce = new Long2LongHashMap(0);
    final Long2ObjectHashMap<Resource> resources = new Long2ObjectHashMap<>();
    /** Resources in creation order (never removed): every event-producing walk uses it, so event order
     * does not depend on hash-map layout and is the same on a replica restored from a snapshot. */
    final ArrayList<Resource> resourceList = new ArrayList<>();
    private final ExpandableArrayBuffer snapshotBuffer = new ExpandableArrayBuffer(1024);
    private final LockSnapshotCodec.Stream snapshotStream = new LockSnapshotCodec.Stream(snapshotBuffer);
    final ArrayDeque<Hold> freeHolds = new ArrayDeque<>();
    final ArrayDeque<Wait> freeWaits = new ArrayDeque<>();
    final LongArrayList scratchIds = new LongArrayList();
    private final int maxHoldCount;
    final int maxSessions;
    final int maxWaiters;
    final int maxResources;
    private LockEvents events;
    long logTimeNs;
    /** Invariant: the term of the last TICK applied; a TICK of a higher term renews every session. */
    long tickTerm;
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
        this(events, MAX_HOLD_COUNT_DEFAULT, MAX_SESSIONS_DEFAULT, MAX_WAITERS_DEFAULT, MAX_RESOURCES_DEFAULT);
    }

    /**
     * @param events       told of every grant, wait, release, loss and session change, on the node's thread.
     * @param maxHoldCount reentrant holds of one lock by one session and thread.
     * @param maxSessions  live sessions; an OPEN beyond it fails with {@link LockStatus#LIMIT}. Each takes
     *                     about 600 bytes (most of it the outcomes of its last {@link #WINDOW} requests).
     * @param maxWaiters   waits queued per resource; beyond it an acquire fails with {@link LockStatus#LIMIT}.
     * @param maxResources distinct resource names (resources are kept once created, so fences and
     *                     memory stay bounded and lock/unlock stays allocation-free).
     */
    public LockStateMachine(
        final LockEvents events, final int maxHoldCount, final int maxSessions, final int maxWaiters, final int maxResources)
    {
        this.events = events;
        this.maxHoldCount = maxHoldCount;
        this.maxSessions = maxSessions;
        this.maxWaiters = maxWaiters;
        this.maxResources = maxResources;
    }

    /** Replaces the event listener (node thread only). */
    public void events(final LockEvents events)
    {
        this.events = events == null ? LockEvents.NONE : events;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer buffer, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        if (!(index > lastAppliedIndex))
        {
            throw new IllegalStateException("apply out of order: " + index + " after " + lastAppliedIndex);
        }
        lastAppliedIndex = index;
        responseStatus = LockStatus.ILLEGAL;
        responseFence = 0;
        command.wrap(buffer, offset);
        if (!command.validate(length))
        {
            malformedCommands++;
        }
        else
        {
            switch (command.type())
            {
                case LockCommand.TICK:
                    onTick(index, term, command.sessionId());
                    break;
                case LockCommand.OPEN:
                    onOpen(index, command.sessionId(), command.requestId());
                    break;
                case LockCommand.KEEPALIVE:
                    onKeepAlive(index, command.sessionId(), command.requestId());
                    break;
                case LockCommand.CLOSE:
                    onClose(index, command.sessionId());
                    break;
                case LockCommand.ACQUIRE:
                    onAcquire(index);
                    break;
                default:
                    onRelease(index);
                    break;
            }
        }
        response.putInt(0, responseStatus, ORDER);
        response.putLong(4, responseFence, ORDER);
        return RESPONSE_LENGTH;
    }

    /** @return log time: the largest leader timestamp applied. */
    public long logTimeNs()
    {
        return logTimeNs;
    }

    public int sessionCount()
    {
        return sessions.size();
    }

    public boolean hasSession(final long sessionId)
    {
        return sessions.containsKey(sessionId);
    }

    /** @return the id of the live session opened with {@code nonce}, or 0. Node thread only. */
    public long sessionForNonce(final long nonce)
    {
        return sessionByNonce.get(nonce);
    }

    /**
     * What became of an ACQUIRE or RELEASE: {@link LockStatus#QUEUED} while it waits, then
     * {@link LockStatus#GRANTED} with the grant's fence (a reentrant grant: the hold's fence),
     * {@link LockStatus#RELEASED} with the released hold's fence, or the failure. Kept for the last
     * {@link #WINDOW} request ids of each live session, in snapshots too. Node thread only; allocation-free.
     *
     * @return the outcome, read with {@link #outcomeStatus} and {@link #outcomeFence}; or {@link #OUTCOME_NONE}
     * when the request was not applied (yet), is older than the window, or the session is gone.
     */
    public long requestOutcome(final long sessionId, final long requestId)
    {
        final Session session = sessions.get(sessionId);
        return session == null ? OUTCOME_NONE : session.outcome(requestId);
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
        final Session session = sessions.get(sessionId);
        return session == null ? Long.MIN_VALUE : session.lastActiveNs;
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

    private void onTick(final long index, final long term, final long timestampNs)
    {
        if (timestampNs > logTimeNs)
        {
            logTimeNs = timestampNs;
        }
        responseStatus = LockStatus.GRANTED;
        if (term > tickTerm)
        {
            tickTerm = term;
            for (final Session session : sessions.values())
            {
                session.lastActiveNs = Math.max(session.lastActiveNs, logTimeNs);
            }
            return;
        }
        scratchIds.clear();
        for (final Session session : sessions.values())
        {
            if (logTimeNs - session.lastActiveNs > session.ttlNs)
            {
                scratchIds.addLong(session.id);
            }
        }
        // Remove every expired session before granting anything, so that one entry grants a resource
        // at most once and fences stay strictly increasing.
        // Session ids are open indexes: ascending id order is a replica-independent order.
        LockSnapshotCodec.sortAscending(scratchIds);
        for (int i = 0, size = scratchIds.size(); i < size; i++)
        {
            endSession(index, sessions.get(scratchIds.getLong(i)), true, false);
        }
        for (int r = 0, count = resourceList.size(); r < count; r++)
        {
            final Resource resource = resourceList.get(r);
            if (!resource.waits.isEmpty() && expireWaits(index, resource))
            {
                resource.dirty = true;
            }
            if (resource.dirty)
            {
                resource.dirty = false;
                grantWaiters(index, resource);
                events.onHoldersChanged(index, resource.nameBuffer, resource.name.length);
            }
        }
    }

    private boolean expireWaits(final long index, final Resource resource)
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
        }
        return removed;
    }

    private void onOpen(final long index, final long nonce, final long ttlNs)
    {
        final long existing = sessionByNonce.get(nonce);
        if (existing != 0)
        {
            responseStatus = LockStatus.DUPLICATE;
            responseFence = existing;
            final Session session = sessions.get(existing);
            events.onSessionOpened(index, existing, nonce, session.ttlNs);
            return;
        }
        if (ttlNs <= 0 || sessions.size() >= maxSessions)
        {
            responseStatus = ttlNs <= 0 ? LockStatus.ILLEGAL : LockStatus.LIMIT;
            events.onFailed(index, 0, nonce, responseStatus);
            return;
        }
        final Session session = new Session();
        session.id = index;
        session.nonce = nonce;
        session.ttlNs = ttlNs;
        session.lastActiveNs = logTimeNs;
        sessions.put(index, session);
        sessionByNonce.put(nonce, index);
        responseStatus = LockStatus.GRANTED;
        responseFence = index;
        events.onSessionOpened(index, index, nonce, ttlNs);
    }

    private void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
    {
        final Session session = sessions.get(sessionId);
        if (session == null)
        {
            responseStatus = LockStatus.SESSION_EXPIRED;
            events.onFailed(index, sessionId, 0, LockStatus.SESSION_EXPIRED);
            return;
        }
        session.lastActiveNs = Math.max(session.lastActiveNs, logTimeNs);
        responseStatus = LockStatus.GRANTED;
        events.onKeepAlive(index, sessionId, sentAtNs);
    }

    private void onClose(final long index, final long sessionId)
    {
        final Session session = sessions.get(sessionId);
        if (session == null)
        {
            responseStatus = LockStatus.SESSION_EXPIRED;
            return;
        }
        responseStatus = LockStatus.GRANTED;
        endSession(index, session, false, true);
    }

    private void endSession(final long index, final Session session, final boolean expired, final boolean grantNow)
    {
        final long sessionId = session.id;
        sessions.remove(sessionId);
        sessionByNonce.remove(session.nonce);
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
                resource.dirty = true;
            }
        }
        events.onSessionClosed(index, sessionId, expired);
    }

    /**
     * The common start of ACQUIRE and RELEASE: the session must be live and the request new (a retried
     * request id is answered DUPLICATE); a live session's activity moves to the current log time.
     *
     * @return the session, or null when the command was answered here.
     */
    private Session admit(final long index, final long sessionId, final long requestId)
    {
        final Session session = sessions.get(sessionId);
        if (session == null)
        {
            fail(index, sessionId, requestId, LockStatus.SESSION_EXPIRED);
            return null;
        }
        if (!session.markApplied(requestId))
        {
            responseStatus = LockStatus.DUPLICATE;
            return null;
        }
        session.lastActiveNs = Math.max(session.lastActiveNs, logTimeNs);
        return session;
    }

    private void onAcquire(final long index)
    {
        final long sessionId = command.sessionId();
        final long requestId = command.requestId();
        final Session session = admit(index, sessionId, requestId);
        if (session == null)
        {
            return;
        }
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
            session.record(requestId, LockStatus.GRANTED, hold.fence);
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
        wait.deadlineNs = waitTimeoutNs < 0 ? Long.MAX_VALUE : saturatedAdd(logTimeNs, waitTimeoutNs);
        final int valueLength = command.valueLength();
        if (wait.value.length < valueLength)
        {
            wait.value = new byte[valueLength];
        }
        command.buffer().getBytes(command.valueOffset(), wait.value, 0, valueLength);
        wait.valueLength = valueLength;
        resource.waits.addLast(wait);
        responseStatus = LockStatus.QUEUED;
        session.record(requestId, LockStatus.QUEUED, 0);
        events.onQueued(index, sessionId, requestId, resource.nameBuffer, resource.name.length, resource.waits.size() - 1);
    }

    private void onRelease(final long index)
    {
        final long sessionId = command.sessionId();
        final long requestId = command.requestId();
        final Session session = admit(index, sessionId, requestId);
        if (session == null)
        {
            return;
        }
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
        session.record(requestId, LockStatus.RELEASED, fence);
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

    private void record(final long sessionId, final long requestId, final int status, final long fence)
    {
        final Session session = sessions.get(sessionId);
        if (session != null)
        {
            session.record(requestId, status, fence);
        }
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
        sessions.clear();
        sessionByNonce.clear();
        resources.clear();
        resourceList.clear();
        logTimeNs = 0;
        tickTerm = 0;
        lastAppliedIndex = 0;
        malformedCommands = 0;
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
