package io.synod.quorum;

import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A fallback member's hints (Dynamo §4.6, Riak's fallback vnodes): sets of keys whose preference-list
 * replica did not answer a write in time, kept durably for that owner and handed off when it answers again.
 *
 * <p>Hints live in the node's own {@link ReplicaStore}, in a keyspace of their own ({@code keyspaceId} with
 * {@link #HINT_KEYSPACE_BIT} set), keyed by owner (i32) then key; the record is the time the hint was
 * stored (i64) then the {@link DvvSet}. Hints for one (owner, key) merge ({@link DvvSet#sync}). A delivered or
 * expired hint is overwritten with an empty record (the store has no delete).
 *
 * <p>Delivery: every {@code hintIntervalNs}, at most {@code hintsPerCycleMax} hints go to their owners as
 * HANDOFF (the owner merges and acknowledges); the request id carries the set's summary, so a hint that
 * grew after it was sent is not deleted by the older acknowledgement. A hint older than {@code hintTtlNs}
 * is dropped and counted; the configuration guarantees {@code hintTtlNs < tombstoneGraceNs}.
 *
 * <p>Expiry uses the node's {@code nowNs}, which starts again with the process: after a restart a hint's
 * age counts from its first delivery round, so it may live up to one {@code hintTtlNs} longer. Until
 * tombstones are collected (a later slice), that cannot resurrect anything.
 *
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> The delivery scan may allocate
 * (it is not the request path); storing a hint and handling an acknowledgement do not.
 */
final class HintedHandoff
{
    /** Set in the keyspace id of hint records. Keyspace ids are below it ({@link QuorumConfig#conclude()}). */
    static final int HINT_KEYSPACE_BIT = 1 << 30;
    private static final int STORED_AT_LENGTH = 8;

    private final QuorumConfig config;
    private final Placement placement;
    /** The key's preference list and the members after it on the ring: the fallbacks. */
    private final int[] extended;
    private final int hintKeyspace;
    private final ReplicaStore store;
    private final ServiceChannel channel;
    private final UnsafeBuffer hintKey;
    private final UnsafeBuffer record;
    private final UnsafeBuffer out;
    private final DvvSet existing;
    private final DvvSet merged;
    private final DvvSet incoming;
    private final ReplicaStore.RecordVisitor deliverer = this::onHintRecord;
    private long nextRoundNs;
    private long roundNowNs;
    private int sentThisRound;
    private int pendingSeen;
    private long stored;
    private long delivered;
    private long expired;
    private long handoffsSent;

    HintedHandoff(final QuorumConfig config, final Placement placement, final ReplicaStore store, final ServiceChannel channel)
    {
        this.config = config;
        this.placement = placement;
        this.extended = new int[2 * config.n()];
        this.hintKeyspace = config.keyspaceId() | HINT_KEYSPACE_BIT;
        this.store = store;
        this.channel = channel;
        this.hintKey = new UnsafeBuffer(new byte[4 + config.keyLengthMax()]);
        this.record = new UnsafeBuffer(new byte[STORED_AT_LENGTH + config.recordLengthMax()]);
        this.out = new UnsafeBuffer(new byte[config.messageLengthMax()]);
        this.existing = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
        this.merged = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
        this.incoming = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
    }

    /**
     * A coordinator's side (Dynamo §4.6): for each preference-list replica that has not answered the put in
     * {@code slot}, the next member on the ring beyond the preference list is asked to keep {@code set} as a
     * hint for it (HINT).
     *
     * @return hints sent.
     */
    int sendHints(final RequestTable requests, final int slot, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DvvSet set)
    {
        final int count = placement.readRing().preferenceList(HashRing.hash(key, keyOffset, keyLength), extended.length, extended);
        int fallback = config.n();
        QuorumCodec.encodeHeader(out, QuorumCodec.HINT, 0, 0, config.keyspaceId(), requests.requestIds[slot]);
        out.putShort(QuorumCodec.HINT_KEY_LENGTH_OFFSET, (short)keyLength);
        out.putBytes(QuorumCodec.HINT_KEY_OFFSET, key, keyOffset, keyLength);
        final int setOffset = QuorumCodec.HINT_KEY_OFFSET + keyLength;
        final int length = setOffset + set.encode(out, setOffset);
        int sent = 0;
        for (int i = 0; i < requests.replicaCounts[slot] && fallback < count; i++)
        {
            if ((requests.replied[slot] & (1L << i)) == 0)
            {
                out.putInt(QuorumCodec.HINT_OWNER_OFFSET, requests.replica(slot, i));
                channel.sendToMember(extended[fallback++], 0, out, 0, length);
                sent++;
            }
        }
        return sent;
    }

    /**
     * A HINT message (checked by {@link QuorumCodec#check}): keep the hint and answer HINT_ACK.
     *
     * @return false if its set is malformed (dropped, no answer).
     */
    boolean onHintMessage(final long nowNs, final int from, final long requestId, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final int keyLength = buffer.getShort(offset + QuorumCodec.HINT_KEY_LENGTH_OFFSET) & 0xFFFF;
        final int keyOffset = offset + QuorumCodec.HINT_KEY_OFFSET;
        final int owner = buffer.getInt(offset + QuorumCodec.HINT_OWNER_OFFSET);
        final int status = onHint(nowNs, owner, buffer, keyOffset, keyLength, buffer, keyOffset + keyLength,
            offset + length - keyOffset - keyLength);
        if (status == QuorumStatus.BAD_REQUEST)
        {
            return false;
        }
        QuorumCodec.encodeReply(out, QuorumCodec.HINT_ACK, config.keyspaceId(), requestId, status);
        out.putInt(QuorumCodec.HINT_ACK_OWNER_OFFSET, owner);
        channel.sendToMember(from, 0, out, 0, QuorumCodec.HINT_ACK_LENGTH);
        return true;
    }

    /**
     * A coordinator asks this member to keep {@code set} for {@code owner}. Merges with a hint already kept,
     * persists, and answers with the status for the HINT_ACK.
     */
    int onHint(final long nowNs, final int owner, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer buffer, final int setOffset, final int setLength)
    {
        if (!incoming.decode(buffer, setOffset, setLength))
        {
            return QuorumStatus.BAD_REQUEST;
        }
        final int hintKeyLength = hintKey(owner, key, keyOffset, keyLength);
        final DvvSet kept = read(hintKeyLength);
        if (kept == null)
        {
            existing.reset();
        }
        if (!merged.sync(existing, incoming))
        {
            return QuorumStatus.TOO_MANY_SIBLINGS;
        }
        record.putLong(0, kept == null ? nowNs : record.getLong(0));
        final int length = STORED_AT_LENGTH + merged.encode(record, STORED_AT_LENGTH);
        store.write(hintKeyspace, hintKey, 0, hintKeyLength, record, 0, length);
        store.flush();
        stored++;
        return QuorumStatus.OK;
    }

    /** The owner merged a handed-off hint: delete it if it has not grown since. */
    void onHandoffAck(final int owner, final long summary, final int status, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        if (status != QuorumStatus.OK)
        {
            return;
        }
        final int hintKeyLength = hintKey(owner, key, keyOffset, keyLength);
        final DvvSet kept = read(hintKeyLength);
        if (kept != null && kept.summary() == summary)
        {
            store.write(hintKeyspace, hintKey, 0, hintKeyLength, record, 0, 0);
            store.flush();
            delivered++;
        }
    }

    /** A delivery round when one is due. @return hints sent. */
    int doWork(final long nowNs)
    {
        if (nowNs - nextRoundNs < 0)
        {
            return 0;
        }
        nextRoundNs = nowNs + config.hintIntervalNs();
        roundNowNs = nowNs;
        sentThisRound = 0;
        pendingSeen = 0;
        store.forEach(deliverer);
        return sentThisRound;
    }

    private void onHintRecord(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer value,
        final int recordOffset, final int recordLength)
    {
        if (keyspaceId != hintKeyspace || recordLength == 0)
        {
            return;
        }
        pendingSeen++;
        final int owner = key.getInt(keyOffset);
        final long storedAtNs = value.getLong(recordOffset);
        if (roundNowNs - storedAtNs > config.hintTtlNs())
        {
            // Dropped, never delivered: anti-entropy (or a read repair) is what brings the owner up to date now.
            store.write(hintKeyspace, key, keyOffset, keyLength, value, recordOffset, 0);
            store.flush();
            expired++;
            return;
        }
        if (sentThisRound == config.hintsPerCycleMax() ||
            !incoming.decode(value, recordOffset + STORED_AT_LENGTH, recordLength - STORED_AT_LENGTH))
        {
            return;
        }
        QuorumCodec.encodeHeader(out, QuorumCodec.HANDOFF, 0, 0, config.keyspaceId(), incoming.summary());
        final int setOffset = QuorumCodec.encodeKey(out, key, keyOffset + 4, keyLength - 4);
        final int length = setOffset + incoming.encode(out, setOffset);
        if (channel.sendToMember(owner, 0, out, 0, length))
        {
            handoffsSent++;
        }
        sentThisRound++;
    }

    private int hintKey(final int owner, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        hintKey.putInt(0, owner);
        hintKey.putBytes(4, key, keyOffset, keyLength);
        return 4 + keyLength;
    }

    /** @return the kept hint's set in {@link #existing} (its stored-at time in {@link #record}), or null. */
    private DvvSet read(final int hintKeyLength)
    {
        final int length = store.read(hintKeyspace, hintKey, 0, hintKeyLength, record, 0);
        if (length <= 0)
        {
            return null;
        }
        if (!existing.decode(record, STORED_AT_LENGTH, length - STORED_AT_LENGTH))
        {
            throw new IllegalStateException("a stored hint of keyspace " + config.keyspaceId() + " is not a valid set: the store is corrupt");
        }
        return existing;
    }

    /** @return hints stored (or merged) on request of coordinators. */
    long stored()
    {
        return stored;
    }

    /** @return hints their owner acknowledged, deleted here. */
    long delivered()
    {
        return delivered;
    }

    /** @return hints dropped undelivered after {@code hintTtlNs}. */
    long expired()
    {
        return expired;
    }

    /** @return HANDOFF messages sent. */
    long handoffsSent()
    {
        return handoffsSent;
    }

    /** @return hints seen undelivered in the last delivery round. */
    int pending()
    {
        return pendingSeen;
    }

    /** @return the keyspace id under which hints are stored. */
    int hintKeyspace()
    {
        return hintKeyspace;
    }
}
