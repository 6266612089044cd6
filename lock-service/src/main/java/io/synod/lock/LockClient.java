package io.synod.lock;

import io.synod.raft.EntryType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The zero-allocation lock-service client: one session, requests keyed by the caller's correlation
 * ids, outcomes delivered to a pre-registered {@link Handler}.
 *
 * <p><b>How it learns outcomes.</b> It is registered as the {@link LockEvents} of a co-located replica
 * (its "home" member) and matches applied events by (session, request id). Commands go out through a
 * {@link CommandSender} to the leader as session commands; a command not seen applied within
 * {@code retryIntervalNs} is sent again with the same request id (the node applies a request id once).
 *
 * <p><b>Session and lease.</b> A session is opened on first use with a TTL. Keep-alives carry their
 * send time; each one seen applied extends the client's lease to send time + {@code clientTimeoutNs}.
 * Once the lease passes without a newer acknowledgement the client declares the session lost itself —
 * before any replica can expire it, since {@code clientTimeoutNs <= ttlNs - 2 * tickIntervalNs} (the
 * group's {@code RaftConfig#sessionTickIntervalNs}; see {@link LockStateMachine}) — reports every hold lost, fails every pending request with
 * {@link LockStatus#SESSION_EXPIRED}, asks the servers to close the session, and opens a new one on the
 * next request.
 *
 * <p><b>Snapshots.</b> When the home replica installs a snapshot (InstallSnapshot from the leader, or a
 * restart from a stored one) it reports {@link #onRestored} instead of the events of the entries the
 * snapshot covers, and the client reconciles from the restored replica: an opening session is found by
 * its nonce; a session that no longer exists is lost (every hold reported lost, every pending request
 * failed with {@link LockStatus#SESSION_EXPIRED}); a pending request that the snapshot decided completes
 * with its kept outcome ({@link LockStateMachine#requestOutcome}: granted with its fence, released, or
 * failed with its status); a hold that no longer exists is reported lost, and the others take the
 * replica's fence and count. Keep-alive acknowledgements inside the snapshot are not recovered, so the
 * lease only moves on with the next one (never longer than it would have been). A restart from a
 * snapshot older than what the client has seen applies those entries again: their events are ignored.
 *
 * <p><b>Threading.</b> Not thread-safe: call everything, including {@link #doWork}, on the home
 * member's agent thread (that is where {@link LockEvents} arrive). {@link FencedLocks} is the
 * thread-safe, blocking convenience on top.
 * <p><b>Allocation.</b> None after construction.
 */
public final class LockClient implements LockEvents
{
    /** Outcomes, on the agent thread. */
    public interface Handler
    {
        /** Granted; {@code fence} is the log index of the grant. */
        void onGranted(long correlationId, long fence, int holdCount);

        /** Failed with a {@link LockStatus}; {@link LockStatus#SESSION_EXPIRED} when the session was lost. */
        void onFailed(long correlationId, int status);

        /** Released; {@code holdCount} is what is still held (reentrancy, semaphore permits). */
        void onReleased(long correlationId, long fence, int holdCount);

        /** A hold is no longer valid: the session was lost (client deadline) or expired. */
        default void onLockLost(final DirectBuffer name, final int nameLength, final long fence)
        {
        }

        /** The session was lost; later requests open a new one. */
        default void onSessionLost(final long sessionId)
        {
        }
    }

    /** Requests in flight per client; within the node's session window ({@code RaftConfig#sessionWindow}, at least this). */
    public static final int MAX_IN_FLIGHT = 64;
    /** Distinct (name, thread) holds tracked per client. */
    public static final int MAX_HOLDS = 64;

    private static final int SESSION_NONE = 0;
    private static final int SESSION_OPENING = 1;
    private static final int SESSION_OPEN = 2;

    private static final int SLOT_FREE = 0;
    private static final int SLOT_UNSENT = 1;
    private static final int SLOT_SENT = 2;
    private static final int SLOT_QUEUED = 3;

    private final CommandSender sender;
    private final Handler handler;
    private final long ttlNs;
    private final long clientTimeoutNs;
    private final long keepAliveIntervalNs;
    private final long retryIntervalNs;
    private final LockCommand encoder = new LockCommand();
    private final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);

    private final int[] slotState = new int[MAX_IN_FLIGHT];
    private final long[] slotRequestId = new long[MAX_IN_FLIGHT];
    private final long[] slotCorrelationId = new long[MAX_IN_FLIGHT];
    private final long[] slotSentNs = new long[MAX_IN_FLIGHT];
    private final int[] slotLength = new int[MAX_IN_FLIGHT];
    private final UnsafeBuffer[] slotCommand = new UnsafeBuffer[MAX_IN_FLIGHT];

    private final long[] holdNameHash = new long[MAX_HOLDS];
    private final long[] holdThread = new long[MAX_HOLDS];
    private final long[] holdFence = new long[MAX_HOLDS];
    /** Invariant: holdCount[i] == 0 means slot i is free; believed counts drop when a release is sent. */
    private final int[] holdCount = new int[MAX_HOLDS];
    private final UnsafeBuffer[] holdName = new UnsafeBuffer[MAX_HOLDS];
    private final int[] holdNameLength = new int[MAX_HOLDS];

    private long nonceSeed;
    private long nonce;
    private int sessionState = SESSION_NONE;
    private long sessionId;
    private long openSentNs;
    private long openFirstSentNs;
    private long leaseDeadlineNs;
    private long nextKeepAliveNs;
    private long nextRequestId = 1;
    private long nowNs;
    private long sessionsLost;
    /** Invariant: the largest index of an event taken in, or of a snapshot reconciled from. */
    private long lastEventIndex;
    /** Events at or below this index are a restarted replica applying again what was already taken in: ignored. */
    private long replayedThroughIndex;
    private long restoresReconciled;

    /**
     * @param sender          where commands go.
     * @param handler         receives every outcome.
     * @param nonceSeed       distinct per client (a random long): session opens are matched by nonce.
     * @param ttlNs           the session TTL the servers enforce.
     * @param clientTimeoutNs the client's own lease, shorter than the TTL by at least two tick intervals plus clock drift.
     * @param retryIntervalNs how long to wait for a command to be applied before sending it again.
     */
    public LockClient(
        final CommandSender sender,
        final Handler handler,
        final long nonceSeed,
        final long ttlNs,
        final long clientTimeoutNs,
        final long retryIntervalNs)
    {
        if (!(clientTimeoutNs > 0 && clientTimeoutNs < ttlNs))
        {
            throw new IllegalArgumentException("need 0 < clientTimeoutNs < ttlNs: " + clientTimeoutNs + ", " + ttlNs);
        }
        this.sender = sender;
        this.handler = handler;
        this.nonceSeed = nonceSeed;
        this.ttlNs = ttlNs;
        this.clientTimeoutNs = clientTimeoutNs;
        this.keepAliveIntervalNs = clientTimeoutNs / 4;
        this.retryIntervalNs = retryIntervalNs;
        for (int i = 0; i < MAX_IN_FLIGHT; i++)
        {
            slotCommand[i] = new UnsafeBuffer(new byte[LockCommand.MAX_LENGTH]);
        }
        for (int i = 0; i < MAX_HOLDS; i++)
        {
            holdName[i] = new UnsafeBuffer(new byte[LockCommand.MAX_NAME_LENGTH]);
        }
    }

    /**
     * Asks for {@code permits} of a resource. The outcome arrives at the handler.
     *
     * @param kind          {@link LockCommand#MUTEX}, {@link LockCommand#SEMAPHORE} or {@link LockCommand#RW_LOCK}.
     * @param waitTimeoutNs -1 waits until granted or the session ends; 0 tries once
     *                      ({@link LockStatus#WOULD_BLOCK}); otherwise the longest wait in log time.
     * @return false on back-pressure ({@link #MAX_IN_FLIGHT} requests pending): nothing was sent.
     */
    public boolean acquire(
        final long correlationId,
        final DirectBuffer name, final int nameOffset, final int nameLength,
        final int kind, final int capacity, final int permits, final long thread, final long waitTimeoutNs,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int slot = claimSlot();
        if (slot < 0)
        {
            return false;
        }
        final UnsafeBuffer buffer = slotCommand[slot];
        encoder.wrap(buffer, 0).type(LockCommand.ACQUIRE).thread(thread)
            .waitTimeoutNs(waitTimeoutNs).kind(kind).capacity(capacity).permits(permits);
        slotLength[slot] = encoder.nameAndValue(name, nameOffset, nameLength, value, valueOffset, valueLength);
        return submit(slot, correlationId);
    }

    /** Releases {@code permits} (mutex and read-write locks: one reentrant hold). @return false on back-pressure. */
    public boolean release(
        final long correlationId, final DirectBuffer name, final int nameOffset, final int nameLength,
        final int kind, final int permits, final long thread)
    {
        final int hold = findHold(LockNames.hash(name, nameOffset, nameLength), thread);
        if (hold < 0 || sessionState != SESSION_OPEN)
        {
            handler.onFailed(correlationId, sessionState == SESSION_OPEN ? LockStatus.NOT_HELD : LockStatus.SESSION_EXPIRED);
            return true;
        }
        final int slot = claimSlot();
        if (slot < 0)
        {
            return false;
        }
        holdCount[hold] -= kind == LockCommand.SEMAPHORE ? Math.min(permits, holdCount[hold]) : 1;
        final UnsafeBuffer buffer = slotCommand[slot];
        encoder.wrap(buffer, 0).type(LockCommand.RELEASE).thread(thread)
            .waitTimeoutNs(0).kind(kind).capacity(permits).permits(permits);
        slotLength[slot] = encoder.nameAndValue(name, nameOffset, nameLength, name, 0, 0);
        return submit(slot, correlationId);
    }

    /**
     * The fence of a hold this client may act on now: held (as far as it knows), not being released,
     * and the session's lease still valid at {@code nowNs}.
     *
     * @return the fence, or -1.
     */
    public long validFence(final DirectBuffer name, final int nameOffset, final int nameLength, final long thread, final long nowNs)
    {
        if (sessionState != SESSION_OPEN || nowNs >= leaseDeadlineNs)
        {
            return -1;
        }
        final int hold = findHold(LockNames.hash(name, nameOffset, nameLength), thread);
        return hold < 0 || holdCount[hold] <= 0 ? -1 : holdFence[hold];
    }

    /** Duty cycle: keep-alives, retries, lease check. @return work done. */
    public int doWork(final long nowNs)
    {
        this.nowNs = nowNs;
        int work = 0;
        if (sessionState == SESSION_OPEN && nowNs >= leaseDeadlineNs)
        {
            loseSession(true);
            work++;
        }
        if (sessionState == SESSION_NONE && hasPending())
        {
            openSession(nowNs);
            work++;
        }
        else if (sessionState == SESSION_OPENING && nowNs - openSentNs >= retryIntervalNs)
        {
            sendOpen(nowNs);
            work++;
        }
        else if (sessionState == SESSION_OPEN)
        {
            if (nowNs >= nextKeepAliveNs)
            {
                if (sender.offer(EntryType.SESSION_KEEPALIVE, sessionId, nowNs, empty, 0, 0))
                {
                    nextKeepAliveNs = nowNs + keepAliveIntervalNs;
                }
                work++;
            }
            for (int slot = 0; slot < MAX_IN_FLIGHT; slot++)
            {
                final int state = slotState[slot];
                if (state == SLOT_UNSENT || (state == SLOT_SENT && nowNs - slotSentNs[slot] >= retryIntervalNs))
                {
                    send(slot);
                    work++;
                }
            }
        }
        return work;
    }

    /** Closes the session (best effort), failing what is pending. */
    public void close()
    {
        if (sessionState == SESSION_OPEN)
        {
            loseSession(true);
        }
    }

    public long sessionId()
    {
        return sessionState == SESSION_OPEN ? sessionId : 0;
    }

    public boolean isSessionOpen()
    {
        return sessionState == SESSION_OPEN;
    }

    public long leaseDeadlineNs()
    {
        return leaseDeadlineNs;
    }

    public long sessionsLost()
    {
        return sessionsLost;
    }

    public long ttlNs()
    {
        return ttlNs;
    }

    /** @return how many times this client reconciled from a replica restored beyond what it had seen. */
    public long restoresReconciled()
    {
        return restoresReconciled;
    }

    // ---------------------------------------------------------------- events from the home replica

    @Override
    public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
        if (!fresh(index) || sessionState != SESSION_OPENING || nonce != this.nonce)
        {
            return;
        }
        opened(sessionId);
    }

    private void opened(final long sessionId)
    {
        this.sessionId = sessionId;
        sessionState = SESSION_OPEN;
        leaseDeadlineNs = openFirstSentNs + clientTimeoutNs;
        nextKeepAliveNs = nowNs;
        for (int slot = 0; slot < MAX_IN_FLIGHT; slot++)
        {
            if (slotState[slot] == SLOT_UNSENT)
            {
                send(slot);
            }
        }
    }

    @Override
    public void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
    {
        if (fresh(index) && sessionState == SESSION_OPEN && sessionId == this.sessionId)
        {
            leaseDeadlineNs = Math.max(leaseDeadlineNs, sentAtNs + clientTimeoutNs);
        }
    }

    @Override
    public void onSessionClosed(final long index, final long sessionId, final boolean expired)
    {
        if (fresh(index) && sessionState == SESSION_OPEN && sessionId == this.sessionId)
        {
            loseSession(false);
        }
    }

    @Override
    public void onGranted(
        final long index, final long sessionId, final long requestId, final long thread,
        final DirectBuffer name, final int nameLength, final long fence, final int count)
    {
        final int slot = fresh(index) ? matchSlot(sessionId, requestId) : -1;
        if (slot < 0)
        {
            return;
        }
        final int hold = holdFor(name, 0, nameLength, thread);
        holdFence[hold] = fence;
        holdCount[hold] = count;
        final long correlationId = slotCorrelationId[slot];
        slotState[slot] = SLOT_FREE;
        handler.onGranted(correlationId, fence, count);
    }

    /** @return the hold slot of (name, thread), taken if there is none. */
    private int holdFor(final DirectBuffer name, final int nameOffset, final int nameLength, final long thread)
    {
        final long hash = LockNames.hash(name, nameOffset, nameLength);
        int hold = findHold(hash, thread);
        if (hold < 0)
        {
            hold = freeHold();
            if (hold < 0)
            {
                throw new IllegalStateException("more than " + MAX_HOLDS + " holds in one client");
            }
            holdNameHash[hold] = hash;
            holdThread[hold] = thread;
            holdName[hold].putBytes(0, name, nameOffset, nameLength);
            holdNameLength[hold] = nameLength;
            holdCount[hold] = 0;
        }
        return hold;
    }

    @Override
    public void onQueued(
        final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
    {
        final int slot = fresh(index) ? matchSlot(sessionId, requestId) : -1;
        if (slot >= 0)
        {
            slotState[slot] = SLOT_QUEUED;
        }
    }

    @Override
    public void onFailed(final long index, final long sessionId, final long requestId, final int status)
    {
        if (!fresh(index))
        {
            return;
        }
        if (sessionState == SESSION_OPEN && sessionId == this.sessionId && status == LockStatus.SESSION_EXPIRED)
        {
            loseSession(false);
            return;
        }
        final int slot = matchSlot(sessionId, requestId);
        if (slot >= 0)
        {
            slotState[slot] = SLOT_FREE;
            handler.onFailed(slotCorrelationId[slot], status);
        }
    }

    @Override
    public void onReleased(
        final long index, final long sessionId, final long requestId,
        final DirectBuffer name, final int nameLength, final long fence, final int remaining)
    {
        final int slot = fresh(index) ? matchSlot(sessionId, requestId) : -1;
        if (slot < 0)
        {
            return;
        }
        final int hold = findHold(LockNames.hash(name, 0, nameLength), slotThread(slot));
        if (hold >= 0)
        {
            holdCount[hold] = Math.min(holdCount[hold], remaining);
        }
        slotState[slot] = SLOT_FREE;
        handler.onReleased(slotCorrelationId[slot], fence, remaining);
    }

    @Override
    public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
    {
        // Reported through onSessionClosed, which follows in the same entry.
        fresh(index);
    }

    /**
     * The home replica was restored from a snapshot: reconcile from it what the snapshot's entries
     * decided (see the class javadoc). Allocation-free.
     */
    @Override
    public void onRestored(final LockStateMachine replica, final long index)
    {
        if (index <= lastEventIndex)
        {
            // A restart from a snapshot older than what was taken in: those entries are applied and reported again.
            replayedThroughIndex = Math.max(replayedThroughIndex, lastEventIndex);
            return;
        }
        lastEventIndex = index;
        restoresReconciled++;
        if (sessionState == SESSION_OPENING)
        {
            // Not found: the OPEN is not applied yet (it is retried), or its session already ended (a retry opens another).
            final long opened = replica.sessionForNonce(nonce);
            if (opened != 0)
            {
                opened(opened);
            }
        }
        if (sessionState != SESSION_OPEN)
        {
            return;
        }
        if (!replica.hasSession(sessionId))
        {
            loseSession(false);
            return;
        }
        reconcileRequests(replica);
        if (sessionState == SESSION_OPEN) // a handler may have closed the client
        {
            reconcileHolds(replica);
        }
    }

    /** Completes the requests the snapshot decided, oldest first. */
    private void reconcileRequests(final LockStateMachine replica)
    {
        final long end = nextRequestId;
        for (long requestId = Math.max(1, end - MAX_IN_FLIGHT); requestId < end; requestId++)
        {
            final int slot = (int)(requestId & (MAX_IN_FLIGHT - 1));
            final int state = slotState[slot];
            if (slotRequestId[slot] != requestId || (state != SLOT_SENT && state != SLOT_QUEUED))
            {
                continue;
            }
            final long outcome = replica.requestOutcome(sessionId, requestId);
            if (outcome == LockStateMachine.OUTCOME_NONE)
            {
                continue; // not applied yet: retried as usual
            }
            final int status = LockStateMachine.outcomeStatus(outcome);
            if (status == LockStatus.QUEUED)
            {
                slotState[slot] = SLOT_QUEUED;
                continue;
            }
            final long fence = LockStateMachine.outcomeFence(outcome);
            final UnsafeBuffer command = slotCommand[slot];
            encoder.wrap(command, 0);
            final long thread = encoder.thread();
            final int nameOffset = encoder.nameOffset();
            final int nameLength = encoder.nameLength();
            final int count = replica.holdCount(command, nameOffset, nameLength, sessionId, thread);
            final long correlationId = slotCorrelationId[slot];
            slotState[slot] = SLOT_FREE;
            if (status == LockStatus.GRANTED)
            {
                // count is what is held now: 0 if a later release in the snapshot gave it back.
                final int hold = holdFor(command, nameOffset, nameLength, thread);
                holdFence[hold] = fence;
                holdCount[hold] = count;
                handler.onGranted(correlationId, fence, Math.max(1, count));
            }
            else if (status == LockStatus.RELEASED)
            {
                handler.onReleased(correlationId, fence, count);
            }
            else
            {
                handler.onFailed(correlationId, status);
            }
        }
    }

    /** Holds the replica no longer has are lost; the others take its fence and count, less releases in flight. */
    private void reconcileHolds(final LockStateMachine replica)
    {
        for (int i = 0; i < MAX_HOLDS; i++)
        {
            final int nameLength = holdNameLength[i];
            if (nameLength == 0)
            {
                continue;
            }
            final long thread = holdThread[i];
            final int count = replica.holdCount(holdName[i], 0, nameLength, sessionId, thread);
            if (count == 0)
            {
                if (holdCount[i] > 0)
                {
                    handler.onLockLost(holdName[i], nameLength, holdFence[i]);
                }
                holdNameLength[i] = 0;
                holdCount[i] = 0;
                continue;
            }
            holdFence[i] = replica.holdFence(holdName[i], 0, nameLength, sessionId, thread);
            holdCount[i] = Math.max(0, count - releasesInFlight(holdNameHash[i], thread));
        }
    }

    /** @return what the pending releases of (name, thread) give back: one hold each, or their semaphore permits. */
    private int releasesInFlight(final long nameHash, final long thread)
    {
        int total = 0;
        for (int slot = 0; slot < MAX_IN_FLIGHT; slot++)
        {
            if (slotState[slot] == SLOT_FREE)
            {
                continue;
            }
            encoder.wrap(slotCommand[slot], 0);
            if (encoder.type() == LockCommand.RELEASE && encoder.thread() == thread &&
                LockNames.hash(slotCommand[slot], encoder.nameOffset(), encoder.nameLength()) == nameHash)
            {
                total += encoder.kind() == LockCommand.SEMAPHORE ? encoder.permits() : 1;
            }
        }
        return total;
    }

    /** @return false for an event a restarted replica reports again (already taken in before the restart). */
    private boolean fresh(final long index)
    {
        if (index <= replayedThroughIndex)
        {
            return false;
        }
        if (index > lastEventIndex)
        {
            lastEventIndex = index;
        }
        return true;
    }

    // ---------------------------------------------------------------- internals

    private long slotThread(final int slot)
    {
        return encoder.wrap(slotCommand[slot], 0).thread();
    }

    private boolean hasPending()
    {
        for (int slot = 0; slot < MAX_IN_FLIGHT; slot++)
        {
            if (slotState[slot] != SLOT_FREE)
            {
                return true;
            }
        }
        return false;
    }

    private int claimSlot()
    {
        final long requestId = nextRequestId;
        final int slot = (int)(requestId & (MAX_IN_FLIGHT - 1));
        if (slotState[slot] != SLOT_FREE)
        {
            return -1;
        }
        nextRequestId++;
        slotRequestId[slot] = requestId;
        return slot;
    }

    private boolean submit(final int slot, final long correlationId)
    {
        slotCorrelationId[slot] = correlationId;
        slotState[slot] = SLOT_UNSENT;
        if (sessionState == SESSION_OPEN)
        {
            send(slot);
        }
        // With no session, the next doWork opens one: the lease counts from the OPEN's send time, and only
        // doWork knows the time now (after a pause, the last duty cycle's time would make a lease already past).
        return true;
    }

    private void send(final int slot)
    {
        if (sender.offer(EntryType.SESSION_COMMAND, sessionId, slotRequestId[slot], slotCommand[slot], 0, slotLength[slot]))
        {
            slotState[slot] = SLOT_SENT;
            slotSentNs[slot] = nowNs;
        }
    }

    private void openSession(final long nowNs)
    {
        nonceSeed = nonceSeed * 6364136223846793005L + 1442695040888963407L;
        nonce = nonceSeed == 0 ? 1 : nonceSeed;
        sessionState = SESSION_OPENING;
        openFirstSentNs = nowNs;
        sendOpen(nowNs);
    }

    private void sendOpen(final long nowNs)
    {
        openSentNs = nowNs;
        sender.offer(EntryType.SESSION_OPEN, nonce, ttlNs, empty, 0, 0);
    }

    private int matchSlot(final long sessionId, final long requestId)
    {
        if (sessionState != SESSION_OPEN || sessionId != this.sessionId)
        {
            return -1;
        }
        final int slot = (int)(requestId & (MAX_IN_FLIGHT - 1));
        return slotState[slot] != SLOT_FREE && slotRequestId[slot] == requestId ? slot : -1;
    }

    private int findHold(final long hash, final long thread)
    {
        for (int i = 0; i < MAX_HOLDS; i++)
        {
            if (holdNameLength[i] > 0 && holdNameHash[i] == hash && holdThread[i] == thread)
            {
                return i;
            }
        }
        return -1;
    }

    private int freeHold()
    {
        for (int i = 0; i < MAX_HOLDS; i++)
        {
            if (holdNameLength[i] == 0)
            {
                return i;
            }
        }
        for (int i = 0; i < MAX_HOLDS; i++)
        {
            if (holdCount[i] <= 0)
            {
                return i;
            }
        }
        return -1;
    }

    /** The session is gone (lease passed here, or the servers expired or closed it). */
    private void loseSession(final boolean askServersToClose)
    {
        final long lostSessionId = sessionId;
        if (askServersToClose)
        {
            sender.offer(EntryType.SESSION_CLOSE, lostSessionId, 0, empty, 0, 0);
        }
        sessionState = SESSION_NONE;
        sessionId = 0;
        sessionsLost++;
        for (int i = 0; i < MAX_HOLDS; i++)
        {
            if (holdNameLength[i] > 0)
            {
                if (holdCount[i] > 0)
                {
                    handler.onLockLost(holdName[i], holdNameLength[i], holdFence[i]);
                }
                holdNameLength[i] = 0;
                holdCount[i] = 0;
            }
        }
        failAll(LockStatus.SESSION_EXPIRED);
        handler.onSessionLost(lostSessionId);
    }

    private void failAll(final int status)
    {
        for (int slot = 0; slot < MAX_IN_FLIGHT; slot++)
        {
            if (slotState[slot] != SLOT_FREE)
            {
                slotState[slot] = SLOT_FREE;
                handler.onFailed(slotCorrelationId[slot], status);
            }
        }
    }
}
