package io.synod.log.chronicle;

import net.openhft.chronicle.queue.RollCycle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The cycle files of the log's queue directory, one per cycle of the log's virtual clock and named as
 * Chronicle names them for the roll cycle: the name of a cycle, the cycles on disk, and the clean-up that
 * brings the directory in line with {@link LogMeta} before Chronicle opens it.
 */
final class CycleFiles
{
    /** Suffix of a cycle file. */
    static final String SUFFIX = ".cq4";
    /** Bit of a Chronicle header word set while the document (or file header) is being written. */
    static final int CHRONICLE_NOT_COMPLETE = 0x80000000;

    private final Path directory;
    private final RollCycle rollCycle;
    private final DateTimeFormatter format;

    CycleFiles(final Path directory, final RollCycle rollCycle)
    {
        this.directory = directory;
        this.rollCycle = rollCycle;
        this.format = DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC);
    }

    /** @return the queue directory. */
    Path directory()
    {
        return directory;
    }

    /** @return the path of the file that holds {@code cycle}. */
    Path path(final int cycle)
    {
        return directory.resolve(format.format(Instant.ofEpochMilli((long)cycle * rollCycle.lengthInMillis())) + SUFFIX);
    }

    /** @return the cycles that have a file, in order; files whose names are not cycle names are ignored. */
    NavigableSet<Long> onDisk()
    {
        final NavigableSet<Long> cycles = new TreeSet<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + SUFFIX))
        {
            for (final Path file : stream)
            {
                final String name = file.getFileName().toString();
                final String stamp = name.substring(0, name.length() - SUFFIX.length());
                final long millis;
                try
                {
                    millis = format.parse(stamp, Instant::from).toEpochMilli();
                }
                catch (final RuntimeException ex)
                {
                    continue;
                }
                cycles.add(millis / rollCycle.lengthInMillis());
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + directory, ex);
        }
        return cycles;
    }

    /** Deletes the files of the cycles before {@code firstCycle}; {@code log.meta} already says they are not needed. */
    void deleteBefore(final int firstCycle)
    {
        for (final Long cycle : onDisk().headSet((long)firstCycle, false))
        {
            delete(path(cycle.intValue()));
        }
    }

    /**
     * Deletes a last file whose header a roll never finished: it holds no record, Chronicle would wait for its
     * header forever, and {@code log.meta} (whose last cycle is {@code metaLastCycle}) never covered it.
     *
     * @return the cycles left on disk.
     */
    NavigableSet<Long> dropUnfinishedLast(final int metaLastCycle)
    {
        final NavigableSet<Long> cycles = onDisk();
        if (!cycles.isEmpty() && cycles.last() > metaLastCycle && !hasCompleteFirstHeader(path(cycles.last().intValue())))
        {
            delete(path(cycles.last().intValue()));
            return cycles.headSet(cycles.last(), false);
        }
        return cycles;
    }

    /**
     * @throws LogCorruptionException if a cycle from the first in {@code meta} to {@code lastCycle} has no file.
     */
    void checkContiguous(final LogMeta meta, final NavigableSet<Long> cycles, final int lastCycle)
    {
        for (int cycle = meta.firstCycle(); cycle <= lastCycle; cycle++)
        {
            if (!cycles.contains((long)cycle))
            {
                throw new LogCorruptionException(
                    path(cycle).toString(), LogCorruptionException.UNKNOWN_INDEX,
                    "cycle file missing (log.meta covers cycles " + meta.firstCycle() + " to " + meta.lastCycle() + ")");
            }
        }
    }

    private static void delete(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + file, ex);
        }
    }

    /** @return whether the cycle file starts with a complete Chronicle header (non-zero, not-complete bit clear). */
    static boolean hasCompleteFirstHeader(final Path file)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer header = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (header.hasRemaining())
            {
                if (channel.read(header, header.position()) < 0)
                {
                    return false;
                }
            }
            final int word = header.getInt(0);
            return 0 != word && (word & CHRONICLE_NOT_COMPLETE) == 0;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
    }
}
