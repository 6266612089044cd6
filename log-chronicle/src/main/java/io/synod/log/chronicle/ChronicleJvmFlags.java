package io.synod.log.chronicle;

import io.synod.raft.JvmFlags;

/**
 * The JVM flags this module needs, checked by {@link ChronicleRaftLog#open(ChronicleLogContext)} before
 * Chronicle Queue loads (see {@link JvmFlags}). The list is the minimum found by dropping flags one at a
 * time from the full list on Java 17 with Chronicle Queue 2026.4: without {@code java.lang.reflect} opened,
 * mapping a queue file fails with {@code AssertionError ... FileChannelImpl.map0}; without
 * {@code sun.nio.ch} exported the queue opens read-only; without {@code jdk.internal.ref} Chronicle cannot
 * free direct buffers. Agrona's flag is checked too, because the log's buffers are Agrona's.
 */
public final class ChronicleJvmFlags
{
    /** Chronicle Queue's minimum on Java 17 ({@code isExported} also accepts an {@code --add-opens} of the package). */
    public static final String[] CHRONICLE = {
        "--add-opens=java.base/java.lang.reflect",
        "--add-exports=java.base/jdk.internal.ref",
        "--add-exports=java.base/sun.nio.ch",
    };

    private ChronicleJvmFlags()
    {
    }

    /**
     * @throws IllegalStateException listing every missing flag and where to set it, unless
     * {@code -Dsynod.jvmFlags.skip=true}.
     */
    public static void check()
    {
        JvmFlags.require("Agrona (Synod's buffers)", org.agrona.DirectBuffer.class, JvmFlags.AGRONA);
        // A class literal loads the class without initialising it: nothing of Chronicle starts here.
        JvmFlags.require("Chronicle Queue (log-chronicle)", net.openhft.chronicle.queue.ChronicleQueue.class, CHRONICLE);
    }
}
