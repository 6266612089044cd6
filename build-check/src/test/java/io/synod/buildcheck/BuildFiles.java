package io.synod.buildcheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test support: the repository's layout, read from its POMs with plain text matching (no XML model needed). */
final class BuildFiles
{
    /**
     * Reactor modules that are not published, each with the reason. Every other module with jar packaging is
     * published and must be in the BOM, name its module and attach sources and javadoc.
     */
    static final Set<String> NOT_PUBLISHED = Set.of(
        "bench",        // JMH (GPL-2.0 with Classpath Exception) and comparison systems; a tool, not a library
        "coordinator",  // the daemon application and the local demo
        "blackbox",     // black-box fault runs over the daemon's jar: tests only
        "build-check",  // these tests
        "synod-bom");   // the BOM itself (pom packaging)

    private BuildFiles()
    {
    }

    /** @return the repository root (build-check's parent directory). */
    static Path root()
    {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("build-check")))
        {
            dir = dir.getParent();
        }
        if (dir == null)
        {
            throw new IllegalStateException("repository root not found above " + System.getProperty("user.dir"));
        }
        return dir;
    }

    static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the {@code <module>} entries of the root POM. */
    static List<String> reactorModules()
    {
        return all(read(root().resolve("pom.xml")), "<module>([^<]+)</module>");
    }

    /** @return the reactor modules that are published. */
    static List<String> publishedModules()
    {
        final List<String> published = new ArrayList<>();
        for (final String module : reactorModules())
        {
            if (!NOT_PUBLISHED.contains(module))
            {
                published.add(module);
            }
        }
        return published;
    }

    /** @return the text of the first group of every match of {@code regex} in {@code text}, comments removed. */
    static List<String> all(final String text, final String regex)
    {
        final String code = text.replaceAll("(?s)<!--.*?-->", "");
        final Matcher matcher = Pattern.compile(regex).matcher(code);
        final List<String> found = new ArrayList<>();
        while (matcher.find())
        {
            found.add(matcher.group(1).trim());
        }
        return found;
    }

    /** @return the first group of the first match, or null. */
    static String first(final String text, final String regex)
    {
        final List<String> found = all(text, regex);
        return found.isEmpty() ? null : found.get(0);
    }

    /** @return the root package of a module's main sources: the longest package prefix shared by all of them. */
    static String rootPackage(final String module)
    {
        final Path sources = root().resolve(module).resolve("src/main/java");
        try (var files = Files.walk(sources))
        {
            String prefix = null;
            for (final Path file : (Iterable<Path>)files.filter((p) -> p.toString().endsWith(".java"))::iterator)
            {
                final String pkg = sources.relativize(file.getParent()).toString().replace(java.io.File.separatorChar, '.');
                prefix = prefix == null ? pkg : commonPackage(prefix, pkg);
            }
            return prefix;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static String commonPackage(final String a, final String b)
    {
        final String[] left = a.split("\\.");
        final String[] right = b.split("\\.");
        final StringBuilder common = new StringBuilder();
        for (int i = 0; i < Math.min(left.length, right.length) && left[i].equals(right[i]); i++)
        {
            common.append(i == 0 ? "" : ".").append(left[i]);
        }
        return common.toString();
    }
}
