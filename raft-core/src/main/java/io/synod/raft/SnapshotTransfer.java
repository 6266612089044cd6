package io.synod.raft;

import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.InstallSnapshot;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.SnapshotResponse;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * InstallSnapshot (Raft §7), chunked and resumable, on both sides. A leader sends its latest snapshot to
 * a follower whose next entries it has compacted away, in chunks of {@code snapshotChunkBytes} within the
 * in-flight window, resending from the last acknowledged byte when progress stops. A follower takes
 * chunks only in order (GAP tells the leader where to resume), checks the stream's CRC32C when the last
 * arrives, and only then lets it replace anything.
 *
 * <p>A follower keeps a partly received snapshot across a change of leader: a new leader whose snapshot
 * is the same (index, length, checksum) resumes where the old one stopped. Only an AppendEntries that
 * matches the follower's log, or a different snapshot, ends it.
 *
 * <p>Owns the follower's install state and the chunk and reply flyweights; the leader's per-follower
 * progress lives in the {@link Peer} it is given.
 */
final class SnapshotTransfer
{
    /** {@link #onChunk}: the chunk was answered; nothing more to do. */
    static final int ANSWERED = 0;
    /** {@link #onChunk}: the chunk starts a new transfer; abandon any local snapshot, then call {@link #begin}. */
    static final int STARTS = 1;
    /** The last chunk arrived and the stream checked out: the store holds the new snapshot; install it, then {@link #answerInstalled}. */
    static final int COMPLETE = 2;

    /** {@link #onResponse}: the follower's match index moved up (the commit index may advance). */
    static final int MATCH_ADVANCED = 1;

    private final InstallSnapshot installSnapshot = new InstallSnapshot();
    private final InstallSnapshot outChunk = new InstallSnapshot();
    private final SnapshotResponse snapshotResponse = new SnapshotResponse();
    private final MessageHeader outHeader = new MessageHeader();
    private final RaftConfig config;
    private final SnapshotStore store;
    private final Transport transport;
    private final Outbox outbox;
    private final RaftCounters counters;
    private final UnsafeBuffer chunkBuffer;
    private final int clusterId;
    private final int groupId;
    private final int memberId;
    private final long heartbeatIntervalNs;

    // Follower: the snapshot being received; installIndex 0 when none.
    private long installIndex;
    private long installTotal;
    private long installChecksum;
    private long installReceived;

    /** @param store null when snapshots are off (no InstallSnapshot is then accepted). */
    SnapshotTransfer(
        final RaftConfig config, final SnapshotStore store, final Transport transport, final Outbox outbox, final RaftCounters counters)
    {
        this.config = config;
        this.store = store;
        this.transport = transport;
        this.outbox = outbox;
        this.counters = counters;
        this.chunkBuffer = new UnsafeBuffer(new byte[MessageHeader.LENGTH + InstallSnapshot.FIXED_LENGTH + config.snapshotChunkBytes()]);
        this.clusterId = config.clusterId();
        this.groupId = config.groupId();
        this.memberId = config.memberId();
        this.heartbeatIntervalNs = config.heartbeatIntervalNs();
    }

    // ------------------------------------------------------------------------------------------
    // Leader side
    // ------------------------------------------------------------------------------------------

    /** §7: the entries {@code peer} needs are compacted away; send it the latest snapshot instead. */
    void begin(final Peer peer, final long nowNs)
    {
        peer.becomeSnapshot(store.index(), nowNs);
    }

    /**
     * Sends the next chunk of the snapshot a follower needs, within the in-flight window; after two
     * heartbeat intervals without progress, resends from the last acknowledged byte (lost chunk).
     *
     * @return true if a chunk was sent and another may follow.
     */
    boolean maybeSendChunk(final Peer peer, final long term, final long nowNs)
    {
        if (store.index() != peer.snapshotIndex)
        {
            peer.becomeSnapshot(store.index(), nowNs); // a newer snapshot replaced the one in transfer
        }
        if (nowNs - peer.snapshotProgressNs >= 2 * heartbeatIntervalNs)
        {
            peer.snapshotNextOffset = peer.snapshotAckedOffset;
            peer.snapshotInflight = 0;
            peer.snapshotProgressNs = nowNs;
        }
        final long total = store.length();
        if (peer.snapshotInflight >= config.inflightAppendsMax() ||
            (peer.snapshotNextOffset >= total && (total > 0 || peer.snapshotInflight > 0)))
        {
            return false;
        }
        final long chunkOffset = peer.snapshotNextOffset;
        final int body = MessageHeader.LENGTH;
        outChunk.wrap(chunkBuffer, body);
        final int chunkLength = Math.max(0, store.read(
            chunkOffset, chunkBuffer, outChunk.chunkOffsetInBuffer(), config.snapshotChunkBytes()));
        outChunk
            .snapshotIndex(store.index())
            .snapshotTerm(store.term())
            .totalLength(total)
            .chunkOffset(chunkOffset)
            .checksum(store.checksum())
            .chunkLength(chunkLength);
        final int bodyLength = InstallSnapshot.FIXED_LENGTH + chunkLength;
        outHeader.wrap(chunkBuffer, 0).encode(
            MessageType.INSTALL_SNAPSHOT, 0, clusterId, groupId, memberId, peer.memberId, term, bodyLength);
        if (!transport.send(peer.memberId, chunkBuffer, 0, MessageHeader.LENGTH + bodyLength))
        {
            counters.sendFailures++;
            return false;
        }
        counters.framesSent++;
        peer.snapshotNextOffset = chunkOffset + chunkLength;
        peer.snapshotInflight++;
        return true;
    }

