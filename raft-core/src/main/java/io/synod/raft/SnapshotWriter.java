package io.synod.raft;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * This member's own snapshots (Raft §7): when enough has been applied since the last one, the state
 * machine streams a snapshot into the {@link SnapshotStore}, one chunk per duty cycle (applying pauses
 * meanwhile, the duty cycle does not); and on start-up or after an install, the state is restored from
 * the store.
 *
 * <p>A stored snapshot starts with the node's own part, then the state machine's stream:
 * <pre>
 *  +-------------------------------+------------------------------+
 *  | session table length (i32)    | session table ...            | 0
 *  +-------------------------------+------------------------------+
 *  | index of the configuration entry in force (i64)              |
 *  +-------------------------------+------------------------------+
 *  | configuration length (i32)    | configuration ...            |
 *  +-------------------------------+------------------------------+
 *  | state machine stream ...                                     |
 *  +--------------------------------------------------------------+
 * </pre>
 * Little-endian. {@link RaftNode} fills in the session table ({@link #header()}) and compacts the log once
 * a snapshot is durable.
 */
final class SnapshotWriter
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final RaftConfig config;
    private final SnapshotStore store;
    private final StateMachine stateMachine;
    private final UnsafeBuffer chunk;
    private final StoreReader storeReader = new StoreReader();
    /** The node's part of a snapshot, written before the state machine's stream (and read back on restore). */
    private final ExpandableArrayBuffer header = new ExpandableArrayBuffer(256);
    private int headerLength;
    private int headerPosition;
    /** The snapshot being written; null when none (apply pauses while one is). */
    private SnapshotSource source;
    private long writeIndex;
    private boolean supported = true;
    /** A snapshot was asked for ({@link #request}): taken at the next chance, whatever the thresholds. */
    private boolean requested;
    /** Index of the latest durable snapshot of this member. */
    private long lastSnapshotIndex;
    private long appliedBytesSinceSnapshot;
    private long restoredConfigurationIndex;

    /** @param store null when snapshots are off. */
    SnapshotWriter(final RaftConfig config, final SnapshotStore store, final StateMachine stateMachine)
    {
        this.config = config;
        this.store = store;
        this.stateMachine = stateMachine;
        this.chunk = new UnsafeBuffer(new byte[config.snapshotChunkBytes()]);
    }

    /**
     * Start-up: brings the log in line with this member's latest durable snapshot.
     * <ul>
     *   <li>A snapshot exists: the log must not be compacted beyond it; if the log does not hold the
     *       snapshot's last entry (a snapshot was installed and the crash came before the log was reset),
     *       the log is reset to it. The snapshot is then restored.</li>
     *   <li>No snapshot covers a compacted log (it was refused as corrupt): the log is reset to empty;
     *       term and vote are intact, and the leader repairs log and state by InstallSnapshot.</li>
     * </ul>
     *
     * @return true if the snapshot must be restored, false if the node starts from its log alone.
     */
    boolean reconcile(final RaftLog log)
    {
        if (store != null && store.index() > 0)
        {
            final long index = store.index();
            if (log.snapshotIndex() > index)
            {
                throw new IllegalStateException("log compacted to " + log.snapshotIndex() + " beyond the latest snapshot " + index);
            }
            if (log.termAt(index) != store.term())
            {
                log.resetTo(index, store.term());
            }
            return true;
        }
        if (log.snapshotIndex() > 0)
        {
            System.getLogger("io.synod.raft").log(System.Logger.Level.ERROR,
                "member {0}: log compacted to {1} but no snapshot covers it; starting empty to fetch one from the leader",
                config.memberId(), log.snapshotIndex());
            log.resetTo(0, 0);
        }
        return false;
    }

    /** @return true while a requested snapshot has not started yet (declined for now, or another is being written). */
    boolean isRequested()
    {
        return requested;
    }

    boolean isWriting()
    {
        return source != null;
    }

    long lastSnapshotIndex()
    {
        return lastSnapshotIndex;
    }

    /** Counts bytes of commands applied toward the size threshold. */
    void onApplied(final long bytes)
    {
        appliedBytesSinceSnapshot += bytes;
    }

    /** @return true if a snapshot of the state at {@code lastApplied} is due (asked for, or a threshold is reached). */
    boolean isDue(final long lastApplied)
    {
        return store != null && supported && lastApplied > lastSnapshotIndex && (requested ||
            lastApplied - lastSnapshotIndex >= config.snapshotEntriesThreshold() ||
            appliedBytesSinceSnapshot >= config.snapshotBytesThreshold());
    }

    /**
     * Asks for a snapshot of the state at {@code lastApplied} regardless of the thresholds.
     *
     * @return false if snapshots are off, or the latest snapshot (or the one being written) already
     * covers {@code lastApplied}.
     */
    boolean request(final long lastApplied)
    {
        if (store == null || !supported || lastApplied <= (source != null ? writeIndex : lastSnapshotIndex))
        {
            return false;
        }
        requested = true;
        return true;
    }

    /**
     * Starts a snapshot of the state at {@code lastApplied} if the state machine supports snapshots.
     *
     * @return true if one started: the caller then writes the session table at offset 4 of
     * {@link #header()} and calls {@link #completeHeader}.
     */
    boolean begin(final long lastApplied, final long termAtLastApplied)
    {
        final SnapshotSource next = stateMachine.snapshot();
        if (next == null)
        {
            supported = false;
            requested = false;
            return false;
        }
        if (next == SnapshotSource.NOT_NOW)
        {
            return false;
        }
        requested = false;
        source = next;
        writeIndex = lastApplied;
        store.begin(lastApplied, termAtLastApplied);
        return true;
    }

    /** The node's part of the snapshot being written or restored. */
    ExpandableArrayBuffer header()
    {
        return header;
    }

    /** Ends the node's part: the session table (already at offset 4) and the configuration in force. */
    void completeHeader(final int sessionTableLength, final long configurationIndex, final Membership configuration)
    {
        header.putInt(0, sessionTableLength, ORDER);
        final int configAt = 4 + sessionTableLength;
        header.putLong(configAt, configurationIndex, ORDER);
        final int configLength = configuration.encode(header, configAt + 12);
        header.putInt(configAt + 8, configLength, ORDER);
        headerLength = configAt + 12 + configLength;
        headerPosition = 0;
    }

    /**
     * Writes one chunk of the snapshot in progress; commits it (durably) after the last, and only then
     * compacts the log prefix it covers, keeping {@code snapshotTrailingEntries} behind it for followers
     * that lag a little.
     *
     * @return true if the log was compacted (it must be flushed).
     */
    boolean continueWriting(final RaftLog log)
    {
        final long snapshotIndex = writeChunk();
        if (snapshotIndex > 0)
        {
            final long compactTo = snapshotIndex - config.snapshotTrailingEntries();
            if (compactTo > log.snapshotIndex())
            {
                log.compactPrefix(compactTo, log.termAt(compactTo));
                return true;
            }
        }
        return false;
    }

    /** @return the index the snapshot covers once it is durable, else 0. */
    private long writeChunk()
    {
        if (headerPosition < headerLength)
        {
            final int length = Math.min(chunk.capacity(), headerLength - headerPosition);
            store.write(header, headerPosition, length);
            headerPosition += length;
            return 0;
        }
        final int read = source.read(chunk, 0, chunk.capacity());
        if (read > 0)
        {
            store.write(chunk, 0, read);
            return 0;
        }
        if (read == 0)
        {
            throw new IllegalStateException("SnapshotSource.read returned 0: it must write at least one byte or return -1");
        }
        source = null;
        store.commit(SnapshotStore.ANY_CHECKSUM);
        lastSnapshotIndex = writeIndex;
        appliedBytesSinceSnapshot = 0;
        return writeIndex;
    }

    /** Abandons the snapshot being written, if any (a leader's snapshot is about to be installed). */
    void abort()
    {
        if (source != null)
        {
            source = null;
            store.abort();
        }
    }

    /**
     * Restoring from the store, step 1: reads the session table into {@link #header()} at offset 0.
     *
     * @return its length.
     */
    int readSessionTable()
    {
        storeReader.base = 0;
        storeReader.position = 0;
        if (store.length() < 4)
        {
            throw new IllegalStateException("snapshot " + store.index() + " too short: " + store.length());
        }
        storeReader.readFully(header, 0, 4);
        final int tableLength = header.getInt(0, ORDER);
        if (tableLength < 0 || 4L + tableLength > store.length())
        {
            throw new IllegalStateException("snapshot " + store.index() + ": bad session table length " + tableLength);
        }
        storeReader.readFully(header, 0, tableLength);
        return tableLength;
    }

    /** Step 2: the configuration in force at the snapshot's index ({@link #restoredConfigurationIndex()} is its entry's index). */
    Membership readConfiguration()
    {
        storeReader.readFully(header, 0, 12);
        restoredConfigurationIndex = header.getLong(0, ORDER);
        final int configLength = header.getInt(8, ORDER);
        if (configLength < 8 || configLength > 8 + 4 * Membership.MEMBERS_MAX)
        {
            throw new IllegalStateException("snapshot " + store.index() + ": bad configuration length " + configLength);
        }
        storeReader.readFully(header, 0, configLength);
        final Membership configuration = Membership.decode(header, 0, configLength);
        if (configuration == null)
        {
            throw new IllegalStateException("snapshot " + store.index() + ": unreadable configuration");
        }
        return configuration;
    }

    long restoredConfigurationIndex()
    {
        return restoredConfigurationIndex;
    }

    /** Step 3: the state machine reads the rest of the stream. @return the index the snapshot covers. */
    long restoreStateMachine()
    {
        storeReader.base = storeReader.position;
        storeReader.position = 0;
        stateMachine.restore(storeReader);
        lastSnapshotIndex = store.index();
        appliedBytesSinceSnapshot = 0;
        return lastSnapshotIndex;
    }

    /** Reads the latest snapshot in the store, for {@link StateMachine#restore}. */
    private final class StoreReader implements SnapshotReader
    {
        /** Where the part being read starts in the stored stream (after the node's header, for the state machine). */
        long base;
        long position;

        @Override
        public long length()
        {
            return store.length() - base;
        }

        @Override
        public long position()
        {
            return position;
        }

        @Override
        public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
        {
            final int read = store.read(base + position, buffer, offset, maxBytes);
            if (read > 0)
            {
                position += read;
            }
            return read;
        }
    }
}
