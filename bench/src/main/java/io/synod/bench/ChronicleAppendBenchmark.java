package io.synod.bench;

import io.synod.log.chronicle.ChronicleLogContext;
import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.raft.EntryType;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One {@link ChronicleRaftLog} append followed by {@code flush()}, i.e. the cost of making one entry durable
 * under each policy (a node batches several entries per flush, so this is the worst case per entry). The log
 * compacts its prefix every {@value #COMPACT_EVERY} entries so that cycle files are deleted and disk use stays
 * bounded during long runs.
 *
 * <p>Throughput gives ops/s; SampleTime gives p50/p99/p99.9; {@code -prof gc} gives B/op.
 */
@State(Scope.Thread)
@BenchmarkMode({ Mode.Throughput, Mode.SampleTime })
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ChronicleAppendBenchmark extends SynodBenchmark
{
    static final int COMPACT_EVERY = 100_000;

    @Param({ "64", "256", "1024" })
    public int entrySize;

    @Param({ "SYNC", "PAGE_CACHE" })
    public Durability durability;

    private Path directory;
    private ChronicleRaftLog log;
    private UnsafeBuffer payload;
    private long term = 1;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        directory = Files.createTempDirectory(Path.of(System.getProperty("synod.bench.dir", "target")), "chronicle-bench");
        log = ChronicleRaftLog.open(new ChronicleLogContext()
            .directory(directory)
            .durability(durability)
            .clusterId(1)
            .memberId(1)
            .initialEntryCapacity(4 * COMPACT_EVERY));
        payload = new UnsafeBuffer(new byte[entrySize]);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        log.close();
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path ->
            {
                try
                {
                    Files.delete(path);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }

    @Benchmark
    public long appendAndFlush()
    {
        final long index = log.lastIndex() + 1;
        payload.putLong(0, index);
        log.append(index, term, EntryType.COMMAND, payload, 0, entrySize);
        log.flush();
        if (index - log.snapshotIndex() > 2 * COMPACT_EVERY)
        {
            final long upTo = index - COMPACT_EVERY;
            log.compactPrefix(upTo, log.termAt(upTo));
        }
        return index;
    }
}
