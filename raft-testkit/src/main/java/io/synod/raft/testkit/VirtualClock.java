package io.synod.raft.testkit;

import org.agrona.concurrent.NanoClock;

/**
 * Simulated time. Only the simulator moves it; everything under test reads it through
 * {@link NanoClock}, so a run is a pure function of its seed.
 */
public final class VirtualClock implements NanoClock
{
    private long nowNs;
    private long pauseAfterReadingNs;

    public VirtualClock(final long startNs)
    {
        this.nowNs = startNs;
    }

    @Override
    public long nanoTime()
    {
        final long reading = nowNs;
        if (pauseAfterReadingNs > 0)
        {
            nowNs += pauseAfterReadingNs;
            pauseAfterReadingNs = 0;
        }
        return reading;
    }

    /**
     * Models a process paused right after it read the clock (a GC pause, SIGSTOP): the next reading returns
     * the time as it is, and every reading after it is {@code pauseNs} later.
     */
    public void pauseAfterNextReading(final long pauseNs)
    {
        if (pauseNs < 0)
        {
            throw new IllegalArgumentException("pauseNs < 0: " + pauseNs);
        }
        pauseAfterReadingNs = pauseNs;
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
