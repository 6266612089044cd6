package io.synod.bench.harness;

import io.synod.raft.ReadMode;
import io.synod.transport.aeron.AeronRaftNode;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Load on a {@link SynodCluster}'s leader: proposals of {@code commandBytes} (write latency = propose to
 * applied on the leader and acknowledged), or reads in a {@link ReadMode} (request to
 * {@code onReadReady} on the leader). Either completion is timestamped when {@link #poll}, on the generator
 * thread, finds it in the cluster's {@link CompletionQueue}, not on the leader's agent thread.
 */
public final class SynodTarget implements LoadTarget
{
    private final String name;
    private final SynodCluster cluster;
    private AeronRaftNode leader;
    private final UnsafeBuffer command;
    private final ReadMode readMode;
    private Completion completion = id -> {};

    private SynodTarget(final String name, final SynodCluster cluster, final int commandBytes, final ReadMode readMode)
    {
        this.name = name;
        this.cluster = cluster;
        this.leader = cluster.awaitLeader(20_000_000_000L);
        this.command = new UnsafeBuffer(new byte[Math.max(8, commandBytes)]);
        this.readMode = readMode;
    }

    public static SynodTarget writes(final SynodCluster cluster, final int commandBytes)
    {
        return new SynodTarget("synod write", cluster, commandBytes, null);
    }

    public static SynodTarget reads(final SynodCluster cluster, final ReadMode mode)
    {
        return new SynodTarget("synod read " + mode, cluster, 8, mode);
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public void completion(final Completion completion)
    {
        this.completion = completion;
    }

    @Override
    public boolean send(final long id)
    {
        if (readMode != null)
        {
            return SynodCluster.read(leader, id, readMode);
        }
        command.putLong(0, id);
        return leader.propose(id, command, 0, command.capacity());
    }

    @Override
    public int poll()
    {
        if (cluster.failure() != null)
        {
            throw new IllegalStateException("a member stopped", cluster.failure());
        }
        if (!leader.isLeader())
        {
            leader = cluster.awaitLeader(20_000_000_000L);
        }
        return cluster.drainCompletions(completion);
    }

    @Override
    public void close()
    {
    }
}
