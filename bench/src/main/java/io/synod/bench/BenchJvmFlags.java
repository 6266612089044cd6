package io.synod.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JVM flags every benchmark JVM gets (JMH forks, the latency harness): the root pom property
 * {@code synod.jvm.flags} (add-opens/add-exports for Chronicle and Agrona, Chronicle analytics off) followed by
 * the bench pom's {@code synod.bench.jvm.flags.extra}, written by Maven resource filtering into
 * {@code io/synod/bench/jvm.flags} in the jar. This is the one copy the bench module reads; nothing here lists
 * a flag by hand.
 *
 * <p>{@code java -cp benchmarks.jar io.synod.bench.BenchJvmFlags} prints them on one line (for {@code run.sh}).
 */
public final class BenchJvmFlags
{
    static final String RESOURCE = "jvm.flags";

    private BenchJvmFlags()
    {
    }

    /**
     * @return the flags, in order.
     * @throws IllegalStateException if the resource is missing or was not filtered (a build outside Maven).
     */
    public static List<String> list()
    {
        final String text;
        try (InputStream in = BenchJvmFlags.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("resource io/synod/bench/" + RESOURCE + " missing: build bench with Maven");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        if (text.contains("${") || text.isEmpty())
        {
            throw new IllegalStateException("io/synod/bench/" + RESOURCE + " was not filtered by Maven: " + text);
        }
        return List.of(text.split("\\s+"));
    }

    /** Prints the flags on one line, separated by spaces. */
    public static void main(final String[] args)
    {
        System.out.println(String.join(" ", list()));
    }
}
