package io.synod.txn;

import io.synod.kv.KvClientCodec;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The single-shard fast path allocates nothing in the steady state: puts over existing keys with values of
 * the same size, gets, and commands redirected to another shard, with a transaction holding locks on other
 * keys of the shard. Measured with the thread's allocated-bytes counter after warm-up. (The transaction
 * path allocates by design: records, key and value copies.)
 */
class ShardAllocationTest
{
    private static final int KEYS = 512;
    private static final int WARM_UP = 100_000;
    private static final int MEASURED = 100_000;

    private final ShardMap map = ShardMap.roundRobin(1, 1, 2);
    private final ShardStateMachine shard = new ShardStateMachine(1, map);
    private final ExpandableArrayBuffer kv = new ExpandableArrayBuffer(256);
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(512);
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(512);
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
    private long checksum;

    @Test
    void shouldNotAllocateOnTheFastPath()
    {
        // A prepared transaction holds a few keys (not the ones the loop uses): locks exist, lookups stay cheap.
        final Transaction txn = new Transaction(map, 99, Long.MAX_VALUE);
        int locked = 0;
        for (int i = 0; locked < 4; i++)
        {
            final byte[] lockedKey = ("locked-" + i).getBytes();
            if (map.ownerOf(lockedKey) == 1)
            {
                txn.write(lockedKey, new byte[8]);
                locked++;
            }
        }
        final CoordinatorStateMachine coordinator = new CoordinatorStateMachine(map);
        final int beginLength = txn.encodeBegin(command, 0);
        coordinator.apply(1, 1, command, 0, beginLength, response);
        final byte[] body = coordinator.prepareBody(99, 0);
        final int prepareLength = ShardCodec.header(command, 0, ShardCodec.PREPARE, 1, 99);
        command.putBytes(prepareLength, body);
        shard.apply(1, 1, command, 0, prepareLength + body.length, response);
        assertEquals(4, shard.lockCount());

        for (int i = 0; i < WARM_UP; i++)
        {
            run(i % KEYS, i);
        }
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < MEASURED; i++)
        {
            run(i % KEYS, i);
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        assertTrue(checksum != 0);
        final double bytesPerOp = (double)allocated / MEASURED;
        System.out.printf("shard fast path allocation: %d iterations (put, get, redirected get), %d bytes, %.4f B/op%n",
            MEASURED, allocated, bytesPerOp);
        assertTrue(bytesPerOp < 1.0, "allocated " + allocated + " bytes over " + MEASURED + " iterations = " + bytesPerOp + " B/op");
    }

    private void run(final int k, final int i)
    {
        key.putInt(0, k);
        key.putInt(4, ~k);
        final int keyLength = 8;
        value.putInt(0, i);
        int kvLength = KvClientCodec.encodePut(kv, 0, key, 0, keyLength, value, 0, 16);
        int length = ShardCodec.encodeKv(command, 0, 1, kv, 0, kvLength);
        int responseLength = shard.apply(i, 1, command, 0, length, response);
        checksum += ShardCodec.status(response, 0, responseLength) + ShardCodec.detail(response, 0) + responseLength;

        kvLength = KvClientCodec.encodeGet(kv, 0, key, 0, keyLength);
        length = ShardCodec.encodeKv(command, 0, 1, kv, 0, kvLength);
        responseLength = shard.apply(i, 1, command, 0, length, response);
        checksum += ShardCodec.status(response, 0, responseLength) + responseLength;
    }
}
