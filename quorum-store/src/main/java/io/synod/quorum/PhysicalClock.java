package io.synod.quorum;

/**
 * Wall-clock time for the last-writer-wins mode's hybrid logical clock, injected so that simulations can
 * skew each member's clock. {@link #SYSTEM} reads {@link System#currentTimeMillis()}.
 *
 * <p>Called on the node's agent thread; must not block or allocate.
 */
@FunctionalInterface
public interface PhysicalClock
{
    /** The system's wall clock, in microseconds (millisecond resolution). */
    PhysicalClock SYSTEM = () -> System.currentTimeMillis() * 1000;

    /** @return microseconds since the Unix epoch. */
    long epochMicros();
}
