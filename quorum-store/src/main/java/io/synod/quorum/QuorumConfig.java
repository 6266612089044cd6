package io.synod.quorum;

import java.util.concurrent.TimeUnit;

/**
 * Configuration of a keyspace's {@link QuorumNode} (and {@link AtomicNode}): what every member of the
 * keyspace must agree on ({@code keyspaceId}, {@code n}, limits, service id) and local sizing. Fluent; the
 * node calls {@link #conclude()}, which validates and fixes the derived sizes.
 */
public final class QuorumConfig
{
    public static final int SERVICE_ID_DEFAULT = 40;
    public static final int N_DEFAULT = 3;
    public static final long REQUEST_TIMEOUT_NS_DEFAULT = TimeUnit.MILLISECONDS.toNanos(200);
    public static final int REQUESTS_MAX_DEFAULT = 128;
    public static final int KEY_LENGTH_MAX_DEFAULT = 256;
    public static final int VALUE_LENGTH_MAX_DEFAULT = 1024;
    public static final int SIBLINGS_MAX_DEFAULT = 16;
    public static final int ENTRIES_MAX_DEFAULT = 16;
    /** Forwarded puts remembered to drop a duplicate delivery (which would otherwise make a second event). */
    public static final int FORWARDS_REMEMBERED_DEFAULT = 4096;

    private int keyspaceId = 1;
    private int serviceId = SERVICE_ID_DEFAULT;
    private int n = N_DEFAULT;
    private int w = Consistency.QUORUM;
    private int r = Consistency.QUORUM;
    private long requestTimeoutNs = REQUEST_TIMEOUT_NS_DEFAULT;
    private int requestsMax = REQUESTS_MAX_DEFAULT;
    private int keyLengthMax = KEY_LENGTH_MAX_DEFAULT;
    private int valueLengthMax = VALUE_LENGTH_MAX_DEFAULT;
    private int siblingsMax = SIBLINGS_MAX_DEFAULT;
    private int entriesMax = ENTRIES_MAX_DEFAULT;
    private int forwardsRemembered = FORWARDS_REMEMBERED_DEFAULT;
    private boolean readRepair = true;
    private boolean hintedHandoff;
    private long hintAfterNs;
    private long hintTtlNs = TimeUnit.HOURS.toNanos(3);
    private long tombstoneGraceNs = TimeUnit.DAYS.toNanos(10);
    private long hintIntervalNs = TimeUnit.MILLISECONDS.toNanos(100);
    private int hintsPerCycleMax = 64;
    private boolean antiEntropy;
    private boolean lastWriterWins;
    private long maxClockOffsetNs = TimeUnit.MILLISECONDS.toNanos(500);
    private long antiEntropyIntervalNs = TimeUnit.SECONDS.toNanos(1);
    private int antiEntropyPushMax = 256;
    private boolean tombstoneCollection = true;
    private long tombstoneSweepNs = TimeUnit.MINUTES.toNanos(1);
    private int tombstoneProbesMax = 1024;
    private boolean concluded;

