package io.synod.log.chronicle;

import io.synod.raft.RaftLog;
import io.synod.raft.testkit.CrashableLog;
import io.synod.raft.testkit.ObservedLog;
import io.synod.raft.testkit.SimulatedCrash;
import io.synod.raft.testkit.SimulatedDisk;
import io.synod.raft.testkit.Simulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raft-testkit simulator on real Chronicle Queue logs in temporary directories: the same seeds,
 * faults and invariant checks as the in-memory runs, with every member's log opened, crashed (closed
 * without a flush) and reopened from disk. A smaller seed count than the in-memory property, since each
 * restart reopens a queue; {@code -Dsynod.sim.chronicle.seeds=N} runs more.
 */
class ChronicleSimulationTest
{
    @TempDir
    Path directory;

    @Test
    void shouldHoldRaftInvariantsOnChronicleLogs()
    {
        final long seeds = Long.getLong("synod.sim.chronicle.seeds", 12);
        final long steps = Long.getLong("synod.sim.steps", 2000);
        long stepsRun = 0;
        long acknowledged = 0;
        for (long seed = 0; seed < seeds; seed++)
        {
            final Path seedDirectory = directory.resolve("seed-" + seed);
            final Simulation.Result result = Simulation.run(seed, steps,
                (memberId, observer) -> new ChronicleDisk(seedDirectory.resolve("member-" + memberId), memberId, observer));
            stepsRun += result.steps();
            acknowledged += result.acknowledged();
        }
        System.out.println("chronicle simulation: " + seeds + " seeds, " + stepsRun + " steps, " + acknowledged + " acknowledged");
        assertTrue(acknowledged > 0);
    }

    /** A member's Chronicle log; a crash closes it without flushing and reopens it, as a restarted process would. */
    private static final class ChronicleDisk implements SimulatedDisk
    {
        private static final int CLUSTER_ID = 7;

        private final Path directory;
        private final int memberId;
        private final CrashableLog.AppendObserver observer;
        private ObservedLog log;
        private boolean crashOnFlush;

        ChronicleDisk(final Path directory, final int memberId, final CrashableLog.AppendObserver observer)
        {
            this.directory = directory;
            this.memberId = memberId;
            this.observer = observer;
            open();
        }

        private void open()
        {
            log = new ObservedLog(memberId, ChronicleRaftLog.open(directory, Durability.PAGE_CACHE, CLUSTER_ID, memberId), observer,
                () ->
                {
                    if (crashOnFlush)
                    {
                        crashOnFlush = false;
                        throw new SimulatedCrash("chronicle flush of member " + memberId);
                    }
                });
        }

        @Override
        public RaftLog log()
        {
            return log;
        }

        @Override
        public void crash(final RandomGenerator random)
        {
            crashOnFlush = false;
            log.close();
            open();
        }

        @Override
        public void crashOnNextFlush(final RandomGenerator random)
        {
            crashOnFlush = true;
        }

        @Override
        public void disarm()
        {
            crashOnFlush = false;
        }
    }
}
