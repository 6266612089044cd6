package io.synod.raft;

/**
 * The durable part of a node's state that is not in the log: the current term and the vote cast in
 * it (Raft Figure 2, "persistent state on all servers").
 *
 * <p><b>Threading.</b> Called only from the node's thread.
 * <p><b>Durability.</b> {@link #store(long, int)} is durable when it returns: the node sends a
 * message that depends on a term or vote only after storing it. A crash after {@code store} returns
 * never forgets it.
 * <p><b>Failure.</b> A failed store throws an unchecked exception; the node stops.
 */
public interface HardState extends AutoCloseable
{
    /** Member id meaning "no vote cast in this term". Member ids are positive. */
    int NO_VOTE = 0;

    /** @return the last stored term, 0 on a fresh node. */
    long term();

    /** @return the member voted for in {@link #term()}, or {@link #NO_VOTE}. */
    int votedFor();

    /** Stores term and vote together, durably, before returning. */
    void store(long term, int votedFor);

    @Override
    void close();
}
