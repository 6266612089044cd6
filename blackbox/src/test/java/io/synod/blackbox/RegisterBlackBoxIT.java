package io.synod.blackbox;

import io.synod.raft.ReadMode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default black-box runs (issue 17), in every {@code mvn verify}: three {@code synod server} processes from the
 * coordinator's {@code synod.jar}, five {@code SynodClient} threads on the register workload, and the seeded nemesis.
 * A failure prints the seed, the kept run directory and the command that replays it.
 */
class RegisterBlackBoxIT
{
    static final int CLIENTS = 5;

    /**
     * One run of {@code synod.blackbox.seconds} (32 by default) with one kill, one pause and one partition in a
     * seed-drawn order and shape; linearizable reads. At least 1,000 operations, every check passing.
     */
    @Test
    void shouldStayLinearizableAndLoseNothingThroughKillPauseAndPartition() throws Exception
    {
        final long seed = Runs.longProperty("synod.blackbox.seed", 8);
        final int seconds = (int)Runs.longProperty("synod.blackbox.seconds", 32);
        final BlackBoxRun.Result result = BlackBoxRun.run(new BlackBoxRun.Plan(seed, seconds, 1, ReadMode.LINEARIZABLE, CLIENTS,
            RegisterWorkload::new, "mvn -B -o verify -pl blackbox -Dit.test=RegisterBlackBoxIT#shouldStayLinearizableAndLoseNothingThroughKillPauseAndPartition " +
            "-Dsynod.blackbox.seed=" + seed + " -Dsynod.blackbox.seconds=" + seconds, null), Runs.runsDir(), Runs.jar());
        System.out.print(result.report());
        assertTrue(result.ok(), result.report());
        assertTrue(result.operations() >= 1_000, "at least 1,000 operations: " + result.operations() + "\n" + result.report());
        for (final String kind : List.of("kill", "pause", "partition"))
        {
            assertTrue(result.faults().keySet().stream().anyMatch((k) -> k.startsWith(kind)), kind + " injected: " + result.faults());
        }
    }

    /**
     * LEASE reads while the leader is paused (SIGSTOP) twice for 2.5 s, longer than the election timeout. What this
     * shows: the paused leader serves nothing while stopped; when it wakes, its monotonic clock has moved on, so its
     * lease (shorter than the election timeout) has run out and it does not answer a LEASE read from its own state
     * before hearing from a majority again; the other members elect a leader meanwhile and the history stays
     * linearizable. The assumption it rests on (README, "How correctness is shown"): every member's clock keeps
     * running through a pause and runs at nearly the same rate as the others'. A clock that stopped with the process
     * (or jumped back) would let a woken leader serve a stale read, which this checker would report.
     */
    @Test
    void shouldServeLeaseReadsLinearizablyThroughLeaderPauses() throws Exception
    {
        final long seed = Runs.longProperty("synod.blackbox.seed", 8) + 1;
        final List<Nemesis.Fault> schedule = List.of(
            new Nemesis.Fault(Nemesis.Kind.PAUSE, Nemesis.Target.LEADER, 1, 3_000, 2_500),
            new Nemesis.Fault(Nemesis.Kind.PAUSE, Nemesis.Target.LEADER, 2, 3_000, 2_500));
        final BlackBoxRun.Result result = BlackBoxRun.run(new BlackBoxRun.Plan(seed, 16, 0, ReadMode.LEASE, CLIENTS, RegisterWorkload::new,
            "mvn -B -o verify -pl blackbox -Dit.test=RegisterBlackBoxIT#shouldServeLeaseReadsLinearizablyThroughLeaderPauses " +
            "-Dsynod.blackbox.seed=" + (seed - 1), schedule), Runs.runsDir(), Runs.jar());
        System.out.print(result.report());
        assertTrue(result.ok(), result.report());
    }
}
