package io.synod.transport.aeron;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wiring a node in a JVM started without any of Synod's flags fails at {@code AeronRaftNode.builder()} with one
 * message naming the flag and where to put it, not Agrona's {@code IllegalAccessError ... jdk.internal.misc.Unsafe}.
 */
class AeronJvmFlagsTest
{
    @Test
    void shouldNameTheMissingFlagWhenANodeIsWiredWithoutIt() throws Exception
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Probe.class.getName())
            .redirectErrorStream(true)
            .start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(output.contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), output);
        assertFalse(output.contains("IllegalAccessError"), output);
    }

    /** Entry point of the flagless JVM: what an embedder writes first. */
    public static final class Probe
    {
        public static void main(final String[] args)
        {
            try
            {
                AeronRaftNode.builder().clusterId(7).memberId(1)
                    .log(new io.synod.raft.log.InMemoryRaftLog()).hardState(new io.synod.raft.log.InMemoryHardState())
                    .stateMachine((index, term, command, offset, length, response) -> 0)
                    .endpoint(1, "127.0.0.1:20001")
                    .build()
                    .close();
                System.out.println("built");
            }
            catch (final IllegalStateException ex)
            {
                System.out.println(ex.getMessage());
            }
        }
    }
}
