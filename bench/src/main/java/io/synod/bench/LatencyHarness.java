package io.synod.bench;

import io.synod.bench.harness.AeronClusterPeer;
import io.synod.bench.harness.AeronPingPong;
import io.synod.bench.harness.HarnessSetup;
import io.synod.bench.harness.LoadGenerator;
import io.synod.bench.harness.LoadGenerator.Result;
import io.synod.bench.harness.LoadTarget;
import io.synod.bench.harness.LogKind;
import io.synod.bench.harness.RatisPeer;
import io.synod.bench.harness.SynodCluster;
import io.synod.bench.harness.SynodTarget;
import io.synod.raft.ReadMode;
import org.apache.ratis.rpc.SupportedRpcType;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Fixed-rate and closed-loop latency harness: a 3-node Synod cluster over Aeron UDP on loopback in this JVM,
 * the raw Aeron UDP ping-pong floor, and the peers (Apache Ratis with netty, Aeron Cluster with an echo
 * service) in the same run, one system at a time. Every Aeron-based system gets the same {@link HarnessSetup}:
 * by default one embedded media driver ({@code ThreadingMode.SHARED}) per system and a backoff idle strategy
 * on every polling thread, the load generator included. Latency is from the intended send time (coordinated
 * omission corrected) for fixed rates and from the send for closed loops. Writes a Markdown table to stdout
 * and {@code <out>/latency-<time>.md} (+ {@code latest.md}), and one {@code .hgrm} per run under
 * {@code <out>/hgrm/} (gitignored).
 *
 * <p>Options: {@code --out DIR} (default bench/results), {@code --warmup S} (2), {@code --duration S} (5),
 * {@code --dir DIR} for logs and driver directories (default target/harness), {@code --skip-peers},
 * {@code --rates 10000,50000,100000}, {@code --idle backoff|backoff:<maxParkUs>|yielding|busy} (backoff),
 * {@code --drivers shared|per-member} (shared), {@code --ratis-rpc grpc|netty} (grpc), {@code --systems floor,synod,reads,sync,aeron-cluster,ratis}
 * (all; a quick subset while developing), {@code --sizes 32,256,1024} ({@code none}: only the 64 B rows).
 */
public final class LatencyHarness
{
    static final int[] SIZES = { 32, 256, 1024 };
    static final int PEER_BYTES = 64;
    static final int MAX_WINDOW = 256;

    /** Held so the setting sticks: Ratis' netty LoggingHandler logs every frame at INFO. */
    private static final java.util.logging.Logger RATIS_LOGGER = java.util.logging.Logger.getLogger("org.apache.ratis");

    private final List<Result> results = new ArrayList<>();
    private final long warmupNs;
    private final long durationNs;
    private final Path hgrmDir;
    private final HarnessSetup setup;
    private double floorP50Ns = Double.NaN;
    private String ratisRpc = "GRPC";

    private LatencyHarness(final long warmupNs, final long durationNs, final Path hgrmDir, final HarnessSetup setup)
    {
        this.warmupNs = warmupNs;
        this.durationNs = durationNs;
        this.hgrmDir = hgrmDir;
        this.setup = setup;
    }

