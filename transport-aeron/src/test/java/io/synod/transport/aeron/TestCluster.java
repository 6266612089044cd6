package io.synod.transport.aeron;

import io.synod.raft.HardState;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftLog;
import io.synod.raft.RaftObserver;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import io.synod.transport.aeron.load.ChecksumStateMachine;
import io.synod.transport.aeron.load.ClusterClient;
import org.agrona.CloseHelper;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.synod.transport.aeron.TestSupport.await;

/**
 * Three (or more) {@link AeronRaftNode}s on loopback UDP, each with its own embedded media driver.
 * A member's log and hard state outlive a stop: in memory by default, or on disk (Chronicle) with
 * {@link #onDisk}; a restart resumes from them.
 */
final class TestCluster implements AutoCloseable
{
    static final int CLUSTER_ID = 7;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final int size;
    final String[] endpoints;
    final RaftLog[] logs;
    final HardState[] hardStates;
    final ChecksumStateMachine[] stateMachines;
    final CuttableTransport[] cuttable;
    final BatchCountingTransport[] counting;
    final ClusterClient client;
    final long[] recoveredLastIndex;
    private final FrameMac mac;
    private final boolean record;
    private java.nio.file.Path logRoot;
    private boolean coalesce;
    private int extraGroups;

    TestCluster(final int size, final ClusterClient client, final FrameMac mac, final boolean record)
    {
        this.size = size;
        this.client = client;
        this.mac = mac;
        this.record = record;
        endpoints = new String[size + 1];
        logs = new RaftLog[size + 1];
        hardStates = new HardState[size + 1];
        stateMachines = new ChecksumStateMachine[size + 1];
        cuttable = new CuttableTransport[size + 1];
        counting = new BatchCountingTransport[size + 1];
        recoveredLastIndex = new long[size + 1];
        for (int m = 1; m <= size; m++)
        {
            endpoints[m] = TestSupport.freeEndpoint();
        }
    }

    /** Keep each member's log in a Chronicle queue and its hard state in a file under {@code logRoot}. */
    TestCluster onDisk(final java.nio.file.Path logRoot)
    {
        this.logRoot = logRoot;
        return this;
    }

    /**
     * Members send through a frame batcher ({@link AeronRaftNode.Builder#coalesceFrames}) and run {@code extraGroups}
     * more groups (ids 1..extraGroups, in-memory stores, fresh at each start) beside the default one.
     */
    TestCluster coalescing(final int extraGroups)
    {
        this.coalesce = true;
        this.extraGroups = extraGroups;
        return this;
    }

    static RaftConfig raftConfig()
    {
        return new RaftConfig()
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
            .observer(RaftObserver.NONE);
    }

    void startAll()
    {
        for (int m = 1; m <= size; m++)
        {
            start(m);
        }
    }

