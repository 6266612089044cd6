package io.synod.kv;

import io.synod.raft.SnapshotSource;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Streams the live {@link KvTable} as a snapshot, in chunks of any size, walking the table's slots
 * across calls. Little-endian.
 *
 * <pre>
 *  header (16 bytes)
 *  +---------------------------------------------------------------+
 *  |                     magic 'SKV1' (i32)                        | 0
 *  +---------------------------------------------------------------+
 *  |                    format version (i32) = 1                   | 4
 *  +---------------------------------------------------------------+
 *  |                      entry count (i64)                        | 8
 *  +---------------------------------------------------------------+
 *  entry count times, in slot order (16 bytes + key + value each)
 *  +---------------------------------------------------------------+
 *  |                       key length (i32)                        | 0
 *  +---------------------------------------------------------------+
 *  |                      value length (i32)                       | 4
 *  +---------------------------------------------------------------+
 *  |                         version (i64)                         | 8
 *  +---------------------------------------------------------------+
 *  |  key bytes ...  |  value bytes ...                            | 16
 *  +---------------------------------------------------------------+
 *  trailer (16 bytes)
 *  +---------------------------------------------------------------+
 *  |                   end marker 'SKVE' (i32)                     | 0
 *  +---------------------------------------------------------------+
 *  |                        reserved (0)                           | 4
 *  +---------------------------------------------------------------+
 *  |                state digest (i64), see digest()               | 8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The order of entries is the table's slot order, which depends on the table's history; two replicas
 * with equal contents can write different bytes. Compare contents with
 * {@link KeyValueStateMachine#digest()}, never snapshot bytes.
 *
 * <p>Valid only while the table does not change: the node applies nothing while a source is open.
 * One instance is reused for every snapshot of a state machine; {@link #reset()} restarts it.
 */
final class KvSnapshotSource implements SnapshotSource
{
    static final int MAGIC = 0x53_4B_56_31;
    static final int FORMAT_VERSION = 1;
    static final int END_MARKER = 0x53_4B_56_45;
    static final int HEADER_LENGTH = 16;
    static final int ENTRY_HEADER_LENGTH = 16;
    static final int TRAILER_LENGTH = 16;
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private static final int HEADER = 0;
    private static final int ENTRY_HEADER = 1;
    private static final int KEY = 2;
    private static final int VALUE = 3;
    private static final int TRAILER = 4;
    private static final int END = 5;

    private final KvTable table;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[16]);
    private final UnsafeBuffer arrayView = new UnsafeBuffer(new byte[0]);

    // The segment being copied: segmentLength bytes of segment, segmentDone of them written.
    private int phase = END;
    private int slot;
    private DirectBuffer segment;
    private int segmentLength;
    private int segmentDone;

    KvSnapshotSource(final KvTable table)
    {
        this.table = table;
    }

    /**
     * Restarts the stream at the header.
     *
     * @return this.
     */
    KvSnapshotSource reset()
    {
        phase = HEADER;
        slot = -1;
        scratch.putInt(0, MAGIC, ORDER);
        scratch.putInt(4, FORMAT_VERSION, ORDER);
        scratch.putLong(8, table.size(), ORDER);
        segment = scratch;
        segmentLength = HEADER_LENGTH;
        segmentDone = 0;
        return this;
    }

    @Override
    public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
    {
        if (!(maxBytes > 0))
        {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        int written = 0;
        while (written < maxBytes)
        {
            if (segmentDone == segmentLength && !nextSegment())
            {
                break;
            }
            final int length = Math.min(maxBytes - written, segmentLength - segmentDone);
            buffer.putBytes(offset + written, segment, segmentDone, length);
            segmentDone += length;
            written += length;
        }
        return written == 0 ? -1 : written;
    }

    /**
     * Moves to the next segment (possibly an empty key or value).
     *
     * @return false once the trailer has been written.
     */
    private boolean nextSegment()
    {
        segmentDone = 0;
        switch (phase)
        {
            case HEADER:
            case VALUE:
                return nextEntryOrTrailer();
            case ENTRY_HEADER:
                phase = KEY;
                arrayView.wrap(table.key(slot));
                segment = arrayView;
                segmentLength = table.key(slot).length;
                return true;
            case KEY:
                phase = VALUE;
                arrayView.wrap(table.value(slot));
                segment = arrayView;
                segmentLength = table.valueLength(slot);
                return true;
            case TRAILER:
                phase = END;
                segmentLength = 0;
                return false;
            default:
                segmentLength = 0;
                return false;
        }
    }

    private boolean nextEntryOrTrailer()
    {
        final int capacity = table.capacity();
        do
        {
            slot++;
        }
        while (slot < capacity && table.key(slot) == null);

        if (slot < capacity)
        {
            phase = ENTRY_HEADER;
            scratch.putInt(0, table.key(slot).length, ORDER);
            scratch.putInt(4, table.valueLength(slot), ORDER);
            scratch.putLong(8, table.version(slot), ORDER);
            segmentLength = ENTRY_HEADER_LENGTH;
        }
        else
        {
            phase = TRAILER;
            scratch.putInt(0, END_MARKER, ORDER);
            scratch.putInt(4, 0, ORDER);
            scratch.putLong(8, table.digest(), ORDER);
            segmentLength = TRAILER_LENGTH;
        }
        segment = scratch;
        return true;
    }
}
