package io.synod.coordinator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.synod.client.ClientProtocol;
import io.synod.client.ElectionLeader;
import io.synod.client.KvEntry;
import io.synod.client.KvResult;
import io.synod.client.ListPage;
import io.synod.client.OutcomeUnknownException;
import io.synod.client.RequestRejectedException;
import io.synod.client.SynodClient;
import io.synod.coordinator.GatewayJson.BadRequest;
import io.synod.coordinator.GatewayJson.Field;
import io.synod.coordinator.GatewayJson.Fields;
import io.synod.coordinator.GatewayJson.Type;
import io.synod.kv.KvCommand;
import io.synod.lock.LockCommand;
import io.synod.lock.LockStatus;
import io.synod.raft.ProposalHandler;
import io.synod.raft.ReadMode;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The daemon's HTTP/JSON gateway for clients that do not run on the JVM, under {@code /v1/} on the daemon's HTTP
 * listener ({@code http.listen}). Every operation is a {@code POST} of one JSON object; the answer is JSON.
 *
 * <table>
 *   <caption>endpoints</caption>
 *   <tr><th>path</th><th>fields (? optional)</th><th>200 answer</th></tr>
 *   <tr><td>/v1/kv/get</td><td>key, mode?</td><td>found, value, version, index</td></tr>
 *   <tr><td>/v1/kv/put</td><td>key, value</td><td>version, index</td></tr>
 *   <tr><td>/v1/kv/cas</td><td>key, expectedVersion, value</td><td>version, index (409 version_mismatch)</td></tr>
 *   <tr><td>/v1/kv/delete</td><td>key</td><td>deleted, version, index</td></tr>
 *   <tr><td>/v1/kv/list</td><td>prefix?, after?, limit?, mode?</td><td>entries, more, continuation</td></tr>
 *   <tr><td>/v1/lock/acquire</td><td>name, holder, ttlMs?, waitMs?</td><td>fence, ttlMs (409 not_acquired)</td></tr>
 *   <tr><td>/v1/lock/renew</td><td>name, holder</td><td>fence, ttlMs (409 not_held)</td></tr>
 *   <tr><td>/v1/lock/release</td><td>name, holder</td><td>released, fence (409 not_held)</td></tr>
 *   <tr><td>/v1/election/observe</td><td>name, mode?</td><td>leader (null: none)</td></tr>
 * </table>
 *
 * <p><b>One client path.</b> The gateway is a {@link SynodClient} of the cluster inside the daemon (on the daemon's own
 * media driver, started at the first request): requests go where a Java client's go (to the leader, retried with the same session and sequence),
 * so there is no second state machine and no second protocol. Reads take {@code mode} LINEARIZABLE (default), LEASE or
 * STALE. Keys and values are UTF-8 text; an answer carries {@code keyBase64} / {@code valueBase64} instead for bytes
 * that are not UTF-8 (written by a Java client). Lock holders are mapped as {@link GatewayLocks} describes.
 * <p><b>Bad input.</b> Bad JSON, an unknown or duplicated field, a wrong type, a missing field, an oversize key, value,
 * string or body, a wrong method or an unknown path: a 4xx answer {@code {"error":code,"message":text}}, counted in
 * {@code synod_http_rejected_total{reason=code}}; nothing a caller sends is answered 5xx or reaches the agent thread
 * unchecked. 503 and 504 mean the cluster did not answer (unavailable, outcome unknown), as for the Java client.
 * <p><b>Threading.</b> {@link #handle} on the HTTP pool reads and checks the request and hands it to the client; the
 * answer is written on a small pool of its own when the client's future completes. At most {@link #IN_FLIGHT_MAX}
 * requests are in flight (more: 503 busy).
 */
final class JsonGateway implements HttpHandler, AutoCloseable
{
    /** The gateway's path prefix. */
    static final String PREFIX = "/v1/";
    /** Requests being served at most. */
    static final int IN_FLIGHT_MAX = 512;
    /** The longest lock wait a request may ask for, ms. */
    static final long WAIT_MS_MAX = 60_000;
    /** Lease TTL bounds and default, ms. */
    static final long TTL_MS_MIN = 500;
    static final long TTL_MS_MAX = 600_000;
    static final long TTL_MS_DEFAULT = 10_000;
    /** The longest holder name, characters. */
    static final int HOLDER_MAX = 128;

    private static final Field KEY = new Field("key", Type.STRING, true);
    private static final Field VALUE = new Field("value", Type.STRING, true);
    private static final Field MODE = new Field("mode", Type.STRING, false);
    private static final Field NAME = new Field("name", Type.STRING, true);
    private static final Field HOLDER = new Field("holder", Type.STRING, true);

    /** One endpoint: its fields and what it does with them. */
    private record Route(Field[] fields, Function<Fields, CompletableFuture<Answer>> action)
    {
    }

    /** An answer: HTTP status and JSON body. */
    record Answer(int status, byte[] body)
    {
    }

    private final SynodClient.Context clientContext;
    private SynodClient client;
    private volatile GatewayLocks locks;
    private boolean closed;
    private final HttpEndpoints http;
    private final Map<String, Route> routes;
    private final ThreadPoolExecutor replies;
    private final ScheduledExecutorService sweeper;
    private final AtomicInteger inFlight = new AtomicInteger();

    private JsonGateway(final SynodClient.Context clientContext, final HttpEndpoints http)
    {
        this.clientContext = clientContext;
        this.http = http;
        this.replies = new ThreadPoolExecutor(1, 4, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(IN_FLIGHT_MAX),
            daemon("synod-gateway"), new ThreadPoolExecutor.CallerRunsPolicy());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(daemon("synod-gateway-leases"));
        this.routes = Map.of(
            "/v1/kv/get", new Route(new Field[]{KEY, MODE}, this::get),
            "/v1/kv/put", new Route(new Field[]{KEY, VALUE}, this::put),
            "/v1/kv/cas", new Route(new Field[]{KEY, new Field("expectedVersion", Type.LONG, true), VALUE}, this::cas),
            "/v1/kv/delete", new Route(new Field[]{KEY}, this::delete),
            "/v1/kv/list", new Route(new Field[]{new Field("prefix", Type.STRING, false), new Field("after", Type.STRING, false),
                new Field("limit", Type.LONG, false), MODE}, this::list),
            "/v1/lock/acquire", new Route(new Field[]{NAME, HOLDER, new Field("ttlMs", Type.LONG, false),
                new Field("waitMs", Type.LONG, false)}, this::acquire),
            "/v1/lock/renew", new Route(new Field[]{NAME, HOLDER}, this::renew),
            "/v1/lock/release", new Route(new Field[]{NAME, HOLDER}, this::release),
            "/v1/election/observe", new Route(new Field[]{NAME, MODE}, this::observe));
        sweeper.scheduleWithFixedDelay(this::sweep, GatewayLocks.SWEEP_PERIOD_MS, GatewayLocks.SWEEP_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Makes the gateway. Its client of the cluster (the daemon's own members, cluster id, stream id and MAC secret, on
     * the daemon's media driver, {@code aeronDirectory}) starts at the first request, so a daemon whose gateway is not
     * used runs no client threads and holds no session; requests made while its session opens wait for it.
     */
    static JsonGateway start(final ServerConfig config, final String aeronDirectory, final HttpEndpoints http)
    {
        final SynodClient.Context ctx = new SynodClient.Context()
            .clusterId(config.clusterId())
            .streamId(config.streamId())
            .macSecret(config.macSecret())
            .aeronDirectory(aeronDirectory)
            .sessionTtl(Duration.ofSeconds(10))
            .requestTimeout(Duration.ofSeconds(5));
        config.members().forEach(ctx::member);
        return new JsonGateway(ctx.conclude(), http);
    }

    private static java.util.concurrent.ThreadFactory daemon(final String name)
    {
        return (r) ->
        {
            final Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** @return the gateway's HTTP lock holds now granted. */
    int locksHeld()
    {
        final GatewayLocks locks = this.locks;
        return locks == null ? 0 : locks.held();
    }

    /** @return lock leases that ran out without a renewal (and were released). */
    long leasesExpired()
    {
        final GatewayLocks locks = this.locks;
        return locks == null ? 0 : locks.expired();
    }

    @Override
    public void handle(final HttpExchange exchange)
    {
        final Route route = routes.get(exchange.getRequestURI().getPath());
        if (route == null)
        {
            http.reject(exchange, 404, "unknown_path", "no endpoint " + exchange.getRequestURI().getPath() + "; the gateway serves " +
                String.join(", ", new java.util.TreeSet<>(routes.keySet())));
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod()))
        {
            exchange.getResponseHeaders().set("Allow", "POST");
            http.reject(exchange, 405, "method_not_allowed", exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() +
                ": the gateway takes POST with a JSON object");
            return;
        }
        if (inFlight.incrementAndGet() > IN_FLIGHT_MAX)
        {
            inFlight.decrementAndGet();
            HttpEndpoints.respond(exchange, 503, GatewayJson.error("busy", IN_FLIGHT_MAX + " requests in flight; retry later"));
            return;
        }
        final AtomicBoolean answered = new AtomicBoolean();
        try
        {
            final byte[] body = readBody(exchange);
            final Fields fields = GatewayJson.parse(body, body.length, route.fields);
            route.action.apply(fields).whenComplete((answer, failure) -> replies.execute(() ->
                answer(exchange, answered, answer != null ? answer : failed(failure))));
        }
        catch (final BadRequest ex)
        {
            answer(exchange, answered, rejected(ex));
        }
        catch (final RuntimeException ex)
        {
            answer(exchange, answered, failed(ex));
        }
    }

    private void answer(final HttpExchange exchange, final AtomicBoolean answered, final Answer answer)
    {
        if (answered.compareAndSet(false, true))
        {
            inFlight.decrementAndGet();
            HttpEndpoints.respond(exchange, answer.status, answer.body);
        }
    }

    private Answer rejected(final BadRequest ex)
    {
        http.countRejected(ex.code);
        return new Answer(ex.status, GatewayJson.error(ex.code, ex.getMessage()));
    }

    /** Maps a failure of the client (or of the gateway) to an answer: 4xx for the caller's input, else 503/504/500. */
    private Answer failed(final Throwable failure)
    {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        if (cause instanceof BadRequest)
        {
            return rejected((BadRequest)cause);
        }
        if (cause instanceof IllegalArgumentException)
        {
            return rejected(new BadRequest(400, "bad_value", cause.getMessage()));
        }
        if (cause instanceof RequestRejectedException)
        {
            final RequestRejectedException rejected = (RequestRejectedException)cause;
            if (rejected.reason() == RequestRejectedException.BAD_ARGUMENT)
            {
                return rejected(new BadRequest(400, "rejected", rejected.getMessage()));
            }
            if (rejected.reason() == ProposalHandler.TOO_LARGE)
            {
                return rejected(new BadRequest(413, "too_large", rejected.getMessage()));
            }
            return new Answer(503, GatewayJson.error("unavailable", rejected.getMessage()));
        }
        if (cause instanceof IllegalStateException)
        {
            return new Answer(503, GatewayJson.error("unavailable", cause.getMessage()));
        }
        if (cause instanceof OutcomeUnknownException)
        {
            return new Answer(504, GatewayJson.error("outcome_unknown", cause.getMessage() + "; the write may or may not have been applied"));
        }
        return new Answer(500, GatewayJson.error("internal", String.valueOf(cause)));
    }

    /**
     * @return the request body, at most {@link GatewayJson#BODY_MAX} bytes.
     * @throws BadRequest 413 for a longer one (read and dropped up to a few times the limit, so the caller gets the answer).
     */
    private static byte[] readBody(final HttpExchange exchange)
    {
        final String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        final String limit = "bodies are at most " + GatewayJson.BODY_MAX + " bytes";
        try
        {
            if (declared != null && Long.parseLong(declared.trim()) > 8L * GatewayJson.BODY_MAX)
            {
                throw new BadRequest(413, "body_too_large", limit + ": Content-Length " + declared.trim());
            }
        }
        catch (final NumberFormatException ex)
        {
            throw new BadRequest(400, "bad_request", "Content-Length is not a number");
        }
        byte[] buffer = new byte[4096];
        byte[] scratch = null;
        int length = 0;
        long total = 0;
        final InputStream in = exchange.getRequestBody();
        try
        {
            while (total <= 8L * GatewayJson.BODY_MAX)
            {
                if (length == buffer.length && buffer.length <= GatewayJson.BODY_MAX)
                {
                    buffer = Arrays.copyOf(buffer, Math.min(buffer.length * 2, GatewayJson.BODY_MAX + 1));
                }
                final int read;
                if (length < buffer.length)
                {
                    read = in.read(buffer, length, buffer.length - length);
                    length += Math.max(read, 0);
                }
                else
                {
                    // Over the limit: read on and drop, so that the caller sees the answer rather than a reset.
                    scratch = scratch == null ? new byte[8192] : scratch;
                    read = in.read(scratch);
                }
                if (read < 0)
                {
                    break;
                }
                total += read;
            }
        }
        catch (final IOException ex)
        {
            throw new BadRequest(400, "bad_request", "cannot read the body: " + ex.getMessage());
        }
        if (total > GatewayJson.BODY_MAX)
        {
            throw new BadRequest(413, "body_too_large", limit);
        }
        return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
    }

    // ---------------------------------------------------------------- KV

    private CompletableFuture<Answer> get(final Fields f)
    {
        final byte[] key = key(f.string("key", ""), "key");
        return client().get(key, mode(f)).thenApply((result) -> ok((out) ->
        {
            out.writeStartObject();
            GatewayJson.writeBytes(out, "key", key);
            out.writeBooleanField("found", result.status() == KvResult.Status.OK);
            if (result.value() != null)
            {
                GatewayJson.writeBytes(out, "value", result.value());
            }
            out.writeNumberField("version", result.version());
            out.writeNumberField("index", result.index());
            out.writeEndObject();
        }));
    }

    private CompletableFuture<Answer> put(final Fields f)
    {
        final byte[] key = key(f.string("key", ""), "key");
        final byte[] value = value(f.string("value", ""));
        return client().put(key, value).thenApply(JsonGateway::written);
    }

    private CompletableFuture<Answer> cas(final Fields f)
    {
        final byte[] key = key(f.string("key", ""), "key");
        final byte[] value = value(f.string("value", ""));
        final long expected = f.number("expectedVersion", 0);
        if (expected < 0)
        {
            throw new BadRequest(400, "bad_value", "expectedVersion is 0 (the key is absent) or a version: " + expected);
        }
        return client().compareAndSet(key, expected, value).thenApply((result) ->
        {
            if (result.status() == KvResult.Status.VERSION_MISMATCH)
            {
                return new Answer(409, GatewayJson.write((out) ->
                {
                    out.writeStartObject();
                    out.writeStringField("error", "version_mismatch");
                    out.writeStringField("message", "the key's version is " + result.version() + ", not " + expected + "; nothing changed");
                    out.writeNumberField("version", result.version());
                    out.writeEndObject();
                }));
            }
            return written(result);
        });
    }

    private CompletableFuture<Answer> delete(final Fields f)
    {
        final byte[] key = key(f.string("key", ""), "key");
        return client().delete(key).thenApply((result) -> result.status() == KvResult.Status.BAD_REQUEST ? storeRefused() : ok((out) ->
        {
            out.writeStartObject();
            out.writeBooleanField("deleted", result.status() == KvResult.Status.OK);
            out.writeNumberField("version", result.version());
            out.writeNumberField("index", result.index());
            out.writeEndObject();
        }));
    }

    private CompletableFuture<Answer> list(final Fields f)
    {
        final byte[] prefix = key(f.string("prefix", ""), "prefix");
        final byte[] after = key(f.string("after", ""), "after");
        final long limit = f.number("limit", ClientProtocol.LIST_LIMIT_DEFAULT);
        if (limit < 1 || limit > ClientProtocol.LIST_LIMIT_MAX)
        {
            throw new BadRequest(400, "bad_value", "limit is 1.." + ClientProtocol.LIST_LIMIT_MAX + ": " + limit);
        }
        return client().list(prefix, after, (int)limit, mode(f)).thenApply((page) -> ok((out) ->
        {
            out.writeStartObject();
            out.writeArrayFieldStart("entries");
            for (final KvEntry entry : page.entries())
            {
                out.writeStartObject();
                GatewayJson.writeBytes(out, "key", entry.key());
                GatewayJson.writeBytes(out, "value", entry.value());
                out.writeNumberField("version", entry.version());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeBooleanField("more", page.more());
            if (page.more() && !page.entries().isEmpty())
            {
                GatewayJson.writeBytes(out, "continuation", continuation(page));
            }
            out.writeEndObject();
        }));
    }

    private static byte[] continuation(final ListPage page)
    {
        return page.continuationKey();
    }

    private static Answer written(final KvResult result)
    {
        if (result.status() == KvResult.Status.BAD_REQUEST)
        {
            return storeRefused();
        }
        return ok((out) ->
        {
            out.writeStartObject();
            out.writeNumberField("version", result.version());
            out.writeNumberField("index", result.index());
            out.writeEndObject();
        });
    }

    private static Answer storeRefused()
    {
        throw new BadRequest(400, "rejected", "the store refused the command as malformed; nothing changed");
    }

    // ---------------------------------------------------------------- locks and elections

    private CompletableFuture<Answer> acquire(final Fields f)
    {
        final String name = lockName(f.string("name", ""));
        final String holder = holder(f.string("holder", ""));
        final long ttlMs = f.number("ttlMs", TTL_MS_DEFAULT);
        final long waitMs = f.number("waitMs", 0);
        if (ttlMs < TTL_MS_MIN || ttlMs > TTL_MS_MAX)
        {
            throw new BadRequest(400, "bad_value", "ttlMs is " + TTL_MS_MIN + ".." + TTL_MS_MAX + ": " + ttlMs);
        }
        if (waitMs < 0 || waitMs > WAIT_MS_MAX)
        {
            throw new BadRequest(400, "bad_value", "waitMs is 0.." + WAIT_MS_MAX + ": " + waitMs);
        }
        return locks().acquire(name, holder, TimeUnit.MILLISECONDS.toNanos(ttlMs), TimeUnit.MILLISECONDS.toNanos(waitMs))
            .thenApply((outcome) -> holdAnswer(outcome, name, holder));
    }

    private CompletableFuture<Answer> renew(final Fields f)
    {
        final String name = lockName(f.string("name", ""));
        final String holder = holder(f.string("holder", ""));
        return CompletableFuture.completedFuture(holdAnswer(locks().renew(name, holder), name, holder));
    }

    private CompletableFuture<Answer> release(final Fields f)
    {
        final String name = lockName(f.string("name", ""));
        final String holder = holder(f.string("holder", ""));
        return locks().release(name, holder).thenApply((outcome) ->
        {
            if (outcome.status() != LockStatus.RELEASED)
            {
                return lockRefused(outcome, name, holder);
            }
            return ok((out) ->
            {
                out.writeStartObject();
                out.writeStringField("name", name);
                out.writeStringField("holder", holder);
                out.writeBooleanField("released", true);
                out.writeNumberField("fence", outcome.hold().fence);
                out.writeEndObject();
            });
        });
    }

    private static Answer holdAnswer(final GatewayLocks.Outcome outcome, final String name, final String holder)
    {
        if (outcome.status() != LockStatus.GRANTED)
        {
            return lockRefused(outcome, name, holder);
        }
        final GatewayLocks.Hold hold = outcome.hold();
        return ok((out) ->
        {
            out.writeStartObject();
            out.writeStringField("name", name);
            out.writeStringField("holder", holder);
            out.writeNumberField("fence", hold.fence);
            out.writeNumberField("ttlMs", TimeUnit.NANOSECONDS.toMillis(hold.ttlNs));
            out.writeEndObject();
        });
    }

    private static Answer lockRefused(final GatewayLocks.Outcome outcome, final String name, final String holder)
    {
        final int status;
        final String code;
        switch (outcome.status())
        {
            case LockStatus.WOULD_BLOCK:
            case LockStatus.TIMED_OUT:
                status = 409;
                code = "not_acquired";
                break;
            case LockStatus.NOT_HELD:
                status = 409;
                code = "not_held";
                break;
            case LockStatus.DUPLICATE:
                status = 409;
                code = "acquire_in_progress";
                break;
            case LockStatus.LIMIT:
            case LockStatus.HOLD_LIMIT:
                status = 429;
                code = "limit";
                break;
            case LockStatus.SESSION_EXPIRED:
            case LockStatus.SESSION_CLOSED:
                status = 503;
                code = "session_lost";
                break;
            default:
                status = 409;
                code = LockStatus.name(outcome.status()).toLowerCase(Locale.ROOT);
                break;
        }
        return new Answer(status, GatewayJson.error(code, "'" + name + "' for holder '" + holder + "': " + outcome.message()));
    }

    private CompletableFuture<Answer> observe(final Fields f)
    {
        final String name = f.string("name", "");
        lockName(io.synod.client.Election.PREFIX + name);
        if (name.isEmpty())
        {
            throw new BadRequest(400, "bad_value", "an election's name is not empty");
        }
        return client().election(name).leader(mode(f)).thenApply((leader) -> ok((out) -> writeLeader(out, name, leader)));
    }

    private static void writeLeader(final JsonGenerator out, final String name, final Optional<ElectionLeader> leader) throws IOException
    {
        out.writeStartObject();
        out.writeStringField("name", name);
        if (leader.isEmpty())
        {
            out.writeNullField("leader");
        }
        else
        {
            final ElectionLeader l = leader.get();
            out.writeObjectFieldStart("leader");
            out.writeNumberField("session", l.session());
            out.writeNumberField("candidate", l.candidate());
            out.writeNumberField("fence", l.fence());
            out.writeStringField("value", l.value());
            out.writeEndObject();
        }
        out.writeEndObject();
    }

    // ---------------------------------------------------------------- checks

    private static byte[] key(final String text, final String field)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > KvCommand.MAX_KEY_LENGTH)
        {
            throw new BadRequest(413, "key_too_large", field + " is " + bytes.length + " bytes; keys are at most " + KvCommand.MAX_KEY_LENGTH);
        }
        return bytes;
    }

    private static byte[] value(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > KvCommand.MAX_VALUE_LENGTH)
        {
            throw new BadRequest(413, "value_too_large", "value is " + bytes.length + " bytes; values are at most " + KvCommand.MAX_VALUE_LENGTH);
        }
        return bytes;
    }

    private static String lockName(final String name)
    {
        final int length = name.getBytes(StandardCharsets.UTF_8).length;
        if (length < 1 || length > LockCommand.MAX_NAME_LENGTH)
        {
            throw new BadRequest(400, "bad_value", "a lock or election name is 1.." + LockCommand.MAX_NAME_LENGTH +
                " bytes (an election's with its 'election/' prefix): " + length);
        }
        return name;
    }

    private static String holder(final String holder)
    {
        if (holder.isEmpty() || holder.length() > HOLDER_MAX)
        {
            throw new BadRequest(400, "bad_value", "holder is 1.." + HOLDER_MAX + " characters");
        }
        return holder;
    }

    private static ReadMode mode(final Fields f)
    {
        final String mode = f.string("mode", ReadMode.LINEARIZABLE.name());
        try
        {
            return ReadMode.valueOf(mode.toUpperCase(Locale.ROOT));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new BadRequest(400, "bad_value", "mode is LINEARIZABLE, LEASE or STALE, not '" + (mode.length() > 32 ? mode.substring(0, 32) : mode) + "'");
        }
    }

    private static Answer ok(final GatewayJson.Body body)
    {
        return new Answer(200, GatewayJson.write(body));
    }

    private void sweep()
    {
        try
        {
            final GatewayLocks locks = this.locks;
            if (locks != null)
            {
                locks.sweep();
            }
        }
        catch (final RuntimeException ex)
        {
            // a sweep that failed runs again next period; never stop the schedule
        }
    }

    /** Stops the lease sweeper and the reply pool, and closes the client (its session ends: every HTTP hold is released). */
    /**
     * @return the gateway's client, started on first use.
     * @throws IllegalStateException (answered 503) once closed, or if the client cannot start.
     */
    private synchronized SynodClient client()
    {
        if (closed)
        {
            throw new IllegalStateException("the daemon is stopping");
        }
        if (client == null)
        {
            try
            {
                client = SynodClient.connect(clientContext);
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalStateException("cannot start the gateway's client: " + ex.getMessage(), ex);
            }
            locks = new GatewayLocks(client, System::nanoTime);
        }
        return client;
    }

    private GatewayLocks locks()
    {
        client();
        return locks;
    }

    @Override
    public void close()
    {
        sweeper.shutdownNow();
        final SynodClient started;
        synchronized (this)
        {
            closed = true;
            started = client;
        }
        CloseHelper.quietClose(started);
        replies.shutdownNow();
    }
}
