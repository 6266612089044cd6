package io.synod.raft.testkit;

import io.synod.raft.HardState;
import io.synod.raft.log.InMemoryHardState;

import java.util.random.RandomGenerator;

/**
 * Simulated hard state. {@link #store} is durable on return, as the port requires; a crash can be
 * armed to strike inside the next store, which then either reaches the disk or not (chosen at random)
 * and never returns — so the node never acts on a term or vote that was lost.
 */
public final class CrashableHardState implements HardState
{
    private final InMemoryHardState disk = new InMemoryHardState();
    private boolean crashOnNextStore;
    private RandomGenerator crashRandom;

    public void crashOnNextStore(final RandomGenerator random)
    {
        crashOnNextStore = true;
        crashRandom = random;
    }

    public void disarm()
    {
        crashOnNextStore = false;
    }

    @Override
    public long term()
    {
        return disk.term();
    }

    @Override
    public int votedFor()
    {
        return disk.votedFor();
    }

    @Override
    public void store(final long term, final int votedFor)
    {
        if (crashOnNextStore)
        {
            crashOnNextStore = false;
            if (crashRandom.nextBoolean())
            {
                disk.store(term, votedFor);
            }
            throw new SimulatedCrash("hard state store");
        }
        disk.store(term, votedFor);
    }

    @Override
    public void close()
    {
    }
}
