package io.synod.client;

import io.synod.kv.KvClientCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.raft.ProposalHandler;
import io.synod.raft.ReadMode;
import io.synod.transport.aeron.AeronRuntime;
import io.synod.transport.aeron.AeronServiceClient;
import io.synod.transport.aeron.FrameMac;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Java client of a synod cluster, over Aeron UDP: connects to any member listed, follows leader hints and
 * redirects, reconnects, opens a client session and keeps it alive, and retries a write with the same
 * (session, sequence) so that it is applied once. Every request has a timeout and a typed outcome: the
 * future completes with the result (committed or served), or exceptionally with
 * {@link RequestRejectedException} (definitely not applied, with the reason) or
 * {@link OutcomeUnknownException} (may or may not have been applied).
 *
 * <pre>{@code
 * try (SynodClient client = SynodClient.connect(new SynodClient.Context()
 *         .clusterId(7).member(1, "127.0.0.1:20001").member(2, "127.0.0.1:20002").member(3, "127.0.0.1:20003")))
 * {
 *     long version = client.put("greeting", "hello").join().version();
 *     KvResult read = client.get("greeting", ReadMode.LINEARIZABLE).join();
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> Thread-safe: requests may be made from any thread. One conductor thread of the client's
 * own sends, receives, retries and times out; futures complete on it, so callbacks chained with
 * {@code thenApply} etc. run there and must not block (use the {@code *Async} variants to move off it).
 * <p><b>Allocation.</b> This is the {@code CompletableFuture} convenience API: every request allocates (its
 * future, its encoded bytes, its result). A zero-allocation twin (caller-owned buffers, a pre-registered
 * handler) is not written yet.
 * <p><b>Ordering.</b> Writes from one client are applied in the order they were made only when each waits
 * for the previous one; concurrent writes (up to {@link Context#writesInFlightMax}) may be applied in any
 * order, each exactly once.
 * <p><b>Media driver.</b> An embedded Aeron media driver of its own by default (started in
 * {@link #connect}); {@link Context#aeronDirectory} uses an external one.
 */
public final class SynodClient implements AutoCloseable
{
    /** Configuration of a client; {@link #conclude()} validates it. */
    public static final class Context
    {
        private int clusterId = 1;
        private final TreeMap<Integer, String> members = new TreeMap<>();
        private String listenEndpoint;
        private Duration sessionTtl = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration attemptTimeout = Duration.ofMillis(750);
        private String aeronDirectory;
        private int streamId = io.synod.transport.aeron.AeronTransport.Configuration.STREAM_ID_DEFAULT;
        private String macSecret;
        private int writesInFlightMax = 128;
        private boolean openSession = true;

        /** The cluster's id (default 1); frames of another cluster are dropped. */
        public Context clusterId(final int clusterId)
        {
            this.clusterId = clusterId;
            return this;
        }

        /** A member's endpoint {@code host:port} (its {@code members} entry in the server configuration). */
        public Context member(final int memberId, final String hostAndPort)
        {
            if (memberId <= 0)
            {
                throw new IllegalArgumentException("member ids are positive: " + memberId);
            }
            members.put(memberId, hostAndPort);
            return this;
        }

        /**
         * Members as {@code id@host:port,id@host:port,...}.
         *
         * @throws IllegalArgumentException naming the entry that is not {@code id@host:port}.
         */
        public Context members(final String list)
        {
            for (final Map.Entry<Integer, String> entry : parseMembers(list).entrySet())
            {
                member(entry.getKey(), entry.getValue());
            }
            return this;
        }

        /** Where this client listens for answers, {@code host:port} (default: a free port on the address that reaches the first member). */
        public Context listenEndpoint(final String hostAndPort)
        {
            this.listenEndpoint = hostAndPort;
            return this;
        }

        /** The session's time to live without a keep-alive (default 10 s); keep-alives go every third of it. */
        public Context sessionTtl(final Duration sessionTtl)
        {
            this.sessionTtl = sessionTtl;
            return this;
        }

        /** How long a request may take before it completes with {@link OutcomeUnknownException} (default 5 s). */
        public Context requestTimeout(final Duration requestTimeout)
        {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /** How long one attempt at a member waits for an answer before trying another member (default 750 ms). */
        public Context attemptTimeout(final Duration attemptTimeout)
        {
            this.attemptTimeout = attemptTimeout;
            return this;
        }

        /** Use the external media driver in this directory instead of an embedded one. */
        public Context aeronDirectory(final String aeronDirectory)
        {
            this.aeronDirectory = aeronDirectory;
            return this;
        }

        /** The members' base stream id (as their {@code stream.id}). */
        public Context streamId(final int streamId)
        {
            this.streamId = streamId;
            return this;
        }

        /** The members' frame MAC secret ({@code mac.secret}), or null for none. */
        public Context macSecret(final String macSecret)
        {
            this.macSecret = macSecret;
            return this;
        }

        /** Writes in flight at most (default 128; at most half the members' session window, 256 by default). */
        public Context writesInFlightMax(final int writesInFlightMax)
        {
            this.writesInFlightMax = writesInFlightMax;
            return this;
        }

        /** Open a session at connect (default true); false for a client that only reads (status, get, list). */
        public Context openSession(final boolean openSession)
        {
            this.openSession = openSession;
            return this;
        }

        /** @throws IllegalArgumentException naming the first bad setting. */
        public Context conclude()
        {
            require(!members.isEmpty(), "at least one member endpoint (id@host:port)");
            require(sessionTtl.toMillis() >= 100, "sessionTtl at least 100 ms: " + sessionTtl);
            require(!requestTimeout.isNegative() && !requestTimeout.isZero(), "requestTimeout must be positive");
            require(!attemptTimeout.isNegative() && !attemptTimeout.isZero(), "attemptTimeout must be positive");
            require(writesInFlightMax >= 1, "writesInFlightMax at least 1");
            return this;
        }

        private static void require(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /**
     * Parses {@code id@host:port,id@host:port,...}.
     *
     * @return members by id, in id order.
     * @throws IllegalArgumentException naming the entry that is not {@code id@host:port} or a repeated id.
     */
    public static TreeMap<Integer, String> parseMembers(final String list)
    {
        final TreeMap<Integer, String> parsed = new TreeMap<>();
        for (final String raw : list.split(","))
        {
            final String entry = raw.trim();
            final int at = entry.indexOf('@');
            final int colon = entry.lastIndexOf(':');
            int id = -1;
            int port = -1;
            try
            {
                id = at > 0 ? Integer.parseInt(entry.substring(0, at)) : -1;
                port = colon > at + 1 ? Integer.parseInt(entry.substring(colon + 1)) : -1;
            }
            catch (final NumberFormatException ignore)
            {
                // reported below
            }
            if (id <= 0 || port <= 0 || port > 65535)
            {
                throw new IllegalArgumentException("'" + entry + "' is not id@host:port (e.g. 1@127.0.0.1:20001)");
            }
            if (parsed.put(id, entry.substring(at + 1)) != null)
            {
                throw new IllegalArgumentException("member " + id + " is listed twice");
            }
        }
        return parsed;
    }

    private static final int FRAGMENT_LIMIT = 16;
    private static final long HELLO_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long NO_LEADER_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);

    /** A request, owned by the conductor thread once submitted. */
    private static final class Request
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

        Request(final int op, final int readMode, final long argument, final byte[] body, final int fixedMember)
        {
            this.op = op;
            this.readMode = readMode;
            this.argument = argument;
            this.body = body;
            this.fixedMember = fixedMember;
        }
    }

    private final Context ctx;
    private final AeronRuntime runtime;
    private final AeronServiceClient transport;
    private final int[] memberIds;
    private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
    private final Long2ObjectHashMap<Request> byRequestId = new Long2ObjectHashMap<>();
    private final List<Request> pending = new ArrayList<>();
    private final UnsafeBuffer sendBuffer = new UnsafeBuffer(new byte[ClientProtocol.MAX_REQUEST_LENGTH]);
    private final ClientRequest request = new ClientRequest();
    private final ClientResponse response = new ClientResponse();
    private final KvResponse kvResponse = new KvResponse();
    private final long[] lastHelloNs;
    private final SecureRandom random = new SecureRandom();
    private final Thread conductor;
    private final long sessionTtlNs;
    private final long requestTimeoutNs;
    private final long attemptTimeoutNs;
    private volatile boolean running = true;
    private volatile long sessionId;
    private volatile int leaderHint;
    private long sessionNonce;
    private Request openRequest;
    private long lastSequence;
    private int writesInFlight;
    private long nextKeepAliveNs;
    private long nextRequestId = 1;
    private int target;
    private long badFrames;

    private SynodClient(final Context ctx, final AeronRuntime runtime, final AeronServiceClient transport)
    {
        this.ctx = ctx;
        this.runtime = runtime;
        this.transport = transport;
        this.memberIds = ctx.members.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.lastHelloNs = new long[memberIds[memberIds.length - 1] + 1];
        this.sessionTtlNs = ctx.sessionTtl.toNanos();
        this.requestTimeoutNs = ctx.requestTimeout.toNanos();
        this.attemptTimeoutNs = ctx.attemptTimeout.toNanos();
        this.target = memberIds[random.nextInt(memberIds.length)];
        java.util.Arrays.fill(lastHelloNs, System.nanoTime() - TimeUnit.HOURS.toNanos(1));
        this.conductor = new Thread(this::run, "synod-client");
        this.conductor.setDaemon(true);
    }

    /**
     * Starts the client: its media driver (unless external), its Aeron endpoint and its conductor thread. The
     * session opens in the background; requests made meanwhile wait for it (within their timeout).
     *
     * @throws IllegalArgumentException for a bad setting.
     */
    public static SynodClient connect(final Context ctx)
    {
        ctx.conclude();
        final String endpoint = ctx.listenEndpoint != null ? ctx.listenEndpoint : freeEndpointTowards(ctx.members.firstEntry().getValue());
        final AeronRuntime runtime = ctx.aeronDirectory != null ? AeronRuntime.external(ctx.aeronDirectory) :
            AeronRuntime.embedded(null, new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1)));
        AeronServiceClient transport = null;
        try
        {
            final AeronServiceClient.Context transportCtx = new AeronServiceClient.Context()
                .clusterId(ctx.clusterId).clientId(1 + (new SecureRandom().nextLong() & Long.MAX_VALUE - 1)).endpoint(endpoint)
                .streamId(ctx.streamId).mac(ctx.macSecret == null ? null : FrameMac.fromSecret(ctx.macSecret));
            ctx.members.forEach(transportCtx::member);
            transport = new AeronServiceClient(runtime.aeron(), transportCtx, ClientProtocol.MAX_REQUEST_LENGTH);
            final SynodClient client = new SynodClient(ctx, runtime, transport);
            client.conductor.start();
            return client;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(transport, runtime);
            throw ex;
        }
    }

    private static String freeEndpointTowards(final String memberEndpoint)
    {
        final int colon = memberEndpoint.lastIndexOf(':');
        try
        {
            final InetAddress memberHost = InetAddress.getByName(memberEndpoint.substring(0, colon));
            InetAddress local = InetAddress.getLoopbackAddress();
            if (!memberHost.isLoopbackAddress())
            {
                try (DatagramSocket probe = new DatagramSocket())
                {
                    probe.connect(memberHost, Integer.parseInt(memberEndpoint.substring(colon + 1)));
                    local = probe.getLocalAddress();
                }
            }
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0)))
            {
                return local.getHostAddress() + ":" + socket.getLocalPort();
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot find an endpoint to listen on towards " + memberEndpoint, ex);
        }
    }

    // ---------------------------------------------------------------- the API

    /** Puts a UTF-8 key and value; see {@link #put(byte[], byte[])}. */
    public CompletableFuture<KvResult> put(final String key, final String value)
    {
        return put(utf8(key), utf8(value));
    }

    /** Stores {@code value} under {@code key} (version + 1). Applied once, however often it is retried. */
    public CompletableFuture<KvResult> put(final byte[] key, final byte[] value)
    {
        return write(KvClientCodec.put(key, value));
    }

    /** Compare-and-set of UTF-8 text; see {@link #compareAndSet(byte[], long, byte[])}. */
    public CompletableFuture<KvResult> compareAndSet(final String key, final long expectedVersion, final String value)
    {
        return compareAndSet(utf8(key), expectedVersion, utf8(value));
    }

    /** Stores {@code value} only if the key's version is {@code expectedVersion} (0: the key is absent). */
    public CompletableFuture<KvResult> compareAndSet(final byte[] key, final long expectedVersion, final byte[] value)
    {
        return write(KvClientCodec.compareAndSet(key, expectedVersion, value));
    }

    /** Deletes a UTF-8 key; see {@link #delete(byte[])}. */
    public CompletableFuture<KvResult> delete(final String key)
    {
        return delete(utf8(key));
    }

    /** Deletes a key; the result carries the version it had, or NOT_FOUND. */
    public CompletableFuture<KvResult> delete(final byte[] key)
    {
        return write(KvClientCodec.delete(key));
    }

    /** Reads a UTF-8 key; see {@link #get(byte[], ReadMode)}. */
    public CompletableFuture<KvResult> get(final String key, final ReadMode mode)
    {
        return get(utf8(key), mode);
    }

    /**
     * Reads a key: {@link ReadMode#LINEARIZABLE} (ReadIndex: sees every write acknowledged before it),
     * {@link ReadMode#LEASE} (the leader's lease, no round trip; needs bounded clock drift) or
     * {@link ReadMode#STALE} (whatever the member answering has applied).
     */
    public CompletableFuture<KvResult> get(final byte[] key, final ReadMode mode)
    {
        if (key.length > KvCommand.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("key longer than " + KvCommand.MAX_KEY_LENGTH + " bytes");
        }
        return submit(new Request(ClientProtocol.KV_GET, mode.ordinal(), 0, key, 0)).thenApply(KvResult.class::cast);
    }

    /**
     * Lists up to {@code limit} keys that start with {@code prefix}, after {@code after} (empty: from the first),
     * in unsigned byte order, with values and versions; continue with {@link ListPage#continuationKey()} while
     * {@link ListPage#more()}.
     *
     * @param limit 1 to {@value ClientProtocol#LIST_LIMIT_MAX}.
     */
    public CompletableFuture<ListPage> list(final byte[] prefix, final byte[] after, final int limit, final ReadMode mode)
    {
        if (limit < 1 || limit > ClientProtocol.LIST_LIMIT_MAX)
        {
            throw new IllegalArgumentException("limit must be 1.." + ClientProtocol.LIST_LIMIT_MAX + ": " + limit);
        }
        if (prefix.length > KvCommand.MAX_KEY_LENGTH || after.length > KvCommand.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("prefix and after are keys: at most " + KvCommand.MAX_KEY_LENGTH + " bytes");
        }
        final byte[] body = new byte[ClientRequest.LIST_HEADER_LENGTH + prefix.length + after.length];
        final UnsafeBuffer view = new UnsafeBuffer(new byte[ClientRequest.HEADER_LENGTH + body.length]);
        new ClientRequest().wrap(view, 0).encodeList(prefix, after);
        view.getBytes(ClientRequest.HEADER_LENGTH, body);
        return submit(new Request(ClientProtocol.KV_LIST, mode.ordinal(), limit, body, 0)).thenApply(ListPage.class::cast);
    }

    /** Lists UTF-8 keys; see {@link #list(byte[], byte[], int, ReadMode)}. */
    public CompletableFuture<ListPage> list(final String prefix, final String after, final int limit, final ReadMode mode)
    {
        return list(utf8(prefix), utf8(after), limit, mode);
    }

    /** Asks one member for its own status (no Raft round); it does not redirect. */
    public CompletableFuture<MemberStatus> status(final int memberId)
    {
        if (!ctx.members.containsKey(memberId))
        {
            throw new IllegalArgumentException("member " + memberId + " is not among this client's members " + ctx.members.keySet());
        }
        return submit(new Request(ClientProtocol.STATUS, 0, 0, new byte[0], memberId)).thenApply(MemberStatus.class::cast);
    }

    /** @return the members this client knows, by id. */
    public Map<Integer, String> members()
    {
        return java.util.Collections.unmodifiableMap(ctx.members);
    }

    /** @return the session id, 0 until the session is open. Any thread. */
    public long sessionId()
    {
        return sessionId;
    }

    /** @return the leader the members last named, 0 if none yet. Any thread. */
    public int leaderHint()
    {
        return leaderHint;
    }

    /**
     * Closes the session (best effort, within about an attempt timeout), stops the conductor and closes Aeron.
     * Requests still pending complete with {@link OutcomeUnknownException} (or rejected as
     * {@link RequestRejectedException#CLIENT_CLOSED} if never sent).
     */
    @Override
    public void close()
    {
        if (!running)
        {
            return;
        }
        final long session = sessionId;
        if (session != 0)
        {
            final Request close = new Request(ClientProtocol.CLOSE_SESSION, 0, 0, new byte[0], 0);
            close.session = session;
            submitted.add(close);
            try
            {
                close.future.get(ctx.attemptTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            }
            catch (final Exception ignore)
            {
                // best effort: the session expires by its TTL anyway
            }
        }
        running = false;
        try
        {
            conductor.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        CloseHelper.quietCloseAll(transport, runtime);
    }

    // ---------------------------------------------------------------- submission

    private CompletableFuture<KvResult> write(final byte[] command)
    {
        return submit(new Request(ClientProtocol.KV_WRITE, 0, 0, command, 0)).thenApply(KvResult.class::cast);
    }

    private CompletableFuture<Object> submit(final Request request)
    {
        if (!running)
        {
            request.future.completeExceptionally(new RequestRejectedException(RequestRejectedException.CLIENT_CLOSED, "CLIENT_CLOSED", null));
            return request.future;
        }
        submitted.add(request);
        return request.future;
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- the conductor

    private void run()
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
        if (request.op == ClientProtocol.KV_WRITE && request.sequence == 0)
        {
            if (sessionId == 0 || writesInFlight >= ctx.writesInFlightMax)
            {
                return 0;
            }
            request.session = sessionId;
            request.sequence = ++lastSequence;
            writesInFlight++;
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
        final long argument = request.op == ClientProtocol.KV_WRITE ? request.sequence : request.argument;
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
                    sessionId = 0;
                    sessionNonce = 0;
                }
                if (request.op == ClientProtocol.KV_WRITE && request.attempts == 1)
                {
                    // Definitely not applied (the session was gone when its only attempt was applied): send it again
                    // in the new session with a new sequence.
                    writesInFlight--;
                    request.sequence = 0;
                    request.nextAttemptNs = nowNs;
                }
                else if (request.op == ClientProtocol.KV_WRITE)
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
        if (request.op == ClientProtocol.KV_WRITE && request.sequence != 0 && !request.future.isDone())
        {
            writesInFlight--;
        }
        request.inFlight = false;
    }

    /** @return answers dropped as malformed. Conductor thread's count; approximate from others. */
    public long badFrames()
    {
        return badFrames;
    }
}
