package io.synod.raft;

import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.VoteRequest;
import io.synod.raft.codec.VoteResponse;
import org.agrona.DirectBuffer;

import java.util.random.RandomGenerator;

/**
 * Leader election (Raft §5.2, §5.4.1; PreVote and CheckQuorum, dissertation §9.6 and §6.2): the
 * randomized election timer, votes counted in a campaign, the vote a member grants, and the leader
 * lease that keeps a member that heard from a leader from being disrupted (§4.2.3).
 *
 * <p>Owns the timers, the seeded random, the votes of a campaign and the vote flyweights. Role changes
 * and the durable term and vote stay with {@link RaftNode}: methods here answer with a decision
 * ({@link #WON}, a grant) that the node acts on.
 */
final class Election
{
    static final int PENDING = 0;
    static final int WON = 1;

    private static final long UNSET = Long.MIN_VALUE;

    private final VoteRequest voteRequest = new VoteRequest();
    private final VoteResponse voteResponse = new VoteResponse();
    private final MessageHeader outHeader = new MessageHeader();
    private final RaftConfig config;
    private final Outbox outbox;
    private final RandomGenerator random;
    private final int clusterId;
    private final int groupId;
    private final int memberId;
    private final long electionTimeoutNs;
    /** Width of the randomised part of the election timeout. */
    private final long electionTimeoutRangeNs;
    private boolean started;
    private long electionDeadlineNs = UNSET;
    private long checkQuorumDeadlineNs;
    /** When a leader of our term last reached us (UNSET: never). */
    private long lastLeaderContactNs = UNSET;
    private int votesGranted;
    /** Voters that answered this campaign (each counts once). */
    private final int[] responded = new int[Membership.MEMBERS_MAX];
    private int respondedCount;

    Election(final RaftConfig config, final Outbox outbox, final RandomGenerator random)
    {
        this.config = config;
        this.outbox = outbox;
        this.random = random;
        this.clusterId = config.clusterId();
        this.groupId = config.groupId();
        this.memberId = config.memberId();
        this.electionTimeoutNs = config.electionTimeoutNs();
        this.electionTimeoutRangeNs = config.electionTimeoutMaxNs() - config.electionTimeoutNs();
    }

    /** The first duty cycle: the election timer starts now. */
    void start(final long nowNs)
    {
        if (!started)
        {
            started = true;
            resetTimer(nowNs);
        }
    }

    /** §5.2: the next election starts after a random timeout in [electionTimeoutNs, electionTimeoutMaxNs). */
    void resetTimer(final long nowNs)
    {
        electionDeadlineNs = nowNs + electionTimeoutNs + random.nextLong(electionTimeoutRangeNs);
    }

    boolean isElectionDue(final long nowNs)
    {
        return nowNs - electionDeadlineNs >= 0;
    }

    /** A leader of our term reached us. */
    void onLeaderContact(final long nowNs)
    {
        lastLeaderContactNs = nowNs;
    }

    /** A new term of leadership: the first CheckQuorum round ends an election timeout from now. */
    void onLeadership(final long nowNs)
    {
        checkQuorumDeadlineNs = nowNs + electionTimeoutNs;
    }

    boolean isCheckQuorumDue(final long nowNs)
    {
        return config.checkQuorum() && nowNs - checkQuorumDeadlineNs >= 0;
    }

    /** A CheckQuorum round ended; the next ends an election timeout from now. */
    void onCheckQuorum(final long nowNs)
    {
        checkQuorumDeadlineNs = nowNs + electionTimeoutNs;
    }

    /**
     * §4.2.3 with CheckQuorum: while we believe a leader is alive (we lead, or heard from the leader
     * within an election timeout), vote requests cannot disrupt it. Not applied without CheckQuorum: a
     * leader that cannot tell it lost its quorum would then hold its followers forever.
     */
    boolean inLeaderLease(final RaftRole role, final int leaderId, final long nowNs)
    {
        if (!config.checkQuorum() || leaderId == 0 || (role != RaftRole.LEADER && lastLeaderContactNs == UNSET))
        {
            return false;
        }
        return role == RaftRole.LEADER || nowNs - lastLeaderContactNs < electionTimeoutNs;
    }

    /**
     * A vote request from a member our configuration does not list is still heard when the candidate's
     * log is at least as up to date as ours (§4.2.1: servers process requests without consulting their
     * configurations). Our configuration may lag behind the one that made the candidate, or us, a voter:
     * a joining member that has received nothing yet may already be a voter in the candidate's
     * configuration, and without its vote no one could be elected. A removed member lags behind the log
     * that removed it, so it is still dropped.
     */
    boolean candidateUpToDate(final DirectBuffer buffer, final int body, final long ourLastIndex, final long ourLastTerm)
    {
        voteRequest.wrap(buffer, body);
        return upToDate(voteRequest.lastLogIndex(), voteRequest.lastLogTerm(), ourLastIndex, ourLastTerm);
    }