    /**
     * A follower's reply to a chunk.
     *
     * @return {@link #MATCH_ADVANCED} if the follower installed the snapshot and its match index moved up, else 0.
     */
    int onResponse(final Peer peer, final DirectBuffer buffer, final int offset, final long nowNs)
    {
        peer.recentActive = true; // any answer is contact, for CheckQuorum
        snapshotResponse.wrap(buffer, offset);
        if (!peer.snapshotting || snapshotResponse.snapshotIndex() != peer.snapshotIndex)
        {
            return 0;
        }
        final long received = snapshotResponse.received();
        int result = 0;
        switch (snapshotResponse.status())
        {
            case SnapshotResponse.DONE:
                if (peer.snapshotIndex > peer.matchIndex)
                {
                    peer.matchIndex = peer.snapshotIndex;
                    result = MATCH_ADVANCED;
                }
                peer.becomeReplicate(nowNs);
                break;
            case SnapshotResponse.CONTINUE:
                if (received > peer.snapshotAckedOffset && received <= peer.snapshotNextOffset)
                {
                    peer.snapshotAckedOffset = received;
                    peer.snapshotProgressNs = nowNs;
                }
                peer.snapshotInflight = Math.max(0, peer.snapshotInflight - 1);
                break;
            case SnapshotResponse.GAP:
                if (received >= 0 && received <= store.length())
                {
                    peer.snapshotAckedOffset = received;
                    peer.snapshotNextOffset = received;
                    peer.snapshotInflight = 0;
                    peer.snapshotProgressNs = nowNs;
                }
                break;
            case SnapshotResponse.FAILED:
                peer.becomeSnapshot(store.index(), nowNs);
                break;
            default:
                counters.drop(FrameCheck.BAD_FIELD);
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------
    // Follower side
    // ------------------------------------------------------------------------------------------

    /** Checks an inbound INSTALL_SNAPSHOT body and keeps it wrapped. @return a {@link FrameCheck} code. */
    int validate(final DirectBuffer buffer, final int offset, final int bodyLength, final long term)
    {
        if (store == null)
        {
            return FrameCheck.BAD_FIELD;
        }
        return installSnapshot.wrap(buffer, offset).validate(bodyLength, term);
    }

    /** Tells the sender of the wrapped chunk, a leader of an older term, that it failed (it steps down on our term). */
    void refuseStale(final int from, final long term)
    {
        answer(from, installSnapshot.snapshotIndex(), 0, SnapshotResponse.FAILED, term);
    }

    /**
     * Takes the wrapped chunk from the leader of our term.
     *
     * @return {@link #ANSWERED}, {@link #STARTS} or {@link #COMPLETE}.
     */
    int onChunk(final int from, final long commitIndex, final long term)
    {
        final long index = installSnapshot.snapshotIndex();
        final long total = installSnapshot.totalLength();
        if (index <= commitIndex)
        {
            answer(from, index, total, SnapshotResponse.DONE, term); // we already have all it covers
            return ANSWERED;
        }
        if (installIndex != index || installTotal != total || installChecksum != installSnapshot.checksum())
        {
            if (installSnapshot.chunkOffset() != 0)
            {
                answer(from, index, 0, SnapshotResponse.GAP, term);
                return ANSWERED;
            }
            return STARTS;
        }
        return write(from, term);
    }

    /** Starts receiving the wrapped chunk's snapshot (after {@link #onChunk} returned {@link #STARTS}) and takes the chunk. */
    int begin(final int from, final long term)
    {
        final long index = installSnapshot.snapshotIndex();
        store.begin(index, installSnapshot.snapshotTerm());
        installIndex = index;
        installTotal = installSnapshot.totalLength();
        installChecksum = installSnapshot.checksum();
        installReceived = 0;
        return write(from, term);
    }

    private int write(final int from, final long term)
    {
        final long index = installSnapshot.snapshotIndex();
        if (installSnapshot.chunkOffset() != installReceived)
        {
            answer(from, index, installReceived, SnapshotResponse.GAP, term);
            return ANSWERED;
        }
        final int chunkLength = installSnapshot.chunkLength();
        store.write(installSnapshot.buffer(), installSnapshot.chunkOffsetInBuffer(), chunkLength);
        installReceived += chunkLength;
        if (installReceived < installTotal)
        {
            answer(from, index, installReceived, SnapshotResponse.CONTINUE, term);
            return ANSWERED;
        }
        installIndex = 0;
        if (!store.commit(installSnapshot.checksum()))
        {
            answer(from, index, 0, SnapshotResponse.FAILED, term);
            return ANSWERED;
        }
        return COMPLETE;
    }

    /** The snapshot of the wrapped chunk is installed: tell the leader. */
    void answerInstalled(final int from, final long term)
    {
        answer(from, installSnapshot.snapshotIndex(), installSnapshot.totalLength(), SnapshotResponse.DONE, term);
    }

    /** @return true while a snapshot is being received. */
    boolean isReceiving()
    {
        return installIndex != 0;
    }

    /** Discards a snapshot being received, if any. */
    void abandon()
    {
        if (installIndex != 0)
        {
            installIndex = 0;
            store.abort();
        }
    }

    private void answer(final int to, final long index, final long received, final int status, final long term)
    {
        final int offset = outbox.reserve(to, MessageHeader.LENGTH + SnapshotResponse.LENGTH);
        if (offset >= 0)
        {
            final int body = outHeader.wrap(outbox.buffer, offset).encode(
                MessageType.SNAPSHOT_RESPONSE, 0, clusterId, groupId, memberId, to, term, SnapshotResponse.LENGTH);
            snapshotResponse.wrap(outbox.buffer, body).snapshotIndex(index).received(received).status(status);
        }
    }
}
