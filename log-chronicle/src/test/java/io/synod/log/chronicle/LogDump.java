package io.synod.log.chronicle;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/** Debugging aid: the last records of a log's queue, one line each. */
final class LogDump
{
    private LogDump()
    {
    }

    static String tail(final Path directory, final int records)
    {
        final Deque<String> lines = new ArrayDeque<>();
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder
            .binary(directory.resolve(ChronicleRaftLog.QUEUE_DIRECTORY_NAME).toFile())
            .rollCycle(ChronicleRaftLog.ROLL_CYCLE)
            .readOnly(true)
            .build();
            ExcerptTailer tailer = queue.createTailer())
        {
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final Bytes<?> bytes = dc.wire().bytes();
                    final long start = bytes.readPosition();
                    final long length = bytes.readRemaining();
                    final String line = Long.toHexString(dc.index()) + " @" + (start - 4) + " len=" + length +
                        (length >= LogRecord.HEADER_LENGTH ?
                        " index=" + bytes.readLong(start) + " term=" + bytes.readLong(start + 8) +
                        " type=" + bytes.readInt(start + 16) : " short");
                    lines.addLast(line);
                    if (lines.size() > records)
                    {
                        lines.removeFirst();
                    }
                }
            }
        }
        return String.join("\n", lines);
    }
}
