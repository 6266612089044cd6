package io.synod.quorum;

import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A member's own copy of a keyspace: reads a key's set from the {@link ReplicaStore}, merges an incoming set
 * into it durably, removes a collected tombstone, and keeps the anti-entropy trees in step with every change.
 * The coordinator ({@link QuorumNode}), hinted handoff and the tombstone collector all change records through
 * it, so no path forgets the trees.
 *
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> None. <b>Durability.</b> {@link #merge}
 * flushes before it returns (the caller acknowledges after it); {@link #collect} flushes too, though a lost
 * collection only brings the tombstone back, to be collected again.
 */
final class LocalReplica
{
    private final QuorumConfig config;
    private final int memberId;
    private final int keyspaceId;
    private final ReplicaStore store;
    private AntiEntropy antiEntropy;
    private final UnsafeBuffer record;
    private final DvvSet local;
    private final DvvSet merged;
    private long collected;

    LocalReplica(final QuorumConfig config, final int memberId, final ReplicaStore store)
    {
        this.config = config;
        this.memberId = memberId;
        this.keyspaceId = config.keyspaceId();
        this.store = store;
        this.record = new UnsafeBuffer(new byte[config.recordLengthMax()]);
        this.local = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
        this.merged = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
    }

    /**
     * The anti-entropy trees for {@code readRing}: the ones kept if they are that ring's, else new ones built from
     * the store (at start, and when a ring change moves the read ring).
     *
     * @return them, or null with anti-entropy off or no ring yet.
     */
    AntiEntropy antiEntropyFor(final HashRing readRing, final ServiceChannel channel)
    {
        if (config.antiEntropy() && readRing != null && (antiEntropy == null || antiEntropy.ring() != readRing))
        {
            antiEntropy = new AntiEntropy(config, memberId, readRing, store, channel);
            antiEntropy.rebuild();
        }
        return antiEntropy;
    }

    /** Decodes the key's record into {@code into} (empty if it has none). */
    void read(final DirectBuffer key, final int keyOffset, final int keyLength, final DvvSet into)
    {
        final int recordLength = store.read(keyspaceId, key, keyOffset, keyLength, record, 0);
        if (recordLength < 0)
        {
            into.reset();
        }
        else if (!into.decode(record, 0, recordLength))
        {
            throw new IllegalStateException("member " + memberId + ": the stored record of a key in keyspace " + keyspaceId +
                " is not a valid set (" + recordLength + " bytes): the store is corrupt");
        }
    }

    /** Merges {@code incoming} into the local record of the key and persists it. @return the replica's answer. */
    int merge(final DirectBuffer key, final int keyOffset, final int keyLength, final DvvSet incoming)
    {
        read(key, keyOffset, keyLength, local);
        if (!merged.sync(local, incoming))
        {
            return QuorumStatus.TOO_MANY_SIBLINGS;
        }
        if (!merged.sameAs(local))
        {
            final int recordLength = merged.encode(record, 0);
            store.write(keyspaceId, key, keyOffset, keyLength, record, 0, recordLength);
            store.flush();
            written(key, keyOffset, keyLength, local, merged);
        }
        return QuorumStatus.OK;
    }

    /** The key's record went from {@code before} (empty: absent) to {@code after}: keep the Merkle trees in step. */
    void written(final DirectBuffer key, final int keyOffset, final int keyLength, final DvvSet before, final DvvSet after)
    {
        if (config.antiEntropy() && antiEntropy != null)
        {
            antiEntropy.onWrite(key, keyOffset, keyLength, before.entryCount() > 0, before.summary(), true, after.summary());
        }
    }

    /**
     * Removes the key's record if it is still only tombstones with {@code summary} (a newer write since keeps it).
     *
     * @return whether it was removed.
     */
    boolean collect(final DirectBuffer key, final int keyOffset, final int keyLength, final long summary)
    {
        read(key, keyOffset, keyLength, local);
        if (local.valueCount() == 0 || local.liveValueCount() != 0 || local.summary() != summary)
        {
            return false;
        }
        store.delete(keyspaceId, key, keyOffset, keyLength);
        store.flush();
        if (config.antiEntropy() && antiEntropy != null)
        {
            antiEntropy.onWrite(key, keyOffset, keyLength, true, summary, false, 0);
        }
        collected++;
        return true;
    }

    /** @return tombstones this member removed from its store. */
    long collected()
    {
        return collected;
    }
}
