package io.synod.log.chronicle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Helpers for tests that look at or damage a log's files. */
final class LogFiles
{
    private LogFiles()
    {
    }

    /** @return the cycle files of the log in {@code directory}, oldest first. */
    static List<Path> cycleFiles(final Path directory)
    {
        final List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(
            directory.resolve(ChronicleRaftLog.QUEUE_DIRECTORY_NAME), "*" + ChronicleRaftLog.CYCLE_FILE_SUFFIX))
        {
            stream.forEach(files::add);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        Collections.sort(files);
        return files;
    }

    /** @return the offset of the first occurrence of {@code pattern} in {@code file}, or -1. */
    static long find(final Path file, final byte[] pattern)
    {
        final byte[] bytes = readAll(file);
        outer:
        for (int i = 0; i + pattern.length <= bytes.length; i++)
        {
            for (int j = 0; j < pattern.length; j++)
            {
                if (bytes[i + j] != pattern[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Flips one bit of the byte at {@code offset}. */
    static void flipBit(final Path file, final long offset, final int bit)
    {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
            file, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE))
        {
            final java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte)(one.get(0) ^ (1 << bit)));
            one.clear();
            channel.write(one, offset);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Truncates {@code file} to {@code length} bytes. */
    static void truncate(final Path file, final long length)
    {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
            file, java.nio.file.StandardOpenOption.WRITE))
        {
            channel.truncate(length);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] readAll(final Path file)
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
