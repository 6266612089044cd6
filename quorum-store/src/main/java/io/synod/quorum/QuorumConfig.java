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

    private void checkOpen()
    {
        if (concluded)
        {
            throw new IllegalStateException("configuration is concluded");
        }
    }
}
