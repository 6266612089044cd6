package io.synod.log.chronicle;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills a child JVM ({@link CrashChild}) with SIGKILL at random moments while it appends, truncates, compacts
 * and flushes, then reopens the log and checks it: the log must be exactly the state after every acknowledged
 * operation plus some prefix of the operations the child had started since (each record is atomic), and every
 * entry must read back with its term and payload. Durability alternates between the policies; a kill during
 * JVM start-up or recovery is included every fifth round.
 *
 * <p>{@code -Dsynod.crash.kills=N} sets the number of kills (default 50); {@code -Dsynod.crash.seed=S} replays.
 */
class ChronicleRaftLogCrashTest
{
    private static final int KILLS = Integer.getInteger("synod.crash.kills", 50);
    private static final int LINEAGES = 2;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryAcknowledgedEntryAcrossSigkill() throws Exception
    {
        final long seed = Long.getLong("synod.crash.seed", System.nanoTime());
        try
        {
            run(seed);
        }
        catch (final Throwable ex)
        {
            throw new AssertionError("crash test failed; replay with -Dsynod.crash.seed=" + seed, ex);
        }
    }

    private void run(final long seed) throws Exception
    {
        // Two lineages (each its own log and child) run side by side: a child spends most of its life starting.
        final ExecutorService executor = Executors.newFixedThreadPool(LINEAGES);
        try
        {
            final List<Future<int[]>> results = new ArrayList<>();
            for (int lineage = 0; lineage < LINEAGES; lineage++)
            {
                final int kills = KILLS / LINEAGES + (lineage < KILLS % LINEAGES ? 1 : 0);
                final long lineageSeed = seed + lineage;
                final Path logDir = dir.resolve("log-" + lineage);
                results.add(executor.submit(() -> runLineage(lineageSeed, logDir, kills)));
            }
            int kills = 0;
            int acknowledged = 0;
            int tornRounds = 0;
            for (final Future<int[]> result : results)
            {
                try
                {
                    final int[] counts = result.get();
                    kills += counts[0];
                    acknowledged += counts[1];
                    tornRounds += counts[2];
                }
                catch (final ExecutionException ex)
                {
                    throw new AssertionError(ex.getCause().getMessage(), ex.getCause());
                }
            }
            System.out.printf("crash test: seed=%d kills=%d acknowledged ops=%d " +
                "rounds whose log ended before the last started op=%d%n", seed, kills, acknowledged, tornRounds);
            assertEquals(KILLS, kills);
            assertTrue(acknowledged > 0, "no operation was ever acknowledged");
        }
        finally
        {
            executor.shutdownNow();
        }
    }

