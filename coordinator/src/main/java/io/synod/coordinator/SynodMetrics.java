package io.synod.coordinator;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.synod.raft.RaftRole;
import io.synod.raft.codec.FrameCheck;
import io.synod.transport.aeron.AeronRaftNode;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The member's metrics for {@code GET /metrics}, in Prometheus text format: Prometheus {@code client_java} callback
 * gauges and counters that read, at scrape time, what is safe to read from another thread (the node's status
 * accessors, the transport's and agent's drop counters) and the figures the agent publishes ({@link HttpEndpoints}).
 * Nothing is recorded on the agent thread's hot path.
 *
 * <p>Per-peer lag and last contact need the leader's replication state, which the node does not expose yet.
 */
final class SynodMetrics
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    SynodMetrics(final AeronRaftNode node, final HttpEndpoints published)
    {
        GaugeWithCallback.builder().name("synod_role").help("1 for this member's current Raft role").labelNames("role")
            .callback((cb) ->
            {
                final RaftRole current = node.role();
                for (final RaftRole role : RaftRole.values())
                {
                    cb.call(role == current ? 1 : 0, role.name());
                }
            }).register(registry);
        gauge("synod_term", "current Raft term", () -> node.term());
        gauge("synod_leader_id", "the leader this member knows, 0 if none", () -> node.leaderId());
        gauge("synod_commit_index", "commit index", () -> node.commitIndex());
        gauge("synod_applied_index", "last applied index", () -> node.lastApplied());
        gauge("synod_sessions", "client sessions open in the replicated state", () -> published.sessions());
        gauge("synod_kv_keys", "keys in the KV store", () -> published.keys());
        gauge("synod_up", "1 while the member's agent runs, 0 once it stopped on a failure", () -> node.failure() == null ? 1 : 0);
        counter("synod_client_bad_frames", "client frames dropped as malformed", () -> published.badFrames());
        counter("synod_client_back_pressured", "client requests answered BACK_PRESSURE", () -> published.backPressured());
        CounterWithCallback.builder().name("synod_http_rejected")
            .help("HTTP requests refused for their input (bad JSON, unknown field or path, wrong method, oversize), by error code")
            .labelNames("reason")
            .callback((cb) -> published.rejected().forEach((code, count) -> cb.call(count.sum(), code)))
            .register(registry);
        gauge("synod_gateway_locks_held", "locks the JSON gateway holds for HTTP lock holders", () ->
        {
            final JsonGateway gateway = published.gateway();
            return gateway == null ? 0 : gateway.locksHeld();
        });
        counter("synod_gateway_leases_expired", "HTTP lock leases that ran out without a renewal (released by the gateway)", () ->
        {
            final JsonGateway gateway = published.gateway();
            return gateway == null ? 0 : gateway.leasesExpired();
        });
        CounterWithCallback.builder().name("synod_frames_dropped").help("frames dropped by the transport and agent, by reason")
            .labelNames("reason")
            .callback((cb) ->
            {
                for (int reason = 1; reason < FrameCheck.REASON_COUNT; reason++)
                {
                    cb.call(node.transport().droppedFrames(reason) + node.agent().framesDropped(reason), FrameCheck.reason(reason));
                }
            }).register(registry);
    }

    private void gauge(final String name, final String help, final java.util.function.DoubleSupplier value)
    {
        GaugeWithCallback.builder().name(name).help(help).callback((cb) -> cb.call(value.getAsDouble())).register(registry);
    }

    private void counter(final String name, final String help, final java.util.function.DoubleSupplier value)
    {
        CounterWithCallback.builder().name(name).help(help).callback((cb) -> cb.call(value.getAsDouble())).register(registry);
    }

    /** @return the content type of {@link #write}. */
    String contentType()
    {
        return writer.getContentType();
    }

    /** Writes every metric, read now. */
    void write(final OutputStream out) throws IOException
    {
        writer.write(out, registry.scrape());
    }
}
