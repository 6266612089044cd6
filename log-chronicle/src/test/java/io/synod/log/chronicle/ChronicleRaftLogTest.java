package io.synod.log.chronicle;

import io.synod.raft.EntryType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the contract suite does not cover: commit-index refusal, identity, disk bounded by compaction. */
class ChronicleRaftLogTest
{
    @TempDir
    Path dir;

    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[512]);

    @Test
    void shouldRefuseToTruncateAtOrBelowTheCommitIndex()
    {
        try (ChronicleRaftLog log = ChronicleRaftLog.open(ChronicleRaftLogContractTest.smallContext(dir, Durability.SYNC)))
        {
            appendRange(log, 1, 10);
            log.commitIndex(6);
            assertThrows(IllegalStateException.class, () -> log.truncateSuffix(6));
            assertThrows(IllegalStateException.class, () -> log.truncateSuffix(2));
            assertThrows(IllegalStateException.class, () -> log.commitIndex(5));
            log.truncateSuffix(7);
            assertEquals(6, log.lastIndex());
        }
    }

    @Test
    void shouldRefuseADirectoryWrittenByAnotherClusterOrMember()
    {
        ChronicleRaftLog.open(dir, Durability.PAGE_CACHE, 7, 1).close();
        assertThrows(IllegalStateException.class, () -> ChronicleRaftLog.open(dir, Durability.PAGE_CACHE, 8, 1));
        assertThrows(IllegalStateException.class, () -> ChronicleRaftLog.open(dir, Durability.PAGE_CACHE, 7, 2));
        ChronicleRaftLog.open(dir, Durability.SYNC, 7, 1).close();
    }

    @Test
    void shouldKeepDiskUseBoundedByDeletingCompactedCycleFiles()
    {
        try (ChronicleRaftLog log = ChronicleRaftLog.open(ChronicleRaftLogContractTest.smallContext(dir, Durability.PAGE_CACHE)))
        {
            int maxFiles = 0;
            for (int round = 0; round < 50; round++)
            {
                appendRange(log, log.lastIndex() + 1, log.lastIndex() + 200);
                log.flush();
                final long upTo = log.lastIndex() - 50;
                log.compactPrefix(upTo, log.termAt(upTo));
                maxFiles = Math.max(maxFiles, LogFiles.cycleFiles(dir).size());
            }
            assertEquals(10_000, log.lastIndex());
            assertTrue(maxFiles <= 12, "cycle files grew to " + maxFiles);
        }
        try (ChronicleRaftLog log = ChronicleRaftLog.open(ChronicleRaftLogContractTest.smallContext(dir, Durability.PAGE_CACHE)))
        {
            assertEquals(9_950, log.snapshotIndex());
            assertEquals(10_000, log.lastIndex());
        }
    }

    @Test
    void shouldNameCycleFilesAsChronicleDoes()
    {
        try (ChronicleRaftLog log = ChronicleRaftLog.open(ChronicleRaftLogContractTest.smallContext(dir, Durability.SYNC)))
        {
            appendRange(log, 1, 300);
            log.flush();
            final int cycle = ChronicleRaftLog.ROLL_CYCLE.toCycle(log.positionOf(300));
            assertTrue(Files.exists(log.cycleFile(cycle)), log.cycleFile(cycle).toString());
        }
    }

    private void appendRange(final ChronicleRaftLog log, final long from, final long to)
    {
        for (long index = from; index <= to; index++)
        {
            payload.putLong(0, index);
            log.append(index, 1, EntryType.COMMAND, payload, 0, 100);
        }
    }
}
