package io.synod.quorum;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steady state allocates nothing on any member's thread of work (here the test thread runs every
 * agent): DVV gets and puts with the context just read (coordinated locally or forwarded, replicated,
 * merged, persisted to an in-memory store, answered), and ABD writes and reads, over existing keys with
 * values of one size. Measured with the thread's allocated-bytes counter after warm-up.
 */
class QuorumAllocationTest
{
    private static final int KEYS = 64;
    private static final int WARM_UP = 4_000;
    private static final int MEASURED = 10_000;

    private final LoopbackQuorum quorum = new LoopbackQuorum();
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
    private long correlationId;

    @Test
    void shouldNotAllocateOnTheSteadyStatePutGetWriteReadPath()
    {
        quorum.cluster.awaitLeader(5_000_000_000L);
        for (int i = 0; i < WARM_UP; i++)
        {
            round(i);
        }
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final long completedBefore = quorum.completed;
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < MEASURED; i++)
        {
            round(i);
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        final long operations = quorum.completed - completedBefore;
        assertEquals(4L * MEASURED, operations);
        final double bytesPerOp = (double)allocated / operations;
        System.out.printf("quorum allocation: %d operations (dvv get+put, abd write+read), %d bytes, %.4f B/op%n",
            operations, allocated, bytesPerOp);
        assertTrue(bytesPerOp < 1.0, "allocated " + allocated + " bytes over " + operations + " ops = " + bytesPerOp + " B/op");
    }

    /** One DVV read-modify-write and one ABD write and read of key {@code i % KEYS}, from member {@code 1 + i % 3}. */
    private void round(final int i)
    {
        final int member = 1 + i % LoopbackQuorum.MEMBERS;
        key.putLong(0, i % KEYS);
        value.putLong(0, i);
        final QuorumNode node = quorum.nodes[member];
        final long target = quorum.completed + 1;

        assertOk(node.get(quorum.nowNs(), ++correlationId, key, 0, 8, Consistency.QUORUM, 0));
        quorum.awaitCompleted(target, 1_000);
        assertTrue(quorum.lastStatus == QuorumStatus.OK || quorum.lastStatus == QuorumStatus.NOT_FOUND);
        assertTrue(quorum.lastSiblings <= 1, "a write with the context read leaves one value");

        assertOk(node.put(quorum.nowNs(), ++correlationId, key, 0, 8, quorum.context, 0, quorum.contextLength, value, 0, 64,
            Consistency.QUORUM, 0));
        quorum.awaitCompleted(target + 1, 1_000);
        assertEquals(QuorumStatus.OK, quorum.lastStatus);

        final AtomicNode atomic = quorum.atomics[member];
        assertOk(atomic.write(quorum.nowNs(), ++correlationId, key, 0, 8, value, 0, 64));
        quorum.awaitCompleted(target + 2, 1_000);
        assertEquals(QuorumStatus.OK, quorum.lastStatus);
        assertOk(atomic.read(quorum.nowNs(), ++correlationId, key, 0, 8));
        quorum.awaitCompleted(target + 3, 1_000);
        assertEquals(QuorumStatus.OK, quorum.lastStatus);
        assertEquals(i, quorum.lastValue.getLong(0));
    }

    private static void assertOk(final int status)
    {
        if (status != QuorumStatus.OK)
        {
            throw new AssertionError("refused: " + QuorumStatus.name(status));
        }
    }
}
