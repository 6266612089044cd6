package io.synod.raft.testkit;

/**
 * The user's safety property, checked by a {@link Simulation} after every step of both phases, right
 * after the Raft invariants. It reads the members' state machines and protocol nodes through the
 * {@link SimulatedCluster} and throws (any exception or error, {@code AssertionError} included) to fail
 * the run; the simulator then throws {@link SimulationFailure} with the seed, the replay command and
 * the members' state, the thrown one as its cause.
 *
 * <p>Called on the simulation's thread. It may keep state across calls (what it saw before) but must
 * not change the cluster, and may draw no randomness.
 */
@FunctionalInterface
public interface SimulationInvariant
{
    void check(SimulatedCluster cluster);
}
