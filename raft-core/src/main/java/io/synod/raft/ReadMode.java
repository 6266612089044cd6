package io.synod.raft;

/**
 * How a read is made consistent. All modes complete through
 * {@link ProposalHandler#onReadReady(int, long, long)} on the agent thread, where the host reads its
 * state machine: at that moment it has applied at least the read index.
 */
public enum ReadMode
{
    /**
     * Linearizable, by ReadIndex (Raft dissertation §6.4): the leader takes its commit index, confirms
     * it still leads with one round of heartbeats acknowledged by a quorum, and the read is served once
     * the state machine has applied that index. A follower asks the leader for the index and serves the
     * read itself. Costs one round trip to a quorum (batched across concurrent reads); no log write.
     */
    LINEARIZABLE,
    /**
     * Linearizable under a clock assumption, opt-in (enable {@code RaftConfig#leaseReads}): a leader that
     * heard from a quorum within the last election timeout (less {@code RaftConfig#leaseDriftMarginNs})
     * serves at its commit index without a round trip. Correct only while clocks on the members run at
     * rates that differ by less than the margin over one election timeout, and only with CheckQuorum on
     * (followers then refuse to vote while they hear from a leader). Falls back to ReadIndex when the
     * lease has lapsed; on a follower it is the same as {@link #LINEARIZABLE}. The lease is judged by a
     * clock reading taken after the read arrived, so a pause of the leader's process (GC, SIGSTOP) before
     * that cannot serve it on a lease that ran out meanwhile.
     */
    LEASE,
    /**
     * Stale: served immediately from whatever this member has applied, with no check at all. May miss
     * writes that were acknowledged to other clients, and a follower cut off from the leader can serve
     * arbitrarily old state. Named so that nobody uses it by accident.
     */
    STALE
}
