package io.synod.raft.testkit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/** Development helper: java ... SimSweepMain firstSeed count steps. */
final class SimSweepMain
{
    public static void main(final String[] args)
    {
        final long first = Long.parseLong(args[0]);
        final long count = Long.parseLong(args[1]);
        final long steps = Long.parseLong(args[2]);
        final AtomicLong acked = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        LongStream.range(first, first + count).parallel().forEach(seed ->
        {
            try
            {
                acked.addAndGet(Simulation.run(seed, steps).acknowledged());
            }
            catch (final SimulationFailure failure)
            {
                if (failures.incrementAndGet() <= 3)
                {
                    System.out.println(failure.getMessage());
                    if (failure.getCause() != null)
                    {
                        failure.getCause().printStackTrace(System.out);
                    }
                }
            }
        });
        System.out.println("seeds=" + count + " failures=" + failures + " acked=" + acked);
    }
}
