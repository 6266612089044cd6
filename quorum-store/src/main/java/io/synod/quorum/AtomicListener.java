package io.synod.quorum;

import org.agrona.DirectBuffer;

/**
 * Outcomes of the requests an {@link AtomicNode} coordinates for its local callers.
 *
 * <p><b>Threading.</b> The node's agent thread; must not block. <b>Allocation.</b> None by the node; the
 * value buffer is valid only during the call.
 */
public interface AtomicListener
{
    /** @param status {@link QuorumStatus#OK} once a majority holds the write durably; {@link QuorumStatus#TIMEOUT}: unknown. */
    void onWriteComplete(long correlationId, int status);

    /**
     * @param status {@link QuorumStatus#OK} with the value, {@link QuorumStatus#NOT_FOUND} (never written, or
     *               deleted), or a failure.
     */
    void onReadComplete(long correlationId, int status, DirectBuffer value, int offset, int length);
}
