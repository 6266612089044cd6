package io.synod.raft;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Configuration of one Raft group member, in the Aeron {@code Context} style: fluent setters named
 * after the field, defaults from {@link Configuration}, and {@link #conclude()} to validate.
 *
 * <p>Not thread-safe; build it, conclude it, hand it to one {@link RaftNode}.
 */
public final class RaftConfig
{
    /** Defaults and the system properties that override them. */
    public static final class Configuration
    {
        public static final String ELECTION_TIMEOUT_PROP = "synod.raft.election.timeout.ns";
        public static final long ELECTION_TIMEOUT_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(500);
        /** Upper end (exclusive) of the randomised election timeout; 0 means twice the minimum. */
        public static final String ELECTION_TIMEOUT_MAX_PROP = "synod.raft.election.timeout.max.ns";
        public static final String HEARTBEAT_INTERVAL_PROP = "synod.raft.heartbeat.interval.ns";
        public static final long HEARTBEAT_INTERVAL_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(50);
        public static final int INFLIGHT_APPENDS_MAX_DEFAULT = 8;
        public static final int APPEND_BYTES_MAX_DEFAULT = 64 * 1024;
        public static final int APPEND_ENTRIES_MAX_DEFAULT = 1024;
        public static final int PENDING_PROPOSALS_MAX_DEFAULT = 16 * 1024;
        public static final int APPLY_BATCH_MAX_DEFAULT = 1024;
        public static final int OUTBOX_BYTES_DEFAULT = 64 * 1024;
        public static final long SNAPSHOT_ENTRIES_THRESHOLD_DEFAULT = 100_000;
        public static final long SNAPSHOT_BYTES_THRESHOLD_DEFAULT = 64L * 1024 * 1024;
        public static final int SNAPSHOT_CHUNK_BYTES_DEFAULT = 32 * 1024;
        public static final long SNAPSHOT_TRAILING_ENTRIES_DEFAULT = 256;
        public static final int PENDING_READS_MAX_DEFAULT = 1024;

        private Configuration()
        {
        }
    }

    private int clusterId;
    private int groupId;
    private int memberId;
    private int[] members;
    private long electionTimeoutNs = Long.getLong(Configuration.ELECTION_TIMEOUT_PROP, Configuration.ELECTION_TIMEOUT_DEFAULT_NS);
    private long electionTimeoutMaxNs = Long.getLong(Configuration.ELECTION_TIMEOUT_MAX_PROP, 0);
    private long heartbeatIntervalNs =
        Long.getLong(Configuration.HEARTBEAT_INTERVAL_PROP, Configuration.HEARTBEAT_INTERVAL_DEFAULT_NS);
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private int inflightAppendsMax = Configuration.INFLIGHT_APPENDS_MAX_DEFAULT;
    private int appendBytesMax = Configuration.APPEND_BYTES_MAX_DEFAULT;
    private int appendEntriesMax = Configuration.APPEND_ENTRIES_MAX_DEFAULT;
    private int pendingProposalsMax = Configuration.PENDING_PROPOSALS_MAX_DEFAULT;
    private int applyBatchMax = Configuration.APPLY_BATCH_MAX_DEFAULT;
    private int outboxBytes = Configuration.OUTBOX_BYTES_DEFAULT;
    private long snapshotEntriesThreshold = Configuration.SNAPSHOT_ENTRIES_THRESHOLD_DEFAULT;
    private long snapshotBytesThreshold = Configuration.SNAPSHOT_BYTES_THRESHOLD_DEFAULT;
    private int snapshotChunkBytes = Configuration.SNAPSHOT_CHUNK_BYTES_DEFAULT;
    private long snapshotTrailingEntries = Configuration.SNAPSHOT_TRAILING_ENTRIES_DEFAULT;
    private int pendingReadsMax = Configuration.PENDING_READS_MAX_DEFAULT;
    private long sessionSweepIntervalNs = TimeUnit.MILLISECONDS.toNanos(100);
    private long sessionTickIntervalNs = TimeUnit.MILLISECONDS.toNanos(100);
    private int sessionsMax = 4096;
    private int sessionWindow = 256;
    private boolean joining;
    private long promotionLagMax = 64;
    private boolean leaseReads;
    private long leaseDriftMarginNs = -1;
    private RaftObserver observer = RaftObserver.LOGGING;
    private boolean concluded;

    /**
     * Validates the configuration.
     *
     * @return this.
     * @throws IllegalArgumentException naming the first bad setting.
     */
    public RaftConfig conclude()
    {
        require(memberId > 0, "memberId must be positive: " + memberId);
        if (members == null && joining)
        {
            members = new int[0];
        }
        require(members != null && (members.length > 0 || joining), "members must be set");
        final int[] sorted = members.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++)
        {
            require(sorted[i] > 0, "member ids must be positive: " + Arrays.toString(members));
            require(i == 0 || sorted[i] != sorted[i - 1], "duplicate member id: " + sorted[i]);
        }
        require(joining || Arrays.binarySearch(sorted, memberId) >= 0,
            "memberId " + memberId + " not in members " + Arrays.toString(members));
        require(promotionLagMax >= 0, "promotionLagMax must be >= 0");
        require(heartbeatIntervalNs > 0, "heartbeatIntervalNs must be positive");
        require(electionTimeoutNs >= 2 * heartbeatIntervalNs,
            "electionTimeoutNs (" + electionTimeoutNs + ") must be at least twice heartbeatIntervalNs (" + heartbeatIntervalNs + ")");
        if (electionTimeoutMaxNs == 0)
        {
            electionTimeoutMaxNs = 2 * electionTimeoutNs;
        }
        require(electionTimeoutMaxNs > electionTimeoutNs,
            "electionTimeoutMaxNs (" + electionTimeoutMaxNs + ") must be above electionTimeoutNs (" + electionTimeoutNs + ")");
        require(inflightAppendsMax >= 1, "inflightAppendsMax must be >= 1");
        require(appendEntriesMax >= 1, "appendEntriesMax must be >= 1");
        require(appendBytesMax >= 1024, "appendBytesMax must be >= 1024");
        require(pendingProposalsMax >= 1, "pendingProposalsMax must be >= 1");
        require(applyBatchMax >= 1, "applyBatchMax must be >= 1");
        require(outboxBytes >= 4096, "outboxBytes must be >= 4096");
        require(observer != null, "observer must not be null");
        require(snapshotEntriesThreshold >= 1, "snapshotEntriesThreshold must be >= 1");
        require(snapshotBytesThreshold >= 1, "snapshotBytesThreshold must be >= 1");
        require(snapshotChunkBytes >= 64 && snapshotChunkBytes <= appendBytesMax,
            "snapshotChunkBytes must be in [64, appendBytesMax]: " + snapshotChunkBytes);
        require(snapshotTrailingEntries >= 0, "snapshotTrailingEntries must be >= 0");
        require(pendingReadsMax >= 1, "pendingReadsMax must be >= 1");
        require(sessionSweepIntervalNs > 0, "sessionSweepIntervalNs must be positive");
        require(sessionTickIntervalNs > 0, "sessionTickIntervalNs must be positive");
        require(sessionsMax >= 1, "sessionsMax must be >= 1");
        require(sessionWindow >= 1 && sessionWindow <= SessionTable.MAX_WINDOW,
            "sessionWindow must be in [1, " + SessionTable.MAX_WINDOW + "]: " + sessionWindow);
        if (leaseDriftMarginNs < 0)
        {
            leaseDriftMarginNs = electionTimeoutNs / 10;
        }
        require(leaseDriftMarginNs < electionTimeoutNs, "leaseDriftMarginNs must be below electionTimeoutNs");
        require(!leaseReads || checkQuorum, "leaseReads needs checkQuorum: followers must refuse votes while they hear from a leader");
        concluded = true;
        return this;
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }

    public boolean isConcluded()
    {
        return concluded;
    }

    /** Cluster id carried in every frame; frames from another cluster are dropped. */
    public RaftConfig clusterId(final int clusterId)
    {
        this.clusterId = clusterId;
        return this;
    }

    public int clusterId()
    {
        return clusterId;
    }

    /** Raft group id, for many groups on one transport (multi-raft). */
    public RaftConfig groupId(final int groupId)
    {
        this.groupId = groupId;
        return this;
    }

    public int groupId()
    {
        return groupId;
    }

    /** This member's id: positive and one of {@link #members()}. */
    public RaftConfig memberId(final int memberId)
    {
        this.memberId = memberId;
        return this;
    }

    public int memberId()
    {
        return memberId;
    }

    /** All voting members, this one included. */
    public RaftConfig members(final int... members)
    {
        this.members = members.clone();
        return this;
    }

    public int[] members()
    {
        return members.clone();
    }

    /**
     * The minimum election timeout. A follower waits a random time in
     * {@code [electionTimeoutNs, electionTimeoutMaxNs)} without hearing from a leader before it campaigns.
     * Everything that must hold until <em>any</em> follower could campaign derives from this minimum, not
     * from the range: a leader steps down if it has not heard from a quorum within it (CheckQuorum), a
     * member that heard from a leader within it refuses votes (the leader lease), and a lease read is
     * valid for it less {@link #leaseDriftMarginNs}. Default 500 ms
     * ({@value Configuration#ELECTION_TIMEOUT_PROP}).
     */
    public RaftConfig electionTimeoutNs(final long electionTimeoutNs)
    {
        this.electionTimeoutNs = electionTimeoutNs;
        return this;
    }

    public long electionTimeoutNs()
    {
        return electionTimeoutNs;
    }

    /**
     * The upper end (exclusive) of the randomised election timeout; 0 (the default) means
     * {@code 2 * electionTimeoutNs} ({@value Configuration#ELECTION_TIMEOUT_MAX_PROP}). The trade-off: a wider
     * range makes split votes rarer (the first candidate is more often alone long enough to win) but makes
     * the worst-case failover slower, since a leader's crash is noticed only after the drawn timeout; a
     * range narrower than a round trip to a quorum makes split votes, and repeated campaigns, likely.
     * Must be above {@link #electionTimeoutNs}.
     */
    public RaftConfig electionTimeoutMaxNs(final long electionTimeoutMaxNs)
    {
        this.electionTimeoutMaxNs = electionTimeoutMaxNs;
        return this;
    }

    /** @return the upper end (exclusive) of the randomised election timeout; after {@link #conclude()}, never 0. */
    public long electionTimeoutMaxNs()
    {
        return electionTimeoutMaxNs;
    }

    /** How often a leader sends heartbeats when it has nothing else to send. */
    public RaftConfig heartbeatIntervalNs(final long heartbeatIntervalNs)
    {
        this.heartbeatIntervalNs = heartbeatIntervalNs;
        return this;
    }

    public long heartbeatIntervalNs()
    {
        return heartbeatIntervalNs;
    }

    /** Run a PreVote round before raising the term (default on), so a partitioned node cannot disrupt. */
    public RaftConfig preVote(final boolean preVote)
    {
        this.preVote = preVote;
        return this;
    }

    public boolean preVote()
    {
        return preVote;
    }

    /** A leader steps down when it has not heard from a quorum within an election timeout (default on). */
    public RaftConfig checkQuorum(final boolean checkQuorum)
    {
        this.checkQuorum = checkQuorum;
        return this;
    }

    public boolean checkQuorum()
    {
        return checkQuorum;
    }

    /** Maximum AppendEntries messages in flight to one follower while replicating. */
    public RaftConfig inflightAppendsMax(final int inflightAppendsMax)
    {
        this.inflightAppendsMax = inflightAppendsMax;
        return this;
    }

    public int inflightAppendsMax()
    {
        return inflightAppendsMax;
    }

    /** Maximum bytes of entries (headers included) in one AppendEntries message. */
    public RaftConfig appendBytesMax(final int appendBytesMax)
    {
        this.appendBytesMax = appendBytesMax;
        return this;
    }

    public int appendBytesMax()
    {
        return appendBytesMax;
    }

    /** Maximum entries in one AppendEntries message. */
    public RaftConfig appendEntriesMax(final int appendEntriesMax)
    {
        this.appendEntriesMax = appendEntriesMax;
        return this;
    }

    public int appendEntriesMax()
    {
        return appendEntriesMax;
    }

    /** The largest command a proposal may carry: one entry must fit in one AppendEntries message. */
    public int maxCommandBytes()
    {
        return appendBytesMax - io.synod.raft.codec.AppendRequest.ENTRY_HEADER_LENGTH;
    }

    /** Maximum proposals accepted by a leader and not yet applied; beyond it proposals get BACK_PRESSURE. */
    public RaftConfig pendingProposalsMax(final int pendingProposalsMax)
    {
        this.pendingProposalsMax = pendingProposalsMax;
        return this;
    }

    public int pendingProposalsMax()
    {
        return pendingProposalsMax;
    }

    /** Maximum entries applied in one duty cycle. */
    public RaftConfig applyBatchMax(final int applyBatchMax)
    {
        this.applyBatchMax = applyBatchMax;
        return this;
    }

    public int applyBatchMax()
    {
        return applyBatchMax;
    }

    /** Bytes of small replies buffered until the log is flushed; beyond it replies are dropped (and counted). */
    public RaftConfig outboxBytes(final int outboxBytes)
    {
        this.outboxBytes = outboxBytes;
        return this;
    }

    public int outboxBytes()
    {
        return outboxBytes;
    }

    /**
     * A snapshot is started once this many entries have been applied since the last one (only with a
     * {@link SnapshotStore} and a state machine that takes snapshots).
     */
    public RaftConfig snapshotEntriesThreshold(final long snapshotEntriesThreshold)
    {
        this.snapshotEntriesThreshold = snapshotEntriesThreshold;
        return this;
    }

    public long snapshotEntriesThreshold()
    {
        return snapshotEntriesThreshold;
    }

    /** A snapshot is started once this many command bytes have been applied since the last one. */
    public RaftConfig snapshotBytesThreshold(final long snapshotBytesThreshold)
    {
        this.snapshotBytesThreshold = snapshotBytesThreshold;
        return this;
    }

    public long snapshotBytesThreshold()
    {
        return snapshotBytesThreshold;
    }

    /**
     * Bytes of snapshot stream handled per duty cycle, both when a state machine writes its snapshot and
     * per InstallSnapshot chunk. This bounds how long a snapshot can hold up one duty cycle.
     */
    public RaftConfig snapshotChunkBytes(final int snapshotChunkBytes)
    {
        this.snapshotChunkBytes = snapshotChunkBytes;
        return this;
    }

    public int snapshotChunkBytes()
    {
        return snapshotChunkBytes;
    }

    /**
     * Entries kept in the log behind a snapshot when the prefix is compacted, so that a follower only a
     * little behind catches up by AppendEntries instead of a whole snapshot.
     */
    public RaftConfig snapshotTrailingEntries(final long snapshotTrailingEntries)
    {
        this.snapshotTrailingEntries = snapshotTrailingEntries;
        return this;
    }

    public long snapshotTrailingEntries()
    {
        return snapshotTrailingEntries;
    }

    /** Maximum reads waiting for confirmation or for the state machine; beyond it reads get BACK_PRESSURE. */
    public RaftConfig pendingReadsMax(final int pendingReadsMax)
    {
        this.pendingReadsMax = pendingReadsMax;
        return this;
    }

    public int pendingReadsMax()
    {
        return pendingReadsMax;
    }

    /** Allow {@link ReadMode#LEASE} reads to skip the quorum round trip while the leader's lease holds (off by default). */
    public RaftConfig leaseReads(final boolean leaseReads)
    {
        this.leaseReads = leaseReads;
        return this;
    }

    public boolean leaseReads()
    {
        return leaseReads;
    }

    /**
     * How much shorter than an election timeout a leader's read lease is, to cover clock-rate drift
     * between members (default: a tenth of the election timeout, i.e. rates may differ by up to 10%).
     */
    public RaftConfig leaseDriftMarginNs(final long leaseDriftMarginNs)
    {
        this.leaseDriftMarginNs = leaseDriftMarginNs;
        return this;
    }

    public long leaseDriftMarginNs()
    {
        return leaseDriftMarginNs;
    }

    /**
     * Start as a new member joining a running cluster: the member has no configuration of its own, never
     * campaigns, and waits for the leader (which added it as a learner) to send it the log or a snapshot.
     * {@link #members()} may then be left unset.
     */
    public RaftConfig joining(final boolean joining)
    {
        this.joining = joining;
        return this;
    }

    public boolean joining()
    {
        return joining;
    }

    /** A learner may be promoted to voter only when at most this many entries behind the leader's log. */
    public RaftConfig promotionLagMax(final long promotionLagMax)
    {
        this.promotionLagMax = promotionLagMax;
        return this;
    }

    public long promotionLagMax()
    {
        return promotionLagMax;
    }

    /** How much log time passes between sweeps that expire idle client sessions (default 100 ms). */
    public RaftConfig sessionSweepIntervalNs(final long sessionSweepIntervalNs)
    {
        this.sessionSweepIntervalNs = sessionSweepIntervalNs;
        return this;
    }

    public long sessionSweepIntervalNs()
    {
        return sessionSweepIntervalNs;
    }

    /**
     * How often a leader writes a TICK (its clock) into the log while client sessions exist (default 100 ms),
     * so that an idle cluster still expires the sessions of clients that went away. No TICK is written
     * while there are no sessions.
     */
    public RaftConfig sessionTickIntervalNs(final long sessionTickIntervalNs)
    {
        this.sessionTickIntervalNs = sessionTickIntervalNs;
        return this;
    }

    public long sessionTickIntervalNs()
    {
        return sessionTickIntervalNs;
    }

    /**
     * Client sessions the replicated table holds (default 4096): a leader refuses an OPEN while it holds
     * this many ({@link ProposalHandler#SESSION_LIMIT}); the table can pass it only by the OPENs already in
     * flight when it filled. Each session keeps {@link #sessionWindow} outcomes: size memory by both.
     */
    public RaftConfig sessionsMax(final int sessionsMax)
    {
        this.sessionsMax = sessionsMax;
        return this;
    }

    public int sessionsMax()
    {
        return sessionsMax;
    }

    /**
     * Commands a client may have in flight in one session (default 256): the outcomes of the last this many
     * sequences are kept for retries; an older sequence is refused as {@link ProposalHandler#SESSION_STALE}.
     * Written into each session's OPEN by the leader that opens it, so replicas agree whatever their own
     * configuration says.
     */
    public RaftConfig sessionWindow(final int sessionWindow)
    {
        this.sessionWindow = sessionWindow;
        return this;
    }

    public int sessionWindow()
    {
        return sessionWindow;
    }

    /** Receives role changes; {@link RaftObserver#LOGGING} by default. */
    public RaftConfig observer(final RaftObserver observer)
    {
        this.observer = observer;
        return this;
    }

    public RaftObserver observer()
    {
        return observer;
    }
}
