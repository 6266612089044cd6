package io.synod.log.chronicle;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills a child JVM ({@link FileSnapshotStoreCrashChild}) with SIGKILL at random moments while it takes
 * snapshot after snapshot, then reopens the store: the latest must be the last snapshot the child reported
 * committed or the one after it (a kill between the rename and the print), whole (every byte and the
 * CRC32C), with no temporary file and no second snapshot left behind.
 *
 * <p>{@code -Dsynod.crash.snapshot.kills=N} sets the number of kills (default 8); {@code -Dsynod.crash.seed=S} replays.
 */
class FileSnapshotStoreCrashTest
{
    private static final int KILLS = Integer.getInteger("synod.crash.snapshot.kills", 8);

    @TempDir
    Path root;

    @Test
    void shouldLeaveTheOldOrTheNewSnapshotWholeWhenKilledAtAnyPoint() throws Exception
    {
        final long seed = Long.getLong("synod.crash.seed", System.nanoTime());
        final SplittableRandom random = new SplittableRandom(seed);
        final Path dir = root.resolve("snapshots");
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 * 1024]);
        long committed = 0;
        try
        {
            for (int kill = 0; kill < KILLS; kill++)
            {
                final Path out = root.resolve("child-" + kill + ".out");
                final Process child = start(dir, committed + 1, out);
                awaitLine(child, out, "READY", 30_000);
                Thread.sleep(random.nextInt(50, 600)); // the assertion is the reopened state, not a duration
                child.destroyForcibly().waitFor();

                long lastReported = committed;
                for (final String line : Files.readAllLines(out))
                {
                    if (line.startsWith("COMMITTED "))
                    {
                        lastReported = Long.parseLong(line.substring(10));
                    }
                }
                try (FileSnapshotStore store = FileSnapshotStore.open(dir, 7, 1))
                {
                    final long index = store.index();
                    assertTrue(index == lastReported || index == lastReported + 1,
                        "kill " + kill + ": latest " + index + ", child reported " + lastReported);
                    if (index > 0)
                    {
                        final long length = FileSnapshotStoreCrashChild.lengthOf(index);
                        SnapshotStreams.assertLatest(store, scratch, index, 1, index, length);
                    }
                    committed = index;
                }
                try (Stream<Path> files = Files.list(dir))
                {
                    final List<String> names = new ArrayList<>();
                    files.forEach((p) -> names.add(p.getFileName().toString()));
                    assertFalse(names.stream().anyMatch((n) -> n.endsWith(".tmp") || n.endsWith(".corrupt")), names.toString());
                    assertEquals(committed > 0 ? 1 : 0, names.size(), names.toString());
                }
            }
            assertTrue(committed > 0, "the child never committed a snapshot");
        }
        catch (final Throwable ex)
        {
            throw new AssertionError("seed " + seed + " (-Dsynod.crash.seed=" + seed + ")", ex);
        }
    }

    private static Process start(final Path dir, final long firstIndex, final Path out) throws IOException
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
        command.addAll(List.of(
            "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), FileSnapshotStoreCrashChild.class.getName(),
            dir.toString(), Long.toString(firstIndex)));
        return new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(out.resolveSibling(out.getFileName() + ".err").toFile())
            .start();
    }

    private static void awaitLine(final Process child, final Path out, final String prefix, final long timeoutMs)
        throws IOException, InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < deadlineNs)
        {
            if (Files.exists(out) && Files.readAllLines(out).stream().anyMatch((l) -> l.startsWith(prefix)))
            {
                return;
            }
            if (!child.isAlive())
            {
                throw new AssertionError("child exited " + child.exitValue() + " before " + prefix + ": " +
                    Files.readString(out.resolveSibling(out.getFileName() + ".err")));
            }
            Thread.sleep(5);
        }
        throw new AssertionError("child did not print " + prefix + " within " + timeoutMs + " ms");
    }
}
