package io.synod.bench;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.synod.bench.harness.HarnessSetup;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.raft.StateMachine;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import io.synod.transport.aeron.AeronRaftNode;
import io.synod.transport.aeron.AeronRuntime;
import io.synod.transport.aeron.GroupSpec;
import org.agrona.CloseHelper;

import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Multi-raft cost of idle groups, with and without frame coalescing ({@link AeronRaftNode.Builder#coalesceFrames}),
 * in one run: for each group count, three {@link AeronRaftNode}s in this JVM over Aeron UDP on loopback (one
 * shared embedded media driver, as {@link HarnessSetup#DEFAULT}), each hosting that many groups on its one agent
 * thread (in-memory logs, no commands: only elections, heartbeats and their answers). Once every group has a
 * leader all three members agree on, and after a warm-up, it measures for a fixed time:
 *
 * <ul>
 *   <li>CPU time per wall second of the whole process ({@code OperatingSystemMXBean.getProcessCpuTime}), and of
 *       the three agent threads alone ({@code ThreadMXBean.getThreadCpuTime}); 1.0 is one core busy;</li>
 *   <li>frames per second handed to Aeron by the three members together ({@code AeronTransport.sentFrames()}: a
 *       BATCH frame counts once), and bytes per second;</li>
 *   <li>groups whose term moved during the measurement (an election: the run was not idle).</li>
 * </ul>
 *
 * <p>A window in which any group's term moved is not idle (on a loaded 2-core machine a starved agent misses
 * heartbeats and groups re-elect), so it is discarded and measured again, up to {@code --windows} times; the
 * row says how many windows it took, and the last one is reported even if it still saw elections.
 *
 * <p>Election timeout 500–1000 ms and heartbeat 50 ms, the daemon's defaults; CheckQuorum and PreVote on. Off
 * and on alternate for each group count, off first. Not a JMH benchmark: a main class with a fixed duration.
 *
 * <pre>
 * java $(java -cp bench/target/benchmarks.jar io.synod.bench.BenchJvmFlags) -Xmx3g -cp bench/target/benchmarks.jar \
 *     io.synod.bench.MultiGroupHarness --groups 1,10,100,1000 --warmup 5 --duration 10 --idle backoff
 * </pre>
 */
public final class MultiGroupHarness
{
    static final int CLUSTER_ID = 7;
    static final int MEMBERS = 3;

    private MultiGroupHarness()
    {
    }

    /** The figures of one run. */
    record Row(int groups, boolean coalesce, double processCpu, double agentCpu, double framesPerSecond,
        double bytesPerSecond, int termsMoved, double setupSeconds, int windows, double loadAverage)
    {
    }

    /**
     * Runs every group count, coalescing off then on, and prints one line per run and the tables.
     *
     * @param args {@code --groups 1,10,100,1000 --warmup <s> --duration <s> --windows <n> --idle <strategy>}.
     * @throws Exception if a run fails (a member stops, a group elects no leader in 120 s).
     */
    public static void main(final String[] args) throws Exception
    {
        System.setProperty("aeron.driver.timeout", String.valueOf(TimeUnit.SECONDS.toMillis(60)));
        int[] groupCounts = {1, 10, 100, 1000};
        int warmupSeconds = 5;
        int durationSeconds = 10;
        String idle = "backoff";
        int windows = 5;
        for (int i = 0; i < args.length; i += 2)
        {
            final String value = args[i + 1];
            switch (args[i])
            {
                case "--groups" -> groupCounts = java.util.Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--warmup" -> warmupSeconds = Integer.parseInt(value);
                case "--duration" -> durationSeconds = Integer.parseInt(value);
                case "--idle" -> idle = value;
                case "--windows" -> windows = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i] +
                    " (--groups 1,10,100,1000 --warmup s --duration s --idle backoff|yielding|backoff:<us>)");
            }
        }
        final HarnessSetup setup = HarnessSetup.of(idle, "shared");
        System.out.printf("multi-group harness %s: %d members in one JVM, Aeron UDP loopback, %s; warm-up %d s, measured %d s; " +
            "%d CPUs; load average at start %.2f%n", Instant.now(), MEMBERS, setup.describe(), warmupSeconds, durationSeconds,
            Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        final List<Row> rows = new ArrayList<>();
        for (final int groups : groupCounts)
        {
            for (final boolean coalesce : new boolean[] {false, true})
            {
                final Row row = run(groups, coalesce, setup, warmupSeconds, durationSeconds, windows);
                rows.add(row);
                System.out.printf(Locale.ROOT, "groups %d coalesce %s: process CPU %.3f, agents CPU %.3f, %,.0f frames/s, " +
                    "%,.0f bytes/s, terms moved %d, set-up %.1f s, window %d, load %.1f%n", groups, coalesce, row.processCpu,
                    row.agentCpu, row.framesPerSecond, row.bytesPerSecond, row.termsMoved, row.setupSeconds, row.windows,
                    row.loadAverage);
            }
        }
        System.out.println();
        System.out.println("| groups | coalescing | process CPU (cores) | agent threads CPU (cores) | frames/s | bytes/s | " +
            "groups re-elected while measured | windows | load average |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (final Row row : rows)
        {
            System.out.printf(Locale.ROOT, "| %,d | %s | %.3f | %.3f | %,.0f | %,.0f | %d | %d | %.1f |%n", row.groups,
                row.coalesce ? "on" : "off", row.processCpu, row.agentCpu, row.framesPerSecond, row.bytesPerSecond, row.termsMoved,
                row.windows, row.loadAverage);
        }
        System.out.println();
        System.out.println("| groups | process CPU on/off | agent CPU on/off | frames/s on/off |");
        System.out.println("|---|---|---|---|");
        for (int i = 0; i + 1 < rows.size(); i += 2)
        {
            final Row off = rows.get(i);
            final Row on = rows.get(i + 1);
            System.out.printf(Locale.ROOT, "| %,d | %.2f | %.2f | %.3f |%n", off.groups, on.processCpu / off.processCpu,
                on.agentCpu / off.agentCpu, on.framesPerSecond / off.framesPerSecond);
        }
    }

    static Row run(final int groups, final boolean coalesce, final HarnessSetup setup, final int warmupSeconds,
        final int durationSeconds, final int windows) throws Exception
    {
        final long setupStartNs = System.nanoTime();
        final Path root = Files.createTempDirectory("synod-multigroup-");
        // 6 counters per group and member (NodeCounters) live in the shared driver: 18,000 at 1,000 groups, more
        // than the default 1 MiB of counter values holds.
        final MediaDriver.Context driver = new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(setup.idleStrategy().get())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .publicationTermBufferLength(AeronRuntime.Configuration.TERM_BUFFER_LENGTH_DEFAULT)
            .counterValuesBufferLength(16 * 1024 * 1024)
            // Building 1,000 groups adds 6,000 counters per member, one driver round trip each; on a loaded
            // 2-core machine the client can go longer than Aeron's default 10 s between services meanwhile.
            .clientLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(60))
            .publicationUnblockTimeoutNs(TimeUnit.SECONDS.toNanos(90))
            .warnIfDirectoryExists(false);
        final AeronRuntime runtime = AeronRuntime.embedded(root, driver);
        final AeronRaftNode[] nodes = new AeronRaftNode[MEMBERS + 1];
        try
        {
            final String[] endpoints = new String[MEMBERS + 1];
            for (int m = 1; m <= MEMBERS; m++)
            {
                endpoints[m] = "127.0.0.1:" + freeUdpPort();
            }
            for (int m = 1; m <= MEMBERS; m++)
            {
                final AeronRaftNode.Builder builder = AeronRaftNode.builder()
                    .clusterId(CLUSTER_ID)
                    .memberId(m)
                    .raftConfig(config())
                    .log(new InMemoryRaftLog())
                    .hardState(new InMemoryHardState())
                    .stateMachine(NOOP)
                    .runtime(runtime)
                    .idleStrategy(setup.idleStrategy().get())
                    .coalesceFrames(coalesce)
                    .randomSeed(42L * m + groups);
                for (int g = 1; g < groups; g++)
                {
                    builder.group(new GroupSpec(g).raftConfig(config()).log(new InMemoryRaftLog())
                        .hardState(new InMemoryHardState()).stateMachine(NOOP));
                }
                for (int p = 1; p <= MEMBERS; p++)
                {
                    builder.endpoint(p, endpoints[p]);
                }
                nodes[m] = builder.build();
            }
            awaitEveryGroupLed(nodes, groups);
            final double setupSeconds = (System.nanoTime() - setupStartNs) / 1e9;
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));

            Row row = null;
            for (int window = 1; window <= windows && (row == null || row.termsMoved > 0); window++)
            {
                row = measure(nodes, groups, coalesce, durationSeconds, setupSeconds, window);
            }
            return row;
        }
        finally
        {
            for (int m = 1; m <= MEMBERS; m++)
            {
                CloseHelper.quietClose(nodes[m]);
            }
            CloseHelper.quietClose(runtime);
        }
    }

    private static Row measure(final AeronRaftNode[] nodes, final int groups, final boolean coalesce,
        final int durationSeconds, final double setupSeconds, final int window) throws InterruptedException
    {
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final double loadAverage = os.getSystemLoadAverage();
        final long[] termsBefore = terms(nodes, groups);
        final long processBefore = os.getProcessCpuTime();
        long agentBefore = 0;
        long framesBefore = 0;
        long bytesBefore = 0;
        for (int m = 1; m <= MEMBERS; m++)
        {
            agentBefore += threads.getThreadCpuTime(nodes[m].agentThread().getId());
            framesBefore += nodes[m].transport().sentFrames();
            bytesBefore += nodes[m].transport().sentBytes();
        }
        final long startNs = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(durationSeconds));
        final double elapsedNs = System.nanoTime() - startNs;
        final long processCpu = os.getProcessCpuTime() - processBefore;
        long agentCpu = -agentBefore;
        long frames = -framesBefore;
        long bytes = -bytesBefore;
        for (int m = 1; m <= MEMBERS; m++)
        {
            agentCpu += threads.getThreadCpuTime(nodes[m].agentThread().getId());
            frames += nodes[m].transport().sentFrames();
            bytes += nodes[m].transport().sentBytes();
            if (nodes[m].failure() != null)
            {
                throw new IllegalStateException("member " + m + " failed", nodes[m].failure());
            }
        }
        final long[] termsAfter = terms(nodes, groups);
        int termsMoved = 0;
        for (int g = 0; g < groups; g++)
        {
            termsMoved += termsAfter[g] != termsBefore[g] ? 1 : 0;
        }
        if (termsMoved > 0)
        {
            System.out.printf("  groups %d coalesce %s window %d: %d groups re-elected (load %.1f)%n",
                groups, coalesce, window, termsMoved, loadAverage);
        }
        return new Row(groups, coalesce, processCpu / elapsedNs, agentCpu / elapsedNs, frames * 1e9 / elapsedNs,
            bytes * 1e9 / elapsedNs, termsMoved, setupSeconds, window, loadAverage);
    }

    private static RaftConfig config()
    {
        return new RaftConfig()
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .electionTimeoutMaxNs(TimeUnit.MILLISECONDS.toNanos(1000))
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
            .observer(RaftObserver.NONE);
    }

    private static final StateMachine NOOP = (index, term, command, offset, length, response) -> 0;

    /** The highest term any member has seen, per group. */
    private static long[] terms(final AeronRaftNode[] nodes, final int groups)
    {
        final long[] terms = new long[groups];
        for (int m = 1; m <= MEMBERS; m++)
        {
            for (int g = 0; g < groups; g++)
            {
                terms[g] = Math.max(terms[g], nodes[m].group(g).term());
            }
        }
        return terms;
    }

    private static void awaitEveryGroupLed(final AeronRaftNode[] nodes, final int groups) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int g = 0; g < groups; g++)
        {
            while (!agreedLeader(nodes, g))
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("group " + g + " has no leader all members agree on after 120 s");
                }
                Thread.sleep(10);
            }
        }
    }

    private static boolean agreedLeader(final AeronRaftNode[] nodes, final int group)
    {
        final int leader = nodes[1].group(group).leaderId();
        if (leader == 0 || !nodes[leader].group(group).isLeader())
        {
            return false;
        }
        for (int m = 2; m <= MEMBERS; m++)
        {
            if (nodes[m].group(group).leaderId() != leader)
            {
                return false;
            }
        }
        return true;
    }

    private static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
