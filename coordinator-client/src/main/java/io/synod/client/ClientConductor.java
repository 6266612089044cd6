package io.synod.client;

import io.synod.kv.KvResponse;
import io.synod.raft.ProposalHandler;
import io.synod.transport.aeron.AeronServiceClient;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The thread behind a {@link SynodClient}: admits requests from any thread, sends each to the member it believes
 * leads (saying hello first, and again every {@code HELLO_INTERVAL_NS}, so a restarted member relearns the client),
 * follows NOT_LEADER hints, moves on to the next member when an attempt goes unanswered, retries a write with its
 * (session, sequence), opens the session (with a nonce, so a retried OPEN finds the same session) and keeps it alive,
 * and completes each request exactly once: with its result, rejected, or unknown at its deadline.
 *
 * <p><b>Locks.</b> A LOCK acquire answered QUEUED stays pending, without polling, until its decision arrives: pushed by
 * the member ({@link LockEvent#DECIDED}), or as the answer to the same (session, sequence) sent again when the member
 * asks for it ({@link LockEvent#RESYNC}), when this client moves to another member, or once after the wait's own
 * timeout. Pushes are acknowledged; a lost hold and an expired session are reported to the {@link SessionListener}.
 *
 * <p><b>Threading.</b> {@link #submit} from any thread; everything else on the conductor's own thread.
 * <p><b>Bounded.</b> Writes in flight at most {@code writesInFlightMax} (below the members' session window); every
 * request has a deadline.
 */
final class ClientConductor implements Runnable
{
    private static final int FRAGMENT_LIMIT = 16;
    private static final long HELLO_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long NO_LEADER_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Told, on the conductor thread, what happens to the session and its holds. Must not block. */
    interface SessionListener
    {
        /** A hold of the session was lost (expired, or force-released by an operator). */
        void onLockLost(long session, String name, long fence, String reason);

        /** The session expired: every hold it had is gone; a new session is being opened. */
        void onSessionExpired(long session);
    }

    /** A request, owned by the conductor thread once submitted. */
    static final class Request
    {
        final int op;
        final int readMode;
        final byte[] body;
        final long argument;
        final CompletableFuture<Object> future = new CompletableFuture<>();
        final int fixedMember;
        long requestId;
        long session;
        long sequence;
        long deadlineNs;
        long attemptDeadlineNs;
        long nextAttemptNs;
        long connectDeadlineNs;
        int attempts;
        boolean inFlight;
        /** LOCK acquire: how long it may wait in the queue, in ns of log time (-1: for ever, 0: not at all). */
        long waitNs;
        /** LOCK acquire answered QUEUED: its decision is awaited. */
        boolean queued;
        /** A decision pushed before the QUEUED answer arrived. */
        LockAnswer early;

        Request(final int op, final int readMode, final long argument, final byte[] body, final int fixedMember)
        {
            this.op = op;
            this.readMode = readMode;
            this.argument = argument;
            this.body = body;
            this.fixedMember = fixedMember;
        }
    }


    private final SynodClient.Context ctx;
    private final AeronServiceClient transport;
    private final int[] memberIds;
    private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
    private final Long2ObjectHashMap<Request> byRequestId = new Long2ObjectHashMap<>();
    /** LOCK requests of the current session by sequence, from the sequence's assignment until they complete. */
    private final Long2ObjectHashMap<Request> locksBySequence = new Long2ObjectHashMap<>();
    private volatile SessionListener sessionListener;
    private int lastTarget;
    private final List<Request> pending = new ArrayList<>();
    private final UnsafeBuffer sendBuffer = new UnsafeBuffer(new byte[ClientProtocol.MAX_REQUEST_LENGTH]);
    private final ClientRequest request = new ClientRequest();
    private final ClientResponse response = new ClientResponse();
    private final KvResponse kvResponse = new KvResponse();
    private final long[] lastHelloNs;
    private final SecureRandom random = new SecureRandom();
    private final long sessionTtlNs;
    private final long requestTimeoutNs;
    private final long attemptTimeoutNs;
    private volatile boolean running = true;
    private volatile long sessionId;
    private volatile int leaderHint;
    private volatile long badFrames;
    private long sessionNonce;
    private Request openRequest;
    private long lastSequence;
    private int writesInFlight;
    private long nextKeepAliveNs;
    private long nextRequestId = 1;
    private int target;

    ClientConductor(final SynodClient.Context ctx, final AeronServiceClient transport)
    {
        this.ctx = ctx;
        this.transport = transport;
        this.memberIds = ctx.members.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.lastHelloNs = new long[memberIds[memberIds.length - 1] + 1];
        this.sessionTtlNs = ctx.sessionTtl.toNanos();
        this.requestTimeoutNs = ctx.requestTimeout.toNanos();
        this.attemptTimeoutNs = ctx.attemptTimeout.toNanos();
        this.target = memberIds[random.nextInt(memberIds.length)];
        java.util.Arrays.fill(lastHelloNs, System.nanoTime() - TimeUnit.HOURS.toNanos(1));
    }

    /** Hands a request to the conductor (any thread); refused at once once stopped. */
    CompletableFuture<Object> submit(final Request request)
    {
        if (!running)
        {
            request.future.completeExceptionally(new RequestRejectedException(RequestRejectedException.CLIENT_CLOSED, "CLIENT_CLOSED", null));
            return request.future;
        }
        submitted.add(request);
        return request.future;
    }

    /** Stops the loop after its current pass; what is pending completes as closed or unknown. Any thread. */
    void stop()
    {
        running = false;
    }

    boolean isRunning()
    {
        return running;
    }

    long sessionId()
    {
        return sessionId;
    }

    int leaderHint()
    {
        return leaderHint;
    }

    long badFrames()
    {
        return badFrames;
    }

    void sessionListener(final SessionListener listener)
    {
        this.sessionListener = listener;
    }

    private static boolean isRelease(final Request request)
    {
        return request.body.length >= io.synod.lock.LockCommand.HEADER_LENGTH &&
            new io.synod.lock.LockCommand().wrap(new UnsafeBuffer(request.body), 0).type() == io.synod.lock.LockCommand.RELEASE;
    }

    private static boolean isSessionWrite(final int op)
    {
        return op == ClientProtocol.KV_WRITE || op == ClientProtocol.LOCK;
    }


    @Override
    public void run()
    {
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
        final AeronServiceClient.MessageHandler handler = this::onMessage;
        while (running)
        {
            int work = 0;
            try
            {
                final long nowNs = System.nanoTime();
                work += admit(nowNs);
                work += transport.poll(handler, FRAGMENT_LIMIT);
                work += duties(System.nanoTime());
            }
            catch (final RuntimeException ex)
            {
                // Never let one bad request stop the client; it is reported on that request where possible.
                work++;
            }
            idle.idle(work);
        }
        for (final Request request : pending)
        {
            fail(request, request.attempts > 0 && request.op != ClientProtocol.STATUS ?
                new OutcomeUnknownException("client closed with the request in flight") :
                new RequestRejectedException(RequestRejectedException.CLIENT_CLOSED, "CLIENT_CLOSED", null));
        }
        Request left;
        while ((left = submitted.poll()) != null)
        {
            left.future.completeExceptionally(new RequestRejectedException(RequestRejectedException.CLIENT_CLOSED, "CLIENT_CLOSED", null));
        }
    }

    private int admit(final long nowNs)
    {
        int work = 0;
        Request request;
        while ((request = submitted.poll()) != null)
        {
            request.requestId = nextRequestId++;
            request.deadlineNs = nowNs + requestTimeoutNs;
            request.nextAttemptNs = nowNs;
            byRequestId.put(request.requestId, request);
            pending.add(request);
            work++;
        }
        return work;
    }

    private int duties(final long nowNs)
    {
        int work = 0;
        if (ctx.openSession && sessionId == 0 && openRequest == null)
        {
            if (sessionNonce == 0)
            {
                sessionNonce = 1 + (random.nextLong() & Long.MAX_VALUE - 1);
            }
            openRequest = new Request(ClientProtocol.OPEN_SESSION, 0, sessionTtlNs, new byte[0], 0);
            openRequest.session = sessionNonce;
            submitted.add(openRequest);
        }
        if (sessionId != 0 && nowNs - nextKeepAliveNs >= 0)
        {
            nextKeepAliveNs = nowNs + sessionTtlNs / 3;
            final Request keepAlive = new Request(ClientProtocol.KEEP_ALIVE, 0, 0, new byte[0], 0);
            keepAlive.session = sessionId;
            submitted.add(keepAlive);
        }
        if (target != lastTarget)
        {
            // Moved to another member: it may not know this session's queued acquires' client yet; ask them again.
            lastTarget = target;
            resendQueued(nowNs);
        }
        for (final Iterator<Request> it = pending.iterator(); it.hasNext(); )
        {
            final Request request = it.next();
            if (request.future.isDone())
            {
                it.remove();
                continue;
            }
            if (nowNs - request.deadlineNs >= 0)
            {
                timeOut(request);
                it.remove();
                work++;
                continue;
            }
            if (request.inFlight && nowNs - request.attemptDeadlineNs >= 0)
            {
                request.inFlight = false;
                if (request.fixedMember == 0)
                {
                    target = nextMember(target);
                }
            }
            if (!request.inFlight && nowNs - request.nextAttemptNs >= 0)
            {
                work += attempt(request, nowNs);
            }
        }
        return work;
    }

    private int attempt(final Request request, final long nowNs)
    {
        if (isSessionWrite(request.op) && request.sequence == 0)
        {
            if (sessionId == 0 || writesInFlight >= ctx.writesInFlightMax)
            {
                return 0;
            }
            request.session = sessionId;
            request.sequence = ++lastSequence;
            writesInFlight++;
            if (request.op == ClientProtocol.LOCK)
            {
                locksBySequence.put(request.sequence, request);
            }
        }
        final int member = request.fixedMember != 0 ? request.fixedMember : target;
        if (nowNs - lastHelloNs[member] >= HELLO_INTERVAL_NS)
        {
            // A member forgets clients (restart, full table); a hello is cheap and keeps the reply path fresh.
            transport.hello(member);
            lastHelloNs[member] = nowNs;
        }
        if (!transport.isConnected(member))
        {
            if (request.connectDeadlineNs == 0)
            {
                request.connectDeadlineNs = nowNs + attemptTimeoutNs;
            }
            else if (nowNs - request.connectDeadlineNs >= 0)
            {
                request.connectDeadlineNs = 0;
                if (request.fixedMember == 0)
                {
                    target = nextMember(target);
                }
            }
            request.nextAttemptNs = nowNs + RETRY_BACKOFF_NS;
            return 0;
        }
        request.connectDeadlineNs = 0;
        final long argument = isSessionWrite(request.op) ? request.sequence : request.argument;
        int length = this.request.wrap(sendBuffer, 0)
            .encodeHeader(request.op, request.readMode, request.requestId, request.session, argument);
        sendBuffer.putBytes(length, request.body);
        length += request.body.length;
        request.attempts++;
        request.inFlight = true;
        request.attemptDeadlineNs = nowNs + attemptTimeoutNs;
        transport.send(member, ClientProtocol.SERVICE_ID, 0, sendBuffer, 0, length);
        return 1;
    }

    private int nextMember(final int member)
    {
        for (int i = 0; i < memberIds.length; i++)
        {
            if (memberIds[i] == member)
            {
                return memberIds[(i + 1) % memberIds.length];
            }
        }
        return memberIds[0];
    }

    private void onMessage(final int from, final int serviceId, final int flags, final DirectBuffer buffer, final int offset, final int length)
    {
        if (serviceId != ClientProtocol.SERVICE_ID || !response.wrap(buffer, offset).validate(length))
        {
            badFrames++;
            return;
        }
        if (response.op() == ClientProtocol.LOCK_EVENT)
        {
            onLockEvent(from, LockEvent.decode(buffer, response.bodyOffset(), length - ClientResponse.HEADER_LENGTH));
            return;
        }
        final Request request = byRequestId.get(response.requestId());
        if (request == null || request.op != response.op() || request.future.isDone())
        {
            return;
        }
        final long nowNs = System.nanoTime();
        if (response.leaderHint() != 0)
        {
            leaderHint = response.leaderHint();
        }
        final int bodyOffset = response.bodyOffset();
        final int bodyLength = length - ClientResponse.HEADER_LENGTH;
        switch (response.outcome())
        {
            case ClientProtocol.OK:
                onOk(request, from, buffer, bodyOffset, bodyLength);
                break;
            case ClientProtocol.BAD_REQUEST:
                fail(request, new RequestRejectedException(RequestRejectedException.BAD_ARGUMENT, "BAD_REQUEST", "member " + from));
                break;
            default:
                onRejected(request, from, response.reason(), response.leaderHint(), nowNs);
                break;
        }
    }

    private void onOk(final Request request, final int from, final DirectBuffer buffer, final int offset, final int length)
    {
        final long index = response.index();
        switch (request.op)
        {
            case ClientProtocol.OPEN_SESSION:
                if (length != Long.BYTES)
                {
                    badFrames++;
                    return;
                }
                sessionId = buffer.getLong(offset, ByteOrder.LITTLE_ENDIAN);
                nextKeepAliveNs = System.nanoTime() + sessionTtlNs / 3;
                openRequest = null;
                complete(request, sessionId);
                break;
            case ClientProtocol.KV_WRITE:
            case ClientProtocol.KV_GET:
                if (!kvResponse.wrap(buffer, offset).validate(length))
                {
                    badFrames++;
                    return;
                }
                final byte[] value = kvResponse.status() == KvResponse.OK && request.op == ClientProtocol.KV_GET ?
                    new byte[kvResponse.valueLength()] : null;
                if (value != null)
                {
                    buffer.getBytes(kvResponse.valueOffset(), value);
                }
                complete(request, new KvResult(KvResult.Status.values()[kvResponse.status()], kvResponse.version(), value, index));
                break;
            case ClientProtocol.LOCK:
                final LockAnswer answer = LockAnswer.decode(buffer, offset, length, index);
                if (answer == null)
                {
                    badFrames++;
                    return;
                }
                if (answer.status() == io.synod.lock.LockStatus.QUEUED)
                {
                    onQueued(request, System.nanoTime());
                }
                else
                {
                    complete(request, answer);
                }
                break;
            case ClientProtocol.LOCK_QUERY:
                final LockPage locks = LockPage.decode(buffer, offset, length);
                if (locks == null)
                {
                    badFrames++;
                    return;
                }
                complete(request, locks);
                break;
            case ClientProtocol.KV_LIST:
                final ListPage page = ListPage.decode(buffer, offset, length);
                if (page == null)
                {
                    badFrames++;
                    return;
                }
                complete(request, page);
                break;
            case ClientProtocol.STATUS:
                final MemberStatus status = MemberStatus.decode(buffer, offset, length);
                if (status == null)
                {
                    badFrames++;
                    return;
                }
                if (status.leaderId() != 0)
                {
                    leaderHint = status.leaderId();
                }
                complete(request, status);
                break;
            default:
                complete(request, index);
                break;
        }
        if (request.fixedMember == 0)
        {
            target = from;
        }
    }

    private void onRejected(final Request request, final int from, final int reason, final int hint, final long nowNs)
    {
        request.inFlight = false;
        switch (reason)
        {
            case ProposalHandler.NOT_LEADER:
                if (request.fixedMember == 0)
                {
                    target = hint != 0 && hint != from && ctx.members.containsKey(hint) ? hint : nextMember(from);
                }
                request.nextAttemptNs = nowNs + (hint == 0 ? NO_LEADER_BACKOFF_NS : 0);
                break;
            case ProposalHandler.SESSION_EXPIRED:
                if (request.session == sessionId && request.op != ClientProtocol.OPEN_SESSION)
                {
                    onSessionExpired(sessionId, nowNs);
                }
                if (request.op == ClientProtocol.LOCK && (request.queued || isRelease(request)))
                {
                    // A wait ends with its session; so does every hold, so a release retried into an expired session
                    // has a known outcome: nothing is held any more.
                    complete(request, new LockAnswer(io.synod.lock.LockStatus.SESSION_EXPIRED, 0, 0));
                }
                else if (isSessionWrite(request.op) && request.attempts == 1)
                {
                    // Definitely not applied (the session was gone when its only attempt was applied): send it again
                    // in the new session with a new sequence.
                    writesInFlight--;
                    locksBySequence.remove(request.sequence);
                    request.sequence = 0;
                    request.nextAttemptNs = nowNs;
                }
                else if (isSessionWrite(request.op))
                {
                    fail(request, new OutcomeUnknownException("session " + request.session + " expired while the write was retried"));
                }
                else
                {
                    complete(request, 0L);
                }
                break;
            case ProposalHandler.SESSION_STALE:
                fail(request, new OutcomeUnknownException("sequence " + request.sequence + " left the session's window"));
                break;
            case ProposalHandler.TOO_LARGE:
            case ProposalHandler.SESSION_LIMIT:
                fail(request, new RequestRejectedException(reason, ProposalHandler.reason(reason), "member " + from));
                break;
            default:
                // LEADERSHIP_LOST, OUTCOME_UNKNOWN, BACK_PRESSURE, NOT_READY, TIMEOUT, CLOSED, TRANSFER_IN_PROGRESS:
                // retry with the same (session, sequence), which applies at most once.
                request.nextAttemptNs = nowNs + RETRY_BACKOFF_NS;
                break;
        }
    }

    private void timeOut(final Request request)
    {
        if (request == openRequest)
        {
            openRequest = null;
        }
        if (request.attempts == 0)
        {
            fail(request, new RequestRejectedException(RequestRejectedException.UNAVAILABLE, "UNAVAILABLE",
                "never sent within " + ctx.requestTimeout.toMillis() + " ms: no member answered" +
                (request.op == ClientProtocol.KV_WRITE ? " or no session open" : "")));
            return;
        }
        fail(request, new OutcomeUnknownException("no answer within " + ctx.requestTimeout.toMillis() + " ms after " +
            request.attempts + " attempt(s) (" + ClientProtocol.opName(request.op) + ")" +
            (request.sequence != 0 ? ", session " + request.session + " sequence " + request.sequence : "")));
    }

    private void complete(final Request request, final Object result)
    {
        finish(request);
        request.future.complete(result);
    }

    private void fail(final Request request, final SynodException ex)
    {
        if (request == openRequest)
        {
            openRequest = null;
        }
        finish(request);
        request.future.completeExceptionally(ex);
    }

    private void finish(final Request request)
    {
        byRequestId.remove(request.requestId);
        if (isSessionWrite(request.op) && request.sequence != 0 && !request.future.isDone())
        {
            writesInFlight--;
            if (locksBySequence.get(request.sequence) == request)
            {
                locksBySequence.remove(request.sequence);
            }
        }
        request.inFlight = false;
    }

    // ---------------------------------------------------------------- locks

    /** An acquire was queued: wait for its decision, without polling (see the class javadoc). */
    private void onQueued(final Request request, final long nowNs)
    {
        if (request.early != null)
        {
            complete(request, request.early);
            return;
        }
        request.queued = true;
        request.inFlight = false;
        if (request.waitNs < 0)
        {
            request.nextAttemptNs = nowNs + Long.MAX_VALUE / 4;
            request.deadlineNs = nowNs + Long.MAX_VALUE / 4;
        }
        else
        {
            // Once after the wait's own timeout, in case its decision's push was lost: the answer is the decision.
            request.nextAttemptNs = nowNs + request.waitNs + attemptTimeoutNs;
            request.deadlineNs = nowNs + request.waitNs + requestTimeoutNs;
        }
    }

    private void resendQueued(final long nowNs)
    {
        for (final Request request : pending)
        {
            if (request.queued && !request.inFlight && !request.future.isDone())
            {
                request.nextAttemptNs = nowNs;
            }
        }
    }

    private void onLockEvent(final int from, final LockEvent event)
    {
        if (event == null)
        {
            badFrames++;
            return;
        }
        final int length = request.wrap(sendBuffer, 0).encodeHeader(ClientProtocol.EVENT_ACK, 0, 0, event.session(), event.eventId());
        transport.send(from, ClientProtocol.SERVICE_ID, 0, sendBuffer, 0, length);
        if (event.session() != sessionId)
        {
            return;
        }
        final long nowNs = System.nanoTime();
        switch (event.kind())
        {
            case LockEvent.DECIDED:
                final Request request = locksBySequence.get(event.sequence());
                if (request != null && !request.future.isDone())
                {
                    final LockAnswer decision = new LockAnswer(event.status(), event.fence(), 0);
                    if (request.queued)
                    {
                        complete(request, decision);
                    }
                    else
                    {
                        request.early = decision;
                    }
                }
                break;
            case LockEvent.LOST:
                final SessionListener listener = sessionListener;
                if (listener != null)
                {
                    listener.onLockLost(event.session(), event.name(), event.fence(), "lost (session expired or force-released)");
                }
                break;
            default:
                resendQueued(nowNs);
                break;
        }
    }

    private void onSessionExpired(final long session, final long nowNs)
    {
        sessionId = 0;
        sessionNonce = 0;
        for (final Request request : pending)
        {
            if (request.op == ClientProtocol.LOCK && request.queued && request.session == session && !request.future.isDone())
            {
                complete(request, new LockAnswer(io.synod.lock.LockStatus.SESSION_EXPIRED, 0, 0));
            }
        }
        final SessionListener listener = sessionListener;
        if (listener != null)
        {
            listener.onSessionExpired(session);
        }
    }

}
