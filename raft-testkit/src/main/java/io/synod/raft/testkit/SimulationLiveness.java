package io.synod.raft.testkit;

/**
 * The user's progress condition for the liveness phase of a {@link Simulation}: after every fault is
 * healed and every member restarted, it must hold within the phase's bound (besides the simulator's own
 * Raft progress: a leader per group, a new command committed, every acknowledged command applied
 * everywhere). Evaluated after every step once the Raft conditions hold; the run passes at the first step
 * where it returns true.
 *
 * <p>Called on the simulation's thread; it must not change the cluster.
 */
@FunctionalInterface
public interface SimulationLiveness
{
    /** @return whether the cluster has made the progress required. */
    boolean isSatisfied(SimulatedCluster cluster);

    /** @return why the condition does not hold yet, for the failure message when the bound passes. */
    default String describe(final SimulatedCluster cluster)
    {
        return "the user's liveness condition did not hold";
    }
}
