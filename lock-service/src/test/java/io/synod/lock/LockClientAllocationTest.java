package io.synod.lock;

import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes allocated per lock + unlock round trip through {@link LockClient} on a 3-member
 * {@link LoopbackCluster} (pre-sized logs, no crashable storage), everything on this thread: the client,
 * the cluster's duty cycles, the replicas' {@link LockStateMachine}s, keep-alives and the node's session TICKs
 * ticks. Measured with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} after warm-up.
 */
class LockClientAllocationTest
{
    private static final long MS = 1_000_000L;
    private static final int WARMUP_OPS = 20_000;
    private static final int MEASURED_OPS = 20_000;

    private static final int IDLE = 0;
    private static final int WAITING = 1;
    private static final int HOLDING = 2;
    private static final int RELEASING = 3;

    private final UnsafeBuffer name = new UnsafeBuffer("lock".getBytes(StandardCharsets.US_ASCII));
    private LoopbackCluster cluster;
    private long correlationId = 1;
    private int state = IDLE;
    private long completed;
    private long failures;
    private long lastFence = -1;
    private long fenceViolations;

    @Test
    void shouldNotAllocatePerLockUnlockRoundTrip()
    {
        final LockClient client = new LockClient(this::send, new LockClient.Handler()
        {
            @Override
            public void onGranted(final long correlationId, final long fence, final int holdCount)
            {
                if (fence <= lastFence)
                {
                    fenceViolations++;
                }
                lastFence = fence;
                state = HOLDING;
            }

            @Override
            public void onFailed(final long correlationId, final int status)
            {
                if (failures++ == 0)
                {
                    System.out.println("failed: " + LockStatus.name(status) + " after " + completed + " ops");
                }
                state = IDLE;
            }

            @Override
            public void onReleased(final long correlationId, final long fence, final int holdCount)
            {
                completed++;
                state = IDLE;
            }
        }, 42, 1000 * MS, 700 * MS, 150 * MS);
        final int entries = 4 * (WARMUP_OPS + MEASURED_OPS) + 100_000;
        cluster = new LoopbackCluster(3, 7, false,
            memberId -> memberId == 1 ? new LockStateMachine(client) : new LockStateMachine(),
            config -> config.sessionTickIntervalNs(50 * MS),
            entries, entries * 128);
        cluster.awaitLeader(5_000 * MS);
        // The client reads time only in doWork: without this its first session open would be stamped 0.
        client.doWork(cluster.clock().nanoTime());

        run(client, WARMUP_OPS);

        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final long startNs = cluster.clock().nanoTime();
        final long before = threads.getThreadAllocatedBytes(threadId);
        final long wallStart = System.nanoTime();
        run(client, MEASURED_OPS);
        final long wallNs = System.nanoTime() - wallStart;
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        final long virtualNs = cluster.clock().nanoTime() - startNs;

        final double bytesPerOp = (double)allocated / MEASURED_OPS;
        System.out.printf("LockClient lock+unlock: %d ops, %d B allocated (%.3f B/op), %.1f virtual ms/op, %.0f wall ns/op%n",
            MEASURED_OPS, allocated, bytesPerOp, virtualNs / 1e6 / MEASURED_OPS, (double)wallNs / MEASURED_OPS);
        assertEquals(0, failures);
        assertEquals(0, fenceViolations);
        assertTrue(bytesPerOp < 1.0, "allocated " + bytesPerOp + " B per lock+unlock");
    }

    private boolean send(
        final int type, final long sessionId, final long argument, final DirectBuffer buffer, final int offset, final int length)
    {
        final int leader = cluster.leader();
        return leader != 0 &&
            cluster.agent(leader).proposeSession(LoopbackCluster.GROUP_ID, correlationId++, type, sessionId, argument, buffer, offset, length);
    }

    private void run(final LockClient client, final int ops)
    {
        final long target = completed + ops;
        long steps = 0;
        while (completed < target)
        {
            if (state == IDLE)
            {
                state = WAITING;
                client.acquire(correlationId, name, 0, 4, LockCommand.MUTEX, 1, 1, 1, -1, name, 0, 0);
            }
            else if (state == HOLDING)
            {
                state = RELEASING;
                client.release(correlationId, name, 0, 4, LockCommand.MUTEX, 1, 1);
            }
            cluster.tick();
            final long now = cluster.clock().nanoTime();
            client.doWork(now);
            if (++steps > 100L * ops + 100_000)
            {
                throw new AssertionError("stuck: " + cluster.describe());
            }
        }
    }
}
