package io.synod.raft;

import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.AppendResponse;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.InstallSnapshot;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The leader side of log replication (Raft §5.3): a {@link Peer} for every other member of the
 * configuration in force, pipelined AppendEntries within each follower's window, probing with fast
 * backtracking after a rejection, heartbeat rounds (which also confirm ReadIndex reads, §6.4), and prompt
 * commit notices. The quorum values it answers with — the index a quorum holds, the round a quorum has
 * acknowledged — are what {@link RaftNode} commits by (Figure 8 stays there) and confirms reads by.
 *
 * <p>Owns the peers, this member's own match index, the heartbeat round and deadlines, and the append
 * encoder. Snapshot transfers to a peer are {@link SnapshotTransfer}'s; the node chooses between them.
 */
final class Replicator
{
    /** {@link #onAppendResponse}: the follower's match index moved up (the commit index may advance). */
    static final int MATCH_ADVANCED = 1;
    /** A forwarded session operation's body: session id (i64) and argument (i64), then the command. */
    static final int FORWARD_SESSION_HEADER_LENGTH = 16;

    private final RaftConfig config;
    private final RaftLog log;
    private final Transport transport;
    private final Outbox outbox;
    private final RaftCounters counters;
    private final int clusterId;
    private final int groupId;
    private final int memberId;
    private final long electionTimeoutNs;
    private final long heartbeatIntervalNs;
    private final MessageHeader outHeader = new MessageHeader();
    private final AppendRequest appendRequest = new AppendRequest();
    private final AppendResponse appendResponse = new AppendResponse();
    private final UnsafeBuffer appendBuffer;
    private final RaftLog.EntryReader appendEncoder = this::encodeEntry;

    /** Every other member of the configuration in force, voters and learners. Rebuilt when it changes. */
    private Peer[] peers = new Peer[0];
    private final Int2ObjectHashMap<Peer> peerById = new Int2ObjectHashMap<>();
    /** Scratch for quorum values: one slot per voter. */
    private long[] matchScratch = new long[1];
    /** Leader only: last index known durable in our own log. */
    private long selfMatchIndex;
    /** Leader: heartbeat round counter of this term, and when each of the last 64 rounds was sent. */
    private long round;
    private final long[] roundSentNs = new long[64];
    private long heartbeatDeadlineNs;
    private boolean heartbeatDue;

    // Scratch state of the entry encoder while building one AppendEntries.
    private int encodeOffset;
    private int encodeLimit;
    private int encodeCount;

    Replicator(
        final RaftConfig config, final RaftLog log, final Transport transport, final Outbox outbox, final RaftCounters counters)
    {
        this.config = config;
        this.log = log;
        this.transport = transport;
        this.outbox = outbox;
        this.counters = counters;
        this.clusterId = config.clusterId();
        this.groupId = config.groupId();
        this.memberId = config.memberId();
        this.electionTimeoutNs = config.electionTimeoutNs();
        this.heartbeatIntervalNs = config.heartbeatIntervalNs();
        this.appendBuffer = new UnsafeBuffer(new byte[MessageHeader.LENGTH + InstallSnapshot.FIXED_LENGTH + config.appendBytesMax()]);
    }

    /**
     * Follower: queues the answer to an AppendEntries, sent after this cycle's entries are durable.
     * A failed match carries the conflict hint (§5.3): our term at {@code index} and the first index of
     * that term, or -1 and the index we need next when our log is too short.
     */
    void answerAppend(
        final int to,
        final boolean success,
        final long round,
        final long index,
        final long conflictTerm,
        final long conflictIndex,
        final long term)
    {
        final int offset = outbox.reserve(to, MessageHeader.LENGTH + AppendResponse.LENGTH);
        if (offset >= 0)
        {
            final int body = outHeader.wrap(outbox.buffer, offset).encode(
                MessageType.APPEND_RESPONSE, 0, clusterId, groupId, memberId, to, term, AppendResponse.LENGTH);
            appendResponse.wrap(outbox.buffer, body)
                .success(success)
                .round((int)round)
                .index(index)
                .conflictTerm(conflictTerm)
                .conflictIndex(conflictIndex)
                .lastLogIndex(log.lastIndex());
        }
    }

