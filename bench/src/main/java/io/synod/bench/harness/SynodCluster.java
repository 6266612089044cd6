package io.synod.bench.harness;

import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftConfig;
import io.synod.raft.ReadMode;
import io.synod.raft.StateMachine;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import io.synod.transport.aeron.AeronRaftNode;
import io.synod.transport.aeron.AeronRuntime;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code members} Synod nodes in this JVM over Aeron UDP on loopback (each member listens on its own port), with
 * one agent thread per member and, as the {@link HarnessSetup} says, either one embedded media driver
 * ({@code ThreadingMode.SHARED}: one thread) shared by all members, or one per member. Driver and agents use
 * the set-up's idle strategy. The state machine applies a command by adding its first 8 bytes to a sum and
 * answers 8 bytes. The leader's {@link ProposalHandler}, on the leader's agent thread, only queues the
 * correlation id of each commit and served read in a {@link CompletionQueue}; the client thread drains it
 * ({@link #drainCompletions}) and timestamps what it finds, as the other systems' replies are timestamped
 * when the client polls them. Election timeout 300 ms, heartbeat 30 ms, CheckQuorum and lease reads on.
 *
 * <p>The client proposes straight into the leader's proposal ring (same process): commit latency here has
 * no client-to-leader network hop, unlike the Ratis and Aeron Cluster clients.
 */
public final class SynodCluster implements AutoCloseable
{
    static final int CLUSTER_ID = 7;

    private final AeronRaftNode[] nodes;
    private final Path root;
    /** Commits and served reads, queued on the leader's agent thread, drained by the client thread. */
    private final CompletionQueue completions = new CompletionQueue();
    /** Runtimes this cluster created (one shared, or one per member), closed after the nodes. */
    private final java.util.List<AeronRuntime> runtimes = new java.util.ArrayList<>();
    /** Rejected proposals and reads (leader change under load): never completed, so they show as unfinished. */
    private final java.util.concurrent.atomic.AtomicLong rejected = new java.util.concurrent.atomic.AtomicLong();

    public SynodCluster(final int members, final LogKind logKind, final HarnessSetup setup, final Path parent)
    {
        final Supplier<IdleStrategy> idleStrategy = setup.idleStrategy();
        nodes = new AeronRaftNode[members];
        try
        {
            Files.createDirectories(parent);
            root = Files.createTempDirectory(parent, "synod-" + logKind.name().toLowerCase() + "-");
            final AeronRuntime shared = setup.sharedDriver() || members == 1 ?
                AeronRuntime.embedded(Files.createDirectories(root.resolve("driver")), idleStrategy.get()) : null;
            if (shared != null)
            {
                runtimes.add(shared);
            }
            final String[] endpoints = new String[members + 1];
            for (int m = 1; m <= members; m++)
            {
                endpoints[m] = "127.0.0.1:" + freeUdpPort();
            }
            final ProposalHandler handler = new ProposalHandler()
            {
                @Override
                public void onCommitted(
                    final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset,
                    final int length)
                {
                    completions.offer(correlationId);
                }

                @Override
                public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
                {
                    rejected.incrementAndGet();
                }

                @Override
                public void onReadReady(final int groupId, final long correlationId, final long readIndex)
                {
                    completions.offer(correlationId);
                }

                @Override
                public void onReadRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
                {
                    rejected.incrementAndGet();
                }
            };
            for (int m = 1; m <= members; m++)
            {
                final Path dir = Files.createDirectories(root.resolve("member-" + m));
                final StateMachine sum = new StateMachine()
                {
                    private long total;

                    @Override
                    public int apply(
                        final long index, final long term, final DirectBuffer command, final int offset, final int length,
                        final org.agrona.ExpandableArrayBuffer response)
                    {
                        total += length >= 8 ? command.getLong(offset) : length;
                        response.putLong(0, total);
                        return 8;
                    }
                };
                final AeronRaftNode.Builder builder = AeronRaftNode.builder()
                    .clusterId(CLUSTER_ID)
                    .memberId(m)
                    .raftConfig(new RaftConfig()
                        .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300))
                        .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(30))
                        .checkQuorum(true)
                        .leaseReads(true))
                    .stateMachine(sum)
                    .proposalHandler(handler)
                    .idleStrategy(idleStrategy.get())
                    .randomSeed(42 + m);
                if (shared != null)
                {
                    builder.runtime(shared);
                }
                else
                {
                    final AeronRuntime own = AeronRuntime.embedded(dir, idleStrategy.get());
                    runtimes.add(own);
                    builder.runtime(own);
                }
                switch (logKind)
                {
                    case MEMORY -> builder.log(new InMemoryRaftLog(1 << 20, 64 << 20)).hardState(new InMemoryHardState());
                    case PAGE_CACHE, SYNC -> builder
                        .log(ChronicleRaftLog.open(dir.resolve("log"),
                            logKind == LogKind.SYNC ? Durability.SYNC : Durability.PAGE_CACHE, CLUSTER_ID, m))
                        .hardState(FileHardState.open(dir.resolve("hard-state"), CLUSTER_ID, m));
                }
                if (members == 1)
                {
                    // A single member has no peer: IPC (UDP needs two endpoints).
                    builder.ipc(1);
                }
                else
                {
                    for (int e = 1; e <= members; e++)
                    {
                        builder.endpoint(e, endpoints[e]);
                    }
                }
                nodes[m - 1] = builder.build();
            }
        }
        catch (final IOException ex)
        {
            closeNodesAndRuntimes();
            throw new UncheckedIOException(ex);
        }
        catch (final RuntimeException ex)
        {
            closeNodesAndRuntimes();
            throw ex;
        }
    }

    private void closeNodesAndRuntimes()
    {
        for (final AeronRaftNode node : nodes)
        {
            if (node != null)
            {
                try
                {
                    node.close();
                }
                catch (final RuntimeException ex)
                {
                    System.err.println("close member " + node.memberId() + ": " + ex);
                }
            }
        }
        for (int i = runtimes.size() - 1; i >= 0; i--)
        {
            runtimes.get(i).close();
        }
        runtimes.clear();
    }

    /**
     * Hands the commits and served reads queued since the last call (up to {@link CompletionQueue#DRAIN_LIMIT})
     * to {@code completion} on the calling thread. One client thread only.
     *
     * @return how many were handed over.
     */
    public int drainCompletions(final Completion completion)
    {
        return completions.drain(completion);
    }

    /** Waits for a leader that every member follows and that has committed its no-op. */
    public AeronRaftNode awaitLeader(final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (System.nanoTime() < deadlineNs)
        {
            for (final AeronRaftNode node : nodes)
            {
                if (node.isLeader() && node.commitIndex() > 0 && node.lastApplied() >= node.commitIndex() && allFollow(node))
                {
                    return node;
                }
            }
            Thread.yield();
        }
        throw new IllegalStateException("no leader within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
    }

    private boolean allFollow(final AeronRaftNode leader)
    {
        for (final AeronRaftNode node : nodes)
        {
            if (node.leaderId() != leader.memberId())
            {
                return false;
            }
        }
        return true;
    }

    /** Proposes on the leader; false on back-pressure. Any thread. */
    public static boolean propose(final AeronRaftNode leader, final long id, final DirectBuffer command, final int length)
    {
        return leader.propose(id, command, 0, length);
    }

    /** Requests a read on the leader; false on back-pressure. Any thread. */
    public static boolean read(final AeronRaftNode leader, final long id, final ReadMode mode)
    {
        return leader.agent().read(0, id, mode);
    }

    /** @return proposals and reads rejected so far (a leader change during the run). */
    public long rejected()
    {
        return rejected.get();
    }

    /** @return the nodes, member id order. */
    public AeronRaftNode[] nodes()
    {
        return nodes;
    }

    /** @return the exception that stopped a node, or null. */
    public Throwable failure()
    {
        for (final AeronRaftNode node : nodes)
        {
            if (node.failure() != null)
            {
                return node.failure();
            }
        }
        return null;
    }

    @Override
    public void close()
    {
        closeNodesAndRuntimes();
        IoUtil.delete(root.toFile(), true);
    }

    static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
    }
}
