package io.synod.raft.testkit;

import java.util.Arrays;

/**
 * Which links of a simulated network are cut, by member slot (member id - 1), one way each. Shared by
 * {@link LoopbackCluster} (which applies cuts at delivery) and {@link Simulation} (which applies them at
 * send). Not thread-safe.
 */
final class SimulatedLinks
{
    private boolean[][] cut;

    SimulatedLinks(final int size)
    {
        this.cut = new boolean[size][size];
    }

    /** @return whether frames from {@code fromSlot} to {@code toSlot} are lost. */
    boolean isCut(final int fromSlot, final int toSlot)
    {
        return cut[fromSlot][toSlot];
    }

    /** Loses every frame from {@code fromSlot} to {@code toSlot}. */
    void cutOneWay(final int fromSlot, final int toSlot)
    {
        cut[fromSlot][toSlot] = true;
    }

    /** Two sides that talk only among themselves: exactly the links between sides are cut. */
    void split(final boolean[] side)
    {
        for (int a = 0; a < cut.length; a++)
        {
            for (int b = 0; b < cut.length; b++)
            {
                cut[a][b] = side[a] != side[b];
            }
        }
    }

    /** As {@link #split}, except that {@code bridge} still talks to both sides. */
    void splitWithBridge(final boolean[] side, final int bridge)
    {
        for (int a = 0; a < cut.length; a++)
        {
            for (int b = 0; b < cut.length; b++)
            {
                cut[a][b] = a != bridge && b != bridge && side[a] != side[b];
            }
        }
    }

    /** Restores every link. */
    void heal()
    {
        for (final boolean[] row : cut)
        {
            Arrays.fill(row, false);
        }
    }

    /** Makes room for {@code size} members; existing cuts stay, new links are up. Allocates. */
    void grow(final int size)
    {
        final boolean[][] grown = new boolean[size][size];
        for (int i = 0; i < cut.length; i++)
        {
            System.arraycopy(cut[i], 0, grown[i], 0, cut.length);
        }
        cut = grown;
    }
}
