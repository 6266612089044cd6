package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options of {@link SimulationBuilder} that change one thing and leave the seed's other draws alone. */
class SimulationBuilderTest
{
    @Test
    void shouldForceSnapshotsOnOrOffAndKeepEveryOtherParameterOfTheSeed()
    {
        int drawnOff = 0;
        for (long seed = 1; seed <= 200; seed++)
        {
            final SimulationParameters drawn = Simulation.builder(seed).steps(0).build().parameters();
            final SimulationParameters on = Simulation.builder(seed).steps(0).snapshots(true).build().parameters();
            final SimulationParameters off = Simulation.builder(seed).steps(0).snapshots(false).build().parameters();
            assertTrue(on.snapshots, "seed " + seed);
            assertFalse(off.snapshots, "seed " + seed);
            drawnOff += drawn.snapshots ? 0 : 1;
            assertEquals(withoutSnapshots(drawn), withoutSnapshots(on), "seed " + seed);
            assertEquals(withoutSnapshots(drawn), withoutSnapshots(off), "seed " + seed);
            assertEquals(drawn.snapshotEntriesThreshold, on.snapshotEntriesThreshold, "seed " + seed);
            assertEquals(drawn.snapshotChunkBytes, on.snapshotChunkBytes, "seed " + seed);
            assertEquals(drawn.membershipChanges, off.membershipChanges, "seed " + seed);
            assertEquals(drawn.spares, on.spares, "seed " + seed);
        }
        assertTrue(drawnOff > 20, "some seeds draw snapshots off, so forcing them on changes something: " + drawnOff);
    }

    private static String withoutSnapshots(final SimulationParameters parameters)
    {
        final String text = parameters.toString();
        final int at = text.indexOf(" snapshot");
        return at < 0 ? text : text.substring(0, at);
    }
}
