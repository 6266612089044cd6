package io.synod.quorum;

import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.linearizability.CheckBudget;
import io.synod.raft.testkit.linearizability.CheckResult;
import io.synod.raft.testkit.linearizability.KvModel;
import io.synod.raft.testkit.linearizability.LinearizabilityChecker;
import io.synod.raft.testkit.linearizability.Verdict;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The long sweep, behind {@code -Psoak} (or {@code -Dsynod.quorum.soak.seeds=N}): seeds
 * {@code [1_000_000, 1_000_000 + N)} of both the DVV run the last-writer-wins run (one writer per key, bounded skew) and the ABD run at {@code synod.quorum.soak.steps}
 * safety steps, on every core. Skipped in the default run. Each failure prints its seed and replay line.
 *
 * <pre>mvn -Psoak -pl quorum-store test -Dtest=QuorumSoakTest</pre>
 */
class QuorumSoakTest
{
    private static final long BASE = 1_000_000;

    @Test
    void shouldSurviveTheLongSweep()
    {
        final long seeds = Long.getLong("synod.quorum.soak.seeds", 0);
        final long steps = Long.getLong("synod.quorum.soak.steps", 5_000);
        assumeTrue(seeds > 0, "soak sweep: run with -Psoak");
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong operations = new AtomicLong();
        final long startNs = System.nanoTime();
        LongStream.range(BASE, BASE + seeds).parallel().forEach(seed ->
        {
            try
            {
                final DvvSimulationTest.DvvRun dvv = new DvvSimulationTest.DvvRun(false, seed % 3 == 0, seed % 3 == 1); // sloppy quorums, anti-entropy, or neither
                dvv.simulate(seed, steps);
                acknowledged.addAndGet(dvv.acknowledged.size());
                final LwwSimulationTest.LwwRun lww = new LwwSimulationTest.LwwRun(seed);
                Simulation.builder(seed).steps(steps).protocol(lww::node).invariant(lww).liveness(lww)
                    .replay(QuorumSeeds.replay("LwwSimulationTest")).run();
                final AtomicSimulationTest.AtomicRun abd = new AtomicSimulationTest.AtomicRun(AtomicSimulationTest.keysFor(steps));
                Simulation.builder(seed).steps(steps).protocol(abd::node).invariant(abd).liveness(abd)
                    .replay(QuorumSeeds.replay("AtomicSimulationTest")).run();
                final CheckResult check = LinearizabilityChecker.check(new KvModel<>(), abd.history.history(),
                    new CheckBudget(2_000_000).withMaxDuration(60_000_000_000L));
                operations.addAndGet(abd.history.size());
                if (check.verdict() != Verdict.OK)
                {
                    failures.add("abd seed " + seed + ": " + check.verdict() + "\n  replay: " +
                        QuorumSeeds.replay("AtomicSimulationTest").command(seed, steps) + "\n" + check);
                }
            }
            catch (final RuntimeException | AssertionError ex)
            {
                failures.add(ex.getMessage());
            }
        });
        System.out.println("quorum soak: " + seeds + " seeds x " + steps + " steps, " + acknowledged + " DVV writes acknowledged, " +
            operations + " ABD operations checked, " + failures.size() + " failing, " + (System.nanoTime() - startNs) / 1_000_000_000 + " s");
        failures.stream().limit(5).forEach(System.out::println);
        assertTrue(failures.isEmpty(), failures.size() + " failing seeds; first: " + failures.peek());
    }
}
