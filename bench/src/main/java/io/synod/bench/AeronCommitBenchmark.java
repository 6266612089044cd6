package io.synod.bench;

import io.synod.bench.harness.Completion;
import io.synod.bench.harness.HarnessSetup;
import io.synod.bench.harness.LogKind;
import io.synod.bench.harness.SynodCluster;
import io.synod.transport.aeron.AeronRaftNode;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Commit latency of real nodes in this JVM: {@code members} Synod nodes over Aeron UDP on loopback, set up as
 * the latency harness sets them up ({@link HarnessSetup#DEFAULT}: one shared embedded media driver,
 * {@code ThreadingMode.SHARED}; driver, agents and the benchmark thread on the same backoff idle strategy).
 * One operation: propose one 64 B command into the leader's proposal ring and idle until the leader has
 * applied it: the leader's agent queues the id ({@code CompletionQueue}) and the benchmark thread drains it, as
 * in the latency harness. {@code members=1} is the single-node commit (log append, flush, apply, no
 * network). {@code -prof gc} counts every thread of the JVM (agents and driver included) per command.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class AeronCommitBenchmark extends SynodBenchmark
{
    static final int COMMAND_BYTES = 64;

    @Param({ "3", "1" })
    public int members;

    @Param({ "MEMORY", "PAGE_CACHE" })
    public LogKind log;

    private final UnsafeBuffer command = new UnsafeBuffer(new byte[COMMAND_BYTES]);
    private SynodCluster cluster;
    private AeronRaftNode leader;
    private long completed = -1;
    private final Completion onCompleted = id -> completed = id;
    private long nextId;
    private final IdleStrategy idle = HarnessSetup.DEFAULT.idleStrategy().get();

    @Setup(Level.Trial)
    public void setUp()
    {
        cluster = new SynodCluster(members, log, HarnessSetup.DEFAULT,
            Path.of(System.getProperty("synod.bench.dir", "target"), "aeron-commit"));
        leader = cluster.awaitLeader(TimeUnit.SECONDS.toNanos(20));
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        cluster.close();
    }

    @Benchmark
    public long commit()
    {
        final long id = nextId++;
        command.putLong(0, id);
        idle.reset();
        while (!leader.propose(id, command, 0, COMMAND_BYTES))
        {
            idle.idle();
        }
        idle.reset();
        while (completed != id)
        {
            if (leader.failure() != null)
            {
                throw new IllegalStateException("leader stopped", leader.failure());
            }
            idle.idle(cluster.drainCompletions(onCompleted));
        }
        return id;
    }
}
