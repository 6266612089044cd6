package io.synod.raft.testkit;

import io.synod.raft.RaftNode;
import io.synod.raft.StateMachine;

/**
 * What a user's {@link SimulationInvariant} and {@link SimulationLiveness} see of a running
 * {@link Simulation}: the members (ids {@code 1..size()}, spares included), whether each is up, and
 * per member its Raft nodes, the user's state machines and the user's protocol node. Everything a member
 * lost in a crash reads as absent (null, 0) until it restarts.
 *
 * <p>Valid only during the call it is passed to; read it, do not change the cluster through it.
 */
public interface SimulatedCluster
{
    /** @return the run's seed. */
    long seed();

    /** @return members in the run, spares included; ids are {@code 1..size()}. */
    int size();

    /** @return Raft groups per member (0 when only a user protocol runs). */
    int groups();

    /** @return virtual time now. */
    long nowNs();

    /** @return whether the run is in its liveness phase (every fault healed, no new ones). */
    boolean isHealed();

    boolean isAlive(int memberId);

    /** @return starts of the member so far (1 on its first run; each restart adds one). */
    long incarnation(int memberId);

    /** @return the member's node in {@code groupId}, or null while it is down. */
    RaftNode node(int memberId, int groupId);

    /**
     * @param <S> the type the {@link StateMachineFactory} makes (unchecked: asking for another type throws
     *            {@code ClassCastException} at the call site).
     * @return the user's state machine of the member in {@code groupId}, or null while it is down (or when
     * the run has no user state machines).
     */
    <S extends StateMachine> S stateMachine(int memberId, int groupId);

    /**
     * @return the index of the last command the member's state machine in {@code groupId} reflects (applied,
     * or restored from a snapshot); two members at the same applied index must hold the same state. 0 while
     * it is down or before its first command.
     */
    long appliedIndex(int memberId, int groupId);

    /**
     * @param <P> the type the {@link SimulatedProtocol.Factory} makes (unchecked, as for {@link #stateMachine}).
     * @return the member's protocol node, or null while it is down (or when the run has no user protocol).
     */
    <P extends SimulatedProtocol> P protocol(int memberId);
}
