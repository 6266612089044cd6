package io.synod.raft;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link JvmFlags}: a flag this JVM was started with passes; one it was not is reported with its target;
 * a JVM started without Synod's flags gets one error that names the missing flag and the escape hatch.
 */
class JvmFlagsTest
{
    @Test
    void shouldPassFlagsSurefireSetsAndReportOthersWithTheirTarget()
    {
        final Module unnamed = JvmFlagsTest.class.getModule();
        assertEquals(List.of(), JvmFlags.missing(unnamed, JvmFlags.AGRONA), "the build passes Agrona's export");
        assertEquals(List.of("--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED"),
            JvmFlags.missing(unnamed, "--add-opens=java.base/jdk.internal.loader"));
        assertEquals(List.of(), JvmFlags.missing(unnamed, "--add-exports=no.such.module/some.pkg"),
            "a module absent from the runtime image is not required");
        assertThrows(IllegalArgumentException.class, () -> JvmFlags.missing(unnamed, "--add-reads=java.base/x"));
    }

    @Test
    void shouldFailWithOneMessageListingTheMissingFlagsWhenStartedWithout() throws Exception
    {
        final String output = runWithoutFlags();
        assertTrue(output.contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), output);
        assertTrue(output.contains("JDK_JAVA_OPTIONS") && output.contains("synod.jvmFlags.skip"), output);
    }

    /** Runs {@link Probe} in a JVM with the class path of this one and no {@code --add-exports}. */
    private static String runWithoutFlags() throws Exception
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Probe.class.getName())
            .redirectErrorStream(true)
            .start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Entry point of the flagless JVM. */
    public static final class Probe
    {
        public static void main(final String[] args)
        {
            try
            {
                JvmFlags.require("Agrona", org.agrona.DirectBuffer.class, JvmFlags.AGRONA);
                System.out.println("no error");
            }
            catch (final IllegalStateException ex)
            {
                System.out.println(ex.getMessage());
            }
        }
    }
}
