package io.synod.raft.testkit;

import io.synod.raft.EntryType;
import io.synod.raft.RaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@link RaftLog} contract as a JUnit 5 suite. Extend it, implement {@link #newLog()} and, for a durable
 * log, {@link #reopen(RaftLog)}; every test then runs against your log.
 *
 * <p>Tests that restart the log run only when {@link #reopen(RaftLog)} returns a log (the default returns
 * {@code null}: a log as durable as the process). A restart follows a {@link RaftLog#flush()}, so it checks
 * what a durable log must keep: flushed appends, truncations, compactions and resets.
 *
 * <p>A model-based test drives a seeded random mix of every operation against a plain list and compares
 * after each step; a failure names the seed.
 */
public abstract class RaftLogContract
{
    private final List<RaftLog> opened = new ArrayList<>();

    /** @return a new, empty log. Each call gets a log of its own (closed after the test). */
    protected abstract RaftLog newLog();

    /**
     * Closes {@code log} and opens it again from what it made durable.
     *
     * @return the reopened log, or {@code null} if the log cannot be reopened (restart tests are skipped).
     */
    protected RaftLog reopen(final RaftLog log)
    {
        return null;
    }

    /** @return a log from {@link #newLog()}, closed after the test. */
    protected final RaftLog log()
    {
        return track(newLog());
    }

    @AfterEach
    final void closeLogs()
    {
        for (final RaftLog log : opened)
        {
            log.close();
        }
        opened.clear();
    }

    @Test
    void shouldStartEmpty()
    {
        final RaftLog log = log();
        assertEquals(1, log.firstIndex());
        assertEquals(0, log.lastIndex());
        assertEquals(0, log.lastTerm());
        assertEquals(0, log.snapshotIndex());
        assertEquals(0, log.snapshotTerm());
        assertEquals(0, log.termAt(0));
        assertEquals(RaftLog.NO_TERM, log.termAt(1));
        assertEquals(0, log.read(1, 10, (index, term, type, buffer, offset, length) -> true));
    }

    @Test
    void shouldAppendAndReadBackIndexTermTypeAndPayload()
    {
        final RaftLog log = log();
        append(log, 1, 1, EntryType.NOOP, payload(1, 1, 0));
        append(log, 2, 1, EntryType.COMMAND, payload(2, 1, 17));
        append(log, 3, 2, EntryType.CONFIGURATION, payload(3, 2, 300));
        assertEquals(3, log.lastIndex());
        assertEquals(2, log.lastTerm());
        assertEquals(1, log.termAt(1));
        assertEquals(1, log.termAt(2));
        assertEquals(2, log.termAt(3));
        assertEquals(RaftLog.NO_TERM, log.termAt(4));

        final List<Entry> entries = readAll(log, 1, 3);
        assertEquals(3, entries.size());
        assertEntry(entries.get(0), 1, 1, EntryType.NOOP, payload(1, 1, 0));
        assertEntry(entries.get(1), 2, 1, EntryType.COMMAND, payload(2, 1, 17));
        assertEntry(entries.get(2), 3, 2, EntryType.CONFIGURATION, payload(3, 2, 300));
    }

    @Test
    void shouldCopyPayloadFromOffsetInSourceBuffer()
    {
        final RaftLog log = log();
        final byte[] source = new byte[64];
        Arrays.fill(source, (byte)7);
        source[10] = 1;
        source[11] = 2;
        source[12] = 3;
        log.append(1, 1, EntryType.COMMAND, new UnsafeBuffer(source), 10, 3);
        Arrays.fill(source, (byte)0);
        assertArrayEquals(new byte[]{ 1, 2, 3 }, readAll(log, 1, 1).get(0).payload);
    }

    @Test
    void shouldRefuseAppendThatLeavesAGapOrRepeatsAnIndex()
    {
        final RaftLog log = log();
        append(log, 1, 1, EntryType.COMMAND, payload(1, 1, 8));
        assertThrows(IllegalStateException.class, () -> append(log, 3, 1, EntryType.COMMAND, payload(3, 1, 8)));
        assertThrows(IllegalStateException.class, () -> append(log, 1, 1, EntryType.COMMAND, payload(1, 1, 8)));
        assertEquals(1, log.lastIndex());
    }

    @Test
    void shouldRefuseAppendWithTermBelowLastTerm()
    {
        final RaftLog log = log();
        append(log, 1, 3, EntryType.COMMAND, payload(1, 3, 8));
        assertThrows(IllegalStateException.class, () -> append(log, 2, 2, EntryType.COMMAND, payload(2, 2, 8)));
        assertEquals(1, log.lastIndex());
        assertEquals(3, log.lastTerm());
    }

    @Test
    void shouldStopReadingBeforeTheEntryTheReaderDeclines()
    {
        final RaftLog log = log();
        appendRange(log, 1, 10, 1);
        final List<Long> seen = new ArrayList<>();
        final int read = log.read(1, 10, (index, term, type, buffer, offset, length) ->
        {
            seen.add(index);
            return index < 4;
        });
        assertEquals(3, read);
        assertEquals(List.of(1L, 2L, 3L, 4L), seen);
        assertEquals(List.of(4L, 5L), indexes(readAll(log, 4, 5)));
    }

    @Test
    void shouldClampReadToLastIndex()
    {
        final RaftLog log = log();
        appendRange(log, 1, 5, 1);
        assertEquals(List.of(3L, 4L, 5L), indexes(readAll(log, 3, 100)));
        assertEquals(0, log.read(6, 100, (index, term, type, buffer, offset, length) -> true));
    }

    @Test
    void shouldReadNonConsecutiveRangesInAnyOrder()
    {
        final RaftLog log = log();
        appendRange(log, 1, 50, 1);
        assertEquals(List.of(40L, 41L), indexes(readAll(log, 40, 41)));
        assertEquals(List.of(2L), indexes(readAll(log, 2, 2)));
        assertEquals(List.of(50L), indexes(readAll(log, 50, 50)));
        assertEquals(List.of(1L, 2L, 3L), indexes(readAll(log, 1, 3)));
    }

    @Test
    void shouldTruncateSuffixSoReadersSeeOnlyTheNewEntries()
    {
        final RaftLog log = log();
        appendRange(log, 1, 10, 1);
        log.truncateSuffix(6);
        assertEquals(5, log.lastIndex());
        assertEquals(1, log.lastTerm());
        assertEquals(RaftLog.NO_TERM, log.termAt(6));
        appendRange(log, 6, 8, 2);
        assertEquals(8, log.lastIndex());
        assertEquals(2, log.lastTerm());
        final List<Entry> entries = readAll(log, 1, 20);
        assertEquals(8, entries.size());
        for (final Entry entry : entries)
        {
            final long term = entry.index <= 5 ? 1 : 2;
            assertEntry(entry, entry.index, term, EntryType.COMMAND, payload(entry.index, term, (int)entry.index));
        }
    }

    @Test
    void shouldTruncateEverythingAfterTheSnapshot()
    {
        final RaftLog log = log();
        appendRange(log, 1, 5, 1);
        log.truncateSuffix(1);
        assertEquals(0, log.lastIndex());
        assertEquals(0, log.lastTerm());
        appendRange(log, 1, 2, 3);
        assertEquals(List.of(1L, 2L), indexes(readAll(log, 1, 9)));
        assertEquals(3, log.termAt(1));
    }

    @Test
    void shouldIgnoreTruncateBeyondLastIndex()
    {
        final RaftLog log = log();
        appendRange(log, 1, 3, 1);
        log.truncateSuffix(4);
        log.truncateSuffix(100);
        assertEquals(3, log.lastIndex());
    }

    @Test
    void shouldRefuseTruncateAtOrBelowSnapshotIndex()
    {
        final RaftLog log = log();
        appendRange(log, 1, 10, 1);
        log.compactPrefix(5, 1);
        assertThrows(IllegalStateException.class, () -> log.truncateSuffix(5));
        assertThrows(IllegalStateException.class, () -> log.truncateSuffix(3));
        assertEquals(10, log.lastIndex());
    }

    @Test
    void shouldCompactPrefixAndStillAnswerTheSnapshotTerm()
    {
        final RaftLog log = log();
        appendRange(log, 1, 4, 1);
        appendRange(log, 5, 10, 2);
        log.compactPrefix(6, 2);
        assertEquals(6, log.snapshotIndex());
        assertEquals(2, log.snapshotTerm());
        assertEquals(7, log.firstIndex());
        assertEquals(10, log.lastIndex());
        assertEquals(2, log.termAt(6));
        assertEquals(RaftLog.NO_TERM, log.termAt(5));
        assertEquals(List.of(7L, 8L, 9L, 10L), indexes(readAll(log, 7, 10)));
        assertThrows(IllegalStateException.class, () -> readAll(log, 6, 10));
    }

    @Test
    void shouldIgnoreCompactAtOrBelowSnapshotIndex()
    {
        final RaftLog log = log();
        appendRange(log, 1, 10, 1);
        log.compactPrefix(5, 1);
        log.compactPrefix(5, 1);
        log.compactPrefix(2, 1);
        assertEquals(5, log.snapshotIndex());
        assertEquals(10, log.lastIndex());
    }

    @Test
    void shouldRefuseCompactBeyondLastIndexOrWithTheWrongTerm()
    {
        final RaftLog log = log();
        appendRange(log, 1, 5, 1);
        assertThrows(IllegalStateException.class, () -> log.compactPrefix(6, 1));
        assertThrows(IllegalStateException.class, () -> log.compactPrefix(3, 2));
        assertEquals(0, log.snapshotIndex());
    }

    @Test
    void shouldCompactTheWholeLogAndKeepAppending()
    {
        final RaftLog log = log();
        appendRange(log, 1, 5, 1);
        log.compactPrefix(5, 1);
        assertEquals(5, log.lastIndex());
        assertEquals(1, log.lastTerm());
        assertEquals(6, log.firstIndex());
        appendRange(log, 6, 7, 2);
        assertEquals(List.of(6L, 7L), indexes(readAll(log, 6, 7)));
    }

    @Test
    void shouldResetToASnapshotItHasNoEntriesFor()
    {
        final RaftLog log = log();
        appendRange(log, 1, 5, 1);
        log.resetTo(100, 7);
        assertEquals(100, log.snapshotIndex());
        assertEquals(7, log.snapshotTerm());
        assertEquals(101, log.firstIndex());
        assertEquals(100, log.lastIndex());
        assertEquals(7, log.lastTerm());
        assertEquals(7, log.termAt(100));
        assertEquals(RaftLog.NO_TERM, log.termAt(5));
        appendRange(log, 101, 103, 7);
        assertEquals(List.of(101L, 102L, 103L), indexes(readAll(log, 101, 200)));
    }

    @Test
    void shouldKeepFlushedEntriesAcrossRestart()
    {
        RaftLog log = log();
        appendRange(log, 1, 20, 1);
        appendRange(log, 21, 30, 4);
        log.flush();
        log = reopenOrSkip(log);
        assertEquals(30, log.lastIndex());
        assertEquals(4, log.lastTerm());
        final List<Entry> entries = readAll(log, 1, 30);
        assertEquals(30, entries.size());
        for (final Entry entry : entries)
        {
            final long term = entry.index <= 20 ? 1 : 4;
            assertEntry(entry, entry.index, term, EntryType.COMMAND, payload(entry.index, term, (int)entry.index));
        }
        appendRange(log, 31, 31, 4);
        assertEquals(31, log.lastIndex());
    }

    @Test
    void shouldSeeOnlyTheNewEntriesAfterTruncationAndRestart()
    {
        RaftLog log = log();
        appendRange(log, 1, 10, 1);
        log.truncateSuffix(4);
        appendRange(log, 4, 6, 2);
        log.truncateSuffix(6);
        appendRange(log, 6, 9, 3);
        log.flush();
        log = reopenOrSkip(log);
        assertEquals(9, log.lastIndex());
        final List<Entry> entries = readAll(log, 1, 20);
        assertEquals(9, entries.size());
        for (final Entry entry : entries)
        {
            final long term = entry.index <= 3 ? 1 : entry.index <= 5 ? 2 : 3;
            assertEntry(entry, entry.index, term, EntryType.COMMAND, payload(entry.index, term, (int)entry.index));
        }
    }

    @Test
    void shouldKeepCompactionAndResetAcrossRestart()
    {
        RaftLog log = log();
        appendRange(log, 1, 10, 1);
        log.compactPrefix(4, 1);
        log.flush();
        log = reopenOrSkip(log);
        assertEquals(4, log.snapshotIndex());
        assertEquals(1, log.snapshotTerm());
        assertEquals(1, log.termAt(4));
        assertEquals(10, log.lastIndex());
        assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), indexes(readAll(log, 5, 10)));

        log.resetTo(50, 3);
        appendRange(log, 51, 52, 3);
        log.flush();
        log = reopenOrSkip(log);
        assertEquals(50, log.snapshotIndex());
        assertEquals(3, log.termAt(50));
        assertEquals(52, log.lastIndex());
        assertEquals(List.of(51L, 52L), indexes(readAll(log, 51, 60)));
    }

    @Test
    void shouldMatchAModelUnderRandomOperations()
    {
        final long seed = Long.getLong("synod.log.contract.seed", System.nanoTime());
        try
        {
            runModel(seed, 600);
        }
        catch (final AssertionError | RuntimeException ex)
        {
            throw new AssertionError("model test failed; replay with -Dsynod.log.contract.seed=" + seed, ex);
        }
    }

    private void runModel(final long seed, final int steps)
    {
        final Random random = new Random(seed);
        RaftLog log = log();
        final List<Entry> model = new ArrayList<>();
        long snapshotIndex = 0;
        long snapshotTerm = 0;
        long term = 1;
        for (int step = 0; step < steps; step++)
        {
            final long lastIndex = snapshotIndex + model.size();
            final int op = random.nextInt(100);
            if (op < 55)
            {
                if (random.nextInt(10) == 0)
                {
                    term++;
                }
                final int length = random.nextInt(4) == 0 ? 0 : random.nextInt(200);
                final Entry entry = new Entry(lastIndex + 1, term, EntryType.COMMAND, payload(lastIndex + 1, term, length));
                append(log, entry.index, entry.term, entry.type, entry.payload);
                model.add(entry);
            }
            else if (op < 65 && lastIndex > snapshotIndex)
            {
                final long from = snapshotIndex + 1 + random.nextInt((int)(lastIndex - snapshotIndex));
                log.truncateSuffix(from);
                model.subList((int)(from - snapshotIndex - 1), model.size()).clear();
                term++;
            }
            else if (op < 72 && lastIndex > snapshotIndex)
            {
                final long upTo = snapshotIndex + 1 + random.nextInt((int)(lastIndex - snapshotIndex));
                final long upToTerm = model.get((int)(upTo - snapshotIndex - 1)).term;
                log.compactPrefix(upTo, upToTerm);
                model.subList(0, (int)(upTo - snapshotIndex)).clear();
                snapshotIndex = upTo;
                snapshotTerm = upToTerm;
            }
            else if (op < 74)
            {
                term++;
                snapshotIndex = lastIndex + random.nextInt(20);
                snapshotTerm = term;
                log.resetTo(snapshotIndex, snapshotTerm);
                model.clear();
            }
            else if (op < 80)
            {
                log.flush();
                final RaftLog reopened = reopen(log);
                if (null != reopened)
                {
                    opened.remove(log);
                    log = track(reopened);
                }
            }
            else if (lastIndex > snapshotIndex)
            {
                final long from = snapshotIndex + 1 + random.nextInt((int)(lastIndex - snapshotIndex));
                final long to = from + random.nextInt(30);
                final List<Entry> expected = model.subList(
                    (int)(from - snapshotIndex - 1), (int)Math.min(to - snapshotIndex, model.size()));
                final List<Entry> actual = readAll(log, from, to);
                assertEquals(expected.size(), actual.size(), "read " + from + ".." + to + " at step " + step);
                for (int i = 0; i < expected.size(); i++)
                {
                    final Entry want = expected.get(i);
                    assertEntry(actual.get(i), want.index, want.term, want.type, want.payload);
                }
            }
            assertEquals(snapshotIndex, log.snapshotIndex(), "snapshotIndex at step " + step);
            assertEquals(snapshotTerm, log.snapshotTerm(), "snapshotTerm at step " + step);
            assertEquals(snapshotIndex + model.size(), log.lastIndex(), "lastIndex at step " + step);
            assertEquals(model.isEmpty() ? snapshotTerm : model.get(model.size() - 1).term, log.lastTerm());
            assertEquals(snapshotTerm, log.termAt(snapshotIndex));
            if (!model.isEmpty())
            {
                final Entry probe = model.get(random.nextInt(model.size()));
                assertEquals(probe.term, log.termAt(probe.index));
            }
            assertEquals(RaftLog.NO_TERM, log.termAt(snapshotIndex + model.size() + 1));
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** One entry read back from a log, with its payload copied. */
    protected static final class Entry
    {
        final long index;
        final long term;
        final int type;
        final byte[] payload;

        Entry(final long index, final long term, final int type, final byte[] payload)
        {
            this.index = index;
            this.term = term;
            this.type = type;
            this.payload = payload;
        }
    }

    private RaftLog track(final RaftLog log)
    {
        opened.add(log);
        return log;
    }

    private RaftLog reopenOrSkip(final RaftLog log)
    {
        final RaftLog reopened = reopen(log);
        assumeTrue(null != reopened, "log cannot be reopened");
        opened.remove(log);
        return track(reopened);
    }

    /** @return a deterministic payload of {@code length} bytes for {@code (index, term)}. */
    protected static byte[] payload(final long index, final long term, final int length)
    {
        final byte[] bytes = new byte[length];
        long x = index * 0x9E3779B97F4A7C15L ^ term * 0xC2B2AE3D27D4EB4FL;
        for (int i = 0; i < length; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            bytes[i] = (byte)x;
        }
        return bytes;
    }

    protected static void append(final RaftLog log, final long index, final long term, final int type, final byte[] payload)
    {
        final byte[] framed = new byte[payload.length + 5];
        System.arraycopy(payload, 0, framed, 5, payload.length);
        log.append(index, term, type, new UnsafeBuffer(framed), 5, payload.length);
    }

    /** Appends {@code from..to} in {@code term}, each with {@code payload(index, term, index)}. */
    protected static void appendRange(final RaftLog log, final long from, final long to, final long term)
    {
        for (long index = from; index <= to; index++)
        {
            append(log, index, term, EntryType.COMMAND, payload(index, term, (int)index));
        }
    }

    protected static List<Entry> readAll(final RaftLog log, final long from, final long to)
    {
        final List<Entry> entries = new ArrayList<>();
        log.read(from, to, (index, term, type, buffer, offset, length) ->
        {
            entries.add(new Entry(index, term, type, copy(buffer, offset, length)));
            return true;
        });
        return entries;
    }

    private static byte[] copy(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private static List<Long> indexes(final List<Entry> entries)
    {
        final List<Long> indexes = new ArrayList<>();
        for (final Entry entry : entries)
        {
            indexes.add(entry.index);
        }
        return indexes;
    }

    private static void assertEntry(
        final Entry entry, final long index, final long term, final int type, final byte[] payload)
    {
        assertEquals(index, entry.index, "index");
        assertEquals(term, entry.term, "term of " + index);
        assertEquals(type, entry.type, "type of " + index);
        assertArrayEquals(payload, entry.payload, "payload of " + index);
    }
}
