package io.synod.quorum;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A dotted version vector set (Preguiça, Baquero et al., arXiv 1011.5808; Riak's {@code dvvset.erl}):
 * the causal history of one key and every value written concurrently into it (its siblings), in a
 * mutable, pre-sized form that no operation allocates.
 *
 * <p>The set is a list of entries sorted by replica id, {@code (id, counter, values)}: {@code counter} is
 * the highest event replica {@code id} made on this key, and {@code values} are the values of its latest
 * {@code values.length} events, newest first, so value {@code k} of an entry carries the <em>dot</em>
 * {@code (id, counter - k)}. Every dot at or below {@code counter - values.length} is known and obsolete.
 * The client sees only the {@linkplain #encodeContext join} (a version vector {@code id -> counter}): its
 * causal context. A write brings the context it read, so it supersedes exactly the values the client saw:
 *
 * <ul>
 *   <li>{@link #update}: {@code sync(context, local)} then a new event of the coordinating replica with the
 *   new value; values the context covers go, values it did not cover stay as siblings;</li>
 *   <li>{@link #sync}: the replica merge (replication, read repair, hinted handoff, anti-entropy), per id
 *   the larger counter and only the values that the other side does not know to be obsolete.</li>
 * </ul>
 *
 * <p>Anonymous values ({@code dvvset.erl}'s second component) never occur: a write always becomes an event
 * of a replica at once.
 *
 * <p>Wire and storage layout (little-endian), canonical: equal sets encode to equal bytes.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |        entry count (u16)      |      value count (u16)        |
 *  +-------------------------------+-------------------------------+
 *  | per entry, sorted by id: id (i32) | counter (i64) | values (u16) | 0 (u16) |   16 bytes
 *  +---------------------------------------------------------------+
 *  | per value, entry order, newest first: flags (u8) | length (i32) | bytes  |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p><b>Limits.</b> {@code entriesMax} distinct replica ids per key, {@code siblingsMax} values in all,
 * each at most {@code valueLengthMax} bytes: an operation that would exceed one returns {@code false}
 * and leaves the set unusable until the next {@link #reset}/decode.
 * <p><b>Threading.</b> Not thread-safe: one owner, caller-owned scratch sets.
 */
public final class DvvSet
{
    /** Value flag: the value is a delete (a tombstone with the same causality as a write). */
    public static final byte TOMBSTONE = 1;

    static final int HEADER_LENGTH = 4;
    static final int ENTRY_LENGTH = 16;
    static final int VALUE_HEADER_LENGTH = 5;
    /** Context layout: keyspace id (i32), entry count (u16), 0 (u16), then per entry id (i32), counter (i64). */
    static final int CONTEXT_HEADER_LENGTH = 8;
    static final int CONTEXT_ENTRY_LENGTH = 12;

    private final int entriesMax;
    private final int siblingsMax;
    private final int valueLengthMax;

    /** Invariant: ids[0..entryCount) strictly ascending and positive. */
    private final int[] ids;
    /** Invariant: counters[e] >= valueCounts[e] >= 0. */
    private final long[] counters;
    private final int[] valueCounts;
    /** Value k of entry e is at index e * siblingsMax + k: its offset and length in the arena and its flags. */
    private final int[] valueOffsets;
    private final int[] valueLengths;
    private final byte[] valueFlags;
    private final UnsafeBuffer arena;
    private int entryCount;
    /** Invariant: the sum of valueCounts, at most siblingsMax. */
    private int valueCount;
    private int arenaUsed;

    /**
     * @param entriesMax     distinct replica ids a key's history may name (members that ever coordinated a write of it).
     * @param siblingsMax    concurrent values a key may hold.
     * @param valueLengthMax bytes of one value.
     */
    public DvvSet(final int entriesMax, final int siblingsMax, final int valueLengthMax)
    {
        if (entriesMax < 1 || entriesMax > 0xFFFF || siblingsMax < 1 || siblingsMax > 0xFFFF || valueLengthMax < 0)
        {
            throw new IllegalArgumentException("entriesMax " + entriesMax + ", siblingsMax " + siblingsMax +
                ", valueLengthMax " + valueLengthMax);
        }
        this.entriesMax = entriesMax;
        this.siblingsMax = siblingsMax;
        this.valueLengthMax = valueLengthMax;
        this.ids = new int[entriesMax];
        this.counters = new long[entriesMax];
        this.valueCounts = new int[entriesMax];
        this.valueOffsets = new int[entriesMax * siblingsMax];
        this.valueLengths = new int[entriesMax * siblingsMax];
        this.valueFlags = new byte[entriesMax * siblingsMax];
        // One value more than the limit: an event appends before the set is compacted again.
        this.arena = new UnsafeBuffer(new byte[Math.max(1, (siblingsMax + 1) * valueLengthMax)]);
    }

    /** @return the largest encoding a set within these limits can have. */
    public static int encodedLengthMax(final int entriesMax, final int siblingsMax, final int valueLengthMax)
    {
        return HEADER_LENGTH + entriesMax * ENTRY_LENGTH + siblingsMax * (VALUE_HEADER_LENGTH + valueLengthMax);
    }

    /** @return the largest context a set within these limits can have. */
    public static int contextLengthMax(final int entriesMax)
    {
        return CONTEXT_HEADER_LENGTH + entriesMax * CONTEXT_ENTRY_LENGTH;
    }

    /** Empties the set: no history, no values. */
    public DvvSet reset()
    {
        entryCount = 0;
        valueCount = 0;
        arenaUsed = 0;
        return this;
    }

    // ---- the algorithm ----

    /**
     * {@code this = sync(a, b)}: the merge of two replicas' sets (dvvset {@code sync/2}). Per id the larger
     * counter wins; of its values, only those newer than what the other side knows to be obsolete stay.
     * Commutative, associative and idempotent.
     *
     * @return false if the result exceeds this set's limits.
     */
    public boolean sync(final DvvSet a, final DvvSet b)
    {
        if (this == a || this == b)
        {
            throw new IllegalArgumentException("sync into one of its inputs");
        }
        reset();
        int i = 0;
        int j = 0;
        while (i < a.entryCount || j < b.entryCount)
        {
            if (entryCount == entriesMax)
            {
                return false;
            }
            final boolean fromA = j == b.entryCount || (i < a.entryCount && a.ids[i] < b.ids[j]);
            final boolean fromB = i == a.entryCount || (j < b.entryCount && b.ids[j] < a.ids[i]);
            final boolean ok;
            if (fromA)
            {
                ok = appendEntry(a, i, a.counters[i], a.valueCounts[i]);
                i++;
            }
            else if (fromB)
            {
                ok = appendEntry(b, j, b.counters[j], b.valueCounts[j]);
                j++;
            }
            else
            {
                // dvvset merge/5: the larger counter; if the smaller side knows more dots to be obsolete
                // (counter - values is higher there), drop the values it knows.
                final long n1 = a.counters[i];
                final long n2 = b.counters[j];
                final int l1 = a.valueCounts[i];
                final int l2 = b.valueCounts[j];
                if (n1 >= n2)
                {
                    ok = appendEntry(a, i, n1, n1 - l1 >= n2 - l2 ? l1 : (int)(n1 - n2 + l2));
                }
                else
                {
                    ok = appendEntry(b, j, n2, n2 - l2 >= n1 - l1 ? l2 : (int)(n2 - n1 + l1));
                }
                i++;
                j++;
            }
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code this = update(context, local, id, value)}: a client's write at replica {@code id} (dvvset
     * {@code update/3}): sync the context (a history without values) with the local set, so the values
     * the client saw are superseded and the others stay as siblings, then record the new value as the
     * next event of {@code id}.
     *
     * @param context the client's context decoded with {@link #decodeContext} (empty for a blind write).
     * @return false if the result exceeds this set's limits (too many siblings).
     */
    public boolean update(
        final DvvSet context, final DvvSet local, final int id, final DirectBuffer value, final int offset, final int length,
        final byte flags)
    {
        return sync(context, local) && event(id, value, offset, length, flags, 0);
    }

    /**
     * As {@link #update}, but if the result holds no value of {@code id} the new event's counter is at least
     * {@code counterFloor}. A coordinator whose record of the key was collected (a tombstone's grace over) passes
     * a floor above every counter it ever used, so its new dot is never one that a tombstone still held
     * elsewhere already covers (reusing it would make the new write look obsolete there and lose it).
     */
    public boolean update(
        final DvvSet context, final DvvSet local, final int id, final DirectBuffer value, final int offset, final int length,
        final byte flags, final long counterFloor)
    {
        return sync(context, local) && event(id, value, offset, length, flags, counterFloor);
    }

    /**
     * Records a new event of replica {@code id} carrying {@code value} (dvvset {@code event/3}): its counter
     * goes up by one and the value becomes that dot's.
     *
     * @return false if it exceeds this set's limits.
     */
    public boolean event(final int id, final DirectBuffer value, final int offset, final int length, final byte flags)
    {
        return event(id, value, offset, length, flags, 0);
    }

    private boolean event(
        final int id, final DirectBuffer value, final int offset, final int length, final byte flags, final long counterFloor)
    {
        if (id <= 0)
        {
            throw new IllegalArgumentException("replica id must be positive: " + id);
        }
        if (valueCount == siblingsMax || length < 0 || length > valueLengthMax || arenaUsed + length > arena.capacity())
        {
            return false;
        }
        int e = 0;
        while (e < entryCount && ids[e] < id)
        {
            e++;
        }
        if (e == entryCount || ids[e] != id)
        {
            if (entryCount == entriesMax)
            {
                return false;
            }
            // Make room for a new entry at e: shift the entries after it, value blocks included.
            final int tail = entryCount - e;
            System.arraycopy(ids, e, ids, e + 1, tail);
            System.arraycopy(counters, e, counters, e + 1, tail);
            System.arraycopy(valueCounts, e, valueCounts, e + 1, tail);
            System.arraycopy(valueOffsets, e * siblingsMax, valueOffsets, (e + 1) * siblingsMax, tail * siblingsMax);
            System.arraycopy(valueLengths, e * siblingsMax, valueLengths, (e + 1) * siblingsMax, tail * siblingsMax);
            System.arraycopy(valueFlags, e * siblingsMax, valueFlags, (e + 1) * siblingsMax, tail * siblingsMax);
            ids[e] = id;
            counters[e] = 0;
            valueCounts[e] = 0;
            entryCount++;
        }
        if (valueCounts[e] == 0 && counters[e] < counterFloor - 1)
        {
            counters[e] = counterFloor - 1; // no value of id to renumber: every dot below the floor is obsolete
        }
        final int block = e * siblingsMax;
        System.arraycopy(valueOffsets, block, valueOffsets, block + 1, valueCounts[e]);
        System.arraycopy(valueLengths, block, valueLengths, block + 1, valueCounts[e]);
        System.arraycopy(valueFlags, block, valueFlags, block + 1, valueCounts[e]);
        valueOffsets[block] = arenaUsed;
        valueLengths[block] = length;
        valueFlags[block] = flags;
        arena.putBytes(arenaUsed, value, offset, length);
        arenaUsed += length;
        counters[e]++;
        valueCounts[e]++;
        valueCount++;
        return true;
    }

    /** Copies entry {@code e} of {@code from} with {@code counter} and its newest {@code keep} values. */
    private boolean appendEntry(final DvvSet from, final int e, final long counter, final int keep)
    {
        if (valueCount + keep > siblingsMax)
        {
            return false;
        }
        final int to = entryCount;
        ids[to] = from.ids[e];
        counters[to] = counter;
        valueCounts[to] = keep;
        for (int k = 0; k < keep; k++)
        {
            final int src = e * from.siblingsMax + k;
            final int dst = to * siblingsMax + k;
            final int length = from.valueLengths[src];
            if (length > valueLengthMax || arenaUsed + length > arena.capacity())
            {
                return false;
            }
            arena.putBytes(arenaUsed, from.arena, from.valueOffsets[src], length);
            valueOffsets[dst] = arenaUsed;
            valueLengths[dst] = length;
            valueFlags[dst] = from.valueFlags[src];
            arenaUsed += length;
        }
        valueCount += keep;
        entryCount++;
        return true;
    }

    /** {@code this = other}. @return false if other exceeds this set's limits. */
    public boolean copyFrom(final DvvSet other)
    {
        reset();
        for (int e = 0; e < other.entryCount; e++)
        {
            if (entryCount == entriesMax || !appendEntry(other, e, other.counters[e], other.valueCounts[e]))
            {
                return false;
            }
        }
        return true;
    }

    // ---- comparisons ----

    /** @return replica {@code id}'s counter in this history (0 if it made no event here). */
    public long counter(final int id)
    {
        for (int e = 0; e < entryCount; e++)
        {
            if (ids[e] == id)
            {
                return counters[e];
            }
        }
        return 0;
    }

    /** @return whether the dot {@code (id, counter)} is in this history (seen, whether still live or obsolete). */
    public boolean covers(final int id, final long counter)
    {
        return counter(id) >= counter;
    }

    /** @return whether this history includes all of {@code other}'s (version-vector dominance of the joins). */
    public boolean descends(final DvvSet other)
    {
        for (int e = 0; e < other.entryCount; e++)
        {
            if (counter(other.ids[e]) < other.counters[e])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return whether {@code other} holds the same history and the same live dots. Values are a function
     * of their dots (a dot is made once, by one replica), so this is equality of the sets.
     */
    public boolean sameAs(final DvvSet other)
    {
        if (entryCount != other.entryCount || valueCount != other.valueCount)
        {
            return false;
        }
        for (int e = 0; e < entryCount; e++)
        {
            if (ids[e] != other.ids[e] || counters[e] != other.counters[e] || valueCounts[e] != other.valueCounts[e])
            {
                return false;
            }
        }
        return true;
    }

    /** @return a 64-bit summary of the history and live dots: equal for {@link #sameAs} sets. */
    public long summary()
    {
        long h = 0x9E3779B97F4A7C15L;
        for (int e = 0; e < entryCount; e++)
        {
            h = HashRing.mix(h ^ ids[e]);
            h = HashRing.mix(h ^ counters[e]);
            h = HashRing.mix(h ^ valueCounts[e]);
        }
        return h;
    }

    // ---- accessors ----

    /** @return entries (replica ids) in the history. */
    public int entryCount()
    {
        return entryCount;
    }

    /** @return the replica id of entry {@code e}. */
    public int id(final int e)
    {
        return ids[e];
    }

    /** @return the counter of entry {@code e}. */
    public long counterAt(final int e)
    {
        return counters[e];
    }

    /** @return live values of entry {@code e}. */
    public int valueCountAt(final int e)
    {
        return valueCounts[e];
    }

    /** @return the siblings: every live value, tombstones included. */
    public int valueCount()
    {
        return valueCount;
    }

    /** @return live values that are not tombstones. */
    public int liveValueCount()
    {
        int live = 0;
        for (int i = 0; i < valueCount; i++)
        {
            live += (valueFlags(i) & TOMBSTONE) == 0 ? 1 : 0;
        }
        return live;
    }

    /** @return the buffer the values live in (valid until this set changes). */
    public DirectBuffer valueBuffer()
    {
        return arena;
    }

    /** @return the offset in {@link #valueBuffer()} of sibling {@code i} (entry order, newest first). */
    public int valueOffset(final int i)
    {
        return valueOffsets[slot(i)];
    }

    /** @return the length of sibling {@code i}. */
    public int valueLength(final int i)
    {
        return valueLengths[slot(i)];
    }

    /** @return the flags of sibling {@code i} ({@link #TOMBSTONE}). */
    public byte valueFlags(final int i)
    {
        return valueFlags[slot(i)];
    }

    /** @return the replica id of sibling {@code i}'s dot. */
    public int dotId(final int i)
    {
        return ids[slot(i) / siblingsMax];
    }

    /** @return the counter of sibling {@code i}'s dot. */
    public long dotCounter(final int i)
    {
        final int slot = slot(i);
        return counters[slot / siblingsMax] - slot % siblingsMax;
    }

    private int slot(final int i)
    {
        if (i < 0 || i >= valueCount)
        {
            throw new IndexOutOfBoundsException("sibling " + i + " of " + valueCount);
        }
        int rest = i;
        for (int e = 0; e < entryCount; e++)
        {
            if (rest < valueCounts[e])
            {
                return e * siblingsMax + rest;
            }
            rest -= valueCounts[e];
        }
        throw new IllegalStateException("value count " + valueCount + " disagrees with the entries");
    }

    // ---- codec ----

    /** @return the bytes {@link #encode} writes. */
    public int encodedLength()
    {
        int length = HEADER_LENGTH + entryCount * ENTRY_LENGTH;
        for (int e = 0; e < entryCount; e++)
        {
            for (int k = 0; k < valueCounts[e]; k++)
            {
                length += VALUE_HEADER_LENGTH + valueLengths[e * siblingsMax + k];
            }
        }
        return length;
    }

    /** Writes the set (layout in the class javadoc). @return bytes written. */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putShort(offset, (short)entryCount);
        buffer.putShort(offset + 2, (short)valueCount);
        int at = offset + HEADER_LENGTH;
        for (int e = 0; e < entryCount; e++)
        {
            buffer.putInt(at, ids[e]);
            buffer.putLong(at + 4, counters[e]);
            buffer.putShort(at + 12, (short)valueCounts[e]);
            buffer.putShort(at + 14, (short)0);
            at += ENTRY_LENGTH;
        }
        for (int e = 0; e < entryCount; e++)
        {
            for (int k = 0; k < valueCounts[e]; k++)
            {
                final int slot = e * siblingsMax + k;
                buffer.putByte(at, valueFlags[slot]);
                buffer.putInt(at + 1, valueLengths[slot]);
                buffer.putBytes(at + VALUE_HEADER_LENGTH, arena, valueOffsets[slot], valueLengths[slot]);
                at += VALUE_HEADER_LENGTH + valueLengths[slot];
            }
        }
        return at - offset;
    }

    /**
     * Reads a set written by {@link #encode}, checking every length and rule (ids ascending and positive,
     * no entry with more values than events, the limits, the exact length). Never throws for bad bytes.
     *
     * @return false if the bytes are not a valid set (the set is then empty).
     */
    public boolean decode(final DirectBuffer buffer, final int offset, final int length)
    {
        reset();
        if (length < HEADER_LENGTH || offset < 0 || length > buffer.capacity() - offset)
        {
            return false;
        }
        final int entries = buffer.getShort(offset) & 0xFFFF;
        final int values = buffer.getShort(offset + 2) & 0xFFFF;
        if (entries > entriesMax || values > siblingsMax || (long)entries * ENTRY_LENGTH > length - HEADER_LENGTH)
        {
            return false;
        }
        int at = offset + HEADER_LENGTH;
        int declared = 0;
        for (int e = 0; e < entries; e++)
        {
            final int id = buffer.getInt(at);
            final long counter = buffer.getLong(at + 4);
            final int count = buffer.getShort(at + 12) & 0xFFFF;
            if (id <= 0 || (e > 0 && id <= ids[e - 1]) || counter < 1 || count > counter || count > siblingsMax)
            {
                return invalid();
            }
            ids[e] = id;
            counters[e] = counter;
            valueCounts[e] = count;
            declared += count;
            at += ENTRY_LENGTH;
        }
        if (declared != values)
        {
            return invalid();
        }
        entryCount = entries;
        final int end = offset + length;
        for (int e = 0; e < entries; e++)
        {
            for (int k = 0; k < valueCounts[e]; k++)
            {
                if (end - at < VALUE_HEADER_LENGTH)
                {
                    return invalid();
                }
                final byte flags = buffer.getByte(at);
                final int valueLength = buffer.getInt(at + 1);
                at += VALUE_HEADER_LENGTH;
                if (valueLength < 0 || valueLength > valueLengthMax || valueLength > end - at || (flags & ~TOMBSTONE) != 0)
                {
                    return invalid();
                }
                final int slot = e * siblingsMax + k;
                arena.putBytes(arenaUsed, buffer, at, valueLength);
                valueOffsets[slot] = arenaUsed;
                valueLengths[slot] = valueLength;
                valueFlags[slot] = flags;
                arenaUsed += valueLength;
                at += valueLength;
            }
        }
        if (at != end)
        {
            return invalid();
        }
        valueCount = values;
        return true;
    }

    private boolean invalid()
    {
        reset();
        return false;
    }

    /** @return the bytes {@link #encodeContext} writes. */
    public int contextLength()
    {
        return CONTEXT_HEADER_LENGTH + entryCount * CONTEXT_ENTRY_LENGTH;
    }

    /**
     * Writes the causal context a client carries back with its next write: the keyspace and the join of
     * this set (id, counter per entry). Opaque to clients.
     *
     * @return bytes written.
     */
    public int encodeContext(final int keyspaceId, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putInt(offset, keyspaceId);
        buffer.putShort(offset + 4, (short)entryCount);
        buffer.putShort(offset + 6, (short)0);
        int at = offset + CONTEXT_HEADER_LENGTH;
        for (int e = 0; e < entryCount; e++)
        {
            buffer.putInt(at, ids[e]);
            buffer.putLong(at + 4, counters[e]);
            at += CONTEXT_ENTRY_LENGTH;
        }
        return at - offset;
    }

    /**
     * Reads a client's context into this set as a history with no values; an empty context ({@code length}
     * 0) is the empty history of a blind write.
     *
     * @return {@link QuorumStatus#OK}, {@link QuorumStatus#WRONG_KEYSPACE} for a context of another
     * keyspace, or {@link QuorumStatus#BAD_REQUEST} for bytes that are not a context.
     */
    public int decodeContext(final int keyspaceId, final DirectBuffer buffer, final int offset, final int length)
    {
        reset();
        if (length == 0)
        {
            return QuorumStatus.OK;
        }
        if (length < CONTEXT_HEADER_LENGTH || offset < 0 || length > buffer.capacity() - offset)
        {
            return QuorumStatus.BAD_REQUEST;
        }
        final int entries = buffer.getShort(offset + 4) & 0xFFFF;
        if (entries > entriesMax || length != CONTEXT_HEADER_LENGTH + entries * CONTEXT_ENTRY_LENGTH)
        {
            return QuorumStatus.BAD_REQUEST;
        }
        if (buffer.getInt(offset) != keyspaceId)
        {
            return QuorumStatus.WRONG_KEYSPACE;
        }
        int at = offset + CONTEXT_HEADER_LENGTH;
        for (int e = 0; e < entries; e++)
        {
            final int id = buffer.getInt(at);
            final long counter = buffer.getLong(at + 4);
            if (id <= 0 || (e > 0 && id <= ids[e - 1]) || counter < 1)
            {
                reset();
                return QuorumStatus.BAD_REQUEST;
            }
            ids[e] = id;
            counters[e] = counter;
            valueCounts[e] = 0;
            at += CONTEXT_ENTRY_LENGTH;
        }
        entryCount = entries;
        return QuorumStatus.OK;
    }

    @Override
    public String toString()
    {
        final StringBuilder builder = new StringBuilder("{");
        int i = 0;
        for (int e = 0; e < entryCount; e++)
        {
            builder.append(e == 0 ? "" : ", ").append(ids[e]).append(':').append(counters[e]).append('[');
            for (int k = 0; k < valueCounts[e]; k++, i++)
            {
                builder.append(k == 0 ? "" : ",").append(valueLength(i)).append('B');
                builder.append((valueFlags(i) & TOMBSTONE) != 0 ? "(del)" : "");
            }
            builder.append(']');
        }
        return builder.append('}').toString();
    }
}
