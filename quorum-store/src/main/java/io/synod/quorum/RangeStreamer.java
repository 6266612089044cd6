package io.synod.quorum;

import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Streams the ranges a ring change moves ({@link RingState#STREAMING}): every key this member replicates under
 * the old ring whose new preference list names a member the old one did not is sent to that new owner, and
 * sent again until the owner acknowledged the set this member holds now. It reuses hinted handoff's messages:
 * HANDOFF carries the key and set (the request id is the set's summary), the owner merges it durably like any
 * replica write and answers HANDOFF_ACK echoing the summary.
 *
 * <p>A round, every {@code hintIntervalNs}, scans the store and sends at most {@code hintsPerCycleMax} keys;
 * streaming is {@link #done()} once a whole round found every moved key acknowledged at its current set. Writes
 * made since the change began reach the new owners directly (the write set of {@link Placement}); the stream
 * carries what was written before.
 *
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> Per round and per acknowledgement (key copies
 * in the acknowledged map): background work during a ring change, never on the request path.
 */
final class RangeStreamer implements ReplicaStore.RecordVisitor
{
    private final QuorumConfig config;
    private final int memberId;
    private final ReplicaStore store;
    private final ServiceChannel channel;
    private final int[] before;
    private final int[] after;
    private final UnsafeBuffer out;
    private final DvvSet scratch;
    /** (new owner, key) to the summary that owner acknowledged. */
    private final Map<ByteBuffer, Long> acknowledged = new HashMap<>();
    private RingState state;
    private long nextRoundNs;
    private int sentThisRound;
    private int pendingThisRound;
    private boolean done;
    private long keysStreamed;

    RangeStreamer(final QuorumConfig config, final int memberId, final ReplicaStore store, final ServiceChannel channel)
    {
        this.config = config;
        this.memberId = memberId;
        this.store = store;
        this.channel = channel;
        this.before = new int[config.n()];
        this.after = new int[config.n()];
        this.out = new UnsafeBuffer(new byte[config.messageLengthMax()]);
        this.scratch = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
    }

    /** Starts streaming for {@code state} (a STREAMING version); forgets what an earlier change acknowledged. */
    void start(final RingState state, final long nowNs)
    {
        this.state = state;
        acknowledged.clear();
        done = false;
        nextRoundNs = nowNs;
    }

    /** A round when one is due. @return keys sent. */
    int doWork(final long nowNs)
    {
        if (done || state == null || nowNs - nextRoundNs < 0)
        {
            return 0;
        }
        nextRoundNs = nowNs + config.hintIntervalNs();
        sentThisRound = 0;
        pendingThisRound = 0;
        store.forEach(this);
        done = pendingThisRound == 0;
        return sentThisRound;
    }

    @Override
    public void onRecord(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer record,
        final int recordOffset, final int recordLength)
    {
        if (keyspaceId != config.keyspaceId() || !scratch.decode(record, recordOffset, recordLength))
        {
            return;
        }
        final long keyHash = HashRing.hash(key, keyOffset, keyLength);
        final int oldCount = state.current().preferenceList(keyHash, config.n(), before);
        if (!Placement.contains(before, oldCount, memberId))
        {
            return; // not a replica of the key under the old ring: another member streams it
        }
        final int newCount = state.next().preferenceList(keyHash, config.n(), after);
        final long summary = scratch.summary();
        for (int i = 0; i < newCount; i++)
        {
            final int owner = after[i];
            if (Placement.contains(before, oldCount, owner))
            {
                continue;
            }
            final Long acked = acknowledged.get(name(owner, key, keyOffset, keyLength));
            if (acked != null && acked == summary)
            {
                continue;
            }
            pendingThisRound++;
            if (sentThisRound < config.hintsPerCycleMax())
            {
                QuorumCodec.encodeHeader(out, QuorumCodec.HANDOFF, 0, 0, config.keyspaceId(), summary);
                final int setOffset = QuorumCodec.encodeKey(out, key, keyOffset, keyLength);
                out.putBytes(setOffset, record, recordOffset, recordLength);
                channel.sendToMember(owner, 0, out, 0, setOffset + recordLength);
                sentThisRound++;
                keysStreamed++;
            }
        }
    }

    /** A HANDOFF_ACK: {@code owner} holds the key's set with {@code summary}. */
    void onAck(final int owner, final long summary, final int status, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        if (state != null && !done && status == QuorumStatus.OK)
        {
            acknowledged.put(name(owner, key, keyOffset, keyLength), summary);
        }
    }

    /** @return whether the last whole round found every moved key acknowledged by its new owners. */
    boolean done()
    {
        return done;
    }

    long keysStreamed()
    {
        return keysStreamed;
    }

    private static ByteBuffer name(final int owner, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final byte[] bytes = new byte[4 + keyLength];
        ByteBuffer.wrap(bytes).putInt(owner);
        key.getBytes(keyOffset, bytes, 4, keyLength);
        return ByteBuffer.wrap(bytes);
    }
}
