package io.synod.kv;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steady state allocates nothing: put over existing keys with values of the same size, get and
 * local reads of existing keys, and compare-and-set. Measured with the thread's allocated-bytes
 * counter over 100,000 operations after warm-up.
 */
class KvAllocationTest
{
    private static final int KEYS = 1024;
    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 100_000;

    private final KeyValueStateMachine kv = new KeyValueStateMachine();
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[KvCommand.MAX_LENGTH]);
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[32]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[256]);
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(KvResponse.MAX_LENGTH);
    private long checksum;

    @Test
    void shouldNotAllocateOnPutOverwriteGetReadOrCompareAndSetOfExistingKeys()
    {
        for (int k = 0; k < KEYS; k++)
        {
            run(k, 0);
        }
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

        assertEquals(KEYS, kv.size());
        assertTrue(checksum != 0);
        final double bytesPerOp = (double)allocated / MEASURED;
        System.out.printf("kv allocation: %d iterations (put, get, read, cas), %d bytes, %.4f B/op%n",
            MEASURED, allocated, bytesPerOp);
        assertTrue(bytesPerOp < 1.0, "allocated " + allocated + " bytes over " + MEASURED + " ops = " + bytesPerOp + " B/op");
    }

    private void run(final int k, final int i)
    {
        final int keyLength = 8 + (k % 20);
        key.putInt(0, k);
        key.putInt(4, ~k);
        final int valueLength = 1 + (k % 200);
        value.putInt(0, i);

        int length = KvClientCodec.encodePut(command, 0, key, 0, keyLength, value, 0, valueLength);
        int responseLength = kv.apply(i, 1, command, 0, length, response);
        final long version = KvClientCodec.version(response, 0);
        checksum += version + responseLength;

        length = KvClientCodec.encodeGet(command, 0, key, 0, keyLength);
        responseLength = kv.apply(i, 1, command, 0, length, response);
        checksum += KvClientCodec.status(response, 0) + responseLength;

        responseLength = kv.read(key, 0, keyLength, response, 0);
        checksum += responseLength + kv.version(key, 0, keyLength);

        length = KvClientCodec.encodeCompareAndSet(command, 0, key, 0, keyLength, version, value, 0, valueLength);
        responseLength = kv.apply(i, 1, command, 0, length, response);
        checksum += KvClientCodec.version(response, 0) + responseLength;
    }
}
