package io.synod.log.chronicle;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

/**
 * Child JVM of {@link FileSnapshotStoreCrashTest}: takes snapshot after snapshot (index i, term 1, stream seed
 * i, a length drawn from i) and prints {@code COMMITTED i} after each commit returns, until it is killed.
 *
 * <p>Arguments: directory, first index.
 */
public final class FileSnapshotStoreCrashChild
{
    private FileSnapshotStoreCrashChild()
    {
    }

    /** @return the stream length of snapshot {@code index}: up to 4 MiB, so a kill often lands mid-write. */
    static long lengthOf(final long index)
    {
        return (index * 2_654_435_761L) % (4L * 1024 * 1024) + 1;
    }

    public static void main(final String[] args)
    {
        final Path directory = Path.of(args[0]);
        long index = Long.parseLong(args[1]);
        final UnsafeBuffer chunk = new UnsafeBuffer(new byte[32 * 1024]);
        try (FileSnapshotStore store = FileSnapshotStore.open(directory, 7, 1))
        {
            System.out.println("READY " + store.index());
            System.out.flush();
            while (true)
            {
                store.begin(index, 1);
                final long length = lengthOf(index);
                long position = 0;
                while (position < length)
                {
                    final int n = (int)Math.min(chunk.capacity(), length - position);
                    SnapshotStreams.fill(chunk, 0, index, position, n);
                    store.write(chunk, 0, n);
                    position += n;
                }
                if (!store.commit(io.synod.raft.SnapshotStore.ANY_CHECKSUM))
                {
                    throw new IllegalStateException("commit refused");
                }
                System.out.println("COMMITTED " + index);
                System.out.flush();
                index++;
            }
        }
    }
}