    /**
     * Follower or learner: queues a command or a client-session operation for the leader (proposal
     * forwarding), sent with this cycle's other frames as {@link MessageType#FORWARD}: the flags carry the
     * entry type (0 for a command), and a session operation's body starts with its session id and argument
     * ({@link #FORWARD_SESSION_HEADER_LENGTH} bytes). @return false if the outbox is full.
     */
    boolean forwardToLeader(
        final int leaderId, final long term, final int entryType, final long sessionId, final long argument,
        final DirectBuffer buffer, final int offset, final int length)
    {
        final boolean session = entryType != EntryType.COMMAND;
        final int bodyLength = (session ? FORWARD_SESSION_HEADER_LENGTH : 0) + length;
        final int frame = outbox.reserve(leaderId, MessageHeader.LENGTH + bodyLength);
        if (frame < 0)
        {
            return false;
        }
        int body = outHeader.wrap(outbox.buffer, frame).encode(
            MessageType.FORWARD, session ? entryType : 0, clusterId, groupId, memberId, leaderId, term, bodyLength);
        if (session)
        {
            outbox.buffer.putLong(body, sessionId, LITTLE_ENDIAN);
            outbox.buffer.putLong(body + 8, argument, LITTLE_ENDIAN);
            body += FORWARD_SESSION_HEADER_LENGTH;
        }
        outbox.buffer.putBytes(body, buffer, offset, length);
        return true;
    }

    /** Keeps a peer for every other member of {@code next}: existing ones keep their progress, new ones probe. */
    void onMembership(final Membership next, final long lastIndex, final long nowNs)
    {
        final int[] voters = next.voters();
        final int[] learners = next.learners();
        final Peer[] nextPeers = new Peer[voters.length + learners.length];
        int count = 0;
        for (int i = 0; i < voters.length + learners.length; i++)
        {
            final int id = i < voters.length ? voters[i] : learners[i - voters.length];
            if (id == memberId)
            {
                continue;
            }
            Peer peer = peerById.get(id);
            if (peer == null)
            {
                peer = new Peer(id, config.inflightAppendsMax());
                peer.resetForLeadership(lastIndex, nowNs);
                peerById.put(id, peer);
            }
            peer.voter = i < voters.length;
            nextPeers[count++] = peer;
        }
        peers = java.util.Arrays.copyOf(nextPeers, count);
        for (final int id : peerById.keySet().stream().mapToInt(Integer::intValue).toArray())
        {
            if (id == memberId || !next.isMember(id))
            {
                peerById.remove(id);
            }
        }
        matchScratch = new long[count + 1];
    }

    Peer[] peers()
    {
        return peers;
    }

    /** @return the peer of another member of the configuration in force, or null. */
    Peer peer(final int memberId)
    {
        return peerById.get(memberId);
    }

    /** A new term of leadership: every follower is probed from our end; a heartbeat round goes out now. */
    void onLeadership(final long lastIndex, final long nowNs)
    {
        for (final Peer peer : peers)
        {
            peer.resetForLeadership(lastIndex, nowNs);
        }
        selfMatchIndex = 0;
        round = 0;
        heartbeatDue = true;
        heartbeatDeadlineNs = nowNs + heartbeatIntervalNs;
    }

    /** @return true if the heartbeat interval elapsed (a round is then due). */
    boolean onHeartbeatTimer(final long nowNs)
    {
        if (nowNs - heartbeatDeadlineNs >= 0)
        {
            heartbeatDue = true;
            heartbeatDeadlineNs = nowNs + heartbeatIntervalNs;
            return true;
        }
        return false;
    }

    /** A read waits for a round: send one in this cycle. */
    void requestHeartbeat()
    {
        heartbeatDue = true;
    }

    boolean isHeartbeatDue()
    {
        return heartbeatDue;
    }

