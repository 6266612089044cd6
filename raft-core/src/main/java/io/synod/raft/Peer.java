package io.synod.raft;

/**
 * What a leader knows about one follower's log (the {@code nextIndex} / {@code matchIndex} of Raft
 * Figure 2, plus the flow control of pipelined AppendEntries). One instance per other member, created at start-up and reused.
 *
 * <p>Two replication states, as in etcd's {@code Progress}:
 * <ul>
 *   <li><b>probe</b>: where the follower's log matches is unknown; at most one AppendEntries is
 *   outstanding, re-sent after a heartbeat interval, and {@code nextIndex} only moves on a reply.</li>
 *   <li><b>replicate</b>: the follower matched at {@code nextIndex - 1}; AppendEntries are pipelined
 *   optimistically, advancing {@code nextIndex} on send, with at most {@code inflightAppendsMax}
 *   unacknowledged messages. A rejection falls back to probe.</li>
 * </ul>
 */
final class Peer
{
    final int memberId;
    /** A voter counts toward quorums; a learner only receives the log. */
    boolean voter;

    /** Invariant: {@code matchIndex < nextIndex}. */
    long nextIndex;
    /** Highest index known to be durable in the follower's log and equal to ours. Never decreases in a term. */
    long matchIndex;
    boolean replicating;
    boolean probeInFlight;
    long probeSentNs;
    /** Last time a reply moved {@link #matchIndex} or confirmed the probe point. */
    long lastProgressNs;
    /** Any reply heard since the last CheckQuorum round. */
    boolean recentActive;
    /** Highest heartbeat round this follower answered in the current term (ReadIndex confirmation). */
    long ackedRound;
    /**
     * Highest commit index sent to the follower in an AppendEntries (each carries at most its own last
     * index), lowered to {@link #matchIndex} on a fall back to probe. A hint for telling the follower of a
     * commit promptly: a lost message only delays that until the next append or heartbeat.
     */
    long commitSent;

    /** Last index carried by each unacknowledged AppendEntries, oldest first (a ring). */
    private final long[] inflight;
    private int inflightHead;
    private int inflightCount;

    /** Sending a snapshot instead of entries (the entries it needs are compacted away). */
    boolean snapshotting;
    long snapshotIndex;
    /** Next byte of the snapshot stream to send. */
    long snapshotNextOffset;
    /** Bytes the follower confirmed holding. */
    long snapshotAckedOffset;
    int snapshotInflight;
    long snapshotProgressNs;

    Peer(final int memberId, final int inflightAppendsMax)
    {
        this.memberId = memberId;
        this.inflight = new long[inflightAppendsMax];
    }

    void resetForLeadership(final long lastIndex, final long nowNs)
    {
        nextIndex = lastIndex + 1;
        matchIndex = 0;
        recentActive = false;
        ackedRound = 0;
        lastProgressNs = nowNs;
        becomeProbe(nextIndex);
    }

    void becomeSnapshot(final long snapshotIndex, final long nowNs)
    {
        snapshotting = true;
        this.snapshotIndex = snapshotIndex;
        snapshotNextOffset = 0;
        snapshotAckedOffset = 0;
        snapshotInflight = 0;
        snapshotProgressNs = nowNs;
        replicating = false;
        probeInFlight = false;
        inflightHead = 0;
        inflightCount = 0;
    }

    void becomeProbe(final long nextIndex)
    {
        snapshotting = false;
        if (!(nextIndex > matchIndex))
        {
            throw new IllegalStateException("probe nextIndex=" + nextIndex + " not above matchIndex=" + matchIndex);
        }
        this.nextIndex = nextIndex;
        // What was sent past the match point may never have been accepted.
        commitSent = Math.min(commitSent, matchIndex);
        replicating = false;
        probeInFlight = false;
        inflightHead = 0;
        inflightCount = 0;
    }

    void becomeReplicate(final long nowNs)
    {
        snapshotting = false;
        replicating = true;
        probeInFlight = false;
        nextIndex = matchIndex + 1;
        inflightHead = 0;
        inflightCount = 0;
        lastProgressNs = nowNs;
    }

    boolean inflightFull()
    {
        return inflightCount == inflight.length;
    }

    int inflightCount()
    {
        return inflightCount;
    }

    void addInflight(final long lastIndex)
    {
        if (inflightFull())
        {
            throw new IllegalStateException("inflight window full for member " + memberId);
        }
        inflight[(inflightHead + inflightCount) % inflight.length] = lastIndex;
        inflightCount++;
    }

    /** Frees every in-flight message whose entries are all acknowledged by {@code index}. */
    void freeInflightUpTo(final long index)
    {
        while (inflightCount > 0 && inflight[inflightHead] <= index)
        {
            inflightHead = (inflightHead + 1) % inflight.length;
            inflightCount--;
        }
    }

    @Override
    public String toString()
    {
        return memberId + ":" + (snapshotting ? "S@" + snapshotIndex + "/" + snapshotAckedOffset + ".." + snapshotNextOffset + " chunks=" + snapshotInflight +
            " chunkProgress@" + snapshotProgressNs / 1_000_000 + "ms" : replicating ? "R" : "P") + " next=" + nextIndex + " match=" + matchIndex +
            " inflight=" + inflightCount + (probeInFlight ? " probing" : "") + " progress@" + lastProgressNs / 1_000_000 + "ms";
    }
}
