package io.synod.lock;

import io.synod.raft.Seeds;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulationBuilder;
import io.synod.raft.testkit.SimulationFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real {@link LockStateMachine} as the replicated state machine of raft-testkit's deterministic
 * simulator ({@link Simulation#builder}): seeded drops, duplicates, delays, partitions and crashes that
 * lose unflushed writes, with snapshots on so that restarts and lagging followers restore from them,
 * under lock-service clients ({@link LockCommandWorkload}); {@link LockReplicasInvariant} is checked
 * after every step. A lock state machine whose snapshots lose a hold is caught, with the seed and the
 * line that replays it.
 *
 * <p>{@code -Dsynod.test.seed=S} runs one seed (the replay line a failure prints); {@code
 * -Dsynod.sim.steps=N} sets the safety steps of each run.
 */
class LockStateMachineSimulationTest
{
    private static final String TEST = "LockStateMachineSimulationTest";
    private static final long STEPS = Long.getLong("synod.sim.steps", 2_000);
    private static final int SEEDS = 50;

    /** {@value #SEEDS} seeds; every run takes snapshots ({@code SimulationBuilder.snapshots(true)}). */
    static LongStream seeds()
    {
        return Seeds.drawn(Long.getLong(LockSimulationTest.LOCK_SEED_OF_SEEDS, 0x10C5_51E0L), SEEDS);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldKeepReplicasIdenticalLocksExclusiveAndFencesIncreasingUnderFaults(final long seed)
    {
        final LockHistory history = new LockHistory();
        final LockCommandWorkload workload = new LockCommandWorkload(history);
        final LockReplicasInvariant invariant = new LockReplicasInvariant(history);

        final Simulation.Result result = simulation(seed, history, workload, invariant, false).run();

        System.out.println("lock store simulation seed=" + seed + " " + workload + " snapshotsInstalled=" +
            result.snapshotsInstalled() + " crashes=" + result.crashes() + " partitions=" + result.partitions());
        // Grants reach the replicas in every run; in a run that spends most of its time without a stable
        // leader the workload may see them only through queued waits, not in a response of its own.
        assertTrue(history.grantEvents > 0, () -> "nothing granted: " + workload);
        assertTrue(workload.opened > 0, () -> "no session opened: " + workload);
        assertEquals(workload.committed, result.acknowledged(), "every acknowledgement reaches the workload");
        assertTrue(invariant.checks() >= result.steps(), () -> "invariant checked " + invariant.checks() + " times");
    }

    @Test
    void shouldCatchALockStateMachineWhoseSnapshotLosesAHold()
    {
        final SimulationFailure caught = firstFailure();
        final long seed = caught.seed();
        System.out.println("caught as planned:\n" + caught.getMessage().lines().limit(3).reduce((a, b) -> a + "\n" + b).orElse(""));
        assertTrue(caught.getMessage().startsWith("SIMULATION FAILED seed=" + seed), caught.getMessage());
        assertTrue(caught.getMessage().contains("replay: " + replayCommand(seed, STEPS)), caught.getMessage());
        assertTrue(caught.getCause() instanceof AssertionError, () -> "the lock invariant fired: " + caught.getCause());

        // Same seed, same failure.
        try
        {
            broken(seed).run();
            fail("seed " + seed + " passed on replay");
        }
        catch (final SimulationFailure replayed)
        {
            assertEquals(caught.getMessage(), replayed.getMessage());
        }
    }

    private static SimulationFailure firstFailure()
    {
        final long[] seeds = seeds().toArray();
        for (final long seed : seeds)
        {
            try
            {
                broken(seed).run();
            }
            catch (final SimulationFailure failure)
            {
                return failure;
            }
        }
        return fail("none of " + seeds.length + " seeds caught a lock state machine whose snapshots lose a hold");
    }

    private static SimulationBuilder broken(final long seed)
    {
        final LockHistory history = new LockHistory();
        return simulation(seed, history, new LockCommandWorkload(history), new LockReplicasInvariant(history), true);
    }

    private static SimulationBuilder simulation(
        final long seed, final LockHistory history, final LockCommandWorkload workload, final LockReplicasInvariant invariant,
        final boolean losesAHoldInSnapshots)
    {
        return Simulation.builder(seed)
            .steps(STEPS)
            .snapshots(true)
            .stateMachines((memberId, groupId) -> new ObservedLockStateMachine(memberId, history, losesAHoldInSnapshots))
            .workload(workload)
            .invariant(invariant)
            .replay(LockStateMachineSimulationTest::replayCommand);
    }

    /** @return the command line that runs only {@code seed} of this test (the {@link Seeds} convention). */
    private static String replayCommand(final long seed, final long steps)
    {
        return "mvn -q -pl lock-service -am test -Dtest=" + TEST + " -Dsurefire.failIfNoSpecifiedTests=false -D" +
            Seeds.SEED_PROPERTY + "=" + seed + " -Dsynod.sim.steps=" + steps;
    }
}