    /** Starts the round that this cycle's heartbeats carry, if one is due. */
    void maybeStartRound(final long nowNs)
    {
        if (heartbeatDue)
        {
            round++;
            roundSentNs[(int)(round & 63)] = nowNs;
        }
    }

    /** This cycle's heartbeats went out. */
    void onHeartbeatsSent()
    {
        heartbeatDue = false;
    }

    long round()
    {
        return round;
    }

    /** @return when {@code round} was sent, or {@link Long#MIN_VALUE} if too long ago to remember. */
    long roundSentNs(final long round)
    {
        return this.round - round < roundSentNs.length ? roundSentNs[(int)(round & 63)] : Long.MIN_VALUE;
    }

    /**
     * Our own log is durable up to {@code lastIndex} (a leader counts itself only for what is durable).
     *
     * @return true if that moved our own match index.
     */
    boolean onPersisted(final long lastIndex)
    {
        if (selfMatchIndex != lastIndex)
        {
            selfMatchIndex = lastIndex;
            return true;
        }
        return false;
    }

    /** @return the highest index durable on a quorum of the voters (our own durable index included if we vote). */
    long quorumMatchIndex(final boolean selfVoter, final int quorum)
    {
        int n = 0;
        if (selfVoter)
        {
            matchScratch[n++] = selfMatchIndex;
        }
        for (final Peer peer : peers)
        {
            if (peer.voter)
            {
                matchScratch[n++] = peer.matchIndex;
            }
        }
        return Quorum.value(matchScratch, n, quorum);
    }

    /** @return the highest heartbeat round a quorum of the voters has acknowledged this term. */
    long quorumAckedRound(final boolean selfVoter, final int quorum)
    {
        int n = 0;
        if (selfVoter)
        {
            matchScratch[n++] = round;
        }
        for (final Peer peer : peers)
        {
            if (peer.voter)
            {
                matchScratch[n++] = peer.ackedRound;
            }
        }
        return Quorum.value(matchScratch, n, quorum);
    }

    /**
     * CheckQuorum: counts the voters heard from since the last call and starts counting again.
     *
     * @return voters heard from, ourselves included if we vote.
     */
    int countRecentlyActive(final boolean selfVoter)
    {
        int active = selfVoter ? 1 : 0;
        for (final Peer peer : peers)
        {
            if (peer.recentActive && peer.voter)
            {
                active++;
            }
            peer.recentActive = false;
        }
        return active;
    }

    /** @return true if the entries {@code peer} needs next are compacted away here (§7: it needs the snapshot). */
    boolean needsSnapshot(final Peer peer)
    {
        return peer.nextIndex - 1 < log.snapshotIndex();
    }

