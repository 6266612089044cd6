package io.synod.lock.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The fenced resource of the multi-process lock test: a file that many processes write to and that
 * rejects a write whose fence is below the highest fence it has accepted (the storage-side half of
 * fencing, as in Kleppmann's "How to do distributed locking"). Every attempt, accepted or rejected, is
 * appended to a journal in the order the resource decided it, so the test can check the order afterwards.
 *
 * <p>Atomic across processes by an OS file lock on the state file, and across threads of one process by
 * a monitor (the JVM refuses overlapping file locks from one process).
 */
final class FencedFile
{
    private static final Object MONITOR = new Object();

    /** One decided write, as journaled. */
    record Write(boolean accepted, long fence, String writer, long sequence)
    {
    }

    private final Path state;
    private final Path journal;

    FencedFile(final Path dir)
    {
        this.state = dir.resolve("resource.state");
        this.journal = dir.resolve("resource.journal");
    }

    /** @return whether the resource accepted the write (false: a higher fence was accepted before). */
    boolean write(final long fence, final String writer, final long sequence)
    {
        synchronized (MONITOR)
        {
            try (FileChannel channel = FileChannel.open(state, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
                FileLock ignored = channel.lock())
            {
                final ByteBuffer max = ByteBuffer.allocate(8);
                channel.read(max, 0);
                final long highest = max.position() == 8 ? max.getLong(0) : 0;
                final boolean accepted = fence >= highest;
                if (accepted && fence > highest)
                {
                    channel.write(ByteBuffer.allocate(8).putLong(0, fence), 0);
                    channel.force(false);
                }
                Files.writeString(journal, (accepted ? "A " : "R ") + fence + " " + writer + " " + sequence + "\n",
                    StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
                return accepted;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }

    /** @return the journal, in decision order. */
    List<Write> journal() throws IOException
    {
        final List<Write> writes = new ArrayList<>();
        if (!Files.exists(journal))
        {
            return writes;
        }
        for (final String line : Files.readAllLines(journal, StandardCharsets.US_ASCII))
        {
            final String[] words = line.split(" ");
            writes.add(new Write("A".equals(words[0]), Long.parseLong(words[1]), words[2], Long.parseLong(words[3])));
        }
        return writes;
    }
}
