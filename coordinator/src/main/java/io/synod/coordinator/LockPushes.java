package io.synod.coordinator;

import io.synod.client.ClientProtocol;
import io.synod.client.ClientResponse;
import io.synod.client.LockEvent;
import io.synod.lock.LockEvents;
import io.synod.lock.LockCommand;
import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What a member tells the clients it serves about their locks without being asked: a queued acquire decided
 * (granted, timed out, failed), a hold lost (session expired, force-released), and "send your queued acquires again"
 * when the member first hears from a session (after a restart, or a client that moved here from another member).
 * Each push is {@link ClientProtocol#LOCK_EVENT} over the client's connection, re-sent every {@link #RESEND_INTERVAL_NS}
 * until the client acknowledges it ({@link ClientProtocol#EVENT_ACK}), at most {@link #SENDS_MAX} times.
 *
 * <p><b>Why no push is lost for good.</b> The decisions themselves are replicated: the lock service keeps each
 * decided acquire's outcome in the session's window (raft-core's {@code ClientSessions#updateOutcome}), so a client
 * that re-sends a queued acquire with its (session, sequence) is answered with the decision. A member pushes what it
 * applies for the sessions it has heard from; a member that has not heard from a session yet (it restarted, or the
 * client moved to it) asks the client with a RESYNC to re-send, and the answer carries the decision, or the wait is
 * still queued and from then on this member pushes its decision. Both happen on the agent thread, so no decision falls
 * between them.
 *
 * <p><b>Threading.</b> The member's agent thread only (lock events arrive while entries are applied there).
 * <p><b>Bounded.</b> {@link #SESSIONS_MAX} sessions known, {@link #PUSHES_MAX} pushes unacknowledged; beyond them a
 * push is dropped and counted ({@link #dropped()}); the client still learns by re-sending.
 */
final class LockPushes implements LockEvents
{
    static final long RESEND_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(200);
    static final int SENDS_MAX = 50;
    static final int PUSHES_MAX = 4096;
    static final int SESSIONS_MAX = 65_536;

    private static final class Push
    {
        long session;
        long clientId;
        long eventId;
        long nextSendNs;
        int sends;
        int length;
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[ClientResponse.HEADER_LENGTH + LockEvent.HEADER_LENGTH +
            LockCommand.MAX_NAME_LENGTH]);
    }

    private final Long2LongHashMap sessionClients = new Long2LongHashMap(0);
    /** Acquires queued on this replica, as a mix of session and sequence; a collision only causes an extra push. */
    private final LongHashSet queued = new LongHashSet();
    private final ArrayList<Push> pushes = new ArrayList<>();
    private final ArrayDeque<Push> free = new ArrayDeque<>();
    private final ClientResponse response = new ClientResponse();
    private volatile ServiceChannel channel;
    private long nowNs;
    private long dropped;
    private long sent;

    /** The channel pushes go out on; until set, nothing is pushed. */
    void bind(final ServiceChannel channel)
    {
        this.channel = channel;
    }

    /** @return pushes dropped at a bound or after {@link #SENDS_MAX} sends. */
    long dropped()
    {
        return dropped;
    }

    /** @return pushes sent, re-sends included. */
    long sent()
    {
        return sent;
    }

    /** @return pushes waiting for an acknowledgement. */
    int unacknowledged()
    {
        return pushes.size();
    }

    /** A request of {@code session} arrived from {@code clientId}: remember where its pushes go; a new client is asked to resync. */
    void onClientRequest(final long nowNs, final long session, final long clientId)
    {
        this.nowNs = nowNs;
        final long known = sessionClients.get(session);
        if (known == clientId)
        {
            return;
        }
        if (known == 0 && sessionClients.size() >= SESSIONS_MAX)
        {
            dropped++;
            return;
        }
        sessionClients.put(session, clientId);
        push(session, LockEvent.RESYNC, 0, 0, 0, null, 0);
    }

    /** The client acknowledged an event. */
    void onAck(final long session, final long eventId)
    {
        for (int i = pushes.size() - 1; i >= 0; i--)
        {
            final Push push = pushes.get(i);
            if (push.session == session && push.eventId == eventId)
            {
                remove(i);
            }
        }
    }

    /** Duty: re-sends what is due. @return work done. */
    int doWork(final long nowNs)
    {
        this.nowNs = nowNs;
        int work = 0;
        for (int i = pushes.size() - 1; i >= 0; i--)
        {
            final Push push = pushes.get(i);
            if (nowNs - push.nextSendNs >= 0)
            {
                if (push.sends >= SENDS_MAX)
                {
                    dropped++;
                    remove(i);
                    continue;
                }
                send(push);
                work++;
            }
        }
        return work;
    }

    private void remove(final int i)
    {
        final int last = pushes.size() - 1;
        final Push push = pushes.get(i);
        pushes.set(i, pushes.get(last));
        pushes.remove(last);
        free.add(push);
    }

    private void push(
        final long session, final int kind, final int status, final long sequence, final long fence, final DirectBuffer name,
        final int nameLength)
    {
        final long clientId = sessionClients.get(session);
        if (clientId == 0 || channel == null)
        {
            return;
        }
        if (pushes.size() >= PUSHES_MAX)
        {
            dropped++;
            return;
        }
        final Push push = free.isEmpty() ? new Push() : free.poll();
        push.session = session;
        push.clientId = clientId;
        push.eventId = LockEvent.eventId(kind, kind == LockEvent.DECIDED ? sequence : fence);
        push.sends = 0;
        final int body = response.wrap(push.frame, 0).encodeHeader(ClientProtocol.LOCK_EVENT, ClientProtocol.OK, 0, 0, 0, 0);
        push.length = body + LockEvent.encode(push.frame, body, kind, status, session, sequence, fence, name, nameLength);
        pushes.add(push);
        send(push);
    }

    private void send(final Push push)
    {
        push.sends++;
        push.nextSendNs = nowNs + RESEND_INTERVAL_NS;
        sent++;
        channel.sendToClient(push.clientId, 0, push.frame, 0, push.length);
    }

    private static long key(final long session, final long sequence)
    {
        return session * 0x9E37_79B9_7F4A_7C15L + sequence;
    }

    // ------------------------------------------------------------------ LockEvents (applied entries, every replica)

    @Override
    public void onQueued(
        final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
    {
        queued.add(key(sessionId, requestId));
    }

    @Override
    public void onGranted(
        final long index, final long sessionId, final long requestId, final long thread, final DirectBuffer name, final int nameLength,
        final long fence, final int holdCount)
    {
        if (queued.remove(key(sessionId, requestId)))
        {
            push(sessionId, LockEvent.DECIDED, io.synod.lock.LockStatus.GRANTED, requestId, fence, null, 0);
        }
    }

    @Override
    public void onFailed(final long index, final long sessionId, final long requestId, final int status)
    {
        if (queued.remove(key(sessionId, requestId)))
        {
            push(sessionId, LockEvent.DECIDED, status, requestId, 0, null, 0);
        }
    }

    @Override
    public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
    {
        push(sessionId, LockEvent.LOST, 0, 0, fence, name, nameLength);
    }

    @Override
    public void onSessionClosed(final long index, final long sessionId, final boolean expired)
    {
        // Pushes already made (the session's losses) are still delivered; nothing new goes to a closed session.
        sessionClients.remove(sessionId);
    }
}
