package io.synod.log.chronicle;

import io.synod.raft.EntryType;
import io.synod.raft.RaftLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged logs: a torn or flipped last record is truncated on open; damage anywhere else refuses to open with
 * an error naming the file and the index.
 */
class ChronicleRaftLogCorruptionTest
{
    private static final int ENTRIES = 200;

    @TempDir
    Path dir;

    @Test
    void shouldTruncateALastRecordWithAFlippedBitAndKeepTheDecisionAcrossRestarts()
    {
        writeLog(ENTRIES);
        final Path last = lastCycleFile();
        LogFiles.flipBit(last, LogFiles.find(last, marker(ENTRIES)) + 3, 2);

        try (ChronicleRaftLog log = open())
        {
            assertEquals(ENTRIES - 1, log.lastIndex());
            assertEntries(log, ENTRIES - 1);
            append(log, ENTRIES, 2);
            log.flush();
        }
        try (ChronicleRaftLog log = open())
        {
            assertEquals(ENTRIES, log.lastIndex());
            assertEquals(2, log.termAt(ENTRIES));
            assertEntries(log, ENTRIES - 1);
        }
    }

    @Test
    void shouldTruncateALastRecordWhoseHeaderIsDamaged()
    {
        writeLog(ENTRIES);
        final Path last = lastCycleFile();
        // the term field: 20 bytes before the payload (term 8, type 4, length 4, crc 4)
        LogFiles.flipBit(last, LogFiles.find(last, marker(ENTRIES)) - 20, 0);
        try (ChronicleRaftLog log = open())
        {
            assertEquals(ENTRIES - 1, log.lastIndex());
        }
    }

    @Test
    void shouldRefuseToOpenWithABitFlippedInTheMiddleOfAFile()
    {
        writeLog(ENTRIES);
        final Path file = cycleFileHolding(ENTRIES / 2);
        LogFiles.flipBit(file, LogFiles.find(file, marker(ENTRIES / 2)) + 5, 7);

        final LogCorruptionException ex = assertThrows(LogCorruptionException.class, this::open);
        assertEquals(file.toString(), ex.file());
        assertEquals(ENTRIES / 2, ex.index());
        assertTrue(ex.getMessage().contains("CRC32C"), ex.getMessage());
    }

    @Test
    void shouldRefuseToOpenWithABitFlippedInTheLastRecordOfAnEarlierFile()
    {
        writeLog(ENTRIES);
        final List<Path> files = LogFiles.cycleFiles(dir);
        final Path first = files.get(0);
        long lastInFirst = 0;
        for (long index = 1; index <= ENTRIES; index++)
        {
            if (LogFiles.find(first, marker(index)) >= 0)
            {
                lastInFirst = index;
            }
        }
        LogFiles.flipBit(first, LogFiles.find(first, marker(lastInFirst)) + 1, 1);

        final LogCorruptionException ex = assertThrows(LogCorruptionException.class, this::open);
        assertEquals(first.toString(), ex.file());
        assertEquals(lastInFirst, ex.index());
    }

    @Test
    void shouldRefuseToOpenWithAnyBitOfAChronicleDocumentHeaderFlippedInTheMiddle()
    {
        writeLog(ENTRIES);
        final Path file = lastCycleFile();
        long index = ENTRIES;
        while (LogFiles.find(file, marker(index - 1)) >= 0)
        {
            index--;
        }
        final long middle = (index + ENTRIES) / 2;
        // length bits (low, middle, high), the metadata flag (30) and the not-complete flag (31)
        for (final int bit : new int[]{ 0, 2, 5, 9, 16, 24, 29, 30, 31 })
        {
            writeLogFresh();
            final Path damaged = lastCycleFile();
            final long header = LogFiles.find(damaged, marker(middle)) - LogRecord.HEADER_LENGTH - 4;
            LogFiles.flipBit(damaged, header + bit / 8, bit % 8);
            final LogCorruptionException ex = assertThrows(LogCorruptionException.class, this::open, "header bit " + bit);
            assertEquals(damaged.toString(), ex.file(), "header bit " + bit);
            assertTrue(ex.index() == middle || ex.index() == middle + 1, "header bit " + bit + ": " + ex.getMessage());
        }
    }