    /**
     * A follower's answer to an AppendEntries (leader only).
     *
     * @return {@link #MATCH_ADVANCED} if the follower's match index moved up (the commit index may advance), else 0.
     */
    int onAppendResponse(final int from, final DirectBuffer buffer, final int body, final long nowNs)
    {
        appendResponse.wrap(buffer, body);
        int result = 0;
        final Peer peer = peerById.get(from);
        peer.recentActive = true;
        final long ackedRound = appendResponse.round() & 0xFFFF_FFFFL;
        if (ackedRound > peer.ackedRound && ackedRound <= round)
        {
            peer.ackedRound = ackedRound;
        }
        if (peer.snapshotting)
        {
            return 0; // a reply to a message sent before the transfer started
        }
        final long index = appendResponse.index();
        if (appendResponse.success())
        {
            if (index > log.lastIndex())
            {
                counters.drop(FrameCheck.BAD_FIELD);
                return 0;
            }
            if (index > peer.matchIndex)
            {
                peer.matchIndex = index;
                peer.lastProgressNs = nowNs;
                result = MATCH_ADVANCED;
            }
            if (peer.replicating)
            {
                peer.freeInflightUpTo(index);
                if (peer.nextIndex <= index)
                {
                    peer.nextIndex = index + 1;
                }
            }
            else if (index >= peer.nextIndex - 1)
            {
                // The probe point matched: switch to pipelining from there.
                peer.becomeReplicate(nowNs);
            }
            else
            {
                peer.probeInFlight = false;
            }
            return result;
        }

        if (index <= peer.matchIndex)
        {
            final long followerLastIndex = appendResponse.lastLogIndex();
            if (followerLastIndex >= peer.matchIndex || followerLastIndex < 0)
            {
                return 0; // stale rejection: the follower has since matched beyond it
            }
            // The follower no longer holds entries it acknowledged (its disk was lost or replaced; or this
            // is a reordered old reply). Lowering matchIndex only delays commits, never undoes one, and a
            // probe from its real end repairs it (by InstallSnapshot if that is compacted here).
            peer.matchIndex = followerLastIndex;
            peer.becomeProbe(followerLastIndex + 1);
            return 0;
        }
        if (index > log.lastIndex())
        {
            counters.drop(FrameCheck.BAD_FIELD); // we never sent a prevLogIndex beyond our log
            return 0;
        }
        // §5.3 fast backtracking with the (conflict term, first index of it) hint.
        final long conflictTerm = appendResponse.conflictTerm();
        long next = appendResponse.conflictIndex();
        if (conflictTerm >= 0)
        {
            final long candidate = LogTerms.lastIndexWithTermAtMost(log, conflictTerm, index);
            if (log.termAt(candidate) == conflictTerm)
            {
                next = candidate + 1;
            }
        }
        next = Math.max(Math.min(next, index), peer.matchIndex + 1);
        peer.becomeProbe(next);
        return 0;
    }

    /** Sends a heartbeat to {@code peer}, first falling back to probing if pipelined messages were lost. @return frames sent. */
    int sendHeartbeat(final Peer peer, final long commitIndex, final long term, final long nowNs)
    {
        if (peer.replicating && peer.inflightCount() > 0 && nowNs - peer.lastProgressNs > electionTimeoutNs / 2)
        {
            // Pipelined messages were lost: fall back to probing from what is known to match.
            peer.becomeProbe(peer.matchIndex + 1);
        }
        if (peer.snapshotting)
        {
            return 0; // the snapshot chunks keep the follower's lease
        }
        // A heartbeat is AppendEntries with no entries at the known match point: it never fails the
        // consistency check, carries the commit index and refreshes the follower's leader lease.
        // (Below the compacted prefix it may fail; the rejection then starts a snapshot transfer.)
        return sendAppend(peer, Math.max(peer.matchIndex, log.snapshotIndex()), 0L, commitIndex, term) ? 1 : 0;
    }

    /**
     * Sends the next AppendEntries the follower's flow control allows.
     *
     * @return true if one was sent and another may follow.
     */
    boolean maybeSendAppend(final Peer peer, final long commitIndex, final long term, final long nowNs)
    {
        final long lastIndex = log.lastIndex();
        if (peer.replicating)
        {
            if (peer.inflightFull() || peer.nextIndex > lastIndex)
            {
                return false;
            }
        }
        else if (peer.probeInFlight && nowNs - peer.probeSentNs < heartbeatIntervalNs)
        {
            return false;
        }
        if (!sendAppend(peer, peer.nextIndex - 1, lastIndex, commitIndex, term))
        {
            return false;
        }
        if (peer.replicating)
        {
            final long sentUpTo = peer.nextIndex - 1 + encodeCount;
            peer.nextIndex = sentUpTo + 1;
            peer.addInflight(sentUpTo);
            return true;
        }
        peer.probeInFlight = true;
        peer.probeSentNs = nowNs;
        return false;
    }

