package io.synod.raft.testkit;

import org.agrona.concurrent.NanoClock;

/**
 * Simulated time. Only the simulator moves it; everything under test reads it through
 * {@link NanoClock}, so a run is a pure function of its seed.
 */
public final class VirtualClock implements NanoClock
{
    private long nowNs;

    public VirtualClock(final long startNs)
    {
        this.nowNs = startNs;
    }

    @Override
    public long nanoTime()
    {
        return nowNs;
    }

    /** Moves time forward to {@code timeNs}; time never goes back. */
    public void advanceTo(final long timeNs)
    {
        if (timeNs < nowNs)
        {
            throw new IllegalStateException("time went back: " + nowNs + " -> " + timeNs);
        }
        nowNs = timeNs;
    }
}
