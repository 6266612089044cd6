package io.synod.log.chronicle;

import io.synod.raft.EntryType;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Random;

/**
 * The process {@link ChronicleRaftLogCrashTest} kills. It appends, truncates and compacts a log at random and
 * prints each operation on stdout before doing it ({@code A index term}, {@code T fromIndex},
 * {@code C upToIndex upToTerm}) and {@code F} after each successful {@code flush()}: every operation before an
 * {@code F} is acknowledged. Payloads are a function of {@code (index, term)}, so the parent can check them.
 *
 * <p>Arguments: directory, seed, durability.
 */
public final class CrashChild
{
    static final int CLUSTER_ID = 9;
    static final int MEMBER_ID = 3;
    static final int MAX_PAYLOAD = 300;

    private CrashChild()
    {
    }

    public static void main(final String[] args)
    {
        final Path directory = Path.of(args[0]);
        final Random random = new Random(Long.parseLong(args[1]));
        final Durability durability = Durability.valueOf(args[2]);
        final PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[MAX_PAYLOAD]);
        final StringBuilder line = new StringBuilder(64);

        try (ChronicleRaftLog log = ChronicleRaftLog.open(context(directory, durability)))
        {
            long term = Math.max(1, log.lastTerm());
            out.println("READY " + log.lastIndex() + " " + log.lastTerm());
            out.flush();
            while (true)
            {
                final int batch = 1 + random.nextInt(20);
                for (int i = 0; i < batch; i++)
                {
                    final int op = random.nextInt(100);
                    if (op < 4 && log.lastIndex() > log.snapshotIndex())
                    {
                        final long from = Math.max(log.snapshotIndex() + 1, log.lastIndex() - random.nextInt(30));
                        term++;
                        emit(out, line.append("T ").append(from));
                        log.truncateSuffix(from);
                    }
                    else if (op < 5 && log.lastIndex() - log.snapshotIndex() > 2000)
                    {
                        final long upTo = log.lastIndex() - 500;
                        final long upToTerm = log.termAt(upTo);
                        emit(out, line.append("C ").append(upTo).append(' ').append(upToTerm));
                        log.compactPrefix(upTo, upToTerm);
                    }
                    else
                    {
                        final long index = log.lastIndex() + 1;
                        final int length = fill(payload, index, term);
                        emit(out, line.append("A ").append(index).append(' ').append(term));
                        log.append(index, term, EntryType.COMMAND, payload, 0, length);
                    }
                }
                log.flush();
                emit(out, line.append('F'));
            }
        }
    }

    static ChronicleLogContext context(final Path directory, final Durability durability)
    {
        return new ChronicleLogContext()
            .directory(directory)
            .durability(durability)
            .clusterId(CLUSTER_ID)
            .memberId(MEMBER_ID)
            .segmentBytes(256 * 1024)
            .blockSizeBytes(256 * 1024)
            .maxEntryLength(MAX_PAYLOAD);
    }

    /** Writes the payload of {@code (index, term)} into {@code buffer}. @return its length. */
    static int fill(final UnsafeBuffer buffer, final long index, final long term)
    {
        final int length = (int)((index * 7 + term * 13) % MAX_PAYLOAD);
        long x = index * 0x9E3779B97F4A7C15L + term;
        for (int i = 0; i < length; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            buffer.putByte(i, (byte)x);
        }
        return length;
    }

    private static void emit(final PrintStream out, final StringBuilder line)
    {
        out.println(line);
        out.flush();
        line.setLength(0);
    }
}
