package io.synod.raft;

import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.ReadIndexMessage;

/**
 * Linearizable and lease reads (Raft dissertation §6.4). A leader answers a read with its commit index
 * once a quorum has acknowledged a heartbeat round sent after the read arrived (it still led when the
 * read arrived), and only once an entry of its own term has committed (until then it does not know the
 * commit index). A follower asks the leader for that index. Either way the read is served when the
 * state machine has applied up to it. A lease read skips the round while the leader's lease holds.
 *
 * <p>Owns the pending reads, the highest confirmed round and the lease. What it does not own (role,
 * commit index, the current heartbeat round, the term) arrives as arguments; where a read needs a
 * heartbeat round, the method says so in its result and {@link RaftNode} asks the replicator for one.
 */
final class ReadIndex
{
    private final ReadTracker reads;
    private final ReadIndexMessage readIndexMessage = new ReadIndexMessage();
    private final MessageHeader outHeader = new MessageHeader();
    private final RaftConfig config;
    private final Outbox outbox;
    private final ProposalHandler handler;
    private final int clusterId;
    private final int groupId;
    private final int memberId;
    private final long electionTimeoutNs;
    /** Leader: highest heartbeat round a quorum has acknowledged this term. */
    private long confirmedRound;
    /** Leader: lease reads may be served before this time. */
    private long leaseExpiryNs;
    private long nextRemoteReadId;

    ReadIndex(final RaftConfig config, final Outbox outbox, final ProposalHandler handler)
    {
        this.reads = new ReadTracker(config.pendingReadsMax());
        this.config = config;
        this.outbox = outbox;
        this.handler = handler;
        this.clusterId = config.clusterId();
        this.groupId = config.groupId();
        this.memberId = config.memberId();
        this.electionTimeoutNs = config.electionTimeoutNs();
    }

    /** A new term of leadership: nothing is confirmed yet and the lease has expired. */
    void onLeadership(final long nowNs)
    {
        confirmedRound = 0;
        leaseExpiryNs = nowNs;
    }

    /** @return true if reads wait for a round or a leader's answer (they may time out). */
    boolean hasDeadlines()
    {
        return reads.count(ReadTracker.REMOTE) + reads.count(ReadTracker.CONFIRM) > 0;
    }

    /**
     * A host read in {@code mode} (not STALE, which the node serves at once).
     *
     * @param round the leader's current heartbeat round (ignored by a follower).
     * @return true if the read needs a heartbeat round sent now.
     */
    boolean read(
        final long correlationId, final ReadMode mode, final boolean leading, final int leaderId, final long commitIndex,
        final boolean committedInCurrentTerm, final long round, final long term, final long nowNs)
    {
        final int slot = reads.allocate();
        if (slot < 0)
        {
            handler.onReadRejected(groupId, correlationId, ProposalHandler.BACK_PRESSURE, leaderId);
            return false;
        }
        reads.correlationIds[slot] = correlationId;
        reads.origins[slot] = 0;
        if (leading)
        {
            if (mode == ReadMode.LEASE && config.leaseReads())
            {
                // Judged later in the cycle (judgeLeaseReads): nowNs was read before this read arrived, and a
                // pause of the process in between (GC, SIGSTOP) could have let the lease run out.
                reads.move(slot, ReadTracker.LEASE);
                return false;
            }
            awaitConfirmation(slot, round, nowNs);
            return true;
        }
        if (leaderId == 0)
        {
            handler.onReadRejected(groupId, correlationId, ProposalHandler.NOT_LEADER, 0);
            return false;
        }
        // §6.4: a follower asks the leader for the index, then waits to apply it itself.
        reads.rounds[slot] = ++nextRemoteReadId;
        reads.deadlinesNs[slot] = nowNs + electionTimeoutNs;
        reads.move(slot, ReadTracker.REMOTE);
        queueMessage(leaderId, MessageType.READ_INDEX_REQUEST, nextRemoteReadId, 0, ReadIndexMessage.OK, term);
        return false;
    }

    /**
     * Leader, send phase: lease reads taken in this cycle are served at the commit index if the lease holds
     * at {@code nowNs}, a time the agent read after taking them in; the others wait for a heartbeat round.
     *
     * @return true if a read needs a heartbeat round sent now.
     */
    boolean judgeLeaseReads(final long commitIndex, final boolean committedInCurrentTerm, final long round, final long nowNs)
    {
        if (reads.count(ReadTracker.LEASE) == 0)
        {
            return false;
        }
        final boolean leaseHolds = nowNs - leaseExpiryNs < 0 && committedInCurrentTerm;
        for (int slot = 0; slot < reads.capacity() && reads.count(ReadTracker.LEASE) > 0; slot++)
        {
            if (reads.state[slot] == ReadTracker.LEASE)
            {
                if (leaseHolds)
                {
                    reads.readIndexes[slot] = commitIndex;
                    reads.move(slot, ReadTracker.APPLY);
                }
                else
                {
                    awaitConfirmation(slot, round, nowNs);
                }
            }
        }
        return !leaseHolds;
    }

    /** A read registered now needs acknowledgements of a heartbeat round sent after now. */
    private void awaitConfirmation(final int slot, final long round, final long nowNs)
    {
        reads.rounds[slot] = round + 1;
        reads.deadlinesNs[slot] = nowNs + electionTimeoutNs;
        reads.move(slot, ReadTracker.CONFIRM);
    }

    /**
     * A follower asks this member, as leader, for a read index.
     *
     * @return true if the read needs a heartbeat round sent now.
     */
    boolean onRequest(final int from, final long readId, final boolean leading, final long round, final long term, final long nowNs)
    {
        final int slot = leading ? reads.allocate() : -1;
        if (slot < 0)
        {
            queueMessage(from, MessageType.READ_INDEX_RESPONSE, readId, 0, ReadIndexMessage.NOT_LEADER, term);
            return false;
        }
        reads.correlationIds[slot] = readId;
        reads.origins[slot] = from;
        awaitConfirmation(slot, round, nowNs);
        return true;
    }

