package io.synod.coordinator;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The snapshot format of a {@link ServiceStateMachine}: every service's own snapshot stream, each in a section of
 * its own, streamed in chunks so that no service's snapshot needs to be held in memory twice. Little-endian.
 *
 * <pre>
 *  header (16 bytes)
 *  +---------------------------------------------------------------+
 *  |                     magic 'SYNS' (i32)                        | 0
 *  +---------------------------------------------------------------+
 *  |                  format version (i32) = 1                     | 4
 *  +---------------------------------------------------------------+
 *  |                   service count (i32)                         | 8
 *  +---------------------------------------------------------------+
 *  |                      reserved (0)                             | 12
 *  +---------------------------------------------------------------+
 *  service count sections, in ascending tag order
 *  +---------------------------------------------------------------+
 *  |                    service tag (i32)                          |
 *  +---------------------------------------------------------------+
 *  |  chunk: length (i32, at least 1), then that many bytes of the |
 *  |  service's own snapshot; repeated; a length of 0 ends it      |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * A reader refuses another format version by name ({@link #FORMAT_VERSION} is the one this build reads and writes),
 * a missing, repeated or unknown service, a service that does not read its whole section, and bytes after the last
 * section.
 */
final class ServiceSnapshot
{
    static final int MAGIC = 0x53_4E_59_53;
    static final int FORMAT_VERSION = 1;
    static final int HEADER_LENGTH = 16;
    static final int CHUNK_HEADER_LENGTH = 4;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private ServiceSnapshot()
    {
    }

    /** Writes the format, pulling each service's stream in turn. One instance per state machine, reused. */
    static final class Source implements SnapshotSource
    {
        private static final int HEADER = 0;
        private static final int SECTION_START = 1;
        private static final int CHUNKS = 2;

        private final int[] tags;
        private final StateMachine[] services;
        private final SnapshotSource[] sources;
        private int stage;
        private int section;

        Source(final int[] tags, final StateMachine[] services)
        {
            this.tags = tags;
            this.services = services;
            this.sources = new SnapshotSource[tags.length];
        }

        /**
         * Starts every service's snapshot (the node applies nothing until the stream ends, so each may read its live
         * state while the earlier sections are written).
         *
         * @return this, or {@link SnapshotSource#NOT_NOW} if a service declines for now.
         * @throws IllegalStateException if a service takes no snapshots.
         */
        SnapshotSource reset()
        {
            for (int i = 0; i < tags.length; i++)
            {
                final SnapshotSource source = services[tags[i]].snapshot();
                if (source == null)
                {
                    throw new IllegalStateException("service " + tags[i] + " takes no snapshots");
                }
                if (source == SnapshotSource.NOT_NOW)
                {
                    return SnapshotSource.NOT_NOW;
                }
                sources[i] = source;
            }
            stage = HEADER;
            section = 0;
            return this;
        }

        @Override
        public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
        {
            if (stage == HEADER)
            {
                buffer.putInt(offset, MAGIC, ORDER);
                buffer.putInt(offset + 4, FORMAT_VERSION, ORDER);
                buffer.putInt(offset + 8, tags.length, ORDER);
                buffer.putInt(offset + 12, 0, ORDER);
                stage = SECTION_START;
                return HEADER_LENGTH;
            }
            if (section == tags.length)
            {
                return -1;
            }
            if (stage == SECTION_START)
            {
                buffer.putInt(offset, tags[section], ORDER);
                stage = CHUNKS;
                return 4;
            }
            final int read = sources[section].read(buffer, offset + CHUNK_HEADER_LENGTH, maxBytes - CHUNK_HEADER_LENGTH);
            if (read < 0)
            {
                buffer.putInt(offset, 0, ORDER);
                sources[section] = null;
                section++;
                stage = SECTION_START;
                return CHUNK_HEADER_LENGTH;
            }
            buffer.putInt(offset, read, ORDER);
            return CHUNK_HEADER_LENGTH + read;
        }
    }

