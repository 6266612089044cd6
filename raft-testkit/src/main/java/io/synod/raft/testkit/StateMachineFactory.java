package io.synod.raft.testkit;

import io.synod.raft.StateMachine;

/**
 * Makes the user's state machine for one member in one Raft group of a {@link Simulation}. Called when
 * the member starts and again on every restart: a restarted member begins empty and is rebuilt from its
 * latest snapshot (through {@link StateMachine#restore}) and its log, as a real restarted process is.
 *
 * <p>Called on the simulation's thread. Return a new instance each time; keep nothing in it that a
 * crash would not lose.
 */
@FunctionalInterface
public interface StateMachineFactory
{
    /**
     * @param memberId the member, from 1.
     * @param groupId  the Raft group, from 0.
     * @return a new, empty state machine.
     */
    StateMachine create(int memberId, int groupId);
}
