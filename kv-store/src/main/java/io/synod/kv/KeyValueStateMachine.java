package io.synod.kv;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * The reference replicated state machine: a map from byte-string keys to byte-string values, each
 * with a version. Commands are {@link KvCommand} frames, responses {@link KvResponse} frames;
 * {@link KvClientCodec} encodes and decodes them.
 *
 * <h2>Operations and versions</h2>
 * The state is a set of (key, value, version) with unique keys. A key is 0 to
 * {@link KvCommand#MAX_KEY_LENGTH} bytes, a value 0 to {@link KvCommand#MAX_VALUE_LENGTH} bytes; the
 * empty key and the empty value are ordinary. An absent key has version 0; a present key has version
 * at least 1.
 * <ul>
 *   <li><b>put(k, v)</b>: if k is absent, stores (k, v, 1); else replaces its value and version with
 *   (v, version + 1), even when v is unchanged. Returns OK and the new version.</li>
 *   <li><b>get(k)</b>: returns OK, the version and the value; or NOT_FOUND (version 0) if absent.
 *   Never changes the state.</li>
 *   <li><b>delete(k)</b>: if present, removes k, value and version, and returns OK and the version it
 *   had; else returns NOT_FOUND (version 0) and changes nothing. A later put of k starts again at 1.</li>
 *   <li><b>compareAndSet(k, expected, v)</b>: let current be k's version (0 if absent). If
 *   {@code current == expected} it behaves as put(k, v) and returns OK and the new version (so
 *   expected 0 creates an absent key at version 1); else it changes nothing and returns
 *   VERSION_MISMATCH and current.</li>
 *   <li>A malformed or oversized command (see {@link KvCommand}) returns BAD_REQUEST (version 0) and
 *   changes nothing. So does an insert into a table at its maximum size (about 698 million keys,
 *   unreachable in any heap this library runs in).</li>
 * </ul>
 * Versions are per key and independent of the log index; a response carries no value except for a
 * successful get.
 *
 * <h2>Threading, determinism, exceptions</h2>
 * Everything runs on the node's thread. {@link #apply} is a pure function of the state and the
 * command bytes (the index and term are ignored) and never throws: the only exception it can raise is
 * {@link OutOfMemoryError}.
 *
 * <h2>Reads</h2>
 * A get proposed through the log is linearizable: it is answered at its place in the log.
 * {@link #read} answers from this replica's current state without the log; it is only as fresh as
 * this replica's applied index, so it is not linearizable by itself (ReadIndex or a lease must first
 * establish that the applied index covers the read; otherwise it is a stale read).
 *
 * <h2>Storage and allocation</h2>
 * An open-addressing table (linear probing, backward-shift deletion) in parallel arrays, with no
 * per-entry object: per key only its exact key {@code byte[]} and a value {@code byte[]}. After
 * warm-up these allocate nothing: get and local reads, put/compare-and-set over an existing key whose
 * new value fits the value array already held (the same size, or smaller down to about a quarter of
 * it), delete, and every rejected command. A new key allocates its two arrays and, now and then, the
 * table doubles (amortised). A value that outgrows its array allocates a new exact one. The value
 * array may be up to four times (plus 64 bytes) larger than the value it holds: that slack is the
 * price of allocation-free overwrites; a restore compacts it. Each write also hashes the value, O(value
 * length), to keep {@link #digest()} current in O(1).
 *
 * <h2>Snapshots</h2>
 * {@link #snapshot()} streams the live table (format in {@link KvSnapshotSource}), relying on the
 * node applying nothing while the stream is open; {@link #restore} rebuilds from such a stream and
 * throws {@link IllegalStateException} on anything malformed, leaving the state empty.
 */
public final class KeyValueStateMachine implements StateMachine
{
    /** Keys the table is sized for when no expectation is given. */
    public static final int DEFAULT_EXPECTED_KEYS = 1024;

    private final KvTable table;
    private final KvCommand command = new KvCommand();
    private final KvResponse response = new KvResponse();
    private final KvSnapshotSource snapshotSource;
    private final KvSnapshotLoader snapshotLoader = new KvSnapshotLoader();
    private final UnsafeBuffer contentView = new UnsafeBuffer(new byte[0]);
    /** Null unless asked for: the keys in byte order, for {@link #list}. */
    private final KvOrderedIndex orderedIndex;

    /**
     * A state machine sized for {@link #DEFAULT_EXPECTED_KEYS}; it grows as needed.
     */
    public KeyValueStateMachine()
    {
        this(DEFAULT_EXPECTED_KEYS);
    }

    /**
     * @param expectedKeys keys to size the table for up front, so that loading them never grows it.
     */
    public KeyValueStateMachine(final int expectedKeys)
    {
        this(expectedKeys, false);
    }

    /**
     * @param expectedKeys keys to size the table for up front, so that loading them never grows it.
     * @param orderedIndex keep the keys in byte order too, so that {@link #list} serves ranges in
     *                     O(log n + limit); costs a tree node per key and one allocation per new key.
     */
    public KeyValueStateMachine(final int expectedKeys, final boolean orderedIndex)
    {
        table = new KvTable(expectedKeys);
        snapshotSource = new KvSnapshotSource(table);
        this.orderedIndex = orderedIndex ? new KvOrderedIndex() : null;
    }

    /**
     * Applies one {@link KvCommand} and writes its {@link KvResponse} from offset 0 of
     * {@code responseBuffer}. Never throws; a malformed command is answered with BAD_REQUEST.
     */
    @Override
    public int apply(
        final long index,
        final long term,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final ExpandableArrayBuffer responseBuffer)
    {
        final KvCommand command = this.command.wrap(buffer, offset);
        if (!command.validate(length))
        {
            return respond(responseBuffer, 0, KvResponse.BAD_REQUEST, 0);
        }
        final int keyOffset = command.keyOffset();
        final int keyLength = command.keyLength();
        final long keyHash = KvHash.hash(buffer, keyOffset, keyLength);
        final int slot = table.find(buffer, keyOffset, keyLength, keyHash);

        switch (command.opCode())
        {
            case KvCommand.PUT:
                return write(slot, buffer, keyOffset, keyLength, keyHash, command, responseBuffer);

            case KvCommand.GET:
                return slot >= 0 ?
                    respondValue(responseBuffer, 0, slot) :
                    respond(responseBuffer, 0, KvResponse.NOT_FOUND, 0);

            case KvCommand.DELETE:
            {
                if (slot < 0)
                {
                    return respond(responseBuffer, 0, KvResponse.NOT_FOUND, 0);
                }
                final long version = table.version(slot);
                if (orderedIndex != null)
                {
                    orderedIndex.remove(table.key(slot));
                }
                table.remove(slot);
                return respond(responseBuffer, 0, KvResponse.OK, version);
            }

            case KvCommand.COMPARE_AND_SET:
            {
                final long current = slot >= 0 ? table.version(slot) : 0;
                if (current != command.expectedVersion())
                {
                    return respond(responseBuffer, 0, KvResponse.VERSION_MISMATCH, current);
                }
                return write(slot, buffer, keyOffset, keyLength, keyHash, command, responseBuffer);
            }

            default:
                return respond(responseBuffer, 0, KvResponse.BAD_REQUEST, 0);
        }
    }

    /**
     * Reads a key from this replica's current state, as a get would, without the log. Not linearizable
     * by itself (see the class javadoc). Allocation-free.
     *
     * @param out       destination of a {@link KvResponse}; it must have room for
     *                  {@link KvResponse#HEADER_LENGTH} plus the value, up to {@link KvResponse#MAX_LENGTH}
     *                  (or be expandable).
     * @param outOffset where the response starts in {@code out}.
     * @return the response length: OK with version and value, NOT_FOUND, or BAD_REQUEST for a key longer
     * than {@link KvCommand#MAX_KEY_LENGTH}.
     */
    public int read(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final MutableDirectBuffer out,
        final int outOffset)
    {
        if (keyLength < 0 || keyLength > KvCommand.MAX_KEY_LENGTH)
        {
            return respond(out, outOffset, KvResponse.BAD_REQUEST, 0);
        }
        final int slot = table.find(key, keyOffset, keyLength, KvHash.hash(key, keyOffset, keyLength));
        return slot >= 0 ? respondValue(out, outOffset, slot) : respond(out, outOffset, KvResponse.NOT_FOUND, 0);
    }

    /**
     * The version of a key in this replica's current state; not linearizable by itself. Allocation-free.
     *
     * @return the version, or 0 if the key is absent (or longer than any key can be).
     */
    public long version(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        if (keyLength < 0 || keyLength > KvCommand.MAX_KEY_LENGTH)
        {
            return 0;
        }
        final int slot = table.find(key, keyOffset, keyLength, KvHash.hash(key, keyOffset, keyLength));
        return slot >= 0 ? table.version(slot) : 0;
    }

    /** @return the number of keys. */
    public int size()
    {
        return table.size();
    }

    /**
     * A digest of the whole state: a fixed 64-bit hash of every (key, value, version), combined so
     * that it does not depend on insertion history or table layout. Equal states have equal digests on
     * every replica and JVM; unequal states collide only by chance (about 2^-64), so tests that must be
     * exact use {@link #contentEquals}. O(1): it is maintained on every write.
     */
    public long digest()
    {
        return table.digest();
    }

    /**
     * Compares two states key by key, exactly. Allocation-free; O(size).
     *
     * @return true if both hold the same keys with the same values and versions.
     */
    public boolean contentEquals(final KeyValueStateMachine other)
    {
        if (other.size() != size())
        {
            return false;
        }
        final KvTable mine = table;
        final KvTable theirs = other.table;
        final UnsafeBuffer view = contentView;
        for (int slot = 0, capacity = mine.capacity(); slot < capacity; slot++)
        {
            final byte[] key = mine.key(slot);
            if (key == null)
            {
                continue;
            }
            view.wrap(key);
            final int found = theirs.find(view, 0, key.length, KvHash.hash(view, 0, key.length));
            if (found < 0 || theirs.version(found) != mine.version(slot) ||
                !Arrays.equals(
                    mine.value(slot), 0, mine.valueLength(slot), theirs.value(found), 0, theirs.valueLength(found)))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Streams the state in the format of {@link KvSnapshotSource}, in chunks of any size; an entry
     * larger than a chunk spans several. The source reads the live table, so it is valid only until
     * the next {@link #apply} or {@link #restore}; the node guarantees that. One source instance is
     * reused: a second call restarts the stream. Allocation-free.
     */
    @Override
    public SnapshotSource snapshot()
    {
        return snapshotSource.reset();
    }

    /**
     * Replaces the state with a snapshot written by {@link #snapshot()} on any replica.
     *
     * @throws IllegalStateException if the stream is truncated, malformed, has a bad digest or trailing
     *                               bytes; the state is then empty.
     */
    @Override
    public void restore(final SnapshotReader reader)
    {
        try
        {
            snapshotLoader.load(reader, table);
        }
        finally
        {
            if (orderedIndex != null)
            {
                orderedIndex.rebuild(table);
            }
        }
    }

    /**
     * Visits the keys that start with {@code prefix}, in unsigned byte order, from the first after
     * {@code after} (or from the first with the prefix when {@code after} is empty or sorts before it), at
     * most {@code limit} of them, from this replica's current state: not linearizable by itself (serve it
     * after a ReadIndex, as {@link #read}). O(log n + limit) with the ordered index; never a scan.
     * Allocates its iterator and the probe key.
     *
     * @param limit   the most entries to visit, at least 1.
     * @param visitor receives each entry; returning false stops the walk.
     * @return entries visited (a visitor's refusal not counted); when that equals {@code limit}, more may follow.
     * @throws IllegalStateException if this state machine was built without the ordered index.
     * @throws IllegalArgumentException for a limit below 1 or keys longer than {@link KvCommand#MAX_KEY_LENGTH}.
     */
    public int list(final byte[] prefix, final byte[] after, final int limit, final KvListVisitor visitor)
    {
        if (orderedIndex == null)
        {
            throw new IllegalStateException("list needs the ordered index (KeyValueStateMachine(expectedKeys, true))");
        }
        if (limit < 1 || prefix.length > KvCommand.MAX_KEY_LENGTH || after.length > KvCommand.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("limit must be positive and keys at most " + KvCommand.MAX_KEY_LENGTH + " bytes");
        }
        final boolean fromAfter = after.length > 0 && Arrays.compareUnsigned(after, prefix) >= 0;
        int visited = 0;
        for (final byte[] key : orderedIndex.tail(fromAfter ? after : prefix, !fromAfter))
        {
            if (visited == limit || !startsWith(key, prefix))
            {
                break;
            }
            final UnsafeBuffer view = contentView;
            view.wrap(key);
            final int slot = table.find(view, 0, key.length, KvHash.hash(view, 0, key.length));
            if (!(slot >= 0))
            {
                throw new IllegalStateException("ordered index holds a key the table does not");
            }
            if (!visitor.onEntry(key, table.value(slot), table.valueLength(slot), table.version(slot)))
            {
                break;
            }
            visited++;
        }
        return visited;
    }

    private static boolean startsWith(final byte[] key, final byte[] prefix)
    {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private int write(
        final int slot,
        final DirectBuffer buffer,
        final int keyOffset,
        final int keyLength,
        final long keyHash,
        final KvCommand command,
        final ExpandableArrayBuffer responseBuffer)
    {
        final int valueOffset = keyOffset + keyLength;
        final int valueLength = command.valueLength();
        if (slot >= 0)
        {
            return respond(responseBuffer, 0, KvResponse.OK, table.update(slot, buffer, valueOffset, valueLength));
        }
        if (table.size() >= KvTable.MAX_SIZE)
        {
            return respond(responseBuffer, 0, KvResponse.BAD_REQUEST, 0);
        }
        final byte[] key = table.insert(slot, buffer, keyOffset, keyLength, keyHash, buffer, valueOffset, valueLength, 1);
        if (orderedIndex != null)
        {
            orderedIndex.add(key);
        }
        return respond(responseBuffer, 0, KvResponse.OK, 1);
    }

    private int respond(final MutableDirectBuffer out, final int offset, final int status, final long version)
    {
        return response.wrap(out, offset).encode(status, version, 0);
    }

    private int respondValue(final MutableDirectBuffer out, final int offset, final int slot)
    {
        final int length = response.wrap(out, offset).encode(KvResponse.OK, table.version(slot), table.valueLength(slot));
        table.copyValue(slot, out, offset + KvResponse.HEADER_LENGTH);
        return length;
    }
}
