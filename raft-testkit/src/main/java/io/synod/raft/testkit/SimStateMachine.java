package io.synod.raft.testkit;

import io.synod.raft.ClientSessions;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The state machine a simulated member runs in one group for one incarnation: a digest of every command
 * applied, in order, and the index of the last one, which the simulator checks across members (State
 * Machine Safety) and hashes into the run's digest. It wraps the user's state machine when there is one:
 * the user's machine applies each command and writes the response, and its snapshot stream follows this
 * one's 16-byte header.
 *
 * <pre>
 * snapshot without a user state machine:   snapshot with one:
 *   0  index   i64                            0  index   i64
 *   8  digest  i64                            8  digest  i64
 *  16  padding length i32                    16  the user's stream
 *  20  padding bytes, derived from the digest
 * </pre>
 *
 * Without a user state machine the response to a command is its index (8 bytes), which the simulator
 * checks. Not thread-safe; called on the member's agent thread.
 */
final class SimStateMachine implements StateMachine, SnapshotSource
{
    private static final int HEADER_LENGTH = 16;
    private static final int DIGEST_HEADER_LENGTH = 20;

    private final int memberId;
    private final RaftInvariants invariants;
    private final int paddingBytes;
    /** The user's state machine, or null: the digest is then the whole state. */
    final StateMachine user;
    /** Invariant: the index of the last entry that reached the state machine (or restored); the state reflects exactly the entries up to it. */
    long index;
    long digest;
    private int snapshotPosition;
    private SnapshotSource userSource;
    private final UnsafeBuffer snapshotScratch = new UnsafeBuffer(new byte[DIGEST_HEADER_LENGTH]);
    private final UserSnapshotReader userReader = new UserSnapshotReader();

    /**
     * @param paddingBytes bytes a snapshot without a user state machine carries beyond its header, so
     *                     that snapshots span several chunks.
     */
    SimStateMachine(final int memberId, final RaftInvariants invariants, final int paddingBytes, final StateMachine user)
    {
        this.memberId = memberId;
        this.invariants = invariants;
        this.paddingBytes = paddingBytes;
        this.user = user;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        record(index, command, offset, length);
        if (user != null)
        {
            return user.apply(index, term, command, offset, length, response);
        }
        response.putLong(0, index);
        return 8;
    }

    /** A session command goes into the digest like any command, and to the user's machine with its session. */
    @Override
    public int applyInSession(
        final long index, final long term, final long sessionId, final long sequence, final DirectBuffer command, final int offset,
        final int length, final ExpandableArrayBuffer response)
    {
        record(index, command, offset, length);
        if (user != null)
        {
            return user.applyInSession(index, term, sessionId, sequence, command, offset, length, response);
        }
        response.putLong(0, index);
        return 8;
    }

    private void record(final long index, final DirectBuffer command, final int offset, final int length)
    {
        final long hash = Hashing.hash(EntryType.COMMAND, command, offset, length);
        invariants.onApply(memberId, index, hash);
        this.index = index;
        digest = (digest ^ hash) * 0x9E3779B97F4A7C15L + index;
        invariants.onStateDigest(memberId, index, digest);
    }

    /**
     * A session entry reached the state machine without a command (an OPEN, a keep-alive, an expiry, log
     * time): the user's state may have changed at {@code index}, so it counts as applied there.
     */
    private void reached(final long index)
    {
        this.index = Math.max(this.index, index);
    }

    @Override
    public void onSessions(final ClientSessions sessions)
    {
        if (user != null)
        {
            user.onSessions(sessions);
        }
    }

    @Override
    public void onSessionEnded(final long index, final long sessionId, final boolean expired)
    {
        reached(index);
        if (user != null)
        {
            user.onSessionEnded(index, sessionId, expired);
        }
    }

    @Override
    public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
        reached(index);
        if (user != null)
        {
            user.onSessionOpened(index, sessionId, nonce, ttlNs);
        }
    }

    @Override
    public void onKeepAlive(final long index, final long sessionId, final long token)
    {
        reached(index);
        if (user != null)
        {
            user.onKeepAlive(index, sessionId, token);
        }
    }

    @Override
    public void onLogTime(final long index, final long logTimeNs)
    {
        reached(index);
        if (user != null)
        {
            user.onLogTime(index, logTimeNs);
        }
    }

    @Override
    public SnapshotSource snapshot()
    {
        if (user != null)
        {
            userSource = user.snapshot();
            if (userSource == null)
            {
                return null;
            }
        }
        snapshotPosition = 0;
        return this;
    }

    @Override
    public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
    {
        snapshotScratch.putLong(0, index);
        snapshotScratch.putLong(8, digest);
        if (user != null)
        {
            if (snapshotPosition < HEADER_LENGTH)
            {
                final int length = Math.min(maxBytes, HEADER_LENGTH - snapshotPosition);
                buffer.putBytes(offset, snapshotScratch, snapshotPosition, length);
                snapshotPosition += length;
                return length;
            }
            return userSource.read(buffer, offset, maxBytes);
        }
        final int total = DIGEST_HEADER_LENGTH + paddingBytes;
        if (snapshotPosition >= total)
        {
            return -1;
        }
        snapshotScratch.putInt(16, paddingBytes);
        final int length = Math.min(maxBytes, total - snapshotPosition);
        for (int i = 0; i < length; i++)
        {
            final int position = snapshotPosition + i;
            buffer.putByte(offset + i, position < DIGEST_HEADER_LENGTH ? snapshotScratch.getByte(position) : paddingByte(digest, position));
        }
        snapshotPosition += length;
        return length;
    }

    @Override
    public void restore(final SnapshotReader reader)
    {
        if (user != null)
        {
            reader.readFully(snapshotScratch, 0, HEADER_LENGTH);
            index = snapshotScratch.getLong(0);
            digest = snapshotScratch.getLong(8);
            user.restore(userReader.wrap(reader));
        }
        else
        {
            restoreDigest(reader);
        }
        if (index > 0)
        {
            invariants.onStateDigest(memberId, index, digest);
        }
    }

    private void restoreDigest(final SnapshotReader reader)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[(int)reader.length()]);
        reader.readFully(buffer, 0, (int)reader.length());
        if (reader.read(buffer, 0, 1) != -1)
        {
            throw new IllegalStateException("snapshot longer than its length");
        }
        index = buffer.getLong(0);
        digest = buffer.getLong(8);
        final int padding = buffer.getInt(16);
        if (padding != reader.length() - DIGEST_HEADER_LENGTH)
        {
            throw new InvariantViolation("member " + memberId + " restored a snapshot with a bad padding length " + padding);
        }
        for (int position = DIGEST_HEADER_LENGTH; position < reader.length(); position++)
        {
            if (buffer.getByte(position) != paddingByte(digest, position))
            {
                throw new InvariantViolation("member " + memberId + " restored a corrupt snapshot (byte " + position + ")");
            }
        }
    }

    private static byte paddingByte(final long digest, final int position)
    {
        return (byte)((digest >>> ((position & 7) * 8)) + position);
    }

    /** The user's part of a snapshot stream: everything after the header. */
    private static final class UserSnapshotReader implements SnapshotReader
    {
        private SnapshotReader reader;

        UserSnapshotReader wrap(final SnapshotReader reader)
        {
            this.reader = reader;
            return this;
        }

        @Override
        public long length()
        {
            return reader.length() - HEADER_LENGTH;
        }

        @Override
        public long position()
        {
            return reader.position() - HEADER_LENGTH;
        }

        @Override
        public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
        {
            return reader.read(buffer, offset, maxBytes);
        }
    }
}
