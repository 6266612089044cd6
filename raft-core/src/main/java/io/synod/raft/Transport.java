package io.synod.raft;

import org.agrona.DirectBuffer;

/**
 * The network port. Frames are fully encoded by the caller (see {@code io.synod.raft.codec}); the
 * transport moves bytes and does not interpret them.
 *
 * <p><b>Threading.</b> {@link #send} and {@link #poll} are called only from the agent's thread.
 * <p><b>Blocking.</b> Never blocks. {@link #send} returns {@code false} under back-pressure or when the
 * peer is not connected; the frame is then lost, which Raft tolerates (it is the same as a drop).
 * <p><b>Exceptions.</b> Never throws into the caller: failures are counted and reported as
 * {@code false}.
 * <p><b>Delivery.</b> Frames may be dropped, duplicated, reordered or delayed; the algorithm is safe
 * under all of these. A frame is delivered whole or not at all.
 */
public interface Transport extends AutoCloseable
{
    /** Receives inbound frames from {@link #poll}. The buffer is valid only during the call. */
    @FunctionalInterface
    interface FrameHandler
    {
        void onFrame(DirectBuffer buffer, int offset, int length);
    }

    /**
     * Sends one encoded frame to a member.
     *
     * @return {@code true} if the frame was handed to the network.
     */
    boolean send(int memberId, DirectBuffer buffer, int offset, int length);

    /**
     * Delivers up to {@code fragmentLimit} inbound frames to the handler.
     *
     * @return the number of frames delivered (work count for the duty cycle).
     */
    int poll(FrameHandler handler, int fragmentLimit);

    /**
     * Sends one encoded frame to a client, over the connection the client opened with
     * {@link io.synod.raft.codec.MessageType#CLIENT_HELLO} (clients are not members: the transport
     * learns where to reply from the hello). Used by services for their replies.
     *
     * @param clientId the client's connection id, as carried by the frames it sent.
     * @return {@code true} if the frame was handed to the network; {@code false} if the client is not
     * connected (never said hello, forgotten, or not reachable yet) or under back-pressure. The default,
     * for transports without clients, always returns {@code false}.
     */
    default boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
    {
        return false;
    }

    /**
     * Sends what this transport held back during the duty cycle ({@link FrameBatcher}); {@link RaftAgent} calls
     * it after its groups' send phase and at the end of each cycle. The default holds nothing back.
     *
     * @return network frames sent.
     */
    default int flush()
    {
        return 0;
    }

    @Override
    default void close()
    {
    }
}
