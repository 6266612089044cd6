package io.synod.bench;

import io.synod.raft.StateMachine;
import io.synod.raft.testkit.LoopbackCluster;
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
 * The cluster is rebuilt before each iteration (fresh election on virtual time) so the in-memory logs stay
 * bounded; the result is CPU time per committed command for the whole cluster. Expected 0 B/op.
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
    static final int LOG_ENTRIES = 4 * 1024 * 1024;

    @Param({ "3", "1" })
    public int members;

    private final UnsafeBuffer command = new UnsafeBuffer(new byte[COMMAND_BYTES]);
    private LoopbackCluster cluster;
    private int leader;
    private long correlationId;

    @Setup(Level.Iteration)
    public void setUp()
    {
        final StateMachine counter = (index, term, cmd, offset, length, response) ->
        {
            response.putLong(0, index + cmd.getLong(offset));
            return 8;
        };
        cluster = new LoopbackCluster(members, 42, false, member -> counter, config -> {},
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
