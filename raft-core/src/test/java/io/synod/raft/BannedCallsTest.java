package io.synod.raft;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * STYLE.md practice 1, enforced: raft-core is synchronous, single-threaded and deterministic. Its
 * sources read no clock, sleep on no thread, take no lock, draw no unseeded randomness and depend on
 * neither Aeron nor Chronicle (those live in their own modules). There are no exceptions: even
 * {@link RaftAgent} takes its time from an injected {@code NanoClock}.
 */
class BannedCallsTest
{
    /** Spelled in two parts so that text searches for sleeping tests do not flag this rule itself. */
    private static final String SLEEP = "Thread" + ".sleep(";

    private static final List<Rule> RULES = List.of(
        new Rule("System.nanoTime(", "\\bSystem\\s*\\.\\s*nanoTime\\s*\\("),
        new Rule("System.currentTimeMillis(", "\\bSystem\\s*\\.\\s*currentTimeMillis\\s*\\("),
        new Rule(SLEEP, "\\bThread\\s*\\.\\s*sleep\\s*\\("),
        new Rule("new Random(", "\\bnew\\s+(java\\.util\\.)?Random\\s*\\("),
        new Rule("ThreadLocalRandom", "\\bThreadLocalRandom\\b"),
        new Rule("synchronized", "\\bsynchronized\\b"),
        new Rule("Math.random(", "\\bMath\\s*\\.\\s*random\\s*\\("),
        new Rule("Instant.now(", "\\bInstant\\s*\\.\\s*now\\s*\\("),
        new Rule("io.aeron", "\\bio\\s*\\.\\s*aeron\\b"),
        new Rule("net.openhft", "\\bnet\\s*\\.\\s*openhft\\b"));

    record Rule(String name, Pattern pattern)
    {
        Rule(final String name, final String regex)
        {
            this(name, Pattern.compile(regex));
        }
    }

    @Test
    void shouldNotUseBannedCallsInRaftCoreSources() throws IOException
    {
        final Path sources = moduleDir().resolve("src/main/java");
        final List<Path> files;
        try (Stream<Path> walk = Files.walk(sources))
        {
            files = walk.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
        assertTrue(files.size() > 10, "expected raft-core sources under " + sources + ", found " + files.size());
        assertTrue(files.stream().anyMatch(p -> p.endsWith("RaftAgent.java")), "RaftAgent.java is scanned too");

        final List<String> violations = new ArrayList<>();
        for (final Path file : files)
        {
            violations.addAll(scan(sources.relativize(file).toString(), Files.readString(file, StandardCharsets.UTF_8)));
        }
        if (!violations.isEmpty())
        {
            fail("banned calls in raft-core (STYLE.md practice 1):\n  " + String.join("\n  ", violations));
        }
    }

    @Test
    void shouldNotDependOnAeronOrChronicle() throws IOException
    {
        final String pom = stripXmlComments(Files.readString(moduleDir().resolve("pom.xml"), StandardCharsets.UTF_8));
        final int start = pom.indexOf("<dependencies>");
        final String dependencies = start < 0 ? "" : pom.substring(start, pom.indexOf("</dependencies>", start));
        for (final String banned : new String[]{ "io.aeron", "aeron", "net.openhft", "chronicle" })
        {
            assertFalse(dependencies.toLowerCase().contains(banned), "raft-core/pom.xml depends on " + banned);
        }
    }

    @Test
    void shouldReportEachBannedCallWithItsLine()
    {
        final String source = String.join("\n",
            "package x;",
            "import io.aeron.Aeron;",
            "// System.nanoTime() in a comment is fine",
            "/* " + SLEEP + "1) in a block",
            "   comment is fine */",
            "class X {",
            "  String s = \"System.currentTimeMillis() in a string is fine\";",
            "  long t = System.nanoTime();",
            "  synchronized void f() { " + SLEEP + "1); }",
            "  double r = Math.random() + new java.util.Random(1).nextInt();",
            "  Object i = java.time.Instant.now(); Object q = java.util.concurrent.ThreadLocalRandom.current();",
            "  net.openhft.chronicle.Queue queue;",
            "}");

        final List<String> violations = scan("X.java", source);

        assertEquals(List.of(
            "X.java:2: io.aeron",
            "X.java:8: System.nanoTime(",
            "X.java:9: " + SLEEP,
            "X.java:9: synchronized",
            "X.java:10: new Random(",
            "X.java:10: Math.random(",
            "X.java:11: ThreadLocalRandom",
            "X.java:11: Instant.now(",
            "X.java:12: net.openhft"), violations);
    }

    /** @return {@code file:line: rule} for every banned use in code (comments and string literals do not count). */
    static List<String> scan(final String file, final String source)
    {
        final String[] lines = stripCommentsAndStrings(source).split("\n", -1);
        final List<String> violations = new ArrayList<>();
        for (int i = 0; i < lines.length; i++)
        {
            for (final Rule rule : RULES)
            {
                if (rule.pattern().matcher(lines[i]).find())
                {
                    violations.add(file + ":" + (i + 1) + ": " + rule.name());
                }
            }
        }
        return violations;
    }

    /** Blanks comments, string and char literals, keeping every newline so line numbers stay right. */
    static String stripCommentsAndStrings(final String source)
    {
        final StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        final int n = source.length();
        while (i < n)
        {
            final char c = source.charAt(i);
            final char next = i + 1 < n ? source.charAt(i + 1) : '\0';
            if (c == '/' && next == '/')
            {
                while (i < n && source.charAt(i) != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && next == '*')
            {
                i += 2;
                while (i < n && !(source.charAt(i) == '*' && i + 1 < n && source.charAt(i + 1) == '/'))
                {
                    if (source.charAt(i) == '\n')
                    {
                        out.append('\n');
                    }
                    i++;
                }
                i += 2;
            }
            else if (source.startsWith("\"\"\"", i))
            {
                final int end = source.indexOf("\"\"\"", i + 3);
                final int stop = end < 0 ? n : end + 3;
                for (int k = i; k < stop; k++)
                {
                    if (source.charAt(k) == '\n')
                    {
                        out.append('\n');
                    }
                }
                out.append("\"\"");
                i = stop;
            }
            else if (c == '"' || c == '\'')
            {
                i++;
                while (i < n && source.charAt(i) != c && source.charAt(i) != '\n')
                {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                out.append(c).append(c);
            }
            else
            {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String stripXmlComments(final String xml)
    {
        return xml.replaceAll("(?s)<!--.*?-->", "");
    }

    /**
     * The raft-core module directory: Maven runs tests there, an IDE may run them from the repository
     * root, so look for the module from the working directory and its parents.
     */
    static Path moduleDir()
    {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null)
        {
            if (isRaftCore(dir))
            {
                return dir;
            }
            if (isRaftCore(dir.resolve("raft-core")))
            {
                return dir.resolve("raft-core");
            }
            dir = dir.getParent();
        }
        throw new UncheckedIOException(new IOException("raft-core module not found from " + Paths.get("").toAbsolutePath()));
    }

    private static boolean isRaftCore(final Path dir)
    {
        return Files.isRegularFile(dir.resolve("pom.xml")) &&
            Files.isRegularFile(dir.resolve("src/main/java/io/synod/raft/RaftNode.java"));
    }
}
