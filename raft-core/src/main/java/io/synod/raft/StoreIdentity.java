package io.synod.raft;

/**
 * Implemented by a store ({@link RaftLog}, {@link HardState}, {@link SnapshotStore}) that records which
 * member of which cluster it belongs to, so that whoever wires a node can refuse a store opened for
 * another member before the node starts (a log opened as member 2 under a node built as member 1 would
 * otherwise run silently with another member's votes and entries). Stores that do not know their
 * identity (the in-memory ones) simply do not implement it.
 *
 * <p><b>Threading.</b> Both values are fixed when the store opens; any thread.
 */
public interface StoreIdentity
{
    /** @return the cluster id the store was opened (or created) for. */
    int clusterId();

    /** @return the member id the store was opened (or created) for. */
    int memberId();

    /**
     * Throws if {@code store} records an identity other than ({@code clusterId}, {@code memberId}).
     *
     * @param what  names the store in the message, e.g. {@code "log"}.
     * @param store any store; one that does not implement {@link StoreIdentity} passes.
     * @throws IllegalArgumentException on a mismatch.
     */
    static void check(final String what, final Object store, final int clusterId, final int memberId)
    {
        if (store instanceof StoreIdentity)
        {
            final StoreIdentity identity = (StoreIdentity)store;
            if (identity.clusterId() != clusterId || identity.memberId() != memberId)
            {
                throw new IllegalArgumentException("the " + what + " was opened for clusterId=" + identity.clusterId() +
                    " memberId=" + identity.memberId() + ", but the node is clusterId=" + clusterId + " memberId=" + memberId +
                    ": open it with the node's ids (each member keeps its own directory)");
            }
        }
    }
}
