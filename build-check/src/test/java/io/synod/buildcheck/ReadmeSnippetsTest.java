package io.synod.buildcheck;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's embedding snippets are the example's code, so what a new user copies is what CI compiles and
 * runs ({@code examples/embedded}, built by {@code .ci/run}). In the README, a code block preceded by
 * {@code <!-- snippet: path#region[,region...] -->} must equal those regions of that file, joined by a blank
 * line; in the file a region runs from a line {@code // snippet: region} (or {@code <!-- snippet: region -->})
 * to the next {@code end snippet} line, and its common indentation is removed.
 */
class ReadmeSnippetsTest
{
    private static final Pattern MARKER = Pattern.compile("<!-- snippet: ([^#\\s]+)#([\\w,-]+) -->\\s*\\n```\\w*\\n(.*?)\\n```", Pattern.DOTALL);

    @Test
    void shouldMatchEveryReadmeSnippetToTheExampleSources()
    {
        final Path root = BuildFiles.root();
        final String readme = BuildFiles.read(root.resolve("README.md"));
        final Matcher matcher = MARKER.matcher(readme);
        final List<String> problems = new ArrayList<>();
        int snippets = 0;
        while (matcher.find())
        {
            snippets++;
            final Path file = root.resolve(matcher.group(1));
            if (!Files.exists(file))
            {
                problems.add("README snippet names a missing file: " + matcher.group(1));
                continue;
            }
            final String source = BuildFiles.read(file);
            final List<String> parts = new ArrayList<>();
            for (final String region : matcher.group(2).split(","))
            {
                final String code = region(source, region);
                if (code == null)
                {
                    problems.add(matcher.group(1) + " has no region '" + region + "'");
                }
                else
                {
                    parts.add(code);
                }
            }
            final String expected = String.join("\n\n", parts);
            final String actual = matcher.group(3).stripTrailing();
            if (!expected.equals(actual))
            {
                problems.add("README snippet " + matcher.group(1) + "#" + matcher.group(2) + " differs from the source; " +
                    "copy it again. Expected:\n" + expected + "\n--- README has:\n" + actual);
            }
        }
        assertTrue(snippets >= 5, "the README's embedding section has its snippets (found " + snippets + ")");
        if (!problems.isEmpty())
        {
            fail(String.join("\n\n", problems));
        }
    }

    @Test
    void shouldFindRegionsAndRemoveTheirIndentation()
    {
        final String source = "class X {\n    // snippet: a\n    int x;\n      int y;\n    // end snippet\n}\n";
        assertEquals("int x;\n  int y;", region(source, "a"));
        assertEquals(null, region(source, "b"));
    }

    /** @return the region's lines without their common indentation, or null. */
    static String region(final String source, final String name)
    {
        final List<String> lines = Arrays.asList(source.split("\n", -1));
        int start = -1;
        for (int i = 0; i < lines.size(); i++)
        {
            final String trimmed = lines.get(i).trim();
            if (start < 0 && (trimmed.equals("// snippet: " + name) || trimmed.equals("<!-- snippet: " + name + " -->")))
            {
                start = i + 1;
            }
            else if (start >= 0 && (trimmed.equals("// end snippet") || trimmed.equals("<!-- end snippet -->")))
            {
                final List<String> region = lines.subList(start, i);
                final int indent = region.stream().filter((l) -> !l.isBlank())
                    .mapToInt((l) -> l.length() - l.stripLeading().length()).min().orElse(0);
                final StringBuilder out = new StringBuilder();
                for (final String line : region)
                {
                    out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
                }
                return out.toString().stripTrailing();
            }
        }
        return null;
    }
}
