package io.synod.quorum;

/**
 * Outcomes of the requests a {@link QuorumNode} coordinates for its local callers.
 *
 * <p><b>Threading.</b> Called on the node's agent thread, from {@code onMessage} or {@code doWork}; must not
 * block. <b>Allocation.</b> None by the node; the set passed is valid only during the call (copy what is kept).
 */
public interface QuorumListener
{
    /**
     * @param status   {@link QuorumStatus#OK} when {@code w} replicas hold the write durably;
     *                 {@link QuorumStatus#TIMEOUT} (outcome unknown) or a refusal otherwise.
     * @param overlaps whether the request's {@code w + r > n}: false means a later read is not guaranteed to see it.
     * @param strict   whether every acknowledgement came from the key's preference list; false when hints on
     *                 fallback members counted toward W (sloppy quorum: a read may not see it until the hints are delivered).
     */
    void onPutComplete(long correlationId, int status, boolean overlaps, boolean strict);

    /**
     * @param status   {@link QuorumStatus#OK} with siblings, {@link QuorumStatus#NOT_FOUND} (no value, or only
     *                 deletes: the set still carries the context), or a failure.
     * @param siblings the merged set of the replicas heard: its values are the siblings (newest first per
     *                 replica), {@link DvvSet#encodeContext} gives the context for the next write. Empty on failure.
     * @param overlaps whether the request's {@code w + r > n}.
     */
    void onGetComplete(long correlationId, int status, DvvSet siblings, boolean overlaps);
}
