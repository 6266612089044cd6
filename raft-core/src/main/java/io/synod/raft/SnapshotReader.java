package io.synod.raft;

import org.agrona.MutableDirectBuffer;

/**
 * Reads a snapshot stream back, for {@link StateMachine#restore(SnapshotReader)}.
 */
public interface SnapshotReader
{
    /** @return the length of the whole stream in bytes. */
    long length();

    /** @return bytes consumed so far. */
    long position();

    /**
     * Reads up to {@code maxBytes}.
     *
     * @return bytes read, or -1 at the end of the stream.
     */
    int read(MutableDirectBuffer buffer, int offset, int maxBytes);

    /**
     * Reads exactly {@code length} bytes.
     *
     * @throws IllegalStateException if the stream ends first (a snapshot that does not parse is corrupt).
     */
    default void readFully(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int read = read(buffer, offset + done, length - done);
            if (read < 0)
            {
                throw new IllegalStateException("snapshot ended after " + position() + " of " + length() + " bytes");
            }
            done += read;
        }
    }
}
