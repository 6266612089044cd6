package io.synod.bench;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The Raft core alone, no I/O: a {@link LoopbackCluster} of {@code members} nodes on virtual time, every
 * member's duty cycle run on the benchmark thread, frames through pre-allocated ring buffers, in-memory logs.
 * One operation is propose → replicate → persist → commit → apply → respond of one 64 B command:
 * <ul>
 *   <li>{@code oneInFlight}: propose one command and tick until it is acknowledged (3 members: 3 ticks —
 *       append, response, commit — of 3 duty cycles each; 1 member: the single-node commit path);</li>
 *   <li>{@code batch64}: propose {@value #BATCH} commands, tick until all are acknowledged; the CPU cost per
 *       command when AppendEntries carry batches.</li>
 * </ul>
 * The state machine (a sum) snapshots every {@value #SNAPSHOT_EVERY} entries into the cluster's in-memory
 * snapshot store, so the logs are compacted and stay within their pre-sized arrays; the snapshot's cost is
 * amortised into the figure. The result is CPU time per committed command for the whole cluster.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CoreClusterBenchmark extends SynodBenchmark
{
    static final int BATCH = 64;
    static final int COMMAND_BYTES = 64;
    static final int LOG_ENTRIES = 256 * 1024;
    static final long SNAPSHOT_EVERY = 64 * 1024;

    @Param({ "3", "1" })
    public int members;

    private final UnsafeBuffer command = new UnsafeBuffer(new byte[COMMAND_BYTES]);
    private LoopbackCluster cluster;
    private int leader;
    private long correlationId;

    @Setup(Level.Trial)
    public void setUp()
    {
        cluster = new LoopbackCluster(members, 42, false, member -> new SumStateMachine(),
            config -> config.snapshotEntriesThreshold(SNAPSHOT_EVERY).snapshotTrailingEntries(1024),
            LOG_ENTRIES, LOG_ENTRIES * (COMMAND_BYTES + 16));
        leader = cluster.awaitLeader(5_000_000_000L);
        if (leader == 0)
        {
            throw new IllegalStateException("no leader: " + cluster.describe());
        }
        correlationId = 0;
    }

    @Benchmark
    public long oneInFlight()
    {
        final long target = cluster.acknowledgedCount() + 1;
        command.putLong(0, correlationId);
        if (!cluster.propose(leader, correlationId++, command, 0, COMMAND_BYTES))
        {
            throw new IllegalStateException("proposal refused");
        }
        return tickUntil(target);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long batch64()
    {
        final long target = cluster.acknowledgedCount() + BATCH;
        for (int i = 0; i < BATCH; i++)
        {
            command.putLong(0, correlationId);
            if (!cluster.propose(leader, correlationId++, command, 0, COMMAND_BYTES))
            {
                throw new IllegalStateException("proposal refused");
            }
        }
        return tickUntil(target);
    }

    /** Adds each command's first 8 bytes; its snapshot is the 8-byte sum. */
    static final class SumStateMachine implements StateMachine
    {
        private long sum;
        private boolean written;
        private final SnapshotSource source = (buffer, offset, maxBytes) ->
        {
            if (written)
            {
                return -1;
            }
            buffer.putLong(offset, sum);
            written = true;
            return 8;
        };

        @Override
        public int apply(
            final long index, final long term, final DirectBuffer command, final int offset, final int length,
            final ExpandableArrayBuffer response)
        {
            sum += command.getLong(offset);
            response.putLong(0, sum);
            return 8;
        }

        @Override
        public SnapshotSource snapshot()
        {
            written = false;
            return source;
        }

        @Override
        public void restore(final SnapshotReader reader)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
            reader.readFully(buffer, 0, 8);
            sum = buffer.getLong(0);
        }
    }

    private long tickUntil(final long target)
    {
        for (int ticks = 0; cluster.acknowledgedCount() < target; ticks++)
        {
            if (ticks > 10_000)
            {
                throw new IllegalStateException("not committed: " + cluster.describe());
            }
            cluster.tick();
        }
        return cluster.acknowledgedCount();
    }
}
