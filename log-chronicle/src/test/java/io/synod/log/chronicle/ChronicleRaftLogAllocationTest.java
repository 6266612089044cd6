package io.synod.log.chronicle;

import io.synod.raft.EntryType;
import io.synod.raft.RaftLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state append, flush and read allocate nothing: measured with the thread's allocated-bytes counter
 * over many operations after a warm-up, within one cycle file (rolling to a new file allocates, and so do
 * compaction and reopening; none is per operation).
 */
class ChronicleRaftLogAllocationTest
{
    private static final int WARM_UP = 30_000;
    private static final int OPERATIONS = 100_000;

    @TempDir
    Path dir;

    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[256]);
    private long sink;
    private final RaftLog.EntryReader reader = this::onEntry;

    @Test
    void shouldNotAllocatePerAppendOrPerRead()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        try (ChronicleRaftLog log = ChronicleRaftLog.open(new ChronicleLogContext()
            .directory(dir)
            .durability(Durability.PAGE_CACHE)
            .clusterId(1)
            .memberId(1)
            .initialEntryCapacity(2 * (WARM_UP + OPERATIONS))))
        {
            appendAndFlush(log, WARM_UP);
            readAll(log, 1, WARM_UP);
            readAll(log, 1, WARM_UP);

            long before = threads.getThreadAllocatedBytes(threadId);
            appendAndFlush(log, OPERATIONS);
            final long appendBytes = threads.getThreadAllocatedBytes(threadId) - before;

            before = threads.getThreadAllocatedBytes(threadId);
            readAll(log, WARM_UP + 1, WARM_UP + OPERATIONS);
            final long readBytes = threads.getThreadAllocatedBytes(threadId) - before;

            before = threads.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < OPERATIONS / 100; i++)
            {
                log.truncateSuffix(log.lastIndex());
                appendOne(log);
            }
            final long truncateBytes = threads.getThreadAllocatedBytes(threadId) - before;

            System.out.printf("allocation: append+flush %.3f B/op, read %.3f B/op, truncate+append %.3f B/op%n",
                (double)appendBytes / OPERATIONS, (double)readBytes / OPERATIONS, (double)truncateBytes / (OPERATIONS / 100));
            assertTrue(appendBytes < OPERATIONS, "append allocated " + appendBytes + " bytes over " + OPERATIONS);
            assertTrue(readBytes < OPERATIONS, "read allocated " + readBytes + " bytes over " + OPERATIONS);
            assertTrue(truncateBytes < OPERATIONS / 100, "truncate allocated " + truncateBytes + " bytes");
            assertEquals(WARM_UP + OPERATIONS, log.lastIndex());
        }
    }

    private void appendAndFlush(final RaftLog log, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            appendOne(log);
            if ((i & 15) == 15)
            {
                log.flush();
            }
        }
        log.flush();
    }

    private void appendOne(final RaftLog log)
    {
        final long index = log.lastIndex() + 1;
        payload.putLong(0, index);
        log.append(index, 1, EntryType.COMMAND, payload, 0, 64 + (int)(index & 127));
    }

    private void readAll(final RaftLog log, final long from, final long to)
    {
        long index = from;
        while (index <= to)
        {
            index += log.read(index, Math.min(to, index + 99), reader);
        }
    }

    private boolean onEntry(
        final long index, final long term, final int type, final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        sink += buffer.getLong(offset) + length;
        return true;
    }
}