    /**
     * Checks the settings and fixes them.
     *
     * @throws IllegalArgumentException naming the setting at fault.
     */
    public QuorumConfig conclude()
    {
        if (keyspaceId <= 0 || serviceId <= 0)
        {
            throw new IllegalArgumentException("keyspaceId and serviceId must be positive: " + keyspaceId + ", " + serviceId);
        }
        if (n < 1 || n > 64)
        {
            throw new IllegalArgumentException("n must be in [1, 64]: " + n);
        }
        Consistency.require("w", w, n);
        Consistency.require("r", r, n);
        if (requestTimeoutNs <= 0 || requestsMax < 1 || requestsMax > RequestTable.SLOTS_MAX)
        {
            throw new IllegalArgumentException("requestTimeoutNs must be positive and requestsMax in [1, 65536]: " +
                requestTimeoutNs + ", " + requestsMax);
        }
        if (keyLengthMax < 1 || keyLengthMax > 0xFFFF || valueLengthMax < 0 || siblingsMax < 1 || entriesMax < n ||
            entriesMax > 0xFFFF || siblingsMax > 0xFFFF || forwardsRemembered < 1)
        {
            throw new IllegalArgumentException("keyLengthMax " + keyLengthMax + " (1..65535), valueLengthMax " + valueLengthMax +
                ", siblingsMax " + siblingsMax + ", entriesMax " + entriesMax + " (at least n), forwardsRemembered " + forwardsRemembered);
        }
        if (keyspaceId >= HintedHandoff.HINT_KEYSPACE_BIT)
        {
            throw new IllegalArgumentException("keyspaceId must be below 2^30: " + keyspaceId);
        }
        if (hintAfterNs == 0)
        {
            hintAfterNs = requestTimeoutNs / 2;
        }
        if (hintAfterNs < 0 || hintAfterNs >= requestTimeoutNs || hintIntervalNs <= 0 || hintsPerCycleMax < 1 || hintTtlNs <= 0)
        {
            throw new IllegalArgumentException("hintAfterNs must be in (0, requestTimeoutNs), hintIntervalNs, hintTtlNs and " +
                "hintsPerCycleMax positive: " + hintAfterNs + ", " + hintIntervalNs + ", " + hintTtlNs + ", " + hintsPerCycleMax);
        }
        if (antiEntropyIntervalNs <= 0 || antiEntropyPushMax < 1)
        {
            throw new IllegalArgumentException("antiEntropyIntervalNs and antiEntropyPushMax must be positive: " +
                antiEntropyIntervalNs + ", " + antiEntropyPushMax);
        }
        if (tombstoneSweepNs <= 0 || tombstoneProbesMax < 1)
        {
            throw new IllegalArgumentException("tombstoneSweepNs and tombstoneProbesMax must be positive: " + tombstoneSweepNs +
                ", " + tombstoneProbesMax);
        }
        if (hintTtlNs >= tombstoneGraceNs)
        {
            throw new IllegalArgumentException("hintTtlNs (" + hintTtlNs + ") must be below tombstoneGraceNs (" + tombstoneGraceNs +
                "): a hint delivered after its delete was collected would resurrect the value");
        }
        if ((long)recordLengthMax() + QuorumCodec.FORWARD_KEY_OFFSET + keyLengthMax > Integer.MAX_VALUE / 2)
        {
            throw new IllegalArgumentException("limits too large: a record could be " + (long)recordLengthMax() + " bytes");
        }
        concluded = true;
        return this;
    }

    /** @return the longest record a replica stores for one key (a full {@link DvvSet} encoding). */
    public int recordLengthMax()
    {
        return DvvSet.encodedLengthMax(entriesMax, siblingsMax, valueLengthMax);
    }

    /** @return the longest causal context a read of this keyspace gives (for callers sizing buffers). */
    public int contextLengthMax()
    {
        return DvvSet.contextLengthMax(entriesMax);
    }

    /** @return the longest message the protocol sends. */
    public int messageLengthMax()
    {
        return Math.max(QuorumCodec.KEY_OFFSET + keyLengthMax + recordLengthMax(),
            QuorumCodec.FORWARD_KEY_OFFSET + keyLengthMax + DvvSet.contextLengthMax(entriesMax) + valueLengthMax);
    }

    public int keyspaceId()
    {
        return keyspaceId;
    }

    public QuorumConfig keyspaceId(final int keyspaceId)
    {
        checkOpen();
        this.keyspaceId = keyspaceId;
        return this;
    }

    public int serviceId()
    {
        return serviceId;
    }

    /** The application-message service id the replica protocol uses (the same on every member). */
    public QuorumConfig serviceId(final int serviceId)
    {
        checkOpen();
        this.serviceId = serviceId;
        return this;
    }

    public int n()
    {
        return n;
    }

    /** Replicas per key (fixed per keyspace). */
    public QuorumConfig n(final int n)
    {
        checkOpen();
        this.n = n;
        return this;
    }

    public int w()
    {
        return w;
    }

    /** The default W of requests that give none ({@link Consistency} level or number). */
    public QuorumConfig w(final int w)
    {
        checkOpen();
        this.w = w;
        return this;
    }

    public int r()
    {
        return r;
    }

    /** The default R of requests that give none. */
    public QuorumConfig r(final int r)
    {
        checkOpen();
        this.r = r;
        return this;
    }

    public long requestTimeoutNs()
    {
        return requestTimeoutNs;
    }

    public QuorumConfig requestTimeoutNs(final long requestTimeoutNs)
    {
        checkOpen();
        this.requestTimeoutNs = requestTimeoutNs;
        return this;
    }

