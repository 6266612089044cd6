package io.synod.blackbox;

import io.synod.raft.ReadMode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default black-box lock run (issue 17), in every {@code mvn verify}: three {@code synod server} processes, four
 * {@code SynodClient} threads contending for two fenced locks and writing to a {@link FencedResource}, one lock client
 * in its own JVM paused (SIGSTOP) past its session TTL while it holds a lock, and the seeded nemesis (one kill, one
 * pause, one partition). A failure prints the seed, the kept run directory and the command that replays it.
 */
class LockBlackBoxIT
{
    static final int CLIENTS = 4;

    /**
     * {@code synod.blackbox.lock.seconds} (20 by default; the run lasts at least as long as the nemesis round) of the
     * lock workload through one nemesis round: every {@link LockChecker} property holds, every lock is granted again
     * after the heal, and the paused client process's late write with its old fence is refused by the fenced resource
     * (and recorded so in the history).
     */
    @Test
    void shouldKeepFencedMutualExclusionThroughKillPausePartitionAndAPausedClientProcess() throws Exception
    {
        final long seed = Runs.longProperty("synod.blackbox.seed", 8);
        final int seconds = (int)Runs.longProperty("synod.blackbox.lock.seconds", 20);
        final LockWorkload workload = new LockWorkload(true);
        final BlackBoxRun.Result result = BlackBoxRun.run(new BlackBoxRun.Plan(seed, seconds, 1, ReadMode.LINEARIZABLE, CLIENTS,
            () -> workload, replay(seed, seconds), null), Runs.runsDir(), Runs.jar());
        System.out.print(result.report());
        assertTrue(result.ok(), result.report());
        assertTrue(result.operations() >= 500, "at least 500 lock operations: " + result.operations() + "\n" + result.report());
        for (final String kind : List.of("kill", "pause", "partition", "pause-client-process"))
        {
            assertTrue(result.faults().keySet().stream().anyMatch((k) -> k.startsWith(kind)), kind + " injected: " + result.faults());
        }
        // The classic hazard, asserted on the recorded history: the woken holder wrote with the fence it was granted,
        // a successor had been granted a higher fence and had written with it, and the resource refused the late write.
        final List<PausedHolder.Hazard> reached = workload.hazards().stream().filter(PausedHolder.Hazard::reached).toList();
        assertFalse(reached.isEmpty(), "a paused holder woke after its successor wrote: " + workload.hazards() + "\n" + result.report());
        for (final PausedHolder.Hazard hazard : reached)
        {
            assertTrue(hazard.pausedMs() > PausedHolder.SESSION_TTL_MS, "paused past the session TTL: " + hazard);
            assertEquals(hazard.fence(), hazard.lateWrite().fence(), "the late write carried the old fence: " + hazard);
            assertEquals(History.Type.FAIL, hazard.lateWrite().type(), "the fenced resource refused the late write: " + hazard);
            assertTrue(hazard.lateWrite().error().startsWith("stale fence " + hazard.fence()), hazard.toString());
        }
    }

    private static String replay(final long seed, final int seconds)
    {
        return "mvn -B -o verify -pl blackbox -Dit.test=LockBlackBoxIT -Dsynod.blackbox.seed=" + seed + " -Dsynod.blackbox.lock.seconds=" + seconds;
    }
}
