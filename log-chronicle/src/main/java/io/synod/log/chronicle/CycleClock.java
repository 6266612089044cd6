package io.synod.log.chronicle;

import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The clock Chronicle Queue reads to choose the cycle file for the next document. The log sets the cycle
 * itself, so files roll by size, not by wall-clock time, and cycle numbers are contiguous.
 *
 * <p>Read by the log's thread only (Chronicle reads it inside the appender). Invariant: the cycle never
 * decreases.
 */
final class CycleClock implements TimeProvider
{
    private final long cycleLengthMs;
    private int cycle;

    CycleClock(final long cycleLengthMs)
    {
        this.cycleLengthMs = cycleLengthMs;
    }

    int cycle()
    {
        return cycle;
    }

    void cycle(final int cycle)
    {
        if (cycle < this.cycle)
        {
            throw new IllegalStateException("cycle must not decrease: " + this.cycle + " -> " + cycle);
        }
        this.cycle = cycle;
    }

    @Override
    public long currentTimeMillis()
    {
        return cycle * cycleLengthMs;
    }
}
