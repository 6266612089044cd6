package io.synod.blackbox;

import io.synod.raft.ReadMode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The black-box checker catches a real anomaly: a run whose reads are known to be unsafe must be reported as failing.
 * The unsafe switch is the client's own {@link ReadMode#STALE} (a member answers from whatever it has applied, no
 * check at all; documented as unsafe and never chosen by default), so no production path changes: every read of the
 * register workload goes to member 3 with STALE, and the nemesis cuts member 3 off from its peers for 6 s while the
 * writes go on through the other two. Member 3 keeps answering reads from its old state, the clients record them, and
 * the linearizability checker must decide ILLEGAL (not UNKNOWN) and print the offending operations, while the run's
 * other checks (nothing acknowledged lost, the members converged after the heal) still pass.
 */
class AnomalyBlackBoxIT
{
    @Test
    void shouldReportStaleReadsFromAMemberCutOffFromItsPeers() throws Exception
    {
        final long seed = Runs.longProperty("synod.blackbox.seed", 8) + 2;
        final List<Nemesis.Fault> schedule = List.of(new Nemesis.Fault(Nemesis.Kind.PARTITION, Nemesis.Target.RANDOM, 3, 2_000, 6_000));
        final BlackBoxRun.Result result = BlackBoxRun.run(new BlackBoxRun.Plan(seed, 10, 0, ReadMode.STALE, RegisterBlackBoxIT.CLIENTS,
            () -> new RegisterWorkload(3), "mvn -B -o verify -pl blackbox -Dit.test=AnomalyBlackBoxIT -Dsynod.blackbox.seed=" + (seed - 2),
            schedule), Runs.runsDir(), Runs.jar());
        System.out.print(result.report());
        assertFalse(result.ok(), "stale reads must fail the run:\n" + result.report());
        final List<Workload.Check> failed = result.checks().stream().filter((c) -> !c.ok()).toList();
        assertTrue(failed.size() == 1 && failed.get(0).name().startsWith("linearizable register") && failed.get(0).name().contains("ILLEGAL"),
            "exactly the linearizability check fails, decided ILLEGAL:\n" + result.report());
        final String detail = failed.get(0).detail();
        assertTrue(detail.contains("Cannot place: client ") && detail.contains(" get("), "names the operations, reads among them:\n" + detail);
        assertTrue(result.faults().containsKey("partition-random"), "member 3 was cut off: " + result.faults());
        // Expected to fail: its members' data need not be kept.
        for (int m = 1; m <= 3; m++)
        {
            Runs.deleteTree(result.dir().resolve("member-" + m));
        }
    }
}