    public int requestsMax()
    {
        return requestsMax;
    }

    /** Requests a node coordinates at once; one more is refused with {@link QuorumStatus#BACK_PRESSURE}. */
    public QuorumConfig requestsMax(final int requestsMax)
    {
        checkOpen();
        this.requestsMax = requestsMax;
        return this;
    }

    public int keyLengthMax()
    {
        return keyLengthMax;
    }

    public QuorumConfig keyLengthMax(final int keyLengthMax)
    {
        checkOpen();
        this.keyLengthMax = keyLengthMax;
        return this;
    }

    public int valueLengthMax()
    {
        return valueLengthMax;
    }

    public QuorumConfig valueLengthMax(final int valueLengthMax)
    {
        checkOpen();
        this.valueLengthMax = valueLengthMax;
        return this;
    }

    public int siblingsMax()
    {
        return siblingsMax;
    }

    /** Concurrent values a key may hold; a write that would add one more is refused with {@link QuorumStatus#TOO_MANY_SIBLINGS}. */
    public QuorumConfig siblingsMax(final int siblingsMax)
    {
        checkOpen();
        this.siblingsMax = siblingsMax;
        return this;
    }

    public int entriesMax()
    {
        return entriesMax;
    }

    /** Distinct replicas a key's history may name (at least n; members that ever coordinated a write of the key). */
    public QuorumConfig entriesMax(final int entriesMax)
    {
        checkOpen();
        this.entriesMax = entriesMax;
        return this;
    }

    public int forwardsRemembered()
    {
        return forwardsRemembered;
    }

    public QuorumConfig forwardsRemembered(final int forwardsRemembered)
    {
        checkOpen();
        this.forwardsRemembered = forwardsRemembered;
        return this;
    }

    public boolean readRepair()
    {
        return readRepair;
    }

    /**
     * Blocking read repair (default on): a read that finds contacted replicas stale writes the merged set
     * back to them, and waits for them, before it answers — monotonic quorum reads.
     */
    public QuorumConfig readRepair(final boolean readRepair)
    {
        checkOpen();
        this.readRepair = readRepair;
        return this;
    }

    public boolean hintedHandoff()
    {
        return hintedHandoff;
    }

    /**
     * Sloppy quorums with hinted handoff (opt-in; default off): a write whose preference-list replicas have
     * not all answered {@link #hintAfterNs} after it started is also sent, for each silent replica, to the next
     * member on the ring beyond the preference list, which keeps it as a durable hint and counts toward W;
     * the response then says the quorum was not strict. Fallbacks deliver hints when the owner answers again
     * and drop them after {@link #hintTtlNs}.
     */
    public QuorumConfig hintedHandoff(final boolean hintedHandoff)
    {
        checkOpen();
        this.hintedHandoff = hintedHandoff;
        return this;
    }

    public long hintAfterNs()
    {
        return hintAfterNs;
    }

    /** How long a write waits for its replicas before hinting (default: half the request timeout). */
    public QuorumConfig hintAfterNs(final long hintAfterNs)
    {
        checkOpen();
        this.hintAfterNs = hintAfterNs;
        return this;
    }

    public long hintTtlNs()
    {
        return hintTtlNs;
    }

    /** How long a fallback keeps an undelivered hint (default 3 h); must be below {@link #tombstoneGraceNs}. */
    public QuorumConfig hintTtlNs(final long hintTtlNs)
    {
        checkOpen();
        this.hintTtlNs = hintTtlNs;
        return this;
    }

    public long tombstoneGraceNs()
    {
        return tombstoneGraceNs;
    }

    /** The least time a delete's tombstone is kept after every replica acknowledged it (default 10 days). */
    public QuorumConfig tombstoneGraceNs(final long tombstoneGraceNs)
    {
        checkOpen();
        this.tombstoneGraceNs = tombstoneGraceNs;
        return this;
    }

    public long hintIntervalNs()
    {
        return hintIntervalNs;
    }

    /** How often a fallback tries to deliver its hints (default 100 ms). */
    public QuorumConfig hintIntervalNs(final long hintIntervalNs)
    {
        checkOpen();
        this.hintIntervalNs = hintIntervalNs;
        return this;
    }

    public int hintsPerCycleMax()
    {
        return hintsPerCycleMax;
    }

