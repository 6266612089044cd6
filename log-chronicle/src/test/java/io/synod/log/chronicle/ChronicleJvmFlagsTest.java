package io.synod.log.chronicle;

import io.synod.raft.JvmFlags;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening a Chronicle log in a JVM that has Agrona's flag but not Chronicle's fails with one message naming
 * Chronicle's missing flags, instead of Chronicle's {@code AssertionError ... FileChannelImpl.map0}.
 */
class ChronicleJvmFlagsTest
{
    @Test
    void shouldHaveEveryFlagUnderTheBuildsArgLine()
    {
        assertEquals(List.of(), JvmFlags.missing(net.openhft.chronicle.queue.ChronicleQueue.class.getModule(),
            ChronicleJvmFlags.CHRONICLE));
    }

    @Test
    void shouldNameChroniclesMissingFlagsWhenOpeningALogWithoutThem() throws Exception
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final Process process = new ProcessBuilder(java, "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true", "-cp", System.getProperty("java.class.path"), Probe.class.getName())
            .redirectErrorStream(true)
            .start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(output.contains("Chronicle Queue (log-chronicle) needs JVM flags"), output);
        assertTrue(output.contains("--add-opens=java.base/java.lang.reflect=ALL-UNNAMED"), output);
        assertFalse(output.contains("jdk.internal.misc=ALL-UNNAMED\n"), "Agrona's flag was given: " + output);
    }

    /** Entry point of the JVM without Chronicle's flags. */
    public static final class Probe
    {
        public static void main(final String[] args) throws Exception
        {
            final java.nio.file.Path dir = Files.createTempDirectory("synod-flags-");
            try (ChronicleRaftLog log = ChronicleRaftLog.open(dir.resolve("log"), Durability.PAGE_CACHE, 1, 1))
            {
                System.out.println("opened " + log.lastIndex());
            }
            catch (final IllegalStateException ex)
            {
                System.out.println(ex.getMessage());
            }
        }
    }
}