    /**
     * Tells a replicating follower a commit index that nothing sent to it so far carried: an AppendEntries
     * with no entries at its match point, that is, a heartbeat sent early because it has news. Without it
     * an idle follower learns of a commit only with its next heartbeat, up to {@code heartbeatIntervalNs}
     * later, and so does a client waiting on that follower's state machine. Called once per follower per
     * cycle after its other appends, so a commit index that they carried costs nothing more, and several
     * commits in one cycle cost one message.
     *
     * <p>It carries min(commitIndex, matchIndex) (see {@link #sendAppend}): the follower holds that prefix, so
     * however the network reorders the message it is not refused (unless the follower lost its log). A
     * follower that had acknowledged the new entries learns the commit one hop after the leader, a slower
     * one one hop after its acknowledgement arrives. (Sending at {@code nextIndex - 1} would also tell a
     * follower about entries still in flight to it, but a message that overtakes them is refused and sends
     * the follower back to probe; in the simulator, which reorders, fewer proposals were acknowledged that
     * way.) Below the compacted prefix there is no term to send at the match point; heartbeats cover that.
     *
     * <p>Not in probe state (the probe carries the commit index; a second message would be a second probe)
     * nor with a full in-flight window (acknowledgements are due, and the appends they release carry it).
     * It takes no window slot and leaves {@code nextIndex} alone: the window is there to bound the entries in
     * flight to a follower, this message carries none, and counting it would let commit notices crowd out
     * entries under load (etcd's raft does not count empty appends either).
     *
     * @return true if one was sent.
     */
    boolean maybeSendCommit(final Peer peer, final long commitIndex, final long term)
    {
        final long matchIndex = peer.matchIndex;
        if (!peer.replicating || peer.inflightFull() || commitIndex <= peer.commitSent || matchIndex <= peer.commitSent ||
            matchIndex < log.snapshotIndex())
        {
            return false;
        }
        return sendAppend(peer, matchIndex, 0L, commitIndex, term);
    }

    /**
     * Encodes and sends AppendEntries after {@code prevLogIndex} with entries up to {@code upTo}. The commit
     * index it carries is capped at its last entry: that is as far as the follower's log is known to match
     * ours once it accepts the message, and the follower caps it there too (Figure 2, min(leaderCommit,
     * index of last new entry)), so the cap changes nothing it does and {@link Peer#commitSent} records what
     * the follower learns if the message arrives.
     */
    private boolean sendAppend(final Peer peer, final long prevLogIndex, final long upTo, final long commitIndex, final long term)
    {
        final long prevLogTerm = log.termAt(prevLogIndex);
        if (!(prevLogTerm >= 0))
        {
            throw new IllegalStateException("no term for prevLogIndex=" + prevLogIndex + " (snapshot transfer not available)");
        }
        final int body = MessageHeader.LENGTH;
        appendRequest.wrap(appendBuffer, body)
            .prevLogIndex(prevLogIndex)
            .prevLogTerm(prevLogTerm);
        encodeOffset = appendRequest.firstEntryOffset();
        encodeLimit = appendBuffer.capacity();
        encodeCount = 0;
        if (upTo > prevLogIndex)
        {
            log.read(prevLogIndex + 1, Math.min(upTo, prevLogIndex + config.appendEntriesMax()), appendEncoder);
        }
        final long leaderCommit = Math.min(commitIndex, prevLogIndex + encodeCount);
        appendRequest.entryCount(encodeCount).round((int)round).leaderCommit(leaderCommit);
        final int bodyLength = encodeOffset - body;
        outHeader.wrap(appendBuffer, 0).encode(
            MessageType.APPEND_REQUEST, 0, clusterId, groupId, memberId, peer.memberId, term, bodyLength);
        // Counted as told even if the transport refuses the frame: that is a loss, which the next append or
        // heartbeat repairs, and it keeps an unreachable follower from drawing a commit-only try every cycle.
        peer.commitSent = Math.max(peer.commitSent, leaderCommit);
        if (transport.send(peer.memberId, appendBuffer, 0, encodeOffset))
        {
            counters.framesSent++;
            return true;
        }
        counters.sendFailures++;
        return false;
    }

    private boolean encodeEntry(
        final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        if (encodeOffset + AppendRequest.ENTRY_HEADER_LENGTH + length > encodeLimit)
        {
            return false;
        }
        encodeOffset = AppendRequest.putEntry(appendBuffer, encodeOffset, term, type, buffer, offset, length);
        encodeCount++;
        return true;
    }


    @Override
    public String toString()
    {
        return java.util.Arrays.toString(peers);
    }
}