    /** Hints a fallback sends per delivery round (default 64): bounds the handoff's bandwidth. */
    public QuorumConfig hintsPerCycleMax(final int hintsPerCycleMax)
    {
        checkOpen();
        this.hintsPerCycleMax = hintsPerCycleMax;
        return this;
    }

    public boolean lastWriterWins()
    {
        return lastWriterWins;
    }

    /**
     * Last-writer-wins instead of the atomic mode for an {@link AtomicNode} (opt-in; never the default): a write
     * is one round to {@code w} replicas tagged with a hybrid-logical-clock timestamp (ties broken by writer id,
     * never by value), a read takes the highest tag of {@code r} replicas. <b>It loses acknowledged writes</b>:
     * of concurrent writes to a key only the one with the highest timestamp survives, even at W = R = ALL
     * (Jepsen's Riak and Cassandra findings). Safe only with one writer per key and bounded clock skew.
     */
    public QuorumConfig lastWriterWins(final boolean lastWriterWins)
    {
        checkOpen();
        this.lastWriterWins = lastWriterWins;
        return this;
    }

    public long maxClockOffsetNs()
    {
        return maxClockOffsetNs;
    }

    /**
     * Last-writer-wins: a replica refuses a write stamped further than this ahead of its own clock
     * ({@link QuorumStatus#CLOCK_SKEW}), and a node refuses writes for this long after it starts (so that its
     * timestamps never go below those of its previous run). Default 500 ms.
     */
    public QuorumConfig maxClockOffsetNs(final long maxClockOffsetNs)
    {
        checkOpen();
        this.maxClockOffsetNs = maxClockOffsetNs;
        return this;
    }

    public boolean antiEntropy()
    {
        return antiEntropy;
    }

    /**
     * Active anti-entropy (opt-in; default off until its bandwidth is measured in the bench): tic-tac Merkle
     * trees per pair of replicas, exchanged every {@link #antiEntropyIntervalNs} ({@link AntiEntropy}).
     */
    public QuorumConfig antiEntropy(final boolean antiEntropy)
    {
        checkOpen();
        this.antiEntropy = antiEntropy;
        return this;
    }

    public long antiEntropyIntervalNs()
    {
        return antiEntropyIntervalNs;
    }

    /** How often a member starts an exchange with its next peer (default 1 s). */
    public QuorumConfig antiEntropyIntervalNs(final long antiEntropyIntervalNs)
    {
        checkOpen();
        this.antiEntropyIntervalNs = antiEntropyIntervalNs;
        return this;
    }

    public int antiEntropyPushMax()
    {
        return antiEntropyPushMax;
    }

    /** Keys one exchange pushes at most (default 256): bounds anti-entropy's bandwidth per cycle. */
    public QuorumConfig antiEntropyPushMax(final int antiEntropyPushMax)
    {
        checkOpen();
        this.antiEntropyPushMax = antiEntropyPushMax;
        return this;
    }

    public boolean tombstoneCollection()
    {
        return tombstoneCollection;
    }

    /**
     * Whether deletes' tombstones are collected (default on): {@link TombstoneCollector} removes a key whose
     * record is only tombstones from every replica once {@link #tombstoneGraceNs} has passed since every
     * preference-list replica was seen holding that same record. Off, tombstones stay forever.
     */
    public QuorumConfig tombstoneCollection(final boolean tombstoneCollection)
    {
        checkOpen();
        this.tombstoneCollection = tombstoneCollection;
        return this;
    }

    public long tombstoneSweepNs()
    {
        return tombstoneSweepNs;
    }

    /** How often a member looks over its records for tombstones to confirm or collect (default 1 min). */
    public QuorumConfig tombstoneSweepNs(final long tombstoneSweepNs)
    {
        checkOpen();
        this.tombstoneSweepNs = tombstoneSweepNs;
        return this;
    }

    public int tombstoneProbesMax()
    {
        return tombstoneProbesMax;
    }

    /** Tombstones one sweep asks the other replicas about at most (default 1024): bounds its bandwidth. */
    public QuorumConfig tombstoneProbesMax(final int tombstoneProbesMax)
    {
        checkOpen();
        this.tombstoneProbesMax = tombstoneProbesMax;
        return this;
    }

    private void checkOpen()
    {
        if (concluded)
        {
            throw new IllegalStateException("configuration is concluded");
        }
    }
}