    private void writeLogFresh()
    {
        try
        {
            try (java.util.stream.Stream<Path> walk = Files.walk(dir))
            {
                walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        writeLog(ENTRIES);
    }

    @Test
    void shouldTruncateARecordCutOffByATruncatedFile()
    {
        writeLog(ENTRIES);
        final Path last = lastCycleFile();
        LogFiles.truncate(last, LogFiles.find(last, marker(ENTRIES)) + 10);

        try (ChronicleRaftLog log = open())
        {
            assertTrue(log.lastIndex() == ENTRIES - 1, "lastIndex " + log.lastIndex());
            assertEntries(log, log.lastIndex());
            append(log, log.lastIndex() + 1, 3);
            log.flush();
        }
        try (ChronicleRaftLog log = open())
        {
            assertEquals(ENTRIES, log.lastIndex());
            assertEquals(3, log.lastTerm());
        }
    }

    @Test
    void shouldRefuseToOpenWhenACycleFileInTheMiddleIsMissing() throws IOException
    {
        writeLog(ENTRIES);
        final List<Path> files = LogFiles.cycleFiles(dir);
        assertTrue(files.size() >= 3, "files " + files);
        Files.delete(files.get(1));

        final LogCorruptionException ex = assertThrows(LogCorruptionException.class, this::open);
        assertEquals(files.get(1).toString(), ex.file());
        assertTrue(ex.getMessage().contains("missing"), ex.getMessage());
    }

    @Test
    void shouldRefuseToOpenWhenTheFirstOrLastCycleFileIsMissing() throws IOException
    {
        writeLog(ENTRIES);
        final List<Path> files = LogFiles.cycleFiles(dir);
        final Path saved = dir.resolve("saved");
        Files.move(files.get(files.size() - 1), saved);
        LogCorruptionException ex = assertThrows(LogCorruptionException.class, this::open);
        assertEquals(files.get(files.size() - 1).toString(), ex.file());

        Files.move(saved, files.get(files.size() - 1));
        Files.delete(files.get(0));
        ex = assertThrows(LogCorruptionException.class, this::open);
        assertEquals(files.get(0).toString(), ex.file());
    }

    @Test
    void shouldRefuseToOpenWithoutItsMetadataFile() throws IOException
    {
        writeLog(10);
        Files.delete(dir.resolve(ChronicleRaftLog.META_FILE_NAME));
        assertThrows(LogCorruptionException.class, this::open);
    }

    private ChronicleRaftLog open()
    {
        return ChronicleRaftLog.open(ChronicleRaftLogContractTest.smallContext(dir, Durability.SYNC));
    }

    private void writeLog(final int entries)
    {
        try (ChronicleRaftLog log = open())
        {
            for (long index = 1; index <= entries; index++)
            {
                append(log, index, 1);
            }
            log.flush();
            assertTrue(entries < ENTRIES || LogFiles.cycleFiles(dir).size() >= 3, "want several cycle files");
        }
    }

    private Path lastCycleFile()
    {
        final List<Path> files = LogFiles.cycleFiles(dir);
        return files.get(files.size() - 1);
    }

    private Path cycleFileHolding(final long index)
    {
        for (final Path file : LogFiles.cycleFiles(dir))
        {
            if (LogFiles.find(file, marker(index)) >= 0)
            {
                return file;
            }
        }
        throw new AssertionError("no file holds " + index);
    }

    static byte[] marker(final long index)
    {
        return String.format("<entry %08d>", index).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] payload(final long index)
    {
        final byte[] marker = marker(index);
        final byte[] payload = new byte[marker.length + 40];
        System.arraycopy(marker, 0, payload, 0, marker.length);
        for (int i = marker.length; i < payload.length; i++)
        {
            payload[i] = (byte)(index * 31 + i);
        }
        return payload;
    }

    private static void append(final RaftLog log, final long index, final long term)
    {
        final byte[] payload = payload(index);
        log.append(index, term, EntryType.COMMAND, new UnsafeBuffer(payload), 0, payload.length);
    }

    private static void assertEntries(final RaftLog log, final long upTo)
    {
        final List<byte[]> payloads = new ArrayList<>();
        assertEquals(upTo, log.read(1, upTo, (index, term, type, buffer, offset, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            payloads.add(bytes);
            return true;
        }));
        for (int i = 0; i < payloads.size(); i++)
        {
            assertArrayEquals(payload(i + 1), payloads.get(i));
        }
    }
}
