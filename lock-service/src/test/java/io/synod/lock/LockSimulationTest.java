package io.synod.lock;

import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LockSimulationTest
{
    /** System property: another seed of seeds for lock-service's seeded tests, to check other cases than the default run's. */
    static final String LOCK_SEED_OF_SEEDS = "synod.lock.seedOfSeeds";

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 7919})
    void shouldKeepMutualExclusionAndFenceOrderUnderFaults(final long seed)
    {
        final LockSimulation simulation = new LockSimulation(seed, 12);
        simulation.run(15_000 * LockSimulation.MS, 5_000 * LockSimulation.MS);
        System.out.println("lock simulation " + simulation.summary());
        assertEquals(0, simulation.validWritesRejected, "a write from a client with a valid lease was rejected as stale");
        assertTrue(simulation.totalGrantEvents > 100, simulation.summary());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void shouldKeepAllChecksWithSnapshotsEnabled(final long seed)
    {
        final LockSimulation simulation = new LockSimulation(seed, 12, config -> config.snapshotEntriesThreshold(50));
        simulation.run(15_000 * LockSimulation.MS, 5_000 * LockSimulation.MS);
        System.out.println("lock simulation with snapshots " + simulation.summary());
        assertEquals(0, simulation.validWritesRejected, "a write from a client with a valid lease was rejected as stale");
        assertTrue(simulation.totalGrantEvents > 100, simulation.summary());
    }

    /**
     * Snapshots every 20 entries and compaction right behind them, and followers cut off for less than a
     * client's lease: a member that was away for a moment catches up by InstallSnapshot, and its homed
     * clients, sessions still valid and requests in flight, reconcile from the restored replica.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 7919, 100, 101, 102})
    void shouldKeepAllChecksWhenHomeReplicasInstallSnapshots(final long seed)
    {
        final LockSimulation simulation = new LockSimulation(seed, 12,
            config -> config.snapshotEntriesThreshold(20).snapshotTrailingEntries(0));
        simulation.briefIsolations = true;
        simulation.run(15_000 * LockSimulation.MS, 5_000 * LockSimulation.MS);
        System.out.println("lock simulation with snapshot installs " + simulation.summary());
        assertEquals(0, simulation.validWritesRejected, "a write from a client with a valid lease was rejected as stale");
        assertTrue(simulation.totalGrantEvents > 100, simulation.summary());
        assertTrue(simulation.restores > 0, "replicas restored from snapshots: " + simulation.summary());
    }

    /** Three seeds drawn from a fixed seed of seeds ({@code -Dsynod.lock.seedOfSeeds=S} draws others). */
    static LongStream anySeeds()
    {
        return Seeds.drawn(Long.getLong(LOCK_SEED_OF_SEEDS, 0x5EED_10C5L), 3);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("anySeeds")
    void shouldHoldLockInvariantsForAnySeed(final long seed)
    {
        try
        {
            final LockSimulation simulation = new LockSimulation(seed, 8);
            simulation.run(5_000 * LockSimulation.MS, 3_000 * LockSimulation.MS);
            assertEquals(0, simulation.validWritesRejected);
        }
        catch (final AssertionError | RuntimeException ex)
        {
            throw new AssertionError(replay("LockSimulationTest#shouldHoldLockInvariantsForAnySeed", seed) + ": " + ex, ex);
        }
    }

    /** @return "seed S" and the command line that runs only that seed of {@code test} ({@code Class#method}). */
    static String replay(final String test, final long seed)
    {
        return "seed " + seed + " (replay: " + ReplaySeed.command(test, seed) + ")";
    }
}
