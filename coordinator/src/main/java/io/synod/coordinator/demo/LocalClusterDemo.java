package io.synod.coordinator.demo;

import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.transport.aeron.AeronRaftNode;
import io.synod.transport.aeron.load.ChecksumStateMachine;
import io.synod.transport.aeron.load.ClusterClient;
import org.agrona.IoUtil;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The README's main command: three members on loopback UDP, each with an embedded media driver and a
 * Chronicle Queue log in a temporary directory. Shows the election, replicates commands with a
 * progress line and a latency summary, kills the leader, shows the re-election, restarts the killed
 * member from its log, and checks that every acknowledged command is on every member in the same
 * order. Deletes its directory at the end.
 *
 * <p>Options: {@code --commands N} (default 50,000), {@code --window N} commands in flight (default
 * 64), {@code --sync} for {@link Durability#SYNC} (default {@link Durability#PAGE_CACHE}),
 * {@code --keep} to keep the directory.
 */
public final class LocalClusterDemo
{
    private static final int CLUSTER_ID = 7;
    private static final int MEMBERS = 3;
    private static final int COMMAND_BYTES = 64;
    private static final int LATENCY_COMMANDS = 2_000;
    private static final int AFTER_FAILOVER_COMMANDS = 10_000;

    private final long startNs = System.nanoTime();
    private final Path root;
    private final Durability durability;
    private final String[] endpoints = new String[MEMBERS + 1];
    private final ChecksumStateMachine[] stateMachines = new ChecksumStateMachine[MEMBERS + 1];
    private final ClusterClient client;

    private LocalClusterDemo(final Path root, final Durability durability, final int commands, final int window)
    {
        this.root = root;
        this.durability = durability;
        this.client = new ClusterClient(MEMBERS, LATENCY_COMMANDS + commands + AFTER_FAILOVER_COMMANDS, COMMAND_BYTES, window);
    }

    public static void main(final String[] args) throws Exception
    {
        int commands = 50_000;
        int window = 64;
        Durability durability = Durability.PAGE_CACHE;
        boolean keep = false;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--commands" -> commands = Integer.parseInt(args[++i]);
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--sync" -> durability = Durability.SYNC;
                case "--keep" -> keep = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        final Path root = Files.createTempDirectory("synod-demo-");
        final LocalClusterDemo demo = new LocalClusterDemo(root, durability, commands, window);
        boolean ok = false;
        try
        {
            ok = demo.run(commands, window);
        }
        finally
        {
            demo.closeAll();
            if (!keep)
            {
                IoUtil.delete(root.toFile(), true);
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private boolean run(final int commands, final int window) throws Exception
    {
        say("Synod demo: %d members on loopback UDP, embedded Aeron media drivers, Chronicle logs (%s) in %s",
            MEMBERS, durability, root);
        for (int m = 1; m <= MEMBERS; m++)
        {
            endpoints[m] = "127.0.0.1:" + freeUdpPort();
        }
        for (int m = 1; m <= MEMBERS; m++)
        {
            start(m);
            say("  member %d listening on udp %s", m, endpoints[m]);
        }

        final long electionStartNs = System.nanoTime();
        final AeronRaftNode first = awaitLeader(0);
        say("election: member %d is leader in term %d (%.0f ms)", first.memberId(), first.term(), ms(System.nanoTime() - electionStartNs));

        client.window(1);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        if (!client.run(LATENCY_COMMANDS, deadlineNs))
        {
            return fail("latency phase did not finish");
        }
        final long[] oneInFlight = client.latencyPercentilesNs(0, LATENCY_COMMANDS, 50, 99, 99.9);
        say("commit latency, one command in flight (%d commands): p50 %s  p99 %s  p99.9 %s",
            LATENCY_COMMANDS, us(oneInFlight[0]), us(oneInFlight[1]), us(oneInFlight[2]));

        say("replicating %,d commands of %d bytes, %d in flight ...", commands, COMMAND_BYTES, window);
        client.window(window);
        final long[] allocatedBefore = agentAllocatedBytes();
        final long sentBytesBefore = totalSentBytes();
        final long replicateStartNs = System.nanoTime();
        final int target = LATENCY_COMMANDS + commands;
        final int step = Math.max(1, commands / 5);
        for (int done = LATENCY_COMMANDS + step; ; done = Math.min(target, done + step))
        {
            if (!client.run(done, deadlineNs))
            {
                return fail("replication did not finish");
            }
            final double seconds = (System.nanoTime() - replicateStartNs) / 1e9;
            say("  %,7d / %,d committed  %,9.0f commands/s", done - LATENCY_COMMANDS, commands, (done - LATENCY_COMMANDS) / seconds);
            if (done == target)
            {
                break;
            }
        }
        final long replicateNs = System.nanoTime() - replicateStartNs;
        final long[] allocatedAfter = agentAllocatedBytes();
        final long[] loaded = client.latencyPercentilesNs(LATENCY_COMMANDS, target, 50, 90, 99, 99.9, 100);
        say("commit latency, %d in flight: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s; %,.0f commands/s",
            window, us(loaded[0]), us(loaded[1]), us(loaded[2]), us(loaded[3]), us(loaded[4]), commands / (replicateNs / 1e9));
        long allocated = 0;
        for (int m = 1; m <= MEMBERS; m++)
        {
            allocated += allocatedAfter[m] - allocatedBefore[m];
        }
        say("steady state: %.1f bytes allocated per command on the three agent threads; %.0f bytes on the wire per command (all members)",
            (double)allocated / commands, (double)(totalSentBytes() - sentBytesBefore) / commands);

        final AeronRaftNode leader = client.leader();
        final int killed = leader.memberId();
        final long killedTerm = leader.term();
        say("killing the leader, member %d (node and media driver closed) ...", killed);
        final long killNs = System.nanoTime();
        stop(killed);
        final AeronRaftNode second = awaitLeader(killedTerm);
        say("re-election: member %d is leader in term %d (%.0f ms without a leader)",
            second.memberId(), second.term(), ms(System.nanoTime() - killNs));

        final int total = client.total();
        if (!client.run(total, deadlineNs))
        {
            return fail("replication after fail-over did not finish");
        }
        say("  %,d more commands committed by the new leader", AFTER_FAILOVER_COMMANDS);

        say("restarting member %d from its log directory ...", killed);
        final long restartNs = System.nanoTime();
        final AeronRaftNode restarted = start(killed);
        final long commit = second.commitIndex();
        while (restarted.lastApplied() < commit)
        {
            if (System.nanoTime() > deadlineNs || restarted.failure() != null)
            {
                return fail("member " + killed + " did not catch up");
            }
            Thread.yield();
        }
        say("  member %d caught up to index %,d in %.0f ms", killed, commit, ms(System.nanoTime() - restartNs));

        return verify(commit);
    }

    private boolean verify(final long commit)
    {
        final long[][] records = new long[MEMBERS + 1][];
        for (int m = 1; m <= MEMBERS; m++)
        {
            records[m] = stateMachines[m].copyRecorded(commit);
        }
        final boolean[] applied = new boolean[client.total()];
        for (int i = 1; i < records[1].length; i += 2)
        {
            applied[(int)records[1][i]] = true;
        }
        int lost = 0;
        int acked = 0;
        for (int id = 0; id < client.total(); id++)
        {
            if (client.isAcked(id))
            {
                acked++;
                lost += applied[id] ? 0 : 1;
            }
        }
        boolean identical = true;
        for (int m = 2; m <= MEMBERS; m++)
        {
            identical &= java.util.Arrays.equals(records[1], records[m]);
        }
        say("check: %,d commands acknowledged, %d lost; the %d members hold the same %,d commands at the same indexes: %s",
            acked, lost, MEMBERS, records[1].length / 2, identical ? "yes" : "NO");
        say("%s in %.1f s", lost == 0 && identical ? "OK" : "FAILED", (System.nanoTime() - startNs) / 1e9);
        return lost == 0 && identical;
    }

    private AeronRaftNode start(final int member)
    {
        final Path dir = root.resolve("member-" + member);
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        stateMachines[member] = new ChecksumStateMachine(true, client.total() + 1024);
        final AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(CLUSTER_ID)
            .memberId(member)
            .raftConfig(new RaftConfig()
                .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300))
                .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(30))
                .observer(new RaftObserver()
                {
                    @Override
                    public void onRoleChange(
                        final int groupId, final int memberId, final RaftRole from, final RaftRole to, final long term,
                        final String reason)
                    {
                        if (to == RaftRole.LEADER || to == RaftRole.CANDIDATE)
                        {
                            say("  member %d: %s -> %s in term %d (%s)", memberId, from, to, term, reason);
                        }
                    }
                }))
            .log(ChronicleRaftLog.open(dir.resolve("log"), durability, CLUSTER_ID, member))
            .hardState(FileHardState.open(dir.resolve("hard-state"), CLUSTER_ID, member))
            .stateMachine(stateMachines[member])
            .proposalHandler(client)
            .driverParentDir(dir)
            .randomSeed(System.nanoTime() + member);
        for (int m = 1; m <= MEMBERS; m++)
        {
            builder.endpoint(m, endpoints[m]);
        }
        final AeronRaftNode node = builder.build();
        client.node(member - 1, node);
        return node;
    }

    private void stop(final int member)
    {
        final AeronRaftNode node = client.node(member - 1);
        client.node(member - 1, null);
        if (node != null)
        {
            node.close();
        }
    }

    private void closeAll()
    {
        for (int m = 1; m <= MEMBERS; m++)
        {
            try
            {
                stop(m);
            }
            catch (final RuntimeException ex)
            {
                System.err.println("closing member " + m + ": " + ex);
            }
        }
    }

    private AeronRaftNode awaitLeader(final long afterTerm)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadlineNs)
        {
            final AeronRaftNode leader = client.leader();
            if (leader != null && leader.term() > afterTerm && leader.commitIndex() > 0 && everyoneFollows(leader))
            {
                return leader;
            }
            Thread.yield();
        }
        throw new IllegalStateException("no leader within 20 s");
    }

    private boolean everyoneFollows(final AeronRaftNode leader)
    {
        for (int m = 1; m <= MEMBERS; m++)
        {
            final AeronRaftNode node = client.node(m - 1);
            if (node != null && node.leaderId() != leader.memberId())
            {
                return false;
            }
        }
        return true;
    }

    private long[] agentAllocatedBytes()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long[] bytes = new long[MEMBERS + 1];
        for (int m = 1; m <= MEMBERS; m++)
        {
            bytes[m] = threads.getThreadAllocatedBytes(client.node(m - 1).agentThread().getId());
        }
        return bytes;
    }

    private long totalSentBytes()
    {
        long bytes = 0;
        for (int m = 1; m <= MEMBERS; m++)
        {
            bytes += client.node(m - 1).transport().sentBytes();
        }
        return bytes;
    }

    private boolean fail(final String message)
    {
        say("FAILED: %s", message);
        return false;
    }

    private static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
    }

    private static double ms(final long ns)
    {
        return ns / 1e6;
    }

    private static String us(final long ns)
    {
        return String.format(Locale.ROOT, "%.0f µs", ns / 1e3);
    }

    private void say(final String format, final Object... args)
    {
        System.out.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - startNs) / 1e9, String.format(Locale.ROOT, format, args));
    }
}