    AeronRaftNode start(final int member)
    {
        final RaftLog log;
        final HardState hardState;
        if (logRoot != null)
        {
            final java.nio.file.Path dir = logRoot.resolve("member-" + member);
            try
            {
                java.nio.file.Files.createDirectories(dir);
            }
            catch (final java.io.IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
            log = io.synod.log.chronicle.ChronicleRaftLog.open(
                dir.resolve("log"), io.synod.log.chronicle.Durability.PAGE_CACHE, CLUSTER_ID, member);
            hardState = io.synod.log.chronicle.FileHardState.open(dir.resolve("hard-state"), CLUSTER_ID, member);
        }
        else
        {
            if (logs[member] == null)
            {
                logs[member] = new InMemoryRaftLog();
                hardStates[member] = new InMemoryHardState();
            }
            log = new Unclosable(logs[member]);
            hardState = new UnclosableHardState(hardStates[member]);
        }
        recoveredLastIndex[member] = log.lastIndex();
        stateMachines[member] = new ChecksumStateMachine(record, record ? client.total() * 2 : 0);
        final AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(CLUSTER_ID)
            .memberId(member)
            .raftConfig(raftConfig())
            .log(log)
            .hardState(hardState)
            .stateMachine(stateMachines[member])
            .proposalHandler(client)
            .randomSeed(member * 7919L)
            .mac(mac)
            .coalesceFrames(coalesce)
            .transportDecorator((t) -> cuttable[member] = new CuttableTransport(counting[member] = new BatchCountingTransport(t)));
        for (int g = 1; g <= extraGroups; g++)
        {
            builder.group(new GroupSpec(g).raftConfig(raftConfig()).log(new InMemoryRaftLog()).hardState(new InMemoryHardState())
                .stateMachine(new ChecksumStateMachine(false, 0)));
        }
        for (int m = 1; m <= size; m++)
        {
            builder.endpoint(m, endpoints[m]);
        }
        final AeronRaftNode node = builder.build();
        client.node(member - 1, node);
        return node;
    }

    void stop(final int member)
    {
        final AeronRaftNode node = client.node(member - 1);
        client.node(member - 1, null);
        CloseHelper.close(node);
    }

    AeronRaftNode node(final int member)
    {
        return client.node(member - 1);
    }

    AeronRaftNode awaitLeader()
    {
        await(TIMEOUT, () -> "a leader all live members agree on: " + describe(), () ->
        {
            final AeronRaftNode leader = client.leader();
            if (leader == null)
            {
                return false;
            }
            for (int m = 1; m <= size; m++)
            {
                final AeronRaftNode node = node(m);
                if (node != null && (node.leaderId() != leader.memberId() || node.term() != leader.term()))
                {
                    return false;
                }
            }
            return true;
        });
        return client.leader();
    }

    /** Waits until every live member applied the leader's commit index. */
    void awaitConverged()
    {
        await(TIMEOUT, () -> "all live members applied the same index: " + describe(), () ->
        {
            final AeronRaftNode leader = client.leader();
            if (leader == null)
            {
                return false;
            }
            final long commit = leader.commitIndex();
            for (int m = 1; m <= size; m++)
            {
                final AeronRaftNode node = node(m);
                if (node != null && node.lastApplied() != commit)
                {
                    return false;
                }
            }
            return leader.lastApplied() == commit;
        });
    }

    void assertNoFailures()
    {
        for (int m = 1; m <= size; m++)
        {
            final AeronRaftNode node = node(m);
            if (node != null && node.failure() != null)
            {
                throw new AssertionError("member " + m + " failed", node.failure());
            }
        }
    }

    String describe()
    {
        final StringBuilder sb = new StringBuilder();
        for (int m = 1; m <= size; m++)
        {
            final AeronRaftNode node = node(m);
            sb.append(" [").append(m).append(' ');
            if (node == null)
            {
                sb.append("down]");
                continue;
            }
            sb.append(node.role()).append(" term=").append(node.term()).append(" leader=").append(node.leaderId())
                .append(" commit=").append(node.commitIndex()).append(" applied=").append(node.lastApplied()).append(']');
        }
        return sb.append(" acked=").append(client.acked()).toString();
    }

    @Override
    public void close()
    {
        for (int m = 1; m <= size; m++)
        {
            final AeronRaftNode node = node(m);
            client.node(m - 1, null);
            CloseHelper.quietClose(node);
        }
    }

    /** Keeps the log open across a node's close, as a log directory outlives its process. */
    private static final class Unclosable implements RaftLog
    {
        private final RaftLog delegate;

        Unclosable(final RaftLog delegate)
        {
            this.delegate = delegate;
        }

        public long firstIndex()
        {
            return delegate.firstIndex();
        }

        public long lastIndex()
        {
            return delegate.lastIndex();
        }

        public long lastTerm()
        {
            return delegate.lastTerm();
        }

        public long snapshotIndex()
        {
            return delegate.snapshotIndex();
        }

        public long snapshotTerm()
        {
            return delegate.snapshotTerm();
        }

        public long termAt(final long index)
        {
            return delegate.termAt(index);
        }

        public void append(
            final long index, final long term, final int type, final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            delegate.append(index, term, type, buffer, offset, length);
        }

        public void truncateSuffix(final long fromIndex)
        {
            delegate.truncateSuffix(fromIndex);
        }

        public void commitIndex(final long commitIndex)
        {
            delegate.commitIndex(commitIndex);
        }

        public int read(final long fromIndex, final long toIndex, final EntryReader reader)
        {
            return delegate.read(fromIndex, toIndex, reader);
        }

        public void compactPrefix(final long upToIndex, final long upToTerm)
        {
            delegate.compactPrefix(upToIndex, upToTerm);
        }

        public void resetTo(final long snapshotIndex, final long snapshotTerm)
        {
            delegate.resetTo(snapshotIndex, snapshotTerm);
        }

        public void flush()
        {
            delegate.flush();
        }

        public void close()
        {
        }
    }

    private static final class UnclosableHardState implements HardState
    {
        private final HardState delegate;

        UnclosableHardState(final HardState delegate)
        {
            this.delegate = delegate;
        }

        public long term()
        {
            return delegate.term();
        }

        public int votedFor()
        {
            return delegate.votedFor();
        }

        public void store(final long term, final int votedFor)
        {
            delegate.store(term, votedFor);
        }

        public void close()
        {
        }
    }
}
