package io.synod.quorum;

/**
 * The requests a node coordinates, in {@code requestsMax} pre-sized slots (no allocation per request):
 * who is asked (the key's preference list), who answered, how many must, and until when.
 *
 * <p>A request id is {@code epoch << 32 | generation << 16 | slot}: the epoch makes ids of a restarted node
 * differ from every id of its earlier runs (a late reply to a request of the previous run must not count
 * for a new one — found by the soak sweep), the generation makes a reused slot's ids differ, and the slot
 * finds the request without a map.
 *
 * <p>Not thread-safe: the node's agent thread.
 */
final class RequestTable
{
    static final int FREE = 0;
    static final int SLOTS_MAX = 1 << 16;

    final int requestsMax;
    final int replicasMax;
    /** Invariant: 0 for a free slot; else the request id whose low 16 bits are the slot. */
    final long[] requestIds;
    final int[] kinds;
    final int[] phases;
    final long[] correlationIds;
    final int[] origins;
    final long[] deadlinesNs;
    final int[] needed;
    final int[] acks;
    final int[] fails;
    final int[] lastFailure;
    /** Bit i: preference-list member i answered in this phase. */
    final long[] replied;
    final int[] replicaCounts;
    final int[] replicas;
    final boolean[] overlaps;
    private final long epoch;
    private int generation;
    private int cursor;
    private int active;

    RequestTable(final int requestsMax, final int replicasMax, final long epoch)
    {
        if (requestsMax < 1 || requestsMax > SLOTS_MAX || replicasMax < 1 || replicasMax > 64)
        {
            throw new IllegalArgumentException("requestsMax in [1, " + SLOTS_MAX + "] and replicas in [1, 64]: " + requestsMax + ", " + replicasMax);
        }
        if (epoch <= 0 || epoch > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("epoch out of range: " + epoch);
        }
        this.requestsMax = requestsMax;
        this.replicasMax = replicasMax;
        this.epoch = epoch;
        requestIds = new long[requestsMax];
        kinds = new int[requestsMax];
        phases = new int[requestsMax];
        correlationIds = new long[requestsMax];
        origins = new int[requestsMax];
        deadlinesNs = new long[requestsMax];
        needed = new int[requestsMax];
        acks = new int[requestsMax];
        fails = new int[requestsMax];
        lastFailure = new int[requestsMax];
        replied = new long[requestsMax];
        replicaCounts = new int[requestsMax];
        replicas = new int[requestsMax * replicasMax];
        overlaps = new boolean[requestsMax];
    }

    /** @return a free slot set up for {@code kind}, or -1 when all {@code requestsMax} are in use (back-pressure). */
    int allocate(final int kind, final long correlationId, final long deadlineNs)
    {
        if (active == requestsMax)
        {
            return -1;
        }
        for (int i = 0; i < requestsMax; i++)
        {
            final int slot = (cursor + i) % requestsMax;
            if (requestIds[slot] == FREE)
            {
                cursor = slot + 1;
                generation = (generation + 1) & 0xFFFF;
                requestIds[slot] = epoch << 32 | (long)generation << 16 | slot;
                kinds[slot] = kind;
                phases[slot] = 0;
                correlationIds[slot] = correlationId;
                origins[slot] = 0;
                deadlinesNs[slot] = deadlineNs;
                needed[slot] = 0;
                acks[slot] = 0;
                fails[slot] = 0;
                lastFailure[slot] = 0;
                replied[slot] = 0;
                replicaCounts[slot] = 0;
                overlaps[slot] = false;
                active++;
                return slot;
            }
        }
        throw new IllegalStateException(active + " active of " + requestsMax + " but no free slot");
    }

    /** @return the slot of a live request with this id, or -1 (stale, from another epoch, or forged). */
    int lookup(final long requestId)
    {
        final int slot = (int)(requestId & 0xFFFF);
        return slot < requestsMax && requestIds[slot] == requestId && requestId != FREE ? slot : -1;
    }

    void free(final int slot)
    {
        if (requestIds[slot] == FREE)
        {
            throw new IllegalStateException("slot " + slot + " freed twice");
        }
        requestIds[slot] = FREE;
        active--;
    }

    /** Sets the slot's replicas (the key's preference list). */
    void replicas(final int slot, final int[] list, final int count)
    {
        System.arraycopy(list, 0, replicas, slot * replicasMax, count);
        replicaCounts[slot] = count;
    }

    int replica(final int slot, final int i)
    {
        return replicas[slot * replicasMax + i];
    }

    /** @return the index of {@code member} in the slot's replicas, or -1. */
    int indexOf(final int slot, final int member)
    {
        for (int i = 0; i < replicaCounts[slot]; i++)
        {
            if (replicas[slot * replicasMax + i] == member)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Marks {@code member}'s answer in the current phase.
     *
     * @return its replica index, or -1 if it is not a replica of the request or already answered (a
     * duplicate: the network may deliver a message twice, and one answer must not count twice).
     */
    int markReplied(final int slot, final int member)
    {
        final int i = indexOf(slot, member);
        if (i < 0 || (replied[slot] & (1L << i)) != 0)
        {
            return -1;
        }
        replied[slot] |= 1L << i;
        return i;
    }

    /** Starts a new phase of the request: answers are counted afresh. */
    void nextPhase(final int slot, final int neededAcks)
    {
        phases[slot]++;
        replied[slot] = 0;
        acks[slot] = 0;
        fails[slot] = 0;
        needed[slot] = neededAcks;
    }

    int active()
    {
        return active;
    }
}
