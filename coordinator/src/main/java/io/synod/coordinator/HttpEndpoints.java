package io.synod.coordinator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.synod.transport.aeron.AeronRaftNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
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
 * </ul>
 *
 * <p><b>Threading.</b> Handlers run on the server's pool and read only what is safe from any thread: the node's status
 * accessors and the values the agent publishes every {@link #PUBLISH_INTERVAL_NS} through {@link #publish}.
 */
final class HttpEndpoints implements AutoCloseable
{
    /** How often the agent thread publishes the state machine's figures for the probes. */
    static final long PUBLISH_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private volatile AeronRaftNode node;
    private volatile long keys;
    private volatile long digest;
    private volatile long appliedIndex;
    private volatile long sessions;
    private volatile long badFrames;
    private volatile long backPressured;
    private volatile SynodMetrics metrics;
    private long lastPublishNs;

    private HttpEndpoints(final HttpServer server, final ThreadPoolExecutor executor)
    {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code host:port} (before the member starts, so a taken port fails start-up early); {@link #start} serves.
     *
     * @throws ConfigException naming {@code http.listen} when the port is in use or the address is not local.
     */
    static HttpEndpoints bind(final String listen)
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
        final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), (r) ->
        {
            final Thread thread = new Thread(r, "synod-http");
            thread.setDaemon(true);
            return thread;
        });
        final HttpEndpoints endpoints = new HttpEndpoints(server, executor);
        server.setExecutor(executor);
        server.createContext("/", endpoints::handle);
        return endpoints;
    }

    /** Starts serving the probes and metrics of {@code node}. */
    void start(final AeronRaftNode node)
    {
        this.node = node;
        this.metrics = new SynodMetrics(node, this);
        server.start();
    }

    /** Serves {@code path} (and below it) with {@code handler} instead of the probes; before {@link #start}. */
    void route(final String path, final com.sun.net.httpserver.HttpHandler handler)
    {
        server.createContext(path, handler);
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
            if (!"GET".equals(exchange.getRequestMethod()))
            {
                respond(exchange, 405, "{\"error\":\"only GET\"}");
                return;
            }
            final boolean alive = node.failure() == null;
            switch (exchange.getRequestURI().getPath())
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
                default -> respond(exchange, 404, "{\"error\":\"not found\",\"paths\":[\"/livez\",\"/readyz\",\"/health\",\"/metrics\"]}");
            }
        }
    }

    private static void respond(final HttpExchange exchange, final int status, final String json) throws IOException
    {
        final byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