    /** The leader answered one of this member's read requests. */
    void onResponse(final long readId, final long readIndex, final int status, final int leaderId)
    {
        if (reads.count(ReadTracker.REMOTE) == 0)
        {
            return;
        }
        for (int slot = 0; slot < reads.capacity(); slot++)
        {
            if (reads.state[slot] == ReadTracker.REMOTE && reads.rounds[slot] == readId)
            {
                if (status == ReadIndexMessage.OK && readIndex >= 0)
                {
                    reads.readIndexes[slot] = readIndex;
                    reads.move(slot, ReadTracker.APPLY);
                }
                else
                {
                    reads.move(slot, ReadTracker.FREE);
                    handler.onReadRejected(groupId, reads.correlationIds[slot], ProposalHandler.NOT_LEADER, leaderId);
                }
                return;
            }
        }
    }

    /**
     * Leader: a quorum has acknowledged heartbeat round {@code quorumRound}; reads waiting for it take
     * the commit index now.
     *
     * @param quorumRoundSentNs when {@code quorumRound} was sent, or {@link Long#MIN_VALUE} if too long ago to know.
     */
    void onQuorumRound(
        final long quorumRound, final long quorumRoundSentNs, final long commitIndex, final boolean committedInCurrentTerm,
        final long term)
    {
        if (quorumRound > confirmedRound)
        {
            confirmedRound = quorumRound;
            if (quorumRoundSentNs != Long.MIN_VALUE)
            {
                // Followers that answered round r will not vote for anyone else until an election timeout
                // after they heard it, which was no earlier than when r was sent.
                final long expiry = quorumRoundSentNs + electionTimeoutNs - config.leaseDriftMarginNs();
                if (expiry - leaseExpiryNs > 0)
                {
                    leaseExpiryNs = expiry;
                }
            }
        }
        if (reads.count(ReadTracker.CONFIRM) == 0 || !committedInCurrentTerm)
        {
            return;
        }
        for (int slot = 0; slot < reads.capacity() && reads.count(ReadTracker.CONFIRM) > 0; slot++)
        {
            if (reads.state[slot] == ReadTracker.CONFIRM && reads.rounds[slot] <= confirmedRound)
            {
                final int origin = reads.origins[slot];
                if (origin == 0)
                {
                    reads.readIndexes[slot] = commitIndex;
                    reads.move(slot, ReadTracker.APPLY);
                }
                else
                {
                    reads.move(slot, ReadTracker.FREE);
                    queueMessage(origin, MessageType.READ_INDEX_RESPONSE, reads.correlationIds[slot], commitIndex,
                        ReadIndexMessage.OK, term);
                }
            }
        }
    }

    /** Serves the reads whose index is applied. @return reads served. */
    int serveApplied(final long lastApplied)
    {
        if (reads.count(ReadTracker.APPLY) == 0)
        {
            return 0;
        }
        int served = 0;
        for (int slot = 0; slot < reads.capacity() && reads.count(ReadTracker.APPLY) > 0; slot++)
        {
            if (reads.state[slot] == ReadTracker.APPLY && reads.readIndexes[slot] <= lastApplied)
            {
                reads.move(slot, ReadTracker.FREE);
                handler.onReadReady(groupId, reads.correlationIds[slot], reads.readIndexes[slot]);
                served++;
            }
        }
        return served;
    }

    /** The leader stepped down: reads it had not confirmed (or lease reads not yet judged) are refused (NOT_LEADER). */
    void rejectUnconfirmed(final long term)
    {
        for (int slot = 0; slot < reads.capacity(); slot++)
        {
            if (reads.state[slot] == ReadTracker.CONFIRM || reads.state[slot] == ReadTracker.LEASE)
            {
                reads.move(slot, ReadTracker.FREE);
                final int origin = reads.origins[slot];
                if (origin == 0)
                {
                    handler.onReadRejected(groupId, reads.correlationIds[slot], ProposalHandler.NOT_LEADER, 0);
                }
                else
                {
                    queueMessage(origin, MessageType.READ_INDEX_RESPONSE, reads.correlationIds[slot], 0,
                        ReadIndexMessage.NOT_LEADER, term);
                }
            }
        }
    }

    /** Reads not confirmed within an election timeout (no quorum, lost messages) are rejected with TIMEOUT. */
    void expire(final long nowNs, final int leaderId)
    {
        for (int slot = 0; slot < reads.capacity(); slot++)
        {
            final int state = reads.state[slot];
            if ((state == ReadTracker.REMOTE || state == ReadTracker.CONFIRM) && nowNs - reads.deadlinesNs[slot] >= 0)
            {
                reads.move(slot, ReadTracker.FREE);
                if (reads.origins[slot] == 0)
                {
                    handler.onReadRejected(groupId, reads.correlationIds[slot], ProposalHandler.TIMEOUT, leaderId);
                }
            }
        }
    }

    private void queueMessage(final int to, final int type, final long readId, final long readIndex, final int status, final long term)
    {
        final int offset = outbox.reserve(to, MessageHeader.LENGTH + ReadIndexMessage.LENGTH);
        if (offset >= 0)
        {
            final int body = outHeader.wrap(outbox.buffer, offset).encode(
                type, 0, clusterId, groupId, memberId, to, term, ReadIndexMessage.LENGTH);
            readIndexMessage.wrap(outbox.buffer, body).readId(readId).readIndex(readIndex).status(status);
        }
    }
}
