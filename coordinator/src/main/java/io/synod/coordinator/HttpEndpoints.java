package io.synod.coordinator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.synod.transport.aeron.AeronRaftNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's HTTP probes, on their own listener ({@code http.listen}, loopback by default), served by the JDK's
 * {@code com.sun.net.httpserver} on a small bounded pool:
 *
 * <ul>
 *   <li>{@code GET /livez}: 200 while the member's agent runs (503 once it stopped on a failure).</li>
 *   <li>{@code GET /readyz}: 200 once the member recovered its log and snapshot, opened its ports and can vote. It never
 *   requires a leader or a quorum: a readiness probe that needs quorum deadlocks an ordered rolling restart.</li>
 *   <li>{@code GET /health}: this member's view of the cluster as JSON (role, term, leader, commit and applied index,
 *   keys, the KV state's digest for checks across members); 200 when a leader is known, else 503.</li>
 *   <li>{@code GET /metrics}: Prometheus text format ({@link SynodMetrics}).</li>
 *   <li>{@code POST /v1/...}: the JSON gateway ({@link JsonGateway}).</li>
 * </ul>
 *
 * <p><b>Access.</b> With {@code access.token} set, every request but {@code /livez} and {@code /readyz} must carry
 * {@code Authorization: Bearer TOKEN}; others are answered 401 {@code {"error":"unauthorized",...}} and counted. The
 * daemon refuses to start without a token when this listener or its UDP endpoint is not loopback
 * ({@link SynodServer}).
 * <p>An unknown path or a wrong method is answered 404 / 405 with {@code {"error":...,"message":...}} and counted, like
 * every request the gateway refuses for its input ({@link #rejected()}, {@code synod_http_rejected_total}).
 *
 * <p><b>Threading.</b> Handlers run on the server's pool and read only what is safe from any thread: the node's status
 * accessors and the values the agent publishes every {@link #PUBLISH_INTERVAL_NS} through {@link #publish}.
 */
final class HttpEndpoints implements AutoCloseable
{
    /** How often the agent thread publishes the state machine's figures for the probes. */
    static final long PUBLISH_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);

    /** The paths this listener serves besides the gateway's. */
    static final List<String> PATHS = List.of("/livez", "/readyz", "/health", "/metrics");

    /** The most of an unread request body that is read and dropped before answering. */
    static final long DRAIN_MAX = 8L * GatewayJson.BODY_MAX;

    private final HttpServer server;
    /** {@code "Bearer " + access.token} in UTF-8, or null: open. */
    private final byte[] authorization;
    private final ConcurrentHashMap<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor executor;
    private volatile AeronRaftNode node;
    private volatile long keys;
    private volatile long digest;
    private volatile long appliedIndex;
    private volatile long sessions;
    private volatile long badFrames;
    private volatile long backPressured;
    private volatile SynodMetrics metrics;
    private volatile JsonGateway gateway;
    private long lastPublishNs;

    private HttpEndpoints(final HttpServer server, final ThreadPoolExecutor executor, final byte[] authorization)
    {
        this.server = server;
        this.executor = executor;
        this.authorization = authorization;
    }

    /** Serves {@code path} and below with {@code handler}, behind the access token when one is set. */
    private void context(final String path, final com.sun.net.httpserver.HttpHandler handler)
    {
        final com.sun.net.httpserver.HttpContext context = server.createContext(path, handler);
        if (authorization != null)
        {
            context.getFilters().add(new com.sun.net.httpserver.Filter()
            {
                @Override
                public void doFilter(final HttpExchange exchange, final Chain chain) throws IOException
                {
                    if (authorized(exchange))
                    {
                        chain.doFilter(exchange);
                        return;
                    }
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"synod\"");
                    reject(exchange, 401, "unauthorized", "send the daemon's access token: Authorization: Bearer TOKEN");
                }

                @Override
                public String description()
                {
                    return "access token";
                }
            });
        }
    }

    /** @return true for the open probes, or a request whose Authorization header is the token (compared in constant time). */
    private boolean authorized(final HttpExchange exchange)
    {
        final String path = exchange.getRequestURI().getPath();
        if ("/livez".equals(path) || "/readyz".equals(path))
        {
            return true;
        }
        final String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && java.security.MessageDigest.isEqual(authorization, header.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Binds {@code host:port} (before the member starts, so a taken port fails start-up early); {@link #start} serves.
     *
     * @throws ConfigException naming {@code http.listen} when the port is in use or the address is not local.
     */
    static HttpEndpoints bind(final String listen, final String accessToken)
    {
        final int colon = listen.lastIndexOf(':');
        final HttpServer server;
        try
        {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(listen.substring(0, colon)),
                Integer.parseInt(listen.substring(colon + 1))), 16);
        }
        catch (final IOException ex)
        {
            throw new ConfigException("http.listen: tcp " + listen + " is in use or not local (" + ex.getMessage() + ")");
        }
        final ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 4, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), (r) ->
        {
            final Thread thread = new Thread(r, "synod-http");
            thread.setDaemon(true);
            return thread;
        });
        final HttpEndpoints endpoints = new HttpEndpoints(server, executor,
            accessToken == null ? null : ("Bearer " + accessToken).getBytes(StandardCharsets.UTF_8));
        server.setExecutor(executor);
        endpoints.context("/", endpoints::handle);
        return endpoints;
    }

    /** Starts serving the probes and metrics of {@code node}. */
    void start(final AeronRaftNode node)
    {
        this.node = node;
        this.metrics = new SynodMetrics(node, this);
        server.start();
    }

    /** Serves the JSON gateway under {@link JsonGateway#PREFIX}; closed with this listener. */
    void gateway(final JsonGateway gateway)
    {
        this.gateway = gateway;
        context(JsonGateway.PREFIX, gateway);
    }

    /** @return the JSON gateway, or null if none. Any thread. */
    JsonGateway gateway()
    {
        return gateway;
    }

    /** Serves {@code path} (and below it) with {@code handler} instead of the probes; before {@link #start}. */
    void route(final String path, final com.sun.net.httpserver.HttpHandler handler)
    {
        context(path, handler);
    }

    /** @return the bound {@code host:port} (the real port when 0 was asked for). */
    String address()
    {
        final InetSocketAddress address = server.getAddress();
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /**
     * Publishes the figures only the agent thread may read. Agent thread, once per duty cycle; does the work at most
     * every {@link #PUBLISH_INTERVAL_NS}.
     */
    int publish(
        final long nowNs, final long keys, final long digest, final long appliedIndex, final long sessions, final long badFrames,
        final long backPressured)
    {
        if (nowNs - lastPublishNs < PUBLISH_INTERVAL_NS)
        {
            return 0;
        }
        lastPublishNs = nowNs;
        this.keys = keys;
        this.digest = digest;
        this.appliedIndex = appliedIndex;
        this.sessions = sessions;
        this.badFrames = badFrames;
        this.backPressured = backPressured;
        return 0;
    }

    long keys()
    {
        return keys;
    }

    long sessions()
    {
        return sessions;
    }

    long badFrames()
    {
        return badFrames;
    }

    long backPressured()
    {
        return backPressured;
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String path = exchange.getRequestURI().getPath();
            if (!PATHS.contains(path))
            {
                reject(exchange, 404, "unknown_path", "no endpoint " + path + "; this listener serves " + PATHS + " and the JSON gateway under " +
                    JsonGateway.PREFIX);
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod()))
            {
                exchange.getResponseHeaders().set("Allow", "GET");
                reject(exchange, 405, "method_not_allowed", exchange.getRequestMethod() + " " + path + ": the probes take GET");
                return;
            }
            final boolean alive = node.failure() == null;
            switch (path)
            {
                case "/livez" -> respond(exchange, alive ? 200 : 503, "{\"live\":" + alive + "}");
                case "/readyz" -> respond(exchange, alive ? 200 : 503, "{\"ready\":" + alive + "}");
                case "/health" ->
                {
                    final int leader = node.leaderId();
                    final boolean healthy = alive && leader != 0;
                    respond(exchange, healthy ? 200 : 503, String.format(Locale.ROOT,
                        "{\"healthy\":%b,\"member\":%d,\"role\":\"%s\",\"term\":%d,\"leader\":%d,\"commitIndex\":%d," +
                        "\"appliedIndex\":%d,\"keys\":%d,\"digest\":\"%016x\",\"digestAppliedIndex\":%d}",
                        healthy, node.memberId(), node.role(), node.term(), leader, node.commitIndex(), node.lastApplied(),
                        keys, digest, appliedIndex));
                }
                case "/metrics" ->
                {
                    final java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream(4096);
                    metrics.write(text);
                    exchange.getResponseHeaders().set("Content-Type", metrics.contentType());
                    exchange.sendResponseHeaders(200, text.size());
                    try (OutputStream out = exchange.getResponseBody())
                    {
                        text.writeTo(out);
                    }
                }
                default -> reject(exchange, 404, "unknown_path", "no endpoint " + path);
            }
        }
    }

    private static void respond(final HttpExchange exchange, final int status, final String json)
    {
        respond(exchange, status, (json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Answers {@code status} with a JSON {@code body} and closes the exchange; a caller gone away is ignored. Any thread. */
    static void respond(final HttpExchange exchange, final int status, final byte[] body)
    {
        try (exchange)
        {
            drain(exchange);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        }
        catch (final IOException ignore)
        {
            // the caller closed the connection
        }
    }

    /**
     * Reads and drops what is left of the request body (up to {@link #DRAIN_MAX} bytes): answering before the body is
     * read and then closing would reset the connection, and the caller would see the reset instead of the answer.
     */
    private static void drain(final HttpExchange exchange)
    {
        final InputStream in = exchange.getRequestBody();
        final byte[] scratch = new byte[8192];
        long total = 0;
        int read;
        try
        {
            while (total < DRAIN_MAX && (read = in.read(scratch)) >= 0)
            {
                total += read;
            }
        }
        catch (final IOException ignore)
        {
            // read to its end and closed already, or the caller went away: nothing left to drop
        }
    }

    /** Answers a request refused for its input, {@code {"error":code,"message":message}}, and counts it by code. Any thread. */
    void reject(final HttpExchange exchange, final int status, final String code, final String message)
    {
        countRejected(code);
        respond(exchange, status, GatewayJson.error(code, message));
    }

    /** Counts a request refused for its input, by its error code. Any thread. */
    void countRejected(final String code)
    {
        rejected.computeIfAbsent(code, (c) -> new LongAdder()).increment();
    }

    /** @return requests refused for their input so far, by error code. Any thread. */
    Map<String, LongAdder> rejected()
    {
        return rejected;
    }

    @Override
    public void close()
    {
        server.stop(0);
        org.agrona.CloseHelper.quietClose(gateway);
        executor.shutdownNow();
    }
}
