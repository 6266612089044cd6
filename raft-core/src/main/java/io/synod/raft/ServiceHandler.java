package io.synod.raft;

import org.agrona.DirectBuffer;

/**
 * A service's receiving side on the application-message path: messages that are not Raft (a client
 * protocol, a replica protocol, 2PC messages) arrive here through the same transport, agent and checks
 * as Raft frames. Registered once per service id with {@link RaftAgent#registerService}; answers go out
 * through the {@link ServiceChannel} that registration returns.
 *
 * <p><b>Threading.</b> Called on the agent's thread, during the poll step of a duty cycle (before the
 * groups' timers, persist, send and apply), with the cycle's time. Must not block.
 * <p><b>What arrives.</b> Frames that passed the transport's checks (MAC, length, version) and the
 * agent's (cluster id, addressed to this member, a known service, a sender that is a member or a client
 * that said hello); anything else was dropped and counted by reason ({@link RaftAgent#framesDropped(int)}).
 * The body is the service's own bytes, which the service must validate itself: a malformed body must
 * be dropped (and counted by the service), never thrown about.
 * <p><b>Allocation.</b> The buffer is valid only during the call; copy what is kept.
 */
@FunctionalInterface
public interface ServiceHandler
{
    /**
     * One message for this service.
     *
     * @param nowNs    the duty cycle's time.
     * @param from     the sending member's id, or 0 when a client sent it.
     * @param clientId the client's connection id when {@code from} is 0 (reply with
     *                 {@link ServiceChannel#sendToClient}), else 0.
     * @param flags    the header's flags, the service's to define.
     * @param buffer   holds the body from {@code offset} for {@code length} bytes.
     */
    void onMessage(long nowNs, int from, long clientId, int flags, DirectBuffer buffer, int offset, int length);
}