    /**
     * Restores each service from its section of {@code reader}.
     *
     * @throws IllegalStateException naming what is wrong with the stream.
     */
    static void restore(final SnapshotReader reader, final int[] tags, final StateMachine[] services)
    {
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[HEADER_LENGTH]);
        reader.readFully(scratch, 0, HEADER_LENGTH);
        final int magic = scratch.getInt(0, ORDER);
        final int version = scratch.getInt(4, ORDER);
        final int count = scratch.getInt(8, ORDER);
        if (magic != MAGIC)
        {
            throw new IllegalStateException("not a synod service snapshot (magic " + Integer.toHexString(magic) + ", expected " +
                Integer.toHexString(MAGIC) + ")");
        }
        if (version != FORMAT_VERSION)
        {
            throw new IllegalStateException("synod service snapshot format version " + version +
                " is not supported: this build reads version " + FORMAT_VERSION + " (was it written by another synod version?)");
        }
        if (count != tags.length || scratch.getInt(12, ORDER) != 0)
        {
            throw new IllegalStateException("synod service snapshot holds " + count + " services, this daemon has " + tags.length);
        }
        for (final int expected : tags)
        {
            reader.readFully(scratch, 0, 4);
            final int tag = scratch.getInt(0, ORDER);
            if (tag != expected)
            {
                throw new IllegalStateException("synod service snapshot: section of service " + tag + " where service " + expected +
                    " belongs (unknown, repeated or out of order)");
            }
            final SectionReader section = new SectionReader(reader);
            services[tag].restore(section);
            if (!section.atEnd())
            {
                throw new IllegalStateException("synod service snapshot: service " + tag + " left bytes of its section unread");
            }
        }
        if (reader.read(scratch, 0, 1) >= 0)
        {
            throw new IllegalStateException("synod service snapshot: bytes after the last section at " + reader.position());
        }
    }

    /**
     * One section as a stream of its own: the chunks' bytes, ending at the terminating chunk. Its {@link #length()}
     * is an upper bound (the outer stream's bytes left when the section began), as services use it only to bound
     * what they allocate.
     */
    static final class SectionReader implements SnapshotReader
    {
        private final SnapshotReader outer;
        private final long length;
        private final UnsafeBuffer lengthBuffer = new UnsafeBuffer(new byte[CHUNK_HEADER_LENGTH]);
        private long position;
        private int chunkRemaining;
        private boolean ended;

        SectionReader(final SnapshotReader outer)
        {
            this.outer = outer;
            this.length = Math.max(0, outer.length() - outer.position());
        }

        @Override
        public long length()
        {
            return length;
        }

        @Override
        public long position()
        {
            return position;
        }

        @Override
        public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
        {
            if (ended)
            {
                return -1;
            }
            if (chunkRemaining == 0)
            {
                outer.readFully(lengthBuffer, 0, CHUNK_HEADER_LENGTH);
                final int chunk = lengthBuffer.getInt(0, ORDER);
                if (chunk < 0)
                {
                    throw new IllegalStateException("synod service snapshot: negative chunk length " + chunk);
                }
                if (chunk == 0)
                {
                    ended = true;
                    return -1;
                }
                chunkRemaining = chunk;
            }
            final int read = outer.read(buffer, offset, Math.min(maxBytes, chunkRemaining));
            if (read < 0)
            {
                throw new IllegalStateException("synod service snapshot ended inside a section after " + outer.position() + " bytes");
            }
            chunkRemaining -= read;
            position += read;
            return read;
        }

        /** @return true once the section's terminating chunk was read (reads it if only that is left). */
        boolean atEnd()
        {
            if (ended)
            {
                return true;
            }
            if (chunkRemaining != 0)
            {
                return false;
            }
            outer.readFully(lengthBuffer, 0, CHUNK_HEADER_LENGTH);
            ended = lengthBuffer.getInt(0, ORDER) == 0;
            return ended;
        }
    }
}
