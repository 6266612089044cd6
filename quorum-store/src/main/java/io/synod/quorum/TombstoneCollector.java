package io.synod.quorum;

import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects deletes' tombstones, so a delete-heavy keyspace does not grow without bound, and never before it
 * is safe: a key's record that holds only tombstones is removed no earlier than {@link QuorumConfig#tombstoneGraceNs}
 * after every preference-list replica was seen holding that very record.
 *
 * <p>The key's first preference-list member drives it. Every {@link QuorumConfig#tombstoneSweepNs} it looks
 * over its records; for a tombstone-only one it asks the other replicas (TOMBSTONE_PROBE, the record's summary)
 * until each has answered that it holds the same record (TOMBSTONE_ACK), and notes the time when the last did.
 * Once the grace has passed since then, and the record is still the same, it removes its own copy and tells the
 * others to remove theirs (TOMBSTONE_COLLECT), each only if its record is still that one. A write since then
 * changes the record, which restarts the wait; a lost message only delays collection.
 *
 * <p><b>Why nothing comes back.</b> When the last replica acknowledged, no replica held a value that the
 * tombstone superseded. What could still carry one: a hint written before the delete (dropped after
 * {@code hintTtlNs}, and start-up refuses {@code hintTtlNs >= tombstoneGraceNs}), a read repair or replica
 * message in flight (bounded by the request timeout and the network, far below the grace), anti-entropy
 * (it only pushes what replicas store: the tombstone). A coordinator that writes the key again after its copy
 * was collected starts its counter above every one it used ({@link DvvSet#update(DvvSet, DvvSet, int,
 * DirectBuffer, int, int, byte, long)}), so a tombstone still held elsewhere cannot make the new write look old.
 *
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> Per sweep and per tombstone message (the
 * pending table and key copies); none on the put and get paths.
 */
final class TombstoneCollector implements ReplicaStore.RecordVisitor
{
    /** A tombstone-only record being confirmed or waited out. */
    private static final class Pending
    {
        final long summary;
        long acknowledged;
        long allAcknowledgedAtNs;
        boolean allAcknowledged;

        Pending(final long summary)
        {
            this.summary = summary;
        }
    }

    private final QuorumConfig config;
    private final int memberId;
    private final Placement placement;
    private final ReplicaStore store;
    private final LocalReplica replica;
    private final ServiceChannel channel;
    private final UnsafeBuffer out;
    private final int[] preference;
    private final DvvSet scratch;
    private Map<ByteBuffer, Pending> pending = new HashMap<>();
    private Map<ByteBuffer, Pending> next = new HashMap<>();
    private final List<ByteBuffer> due = new ArrayList<>();
    private long nextSweepNs;
    private long nowNs;
    private int probes;
    private long probesSent;

    TombstoneCollector(
        final QuorumConfig config, final int memberId, final Placement placement, final ReplicaStore store, final LocalReplica replica,
        final ServiceChannel channel)
    {
        this.config = config;
        this.memberId = memberId;
        this.placement = placement;
        this.store = store;
        this.replica = replica;
        this.channel = channel;
        this.out = new UnsafeBuffer(new byte[QuorumCodec.KEY_OFFSET + config.keyLengthMax()]);
        this.preference = new int[config.n()];
        this.scratch = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
    }

    /** Sweeps once per {@link QuorumConfig#tombstoneSweepNs}. @return messages sent and records removed. */
    int doWork(final long nowNs)
    {
        if (nowNs - nextSweepNs < 0 || placement.readRing() == null || placement.changing())
        {
            return 0; // no ring yet, or a ring change in progress: keys are moving, collect nothing until it is over
        }
        nextSweepNs = nowNs + config.tombstoneSweepNs();
        this.nowNs = nowNs;
        probes = 0;
        due.clear();
        next.clear();
        store.forEach(this); // fills next (what is still pending) and due (what to collect now)
        final Map<ByteBuffer, Pending> swap = pending;
        pending = next;
        next = swap;
        int work = probes;
        for (final ByteBuffer key : due)
        {
            final Pending entry = pending.remove(key);
            final UnsafeBuffer view = new UnsafeBuffer(key.array());
            final int count = placement.readRing().preferenceList(HashRing.hash(view, 0, view.capacity()), config.n(), preference);
            final int length = encode(QuorumCodec.TOMBSTONE_COLLECT, entry.summary, view, 0, view.capacity());
            for (int i = 1; i < count; i++)
            {
                channel.sendToMember(preference[i], 0, out, 0, length);
            }
            work += replica.collect(view, 0, view.capacity(), entry.summary) ? 1 : 0;
        }
        return work;
    }

