package io.synod.transport.aeron;

import io.synod.raft.JvmFlags;

/**
 * The JVM flags this module needs, checked by {@link AeronRaftNode.Builder#build()} and the
 * {@link AeronRuntime} factories before Aeron or Agrona touch {@code jdk.internal.misc.Unsafe} (see
 * {@link JvmFlags}). Aeron 1.51 on Agrona 2.4 needs only Agrona's export on Java 17 (an embedded media
 * driver and a UDP round trip run with that one flag).
 */
public final class AeronJvmFlags
{
    private AeronJvmFlags()
    {
    }

    /**
     * @throws IllegalStateException listing every missing flag and where to set it, unless
     * {@code -Dsynod.jvmFlags.skip=true}.
     */
    public static void check()
    {
        JvmFlags.require("Agrona (used by Aeron and Synod)", org.agrona.DirectBuffer.class, JvmFlags.AGRONA);
    }
}
