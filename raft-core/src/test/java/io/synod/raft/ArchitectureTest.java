package io.synod.raft;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The shape of raft-core (ARCHITECTURE.md, "Inside raft-core"), enforced. {@link RaftNode} keeps the
 * Figure 2 state and drives components that each own one concern; a component holds no {@code RaftNode}
 * and calls no other component (the pure helpers {@code Quorum} and {@code LogTerms} excepted), receives
 * what it does not own as arguments and answers with primitives. Only {@code transition()} writes the
 * role and only {@code RaftNode} stores the hard state.
 *
 * <p>Also the file-length ratchet of the whole project: no file under any module's {@code src/main}
 * over {@value #MAX_LINES} lines unless {@link #LONG_FILES} names it with its reason, and an entry is
 * dropped as soon as its file fits.
 */
class ArchitectureTest
{
    private static final List<String> COMPONENTS = List.of(
        "Election", "Replicator", "ReadIndex", "SnapshotTransfer", "SnapshotWriter", "Configurations",
        "LeadershipTransfer", "Applier");

    private static final int MAX_LINES = 1_000;

    /**
     * Files allowed over {@value #MAX_LINES} lines: each with a ceiling it may not pass and the reason.
     * Keep it short; lower a ceiling when its file shrinks.
     */
    private static final Map<String, Long> LONG_FILES = Map.of(
        "raft-core/src/main/java/io/synod/raft/RaftNode.java", 1_351L);

    /*
     * Why RaftNode is allowed past the limit (issue 12 set a target of 800 lines; this is what stands in
     * the way, measured at 1,254 lines: 340 brace-only lines, 219 comment lines, 92 blank, 603 of code).
     *
     * Every concern with state of its own is out (Election, Replicator, Quorum, LogTerms, ReadIndex,
     * SnapshotTransfer, SnapshotWriter, Configurations, LeadershipTransfer, Applier). What is left is what
     * the same issue says stays: the Figure 2 state, transition(), the term rules and dispatch of onFrame,
     * the follower side of AppendEntries, append/truncate, maybeAdvanceCommit and the duty cycle, plus the
     * public API with its javadoc (constructors, propose, proposeSession, forward, membership changes,
     * transfer, read, status: about 330 lines). Because no component may call another, every step that
     * involves two of them (a snapshot install touches the log, the applier, the configurations and the
     * writer) is written out here; moving those steps into a mediator would recreate this class under
     * another name. The ceiling stops it growing: new behaviour goes into a component; only new public
     * API (issue 13's API points: propose returning its index, isSnapshotting, requestSnapshot) took it
     * from 1,254 to 1,300, and forwarding client-session operations (forwardSession: a follower's lock
     * client opens, keeps alive and uses its session through the leader) to 1,355: the intake of a
     * proposal reads the role, the leader, the transfer and the session table, so it is node glue.
     * Looked at again in session 6 (1,355 lines, unchanged): under the rules above the floor is about 1,050; 800
     * needs one class allowed to call several components (a proposal-intake mediator or a shared node state),
     * which is a change to the rules, not a split. Frame coalescing went into RaftAgent and FrameBatcher, not here.
     * Session 7 (1,351): the leader's entries take one append path (appendEntry: session entries stamped there),
     * the snapshot response is handled in the dispatch like the append response, and lease reads are judged in
     * send() (ReadIndex.judgeLeaseReads); decided there: the 800 target stays unmet by choice, the rules win.
     */
    @Test
    void shouldKeepComponentsApartFromTheNodeAndEachOther() throws IOException
    {
        final Path sources = BannedCallsTest.moduleDir().resolve("src/main/java/io/synod/raft");
        final List<String> violations = new ArrayList<>();
        for (final String component : COMPONENTS)
        {
            final Path file = sources.resolve(component + ".java");
            assertTrue(Files.exists(file), "component " + component + " exists");
            final String code = BannedCallsTest.stripCommentsAndStrings(Files.readString(file, StandardCharsets.UTF_8));
            for (final String other : concat(COMPONENTS, "RaftNode"))
            {
                if (!other.equals(component) && Pattern.compile("\\b" + other + "\\b").matcher(code).find())
                {
                    violations.add(component + " references " + other);
                }
            }
            if (Pattern.compile("\\.\\s*store\\s*\\(").matcher(code).find())
            {
                violations.add(component + " stores hard state (only RaftNode does)");
            }
            if (Pattern.compile("\\brole\\s*=[^=]").matcher(code).find())
            {
                violations.add(component + " writes a role (only RaftNode.transition does)");
            }
        }
        final String node = BannedCallsTest.stripCommentsAndStrings(Files.readString(sources.resolve("RaftNode.java"), StandardCharsets.UTF_8));
        final Matcher roleWrites = Pattern.compile("(?<!RaftRole )\\brole\\s*=[^=]").matcher(node);
        int writes = 0;
        while (roleWrites.find())
        {
            writes++;
        }
        assertEquals(1, writes, "RaftNode writes its role in transition() only");
        if (!violations.isEmpty())
        {
            fail("raft-core component rules (ARCHITECTURE.md):\n  " + String.join("\n  ", violations));
        }
    }

    @Test
    void shouldKeepEveryMainSourceFileUnderTheLengthLimit() throws IOException
    {
        final Path root = BannedCallsTest.moduleDir().getParent();
        final Map<String, Long> tooLong = new TreeMap<>();
        final List<Path> files;
        try (Stream<Path> walk = Files.walk(root))
        {
            files = walk.filter(p -> p.toString().endsWith(".java"))
                .filter(p -> root.relativize(p).toString().replace('\\', '/').matches("[^/]+/src/main/.*"))
                .collect(Collectors.toList());
        }
        assertTrue(files.size() > 50, "expected the project's main sources under " + root + ", found " + files.size());
        for (final Path file : files)
        {
            final long lines;
            try (Stream<String> content = Files.lines(file, StandardCharsets.UTF_8))
            {
                lines = content.count();
            }
            if (lines > MAX_LINES)
            {
                tooLong.put(root.relativize(file).toString().replace('\\', '/'), lines);
            }
        }
        final List<String> problems = new ArrayList<>();
        tooLong.forEach((file, lines) ->
        {
            final Long ceiling = LONG_FILES.get(file);
            if (ceiling == null)
            {
                problems.add(file + " has " + lines + " lines (limit " + MAX_LINES + "): split it, or list it here with the reason");
            }
            else if (lines > ceiling)
            {
                problems.add(file + " has " + lines + " lines, above its ceiling of " + ceiling + ": move the new code into a component");
            }
        });
        LONG_FILES.keySet().forEach(file ->
        {
            if (!tooLong.containsKey(file))
            {
                problems.add(file + " is listed as too long but is not (any more): drop its entry");
            }
        });
        if (!problems.isEmpty())
        {
            fail("file-length ratchet:\n  " + String.join("\n  ", problems));
        }
    }

    private static List<String> concat(final List<String> list, final String more)
    {
        final List<String> all = new ArrayList<>(list);
        all.add(more);
        return all;
    }
}