    public static void main(final String[] args) throws Exception
    {
        RATIS_LOGGER.setLevel(java.util.logging.Level.WARNING);
        Path out = Path.of("bench/results");
        Path dir = Path.of("target/harness");
        double warmup = 2;
        double duration = 5;
        boolean peers = true;
        int[] rates = { 10_000, 50_000, 100_000 };
        int[] sizes = SIZES;
        String idleName = "backoff";
        String drivers = "shared";
        String ratisRpc = "GRPC";
        List<String> systems = List.of("floor", "synod", "reads", "sync", "aeron-cluster", "ratis");
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--out" -> out = Path.of(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--duration" -> duration = Double.parseDouble(args[++i]);
                case "--skip-peers" -> peers = false;
                case "--rates" -> rates = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--sizes" -> sizes = args[++i].equals("none") ?
                    new int[0] : java.util.Arrays.stream(args[i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--idle" -> idleName = args[++i];
                case "--drivers" -> drivers = args[++i];
                case "--ratis-rpc" -> ratisRpc = args[++i].toUpperCase(Locale.ROOT);
                case "--systems" -> systems = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out.resolve("hgrm"));
        final HarnessSetup setup = HarnessSetup.of(idleName, drivers);
        final Path harnessDir = dir;
        final SupportedRpcType ratisRpcType = SupportedRpcType.valueOfIgnoreCase(ratisRpc);
        final LatencyHarness harness = new LatencyHarness(
            (long)(warmup * 1e9), (long)(duration * 1e9), out.resolve("hgrm"), setup);
        harness.ratisRpc = ratisRpcType.name();
        System.out.println("set-up: " + setup.describe());
        final long startNs = System.nanoTime();

        if (systems.contains("floor"))
        {
            try (AeronPingPong floor = new AeronPingPong(PEER_BYTES, setup, dir))
            {
                final Result r = harness.closed("floor: aeron udp ping-pong 64 B", floor, 1);
                harness.floorP50Ns = r.histogram().getValueAtPercentile(50);
            }
        }
        for (final LogKind kind : new LogKind[] { LogKind.PAGE_CACHE, LogKind.SYNC })
        {
            if (!systems.contains(kind == LogKind.SYNC ? "sync" : "synod"))
            {
                continue;
            }
            try (SynodCluster cluster = new SynodCluster(3, kind, setup, dir))
            {
                final SynodTarget peerSized = SynodTarget.writes(cluster, PEER_BYTES);
                harness.closed("synod write " + kind + " 64 B", peerSized, 1);
                harness.fixed("synod write " + kind + " 64 B", peerSized, 10_000);
                harness.closed("synod write " + kind + " 64 B", peerSized, MAX_WINDOW);
                for (final int size : sizes)
                {
                    final SynodTarget writes = SynodTarget.writes(cluster, size);
                    harness.closed("synod write " + kind + " " + size + " B", writes, 1);
                    for (final int rate : rates)
                    {
                        harness.fixed("synod write " + kind + " " + size + " B", writes, rate);
                    }
                    harness.closed("synod write " + kind + " " + size + " B", writes, MAX_WINDOW);
                }
                if (kind == LogKind.PAGE_CACHE && systems.contains("reads"))
                {
                    for (final ReadMode mode : new ReadMode[] { ReadMode.LINEARIZABLE, ReadMode.LEASE })
                    {
                        final SynodTarget reads = SynodTarget.reads(cluster, mode);
                        harness.closed("synod read " + mode, reads, 1);
                        harness.fixed("synod read " + mode, reads, 10_000);
                    }
                }
            }
        }
        if (peers && systems.contains("aeron-cluster"))
        {
            harness.peer(() -> new AeronClusterPeer(PEER_BYTES, setup, harnessDir), "aeron cluster echo 64 B");
        }
        if (peers && systems.contains("ratis"))
        {
            harness.peer(() -> new RatisPeer(PEER_BYTES, true, ratisRpcType, harnessDir), "ratis unsafe-flush 64 B");
            harness.peer(() -> new RatisPeer(PEER_BYTES, false, ratisRpcType, harnessDir), "ratis flush 64 B");
        }
        final String table = harness.table((System.nanoTime() - startNs) / 1e9);
        System.out.println();
        System.out.println(table);
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Files.writeString(out.resolve("latency-" + stamp + ".md"), table);
        Files.writeString(out.resolve("latest.md"), table);
        System.exit(0);
    }

    private void peer(final Supplier<LoadTarget> factory, final String label)
    {
        try (LoadTarget target = factory.get())
        {
            closed(label, target, 1);
            fixed(label, target, 10_000);
            closed(label, target, MAX_WINDOW);
        }
        catch (final RuntimeException ex)
        {
            System.out.println("PEER FAILED " + label + ": " + ex);
            ex.printStackTrace(System.out);
        }
    }

    private Result closed(final String label, final LoadTarget target, final int window)
    {
        return record(LoadGenerator.closedLoop(label + (window == 1 ? " closed-loop" : " closed window " + window),
            target, window, warmupNs, durationNs, setup.idleStrategy().get()));
    }

    private Result fixed(final String label, final LoadTarget target, final int rate)
    {
        return record(LoadGenerator.fixedRate(
            label + " @" + rate / 1000 + "K/s", target, rate, warmupNs, durationNs, setup.idleStrategy().get()));
    }

    private Result record(final Result result)
    {
        results.add(result);
        System.out.println(row(result));
        final String file = result.name().replaceAll("[^A-Za-z0-9]+", "_") + ".hgrm";
        try (PrintStream ps = new PrintStream(Files.newOutputStream(hgrmDir.resolve(file))))
        {
            result.histogram().outputPercentileDistribution(ps, 1000.0);
        }
        catch (final IOException ex)
        {
            System.err.println("hgrm " + file + ": " + ex);
        }
        return result;
    }

    private String row(final Result r)
    {
        final Histogram h = r.histogram();
        final boolean fixedRate = r.offeredPerSec() > 0;
        final boolean sustained = !fixedRate || r.achievedPerSec() >= 0.95 * r.offeredPerSec();
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %,.0f%s | %s | %.0f | %d |",
            r.name(), us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(90)), us(h.getValueAtPercentile(99)),
            us(h.getValueAtPercentile(99.9)), us(h.getMaxValue()),
            Double.isNaN(floorP50Ns) ? "–" : String.format(Locale.ROOT, "%.1f×", h.getValueAtPercentile(50) / floorP50Ns),
            r.achievedPerSec(), sustained ? "" : " (not sustained)", r.completed() < r.sent() ? (r.sent() - r.completed()) + " unfinished" : "0",
            r.bytesPerOp(), r.threads());
    }

    private String table(final double seconds)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("Set-up: ").append(setup.describe()).append("; Ratis: RPC ").append(ratisRpc)
            .append(", its own threads, blocking, at most ").append(RatisPeer.OUTSTANDING_MAX).append(" requests outstanding.\n\n");
        sb.append("| run | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | p50 / floor | achieved ops/s | unfinished (unsent, rejected or late) | B/op (all threads) | JVM threads |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (final Result r : results)
        {
            sb.append(row(r)).append('\n');
        }
        sb.append('\n').append(ratios()).append('\n');
        sb.append(String.format(Locale.ROOT, "Whole run: %.0f s; warm-up %.0f s and measurement %.0f s per row.%n",
            seconds, warmupNs / 1e9, durationNs / 1e9));
        return sb.toString();
    }

    private String ratios()
    {
        final StringBuilder sb = new StringBuilder("Synod as a ratio to the peers (same run, 64 B; < 1 means Synod is lower/faster for latency, > 1 means more throughput):\n\n");
        sb.append("| comparison | p50 ratio | p99 ratio | throughput ratio |\n|---|---|---|---|\n");
        final String[][] pairs = {
            { "synod write PAGE_CACHE 64 B closed-loop", "aeron cluster echo 64 B closed-loop" },
            { "synod write PAGE_CACHE 64 B @10K/s", "aeron cluster echo 64 B @10K/s" },
            { "synod write PAGE_CACHE 64 B closed window 256", "aeron cluster echo 64 B closed window 256" },
            { "synod write PAGE_CACHE 64 B closed-loop", "ratis unsafe-flush 64 B closed-loop" },
            { "synod write PAGE_CACHE 64 B @10K/s", "ratis unsafe-flush 64 B @10K/s" },
            { "synod write SYNC 64 B closed-loop", "ratis flush 64 B closed-loop" },
            { "synod write SYNC 64 B @10K/s", "ratis flush 64 B @10K/s" },
            { "synod write SYNC 64 B closed window 256", "ratis flush 64 B closed window 256" },
            { "synod write PAGE_CACHE 64 B closed window 256", "ratis unsafe-flush 64 B closed window 256" },
        };
        for (final String[] pair : pairs)
        {
            final Result a = find(pair[0]);
            final Result b = find(pair[1]);
            if (a != null && b != null && b.completed() > 0)
            {
                sb.append(String.format(Locale.ROOT, "| %s vs %s | %.2f | %.2f | %.2f |%n", pair[0], pair[1],
                    (double)a.histogram().getValueAtPercentile(50) / b.histogram().getValueAtPercentile(50),
                    (double)a.histogram().getValueAtPercentile(99) / b.histogram().getValueAtPercentile(99),
                    a.achievedPerSec() / b.achievedPerSec()));
            }
        }
        return sb.toString();
    }

    private Result find(final String name)
    {
        for (final Result r : results)
        {
            if (r.name().equals(name))
            {
                return r;
            }
        }
        return null;
    }

    private static String us(final double ns)
    {
        return String.format(Locale.ROOT, ns >= 100_000 ? "%,.0f" : "%.1f", ns / 1000.0);
    }
}