    /** §5.4.1: a log is at least as up to date as ours if its last term is higher, or equal with a last index as high. */
    private static boolean upToDate(final long lastLogIndex, final long lastLogTerm, final long ourLastIndex, final long ourLastTerm)
    {
        return lastLogTerm > ourLastTerm || (lastLogTerm == ourLastTerm && lastLogIndex >= ourLastIndex);
    }

    /** Answers a pre-vote: it changes nothing here, it only says whether a real vote would be granted. */
    void onPreVoteRequest(
        final int from, final long term, final DirectBuffer buffer, final int body, final long currentTerm,
        final long ourLastIndex, final long ourLastTerm)
    {
        voteRequest.wrap(buffer, body);
        final boolean grant = term > currentTerm &&
            upToDate(voteRequest.lastLogIndex(), voteRequest.lastLogTerm(), ourLastIndex, ourLastTerm);
        answer(from, grant ? term : currentTerm, true, grant);
    }

    /**
     * Decides a real vote in our current term (a higher term was adopted before). The caller stores a
     * granted vote, then {@link #answer}s.
     */
    boolean grantsVote(
        final int from, final DirectBuffer buffer, final int body, final int votedFor, final int leaderId,
        final long ourLastIndex, final long ourLastTerm)
    {
        voteRequest.wrap(buffer, body);
        final boolean canVote = votedFor == from || (votedFor == HardState.NO_VOTE && leaderId == 0);
        // Votes depend on the candidate's log, not on our configuration, which may lag behind the one that
        // made the candidate (or us) a voter (§4.2.3); senders outside it get here only with an up-to-date log.
        return canVote && upToDate(voteRequest.lastLogIndex(), voteRequest.lastLogTerm(), ourLastIndex, ourLastTerm);
    }

    /** @return whether the wrapped VOTE_RESPONSE grants the vote. */
    boolean granted(final DirectBuffer buffer, final int body)
    {
        return voteResponse.wrap(buffer, body).granted();
    }

    /** A campaign (or pre-campaign) starts: no votes yet. */
    void resetVotes()
    {
        votesGranted = 0;
        respondedCount = 0;
    }

    /**
     * Counts our own vote, if we are a voter.
     *
     * @return {@link #WON} if that alone is a quorum (a single voter), else {@link #PENDING}.
     */
    int voteForSelf(final boolean selfVoter, final int quorum)
    {
        votesGranted = selfVoter ? 1 : 0;
        return votesGranted >= quorum ? WON : PENDING;
    }

    /**
     * A voter's answer in the campaign we run (the caller checked the term and role).
     *
     * @param fromVoter whether the sender is a voter of the configuration in force (other than us).
     * @return {@link #WON} when this vote makes a quorum, else {@link #PENDING}.
     */
    int onVoteResponse(final int from, final boolean fromVoter, final boolean granted, final int quorum)
    {
        if (!fromVoter)
        {
            return PENDING;
        }
        for (int i = 0; i < respondedCount; i++)
        {
            if (responded[i] == from)
            {
                return PENDING;
            }
        }
        responded[respondedCount++] = from;
        return granted && ++votesGranted >= quorum ? WON : PENDING;
    }

    /** Asks every voter among {@code peers} for its vote (or pre-vote) in {@code term}. */
    void requestVotes(
        final Peer[] peers, final long term, final boolean preVote, final boolean transfer, final long lastIndex, final long lastTerm)
    {
        final int flags = (preVote ? MessageHeader.FLAG_PRE_VOTE : 0) | (transfer ? MessageHeader.FLAG_TRANSFER : 0);
        for (final Peer peer : peers)
        {
            if (!peer.voter)
            {
                continue;
            }
            final int offset = outbox.reserve(peer.memberId, MessageHeader.LENGTH + VoteRequest.LENGTH);
            if (offset >= 0)
            {
                final int body = outHeader.wrap(outbox.buffer, offset).encode(
                    MessageType.VOTE_REQUEST, flags, clusterId, groupId, memberId, peer.memberId, term, VoteRequest.LENGTH);
                voteRequest.wrap(outbox.buffer, body).lastLogIndex(lastIndex).lastLogTerm(lastTerm);
            }
        }
    }

    void answer(final int to, final long term, final boolean preVote, final boolean granted)
    {
        final int offset = outbox.reserve(to, MessageHeader.LENGTH + VoteResponse.LENGTH);
        if (offset >= 0)
        {
            final int body = outHeader.wrap(outbox.buffer, offset).encode(
                MessageType.VOTE_RESPONSE, preVote ? MessageHeader.FLAG_PRE_VOTE : 0,
                clusterId, groupId, memberId, to, term, VoteResponse.LENGTH);
            voteResponse.wrap(outbox.buffer, body).granted(granted);
        }
    }
}
