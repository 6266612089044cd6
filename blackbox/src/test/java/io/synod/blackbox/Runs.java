package io.synod.blackbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Small helpers of the runs: where they go, deleting a tree, writing JSON without a library. */
final class Runs
{
    private Runs()
    {
    }

    /** @return the daemon's jar ({@code -Dsynod.jar}, set by this module's Failsafe configuration). */
    static Path jar()
    {
        final Path jar = Path.of(System.getProperty("synod.jar", "../coordinator/target/synod.jar")).toAbsolutePath().normalize();
        if (!Files.exists(jar))
        {
            throw new IllegalStateException("the daemon jar " + jar + " is missing: build it first (mvn -B -o install -DskipTests -pl coordinator -am)");
        }
        return jar;
    }

    /** @return the directory the runs write under ({@code -Dsynod.blackbox.runs}, default {@code target/blackbox-runs}). */
    static Path runsDir()
    {
        return Path.of(System.getProperty("synod.blackbox.runs", "target/blackbox-runs")).toAbsolutePath();
    }

    static long longProperty(final String name, final long defaultValue)
    {
        final String value = System.getProperty(name, "").trim();
        return value.isEmpty() ? defaultValue : Long.parseLong(value);
    }

    static void deleteTree(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            System.err.println("blackbox: could not delete " + root + ": " + ex.getMessage());
        }
    }

    /** @return maps, collections, strings, numbers and booleans as JSON. */
    static String toJson(final Object value)
    {
        if (value == null)
        {
            return "null";
        }
        if (value instanceof Map<?, ?> map)
        {
            final StringBuilder out = new StringBuilder("{");
            for (final Map.Entry<?, ?> entry : map.entrySet())
            {
                out.append(out.length() == 1 ? "" : ",").append(toJson(String.valueOf(entry.getKey()))).append(':').append(toJson(entry.getValue()));
            }
            return out.append('}').toString();
        }
        if (value instanceof Collection<?> list)
        {
            final StringBuilder out = new StringBuilder("[");
            for (final Object item : list)
            {
                out.append(out.length() == 1 ? "" : ",").append(toJson(item));
            }
            return out.append(']').toString();
        }
        if (value instanceof Number || value instanceof Boolean)
        {
            return value.toString();
        }
        final StringBuilder out = new StringBuilder("\"");
        for (final char c : value.toString().toCharArray())
        {
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int)c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
