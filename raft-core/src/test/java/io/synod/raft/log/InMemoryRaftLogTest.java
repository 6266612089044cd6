package io.synod.raft.log;

import io.synod.raft.RaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InMemoryRaftLogTest
{
    /** An entry as read back. */
    record Read(long index, long term, int type, byte[] payload)
    {
    }

    @Test
    void shouldStartEmptyWithSentinelAtIndexZero()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog();
        assertEquals(1, log.firstIndex());
        assertEquals(0, log.lastIndex());
        assertEquals(0, log.lastTerm());
        assertEquals(0, log.termAt(0));
        assertEquals(RaftLog.NO_TERM, log.termAt(1));
        assertEquals(RaftLog.NO_TERM, log.termAt(-1));
        assertEquals(0, log.read(1, 10, (i, t, ty, b, o, l) -> true));
    }

    @Test
    void shouldAppendAndReadBackEntries()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog(4, 16);
        append(log, 1, 1, 1, "a");
        append(log, 2, 1, 0, "");
        append(log, 3, 2, 1, "ccc");

        assertEquals(3, log.lastIndex());
        assertEquals(2, log.lastTerm());
        assertEquals(1, log.termAt(2));
        assertEquals(2, log.termAt(3));
        assertEquals(RaftLog.NO_TERM, log.termAt(4));
        final List<Read> reads = readAll(log, 1, Long.MAX_VALUE);
        assertEquals(3, reads.size());
        assertEquals(1, reads.get(0).index());
        assertArrayEquals("a".getBytes(), reads.get(0).payload());
        assertArrayEquals(new byte[0], reads.get(1).payload());
        assertEquals(0, reads.get(1).type());
        assertArrayEquals("ccc".getBytes(), reads.get(2).payload());
        assertEquals(2, reads.get(2).term());
    }

    @Test
    void shouldRejectAppendAtWrongIndexOrLowerTerm()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog();
        append(log, 1, 2, 1, "x");
        assertThrows(IllegalStateException.class, () -> append(log, 3, 2, 1, "x"));
        assertThrows(IllegalStateException.class, () -> append(log, 1, 2, 1, "x"));
        assertThrows(IllegalStateException.class, () -> append(log, 2, 1, 1, "x"));
        assertEquals(1, log.lastIndex());
    }

    @Test
    void shouldClampReadToLastIndexAndRangeBounds()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog();
        for (int i = 1; i <= 5; i++)
        {
            append(log, i, 1, 1, "e" + i);
        }
        assertEquals(List.of(2L, 3L), indexes(readAll(log, 2, 3)));
        assertEquals(List.of(4L, 5L), indexes(readAll(log, 4, 99)));
        assertEquals(List.of(), indexes(readAll(log, 6, 99)));
        assertEquals(List.of(), indexes(readAll(log, 3, 2)));
    }

    @Test
    void shouldStopReadingWhenReaderDeclines()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog();
        for (int i = 1; i <= 5; i++)
        {
            append(log, i, 1, 1, "e" + i);
        }
        final List<Long> seen = new ArrayList<>();
        final int read = log.read(1, 5, (index, term, type, buffer, offset, length) ->
        {
            seen.add(index);
            return index < 3;
        });
        assertEquals(2, read, "the declined entry is not counted");
        assertEquals(List.of(1L, 2L, 3L), seen, "reading stops at the declined entry");
    }

    @Test
    void shouldTruncateSuffixAndReuseItsSpace()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog(8, 64);
        append(log, 1, 1, 1, "one");
        append(log, 2, 1, 1, "two");
        append(log, 3, 2, 1, "three");

        log.truncateSuffix(2);
        assertEquals(1, log.lastIndex());
        assertEquals(1, log.lastTerm());
        assertEquals(RaftLog.NO_TERM, log.termAt(2));

        append(log, 2, 3, 1, "TWO");
        assertEquals(3, log.lastTerm());
        assertArrayEquals("one".getBytes(), readAll(log, 1, 1).get(0).payload());
        assertArrayEquals("TWO".getBytes(), readAll(log, 2, 2).get(0).payload());

        log.truncateSuffix(10);
        assertEquals(2, log.lastIndex(), "truncating beyond the end is a no-op");
    }

    @Test
    void shouldGrowBeyondInitialCapacity()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog(2, 4);
        for (int i = 1; i <= 100; i++)
        {
            append(log, i, 1 + i / 10, 1, "entry-" + i);
        }
        assertEquals(100, log.lastIndex());
        final List<Read> reads = readAll(log, 1, 100);
        for (int i = 1; i <= 100; i++)
        {
            assertEquals(i, reads.get(i - 1).index());
            assertEquals(1 + i / 10, reads.get(i - 1).term());
            assertArrayEquals(("entry-" + i).getBytes(), reads.get(i - 1).payload());
        }
    }

    @Test
    void shouldCompactPrefixAndKeepAnsweringForSnapshotIndex()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog();
        for (int i = 1; i <= 5; i++)
        {
            append(log, i, i, 1, "e" + i);
        }
        log.compactPrefix(3, 3);

        assertEquals(3, log.snapshotIndex());
        assertEquals(3, log.snapshotTerm());
        assertEquals(4, log.firstIndex());
        assertEquals(5, log.lastIndex());
        assertEquals(3, log.termAt(3));
        assertEquals(RaftLog.NO_TERM, log.termAt(2));
        assertEquals(4, log.termAt(4));
        assertThrows(IllegalStateException.class, () -> log.read(3, 5, (i, t, ty, b, o, l) -> true));
        assertThrows(IllegalStateException.class, () -> log.truncateSuffix(3));
        assertEquals(List.of(4L, 5L), indexes(readAll(log, 4, 5)));

        log.compactPrefix(2, 2);
        assertEquals(3, log.snapshotIndex(), "compacting at or below the snapshot is a no-op");
        assertThrows(IllegalStateException.class, () -> log.compactPrefix(6, 5));
        assertThrows(IllegalStateException.class, () -> log.compactPrefix(4, 9));
    }

    @Test
    void shouldCompactWholeLogAndAppendAfterIt()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog(4, 16);
        append(log, 1, 1, 1, "a");
        append(log, 2, 2, 1, "b");
        log.compactPrefix(2, 2);
        assertEquals(2, log.lastIndex());
        assertEquals(2, log.lastTerm());

        append(log, 3, 2, 1, "c");
        assertEquals(List.of(3L), indexes(readAll(log, 3, 3)));
        assertArrayEquals("c".getBytes(), readAll(log, 3, 3).get(0).payload());
    }

    @Test
    void shouldReuseCompactedSpaceByShiftingDown()
    {
        // Four slots and 16 bytes: after compaction the live suffix must move down rather than grow.
        final InMemoryRaftLog log = new InMemoryRaftLog(4, 16);
        long index = 0;
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 3; i++)
            {
                index++;
                append(log, index, 1 + round, 1, String.format("%04d", index));
            }
            // Keep the newest entry live so that shiftDown has something to move.
            log.compactPrefix(index - 1, log.termAt(index - 1));
            assertEquals(index, log.lastIndex());
            final List<Read> reads = readAll(log, index, index);
            assertArrayEquals(String.format("%04d", index).getBytes(), reads.get(0).payload(), "round " + round);
        }
        // Interleave: entries of different sizes crossing the shift boundary.
        for (int i = 0; i < 20; i++)
        {
            index++;
            append(log, index, 100, 1, "x".repeat(i % 7));
            if (i % 3 == 2)
            {
                log.compactPrefix(index - 2, log.termAt(index - 2));
            }
        }
        final List<Read> reads = readAll(log, log.firstIndex(), log.lastIndex());
        for (final Read read : reads)
        {
            final int i = (int)(read.index() - (index - 20) - 1);
            assertArrayEquals("x".repeat(i % 7).getBytes(), read.payload(), "index " + read.index());
        }
    }

    @Test
    void shouldResetToSnapshot()
    {
        final InMemoryRaftLog log = new InMemoryRaftLog();
        append(log, 1, 1, 1, "a");
        append(log, 2, 1, 1, "b");
        log.resetTo(10, 4);

        assertEquals(10, log.snapshotIndex());
        assertEquals(4, log.snapshotTerm());
        assertEquals(11, log.firstIndex());
        assertEquals(10, log.lastIndex());
        assertEquals(4, log.lastTerm());
        assertEquals(4, log.termAt(10));
        assertEquals(RaftLog.NO_TERM, log.termAt(2));
        assertThrows(IllegalStateException.class, () -> append(log, 3, 4, 1, "c"));

        append(log, 11, 4, 1, "k");
        assertArrayEquals("k".getBytes(), readAll(log, 11, 11).get(0).payload());
    }

    @Test
    void shouldRejectBadCapacities()
    {
        assertThrows(IllegalArgumentException.class, () -> new InMemoryRaftLog(0, 16));
        assertThrows(IllegalArgumentException.class, () -> new InMemoryRaftLog(4, -1));
    }

    private static void append(final InMemoryRaftLog log, final long index, final long term, final int type, final String payload)
    {
        final byte[] bytes = payload.getBytes();
        log.append(index, term, type, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    private static List<Read> readAll(final InMemoryRaftLog log, final long from, final long to)
    {
        final List<Read> reads = new ArrayList<>();
        log.read(from, to, (index, term, type, buffer, offset, length) -> reads.add(new Read(index, term, type, copy(buffer, offset, length))));
        return reads;
    }

    private static byte[] copy(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private static List<Long> indexes(final List<Read> reads)
    {
        return reads.stream().map(Read::index).toList();
    }
}