    @Override
    public void onRecord(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer record,
        final int recordOffset, final int recordLength)
    {
        if (keyspaceId != config.keyspaceId())
        {
            return;
        }
        final int count = placement.readRing().preferenceList(HashRing.hash(key, keyOffset, keyLength), config.n(), preference);
        if (preference[0] != memberId || !scratch.decode(record, recordOffset, recordLength) || scratch.valueCount() == 0 ||
            scratch.liveValueCount() != 0)
        {
            return; // not ours to drive, or not only tombstones
        }
        final byte[] copy = new byte[keyLength];
        key.getBytes(keyOffset, copy);
        final ByteBuffer name = ByteBuffer.wrap(copy);
        final long summary = scratch.summary();
        Pending entry = pending.get(name);
        if (entry == null || entry.summary != summary)
        {
            entry = new Pending(summary);
            entry.acknowledged = 1; // this member, preference index 0
        }
        next.put(name, entry);
        if (entry.allAcknowledged)
        {
            if (nowNs - entry.allAcknowledgedAtNs >= config.tombstoneGraceNs())
            {
                due.add(name);
            }
        }
        else if (probes < config.tombstoneProbesMax())
        {
            probes++;
            probesSent++;
            final int length = encode(QuorumCodec.TOMBSTONE_PROBE, summary, key, keyOffset, keyLength);
            for (int i = 1; i < count; i++)
            {
                if ((entry.acknowledged & (1L << i)) == 0)
                {
                    channel.sendToMember(preference[i], 0, out, 0, length);
                }
            }
        }
    }

    /** A TOMBSTONE_PROBE, TOMBSTONE_ACK or TOMBSTONE_COLLECT that passed {@link QuorumCodec#check}. */
    void onMessage(final long nowNs, final int from, final DirectBuffer buffer, final int offset, final int length)
    {
        if (placement.readRing() == null)
        {
            return;
        }
        final int keyOffset = offset + QuorumCodec.KEY_OFFSET;
        final int keyLength = length - QuorumCodec.KEY_OFFSET;
        final long summary = QuorumCodec.requestId(buffer, offset);
        final int count = placement.readRing().preferenceList(HashRing.hash(buffer, keyOffset, keyLength), config.n(), preference);
        switch (QuorumCodec.type(buffer, offset))
        {
            case QuorumCodec.TOMBSTONE_PROBE:
                replica.read(buffer, keyOffset, keyLength, scratch);
                if (scratch.valueCount() > 0 && scratch.summary() == summary)
                {
                    channel.sendToMember(from, 0, out, 0, encode(QuorumCodec.TOMBSTONE_ACK, summary, buffer, keyOffset, keyLength));
                }
                break;
            case QuorumCodec.TOMBSTONE_ACK:
            {
                final byte[] copy = new byte[keyLength];
                buffer.getBytes(keyOffset, copy);
                final Pending entry = pending.get(ByteBuffer.wrap(copy));
                if (entry == null || entry.summary != summary || entry.allAcknowledged)
                {
                    return;
                }
                for (int i = 1; i < count; i++)
                {
                    entry.acknowledged |= preference[i] == from ? 1L << i : 0;
                }
                if (entry.acknowledged == (1L << count) - 1)
                {
                    entry.allAcknowledged = true;
                    entry.allAcknowledgedAtNs = nowNs;
                }
                break;
            }
            case QuorumCodec.TOMBSTONE_COLLECT:
                if (preference[0] == from) // only the key's first replica decides
                {
                    replica.collect(buffer, keyOffset, keyLength, summary);
                }
                break;
            default:
                throw new IllegalStateException("not a tombstone message: " + QuorumCodec.type(buffer, offset));
        }
    }

    private int encode(final int type, final long summary, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        QuorumCodec.encodeHeader(out, type, 0, 0, config.keyspaceId(), summary);
        return QuorumCodec.encodeKey(out, key, keyOffset, keyLength);
    }

    /** @return tombstones being confirmed or waited out (as of the last sweep). */
    int pending()
    {
        return pending.size();
    }

    /** @return probe rounds sent. */
    long probesSent()
    {
        return probesSent;
    }
}