    /** @return kills, acknowledged operations, rounds that ended before the last started operation. */
    private int[] runLineage(final long seed, final Path logDir, final int kills) throws Exception
    {
        final Random random = new Random(seed);
        Model verified = new Model();
        int acknowledgedTotal = 0;
        int tornRounds = 0;
        String currentLines = "";
        final String[] previousLinesHolder = { "" };
        for (int round = 0; round < kills; round++)
        {
            final Durability durability = random.nextBoolean() ? Durability.SYNC : Durability.PAGE_CACHE;
            final boolean duringStartup = round % 5 == 4;
            final long delayMs = duringStartup ? random.nextInt(900) : 20 + random.nextInt(120);
            final ChildRun child = ChildRun.start(logDir, random.nextLong(), durability);
            try
            {
                if (!duringStartup)
                {
                    if (!child.awaitReady(60_000))
                    {
                        // a thread dump (SIGQUIT) goes to the child's stdout file
                        new ProcessBuilder("kill", "-3", Long.toString(child.process.pid())).start().waitFor();
                        Thread.sleep(1000);
                        throw new AssertionError("child did not start within 60 s: " +
                            Files.readString(child.stdout) + "\n" +
                            Files.readString(logDir.resolveSibling(logDir.getFileName() + "-child.err")));
                    }
                }
                Thread.sleep(delayMs);
            }
            finally
            {
                child.process.destroyForcibly(); // SIGKILL on Linux; also on any failure above, so no child outlives the test
            }
            assertTrue(child.process.waitFor(30, TimeUnit.SECONDS));

            final List<String> lines = child.lines();
            previousLinesHolder[0] = currentLines;
            currentLines = String.join(" | ", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
            final String previousLines = previousLinesHolder[0];
            final Model expected = verified.copy();
            int acked = 0;
            final List<String> ops = new ArrayList<>();
            for (final String line : lines)
            {
                if (line.startsWith("READY"))
                {
                    assertEquals("READY " + expected.lastIndex() + " " + expected.lastTerm(), line, "round " + round);
                }
                else if (line.equals("F"))
                {
                    acked = ops.size();
                }
                else
                {
                    ops.add(line);
                }
            }
            for (int i = 0; i < acked; i++)
            {
                expected.apply(ops.get(i));
            }
            acknowledgedTotal += acked;

            try (ChronicleRaftLog log = ChronicleRaftLog.open(CrashChild.context(logDir, Durability.PAGE_CACHE)))
            {
                Model candidate = expected;
                int applied = acked;
                while (!candidate.matches(log))
                {
                    if (applied == ops.size())
                    {
                        throw new AssertionError(logDir.getFileName() + " round " + round + " (" + durability + ", killed after " + delayMs +
                            " ms): log has snapshot " + log.snapshotIndex() + " last " + log.lastIndex() + "/" +
                            log.lastTerm() + "; no state between the acknowledged one (" + expected +
                            ") and the last started one matches. Unacknowledged ops: " +
                            ops.subList(acked, ops.size()) + "\nlast records:\n" + LogDump.tail(logDir, 80) +
                            "\nprevious child printed:\n" + previousLines);
                    }
                    candidate = candidate.copy();
                    candidate.apply(ops.get(applied++));
                }
                if (applied < ops.size())
                {
                    tornRounds++;
                }
                candidate.verifyPayloads(log);
                verified = candidate;
            }
        }
        return new int[]{ kills, acknowledgedTotal, tornRounds };
    }

    /**
     * A child JVM. Its stdout goes straight to a file (no pipe), so every line it wrote before SIGKILL is read
     * back whole.
     */
    private static final class ChildRun
    {
        final Process process;
        final Path stdout;

        private ChildRun(final Process process, final Path stdout)
        {
            this.process = process;
            this.stdout = stdout;
        }

        static ChildRun start(final Path directory, final long seed, final Durability durability) throws IOException
        {
            final List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
            {
                if (argument.startsWith("--add-opens") || argument.startsWith("--add-exports"))
                {
                    command.add(argument);
                }
            }
            command.addAll(Arrays.asList(
                "-Dchronicle.analytics.disable=true", "-Dchronicle.disk.monitor.disable=true", "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:+UnlockDiagnosticVMOptions",
                "-XX:-BytecodeVerificationRemote",
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                directory.toString(), Long.toString(seed), durability.name()));
            final Path stdout = directory.resolveSibling(directory.getFileName() + "-child.out");
            Files.deleteIfExists(stdout);
            final ProcessBuilder builder = new ProcessBuilder(command);
            builder.redirectError(directory.resolveSibling(directory.getFileName() + "-child.err").toFile());
            builder.redirectOutput(stdout.toFile());
            return new ChildRun(builder.start(), stdout);
        }

        /** Waits until the child has printed READY (it has opened and recovered the log). */
        boolean awaitReady(final long timeoutMs) throws IOException, InterruptedException
        {
            final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
            while (System.nanoTime() < deadlineNs)
            {
                final List<String> lines = lines();
                if (!lines.isEmpty() && lines.get(0).startsWith("READY"))
                {
                    return true;
                }
                if (!process.isAlive())
                {
                    return false;
                }
                Thread.sleep(5);
            }
            return false;
        }

        /** @return the complete lines printed so far (a last line without its newline is left out). */
        List<String> lines() throws IOException
        {
            final String text = Files.readString(stdout, StandardCharsets.US_ASCII);
            final int end = text.lastIndexOf('\n');
            return end < 0 ? new ArrayList<>() : new ArrayList<>(Arrays.asList(text.substring(0, end).split("\n")));
        }
    }

    /** The log the child's operations describe: snapshot plus the term of each later entry. */
    private static final class Model
    {
        long snapshotIndex;
        long snapshotTerm;
        long[] terms = new long[1024];
        int count;

        Model copy()
        {
            final Model copy = new Model();
            copy.snapshotIndex = snapshotIndex;
            copy.snapshotTerm = snapshotTerm;
            copy.terms = terms.clone();
            copy.count = count;
            return copy;
        }

        long lastIndex()
        {
            return snapshotIndex + count;
        }

        long lastTerm()
        {
            return 0 == count ? snapshotTerm : terms[count - 1];
        }

        void apply(final String op)
        {
            final String[] parts = op.split(" ");
            switch (parts[0])
            {
                case "A":
                    assertEquals(lastIndex() + 1, Long.parseLong(parts[1]), op);
                    if (count == terms.length)
                    {
                        terms = Arrays.copyOf(terms, count * 2);
                    }
                    terms[count++] = Long.parseLong(parts[2]);
                    break;
                case "T":
                    count = (int)Math.min(count, Long.parseLong(parts[1]) - snapshotIndex - 1);
                    break;
                case "C":
                    final long upTo = Long.parseLong(parts[1]);
                    final int removed = (int)(upTo - snapshotIndex);
                    System.arraycopy(terms, removed, terms, 0, count - removed);
                    count -= removed;
                    snapshotIndex = upTo;
                    snapshotTerm = Long.parseLong(parts[2]);
                    break;
                default:
                    throw new AssertionError("unknown line from child: " + op);
            }
        }

        boolean matches(final ChronicleRaftLog log)
        {
            if (log.snapshotIndex() != snapshotIndex || log.snapshotTerm() != snapshotTerm ||
                log.lastIndex() != lastIndex())
            {
                return false;
            }
            for (int i = 0; i < count; i++)
            {
                if (log.termAt(snapshotIndex + 1 + i) != terms[i])
                {
                    return false;
                }
            }
            return true;
        }

        void verifyPayloads(final ChronicleRaftLog log)
        {
            final UnsafeBuffer expected = new UnsafeBuffer(new byte[CrashChild.MAX_PAYLOAD]);
            final int read = log.read(snapshotIndex + 1, lastIndex(), (index, term, type, buffer, offset, length) ->
            {
                assertEquals(terms[(int)(index - snapshotIndex - 1)], term, "term of " + index);
                final int expectedLength = CrashChild.fill(expected, index, term);
                assertEquals(expectedLength, length, "payload length of " + index);
                for (int i = 0; i < length; i++)
                {
                    if (expected.getByte(i) != buffer.getByte(offset + i))
                    {
                        throw new AssertionError("payload of " + index + " differs at byte " + i);
                    }
                }
                return true;
            });
            assertEquals(count, read);
        }

        @Override
        public String toString()
        {
            return "snapshot " + snapshotIndex + "/" + snapshotTerm + " last " + lastIndex() + "/" + lastTerm();
        }
    }
}
