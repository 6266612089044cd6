package io.synod.client;

import io.synod.kv.KvClientCodec;
import io.synod.kv.KvCommand;
import io.synod.raft.ReadMode;
import io.synod.transport.aeron.AeronRuntime;
import io.synod.transport.aeron.AeronServiceClient;
import io.synod.transport.aeron.FrameMac;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
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
        int clusterId = 1;
        final TreeMap<Integer, String> members = new TreeMap<>();
        String listenEndpoint;
        Duration sessionTtl = Duration.ofSeconds(10);
        Duration requestTimeout = Duration.ofSeconds(5);
        Duration attemptTimeout = Duration.ofMillis(750);
        String aeronDirectory;
        int streamId = io.synod.transport.aeron.AeronTransport.Configuration.STREAM_ID_DEFAULT;
        String macSecret;
        int writesInFlightMax = 128;
        boolean openSession = true;

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

    private final Context ctx;
    private final AeronRuntime runtime;
    private final AeronServiceClient transport;
    private final ClientConductor conductor;
    private final Thread thread;
    private final java.util.concurrent.ConcurrentHashMap<String, FencedLock> locks = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.CopyOnWriteArrayList<LockLostListener> lostListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SynodClient(final Context ctx, final AeronRuntime runtime, final AeronServiceClient transport)
    {
        this.ctx = ctx;
        this.runtime = runtime;
        this.transport = transport;
        this.conductor = new ClientConductor(ctx, transport);
        this.conductor.sessionListener(new ClientConductor.SessionListener()
        {
            @Override
            public void onLockLost(final long session, final String name, final long fence, final String reason)
            {
                final FencedLock lock = locks.get(name);
                if (lock != null)
                {
                    lock.lost(fence, reason);
                }
                lostListeners.forEach((l) -> l.onLockLost(name, fence, reason));
            }

            @Override
            public void onSessionExpired(final long session)
            {
                locks.values().forEach((lock) -> lock.lost(0, "session " + session + " expired"));
                lostListeners.forEach((l) -> l.onLockLost("*", 0, "session " + session + " expired"));
            }
        });
        this.thread = new Thread(conductor, "synod-client");
        this.thread.setDaemon(true);
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
            client.thread.start();
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

    /** Reads a UTF-8 key linearizably; see {@link #get(byte[], ReadMode)}. */
    public CompletableFuture<KvResult> get(final String key)
    {
        return get(utf8(key), ReadMode.LINEARIZABLE);
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
        return submit(new ClientConductor.Request(ClientProtocol.KV_GET, mode.ordinal(), 0, key, 0)).thenApply(KvResult.class::cast);
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
        return submit(new ClientConductor.Request(ClientProtocol.KV_LIST, mode.ordinal(), limit, body, 0)).thenApply(ListPage.class::cast);
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
        return submit(new ClientConductor.Request(ClientProtocol.STATUS, 0, 0, new byte[0], memberId)).thenApply(MemberStatus.class::cast);
    }

    // ---------------------------------------------------------------- locks and elections

    /**
     * @return the fenced mutex {@code name} of this client's session (one object per name; see {@link FencedLock}).
     * @throws IllegalArgumentException for a name of more than 256 bytes or an empty one.
     */
    public FencedLock lock(final String name)
    {
        checkLockName(name);
        return locks.computeIfAbsent(name, (n) -> new FencedLock(this, n));
    }

    /** @return the named election {@code name} (see {@link Election}). */
    public Election election(final String name)
    {
        checkLockName(Election.PREFIX + name);
        return new Election(this, name);
    }

    /** Adds a listener told of every hold of this client lost (name {@code "*"} when the whole session expired). */
    public void onLockLost(final LockLostListener listener)
    {
        lostListeners.add(listener);
    }

    /**
     * Locks, semaphores and read-write locks (elections are {@code election/NAME}) with their holders and waiter
     * counts: the one named {@code name} ({@code exact}), or every one whose name starts with it, at most {@code limit}.
     */
    public CompletableFuture<LockPage> locks(final String name, final boolean exact, final int limit, final ReadMode mode)
    {
        if (limit < 1 || limit > ClientProtocol.LIST_LIMIT_MAX)
        {
            throw new IllegalArgumentException("limit must be 1.." + ClientProtocol.LIST_LIMIT_MAX + ": " + limit);
        }
        return submit(new ClientConductor.Request(ClientProtocol.LOCK_QUERY, mode.ordinal(), limit, LockPage.encodeQuery(name, exact), 0))
            .thenApply(LockPage.class::cast);
    }

    /**
     * An operator's release of another session's hold of the mutex {@code name} (all of it): the holder is told it lost
     * the lock, and the next waiter is granted. Answered RELEASED with the hold's fence, or NOT_HELD.
     */
    public CompletableFuture<LockAnswer> forceRelease(final String name, final long holderSession, final long holderThread)
    {
        checkLockName(name);
        final byte[] nameBytes = utf8(name);
        final byte[] body = new byte[io.synod.lock.LockCommand.HEADER_LENGTH + nameBytes.length];
        final UnsafeBuffer view = new UnsafeBuffer(body);
        new io.synod.lock.LockCommand().wrap(view, 0).type(io.synod.lock.LockCommand.FORCE_RELEASE).thread(holderThread)
            .targetSession(holderSession).kind(io.synod.lock.LockCommand.MUTEX).capacity(1).permits(1)
            .nameAndValue(new UnsafeBuffer(nameBytes), 0, nameBytes.length, view, 0, 0);
        return submit(new ClientConductor.Request(ClientProtocol.LOCK, 0, 0, body, 0)).thenApply(LockAnswer.class::cast);
    }

    /**
     * Acquires the mutex {@code name} for {@code holder}, an id this caller chooses within this client's session, for a
     * process that holds locks on behalf of others (the daemon's HTTP gateway gives each HTTP lock holder its own id).
     * {@link FencedLock} is the API for a JVM's own threads; both share the session, its TTL and its loss.
     *
     * @param holder a positive id; the same holder acquiring again is reentrant (same fence, one more hold).
     * @param waitNs ns to wait in the queue (log time): -1 for ever, 0 not at all.
     * @return the lock service's answer: GRANTED with the fence, or WOULD_BLOCK / TIMED_OUT / SESSION_EXPIRED / ...
     * @throws IllegalArgumentException for a name of more than 256 bytes or an empty one, or a holder below 1.
     */
    public CompletableFuture<LockAnswer> acquireAs(final String name, final long holder, final long waitNs)
    {
        checkLockName(name);
        checkHolder(holder);
        return lockCommand(name, io.synod.lock.LockCommand.ACQUIRE, holder, waitNs, new byte[0]);
    }

    /**
     * Releases one hold of the mutex {@code name} by {@code holder} (see {@link #acquireAs}).
     *
     * @return the lock service's answer: RELEASED with the hold's fence, or NOT_HELD.
     */
    public CompletableFuture<LockAnswer> releaseAs(final String name, final long holder)
    {
        checkLockName(name);
        checkHolder(holder);
        return lockCommand(name, io.synod.lock.LockCommand.RELEASE, holder, 0, new byte[0]);
    }

    private static void checkHolder(final long holder)
    {
        if (holder < 1)
        {
            throw new IllegalArgumentException("a holder id is positive: " + holder);
        }
    }

    /** Sends one mutex command (ACQUIRE with its wait, or RELEASE) as {@code thread} of this client's session. */
    CompletableFuture<LockAnswer> lockCommand(final String name, final int type, final long thread, final long waitNs, final byte[] value)
    {
        final byte[] nameBytes = utf8(name);
        final byte[] body = new byte[io.synod.lock.LockCommand.HEADER_LENGTH + nameBytes.length + value.length];
        final UnsafeBuffer view = new UnsafeBuffer(body);
        final UnsafeBuffer nameView = new UnsafeBuffer(nameBytes);
        new io.synod.lock.LockCommand().wrap(view, 0).type(type).thread(thread).waitTimeoutNs(waitNs)
            .kind(io.synod.lock.LockCommand.MUTEX).capacity(1).permits(1)
            .nameAndValue(nameView, 0, nameBytes.length, new UnsafeBuffer(value), 0, value.length);
        final ClientConductor.Request request = new ClientConductor.Request(ClientProtocol.LOCK, 0, 0, body, 0);
        request.waitNs = type == io.synod.lock.LockCommand.ACQUIRE ? waitNs : 0;
        return submit(request).thenApply(LockAnswer.class::cast);
    }

    private static void checkLockName(final String name)
    {
        final int length = utf8(name).length;
        if (length < 1 || length > io.synod.lock.LockCommand.MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("a lock name is 1.." + io.synod.lock.LockCommand.MAX_NAME_LENGTH + " bytes: '" + name + "'");
        }
    }

    /** @return the members this client knows, by id. */
    public Map<Integer, String> members()
    {
        return java.util.Collections.unmodifiableMap(ctx.members);
    }

    /** @return the session id, 0 until the session is open. Any thread. */
    public long sessionId()
    {
        return conductor.sessionId();
    }

    /** @return the leader the members last named, 0 if none yet. Any thread. */
    public int leaderHint()
    {
        return conductor.leaderHint();
    }

    /**
     * Closes the session (best effort, within about an attempt timeout), stops the conductor and closes Aeron.
     * Requests still pending complete with {@link OutcomeUnknownException} (or rejected as
     * {@link RequestRejectedException#CLIENT_CLOSED} if never sent).
     */
    @Override
    public void close()
    {
        if (!conductor.isRunning())
        {
            return;
        }
        final long session = conductor.sessionId();
        if (session != 0)
        {
            final ClientConductor.Request close = new ClientConductor.Request(ClientProtocol.CLOSE_SESSION, 0, 0, new byte[0], 0);
            close.session = session;
            conductor.submit(close);
            try
            {
                close.future.get(ctx.attemptTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            }
            catch (final Exception ignore)
            {
                // best effort: the session expires by its TTL anyway
            }
        }
        conductor.stop();
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(5));
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
        return submit(new ClientConductor.Request(ClientProtocol.KV_WRITE, 0, 0, command, 0)).thenApply(KvResult.class::cast);
    }

    private CompletableFuture<Object> submit(final ClientConductor.Request request)
    {
        return conductor.submit(request);
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return answers dropped as malformed. Any thread. */
    public long badFrames()
    {
        return conductor.badFrames();
    }
}
