package io.synod.log.chronicle;

import io.synod.raft.RaftLog;
import io.synod.raft.testkit.RaftLogContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link RaftLogContract} against {@link ChronicleRaftLog}, with tiny segments so that rolling, compaction
 * across cycle files and recovery are exercised by every test, and a small initial index so that it grows.
 */
class ChronicleRaftLogContractTest extends RaftLogContract
{
    @TempDir
    Path tempDir;

    private final AtomicInteger logs = new AtomicInteger();

    static ChronicleLogContext smallContext(final Path directory, final Durability durability)
    {
        return new ChronicleLogContext()
            .directory(directory)
            .durability(durability)
            .clusterId(7)
            .memberId(1)
            .segmentBytes(4096)
            .blockSizeBytes(64 * 1024)
            .initialEntryCapacity(4)
            .maxEntryLength(64 * 1024);
    }

    @Override
    protected RaftLog newLog()
    {
        final Durability durability = 0 == logs.get() % 2 ? Durability.PAGE_CACHE : Durability.SYNC;
        return ChronicleRaftLog.open(smallContext(tempDir.resolve("log-" + logs.incrementAndGet()), durability));
    }

    @Override
    protected RaftLog reopen(final RaftLog log)
    {
        final ChronicleRaftLog chronicleLog = (ChronicleRaftLog)log;
        chronicleLog.close();
        return ChronicleRaftLog.open(smallContext(chronicleLog.directory(), chronicleLog.durability()));
    }
}
