package io.synod.blackbox;

import io.synod.raft.ReadMode;
import io.synod.transport.aeron.AeronRuntime;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One black-box run: three {@code synod server} processes ({@link DaemonCluster}), a {@link Workload} of concurrent
 * {@code SynodClient}s recording every operation, the seeded {@link Nemesis} meanwhile, then the final phase: heal
 * everything, wait for a leader, read the final state, wait until every member reports the same applied index and
 * state digest ({@code /health}), and check. Writes under its run directory: {@code history.edn},
 * {@code history.log} (Jepsen log lines), {@code summary.json}, and the members' logs {@code member-N.log}; the
 * members' data directories are deleted after a passing run and kept after a failing one.
 */
final class BlackBoxRun
{
    /** Members' lower election timeout (ms); the upper is twice it. Loose enough for a loaded 2-core machine. */
    static final int ELECTION_TIMEOUT_MS = 500;
    /** Members' upper election timeout (ms). */
    static final int ELECTION_TIMEOUT_MAX_MS = 1_000;

    /**
     * What to run.
     *
     * @param seed            drives the nemesis schedule and the clients' choices.
     * @param workloadSeconds how long clients run (the schedule's rounds are fitted into it).
     * @param rounds          nemesis rounds (one kill, one pause, one partition each).
     * @param readMode        how the register workload reads.
     * @param concurrency     client threads.
     * @param workload        makes the workload.
     * @param replay          the command that replays this run (printed on failure).
     * @param schedule        a fixed fault schedule, or null to draw {@code rounds} rounds from the seed.
     */
    record Plan(long seed, int workloadSeconds, int rounds, ReadMode readMode, int concurrency, Supplier<Workload> workload, String replay,
        List<Nemesis.Fault> schedule)
    {
    }

    /**
     * What a run found.
     *
     * @param plan        what ran.
     * @param dir         its run directory.
     * @param ok          every check passed.
     * @param checks      the checks, workload's and the run's own.
     * @param operations  client operations invoked.
     * @param outcomes    ok, fail, info counts.
     * @param histories   independent histories checked (per key).
     * @param faults      faults injected by kind and target.
     * @param elapsedMs   wall time of the whole run.
     * @param report      human-readable report.
     */
    record Result(Plan plan, Path dir, boolean ok, List<Workload.Check> checks, long operations, long[] outcomes, int histories,
        Map<String, Integer> faults, long elapsedMs, String report)
    {
    }

    private BlackBoxRun()
    {
    }

    /**
     * Runs a plan. Never throws for a failed check (the result says); throws only if the harness itself cannot run.
     *
     * @param runsDir parent of the run directory.
     * @param jar     the daemon's jar.
     */
    static Result run(final Plan plan, final Path runsDir, final Path jar) throws Exception
    {
        final long startNs = System.nanoTime();
        final Workload workload = plan.workload().get();
        // seed-S-MODE for the register workload, seed-S-NAME-MODE for the others.
        final Path dir = runsDir.resolve(String.format(Locale.ROOT, "seed-%d-%s%s", plan.seed(),
            "register".equals(workload.name()) ? "" : workload.name() + "-", plan.readMode().name().toLowerCase(Locale.ROOT)));
        Runs.deleteTree(dir);
        Files.createDirectories(dir);
        final History history = new History(startNs);
        final List<Nemesis.Fault> schedule = plan.schedule() != null ? plan.schedule() :
            Nemesis.schedule(plan.seed(), 3, plan.rounds(), ELECTION_TIMEOUT_MAX_MS);
        final List<Workload.Check> checks = new ArrayList<>();
        final int clusterId = 100 + (int)Math.floorMod(plan.seed(), 10_000L);
        Nemesis nemesis = null;
        String failure = null;
        final List<String> finalHealth = new ArrayList<>();
        try (DaemonCluster cluster = new DaemonCluster(dir, jar, 3, clusterId, List.of(
                "--election-timeout-ms", "" + ELECTION_TIMEOUT_MS, "--election-timeout-max-ms", "" + ELECTION_TIMEOUT_MAX_MS,
                "--heartbeat-interval-ms", "50", "--snapshot-entries", "1000"));
             AeronRuntime clientDriver = AeronRuntime.embedded(dir,
                 new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1))))
        {
            try
            {
                for (int m = 1; m <= cluster.size(); m++)
                {
                    cluster.start(m);
                }
                if (cluster.awaitLeader(120_000) == 0)
                {
                    throw new IllegalStateException("no leader within 120 s of start; member logs in " + dir);
                }
                final RunContext context = new RunContext(clusterId, cluster.members(), clientDriver.aeronDirectoryName(), history, plan.seed(),
                    plan.readMode(), plan.concurrency(), dir);
                nemesis = new Nemesis(cluster, history);
                workload.start(context);
                final long workloadEndNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(plan.workloadSeconds());
                try
                {
                    nemesis.run(schedule);
                }
                catch (final IllegalStateException ex)
                {
                    failure = "nemesis: " + ex.getMessage();
                }
                final long leftNs = workloadEndNs - System.nanoTime();
                if (leftNs > 0)
                {
                    TimeUnit.NANOSECONDS.sleep(leftNs);
                }
                workload.stop();

                // Final phase: heal everything, a leader, the final reads, the same state everywhere.
                nemesis.healAll();
                history.append(-1, History.Type.INFO, "heal", ":all", null);
                final int leader = cluster.awaitLeader(120_000);
                if (leader == 0)
                {
                    failure = (failure == null ? "" : failure + "; ") + "no leader within 120 s after healing everything";
                }
                else
                {
                    workload.finalReads(context);
                    checks.add(converged(cluster, finalHealth));
                }
            }
            finally
            {
                // Clients before the driver they share, the driver before the members.
                workload.stop();
                workload.close();
            }
        }
        catch (final Exception ex)
        {
            failure = (failure == null ? "" : failure + "; ") + "harness: " + ex;
        }
        if (failure != null)
        {
            checks.add(new Workload.Check("run completed", false, failure));
        }
        else
        {
            checks.add(new Workload.Check("run completed", true, "every fault healed, leader after each"));
        }
        checks.addAll(0, workload.check());
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        final boolean ok = checks.stream().allMatch(Workload.Check::ok);
        history.writeEdn(dir.resolve("history.edn"));
        history.writeLog(dir.resolve("history.log"));
        final Map<String, Integer> faults = new java.util.TreeMap<>(nemesis == null ? Map.of() : nemesis.injected());
        workload.faults().forEach((kind, count) -> faults.merge(kind, count, Integer::sum));
        final String report = report(plan, dir, ok, checks, workload, faults, schedule, nemesis == null ? List.of() : nemesis.log(),
            finalHealth, elapsedMs);
        Files.writeString(dir.resolve("summary.json"), summaryJson(plan, ok, checks, workload, faults, elapsedMs));
        Files.writeString(dir.resolve("report.txt"), report);
        if (ok)
        {
            for (int m = 1; m <= 3; m++)
            {
                Runs.deleteTree(dir.resolve("member-" + m));
            }
        }
        return new Result(plan, dir, ok, checks, workload.operations(), workload.outcomes(), workload.histories(), faults,
            elapsedMs, report);
    }

    /** Waits (up to 60 s) until every member reports the same applied index and digest, with the digest taken at it. */
    private static Workload.Check converged(final DaemonCluster cluster, final List<String> finalHealth) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<DaemonCluster.Health> last = List.of();
        while (System.nanoTime() < deadline)
        {
            final List<DaemonCluster.Health> all = new ArrayList<>();
            for (int m = 1; m <= cluster.size(); m++)
            {
                all.add(cluster.health(m));
            }
            last = all;
            if (all.stream().allMatch((h) -> h != null && h.appliedIndex() == all.get(0).appliedIndex() &&
                h.digestAppliedIndex() == h.appliedIndex() && h.digest().equals(all.get(0).digest()) && h.keys() == all.get(0).keys()))
            {
                all.forEach((h) -> finalHealth.add(h.toString()));
                return new Workload.Check("every member at the same applied index and state digest", true,
                    "applied index " + all.get(0).appliedIndex() + ", digest " + all.get(0).digest() + ", keys " + all.get(0).keys());
            }
            Thread.sleep(200);
        }
        last.forEach((h) -> finalHealth.add(String.valueOf(h)));
        return new Workload.Check("every member at the same applied index and state digest", false, "not within 60 s: " + last);
    }

    private static String report(
        final Plan plan, final Path dir, final boolean ok, final List<Workload.Check> checks, final Workload workload,
        final Map<String, Integer> faults, final List<Nemesis.Fault> schedule, final List<String> nemesisLog, final List<String> health,
        final long elapsedMs)
    {
        final long[] outcomes = workload.outcomes();
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "black-box run seed %d (%s workload, %s reads, %d clients, %d s): %s in %.1f s%n",
            plan.seed(), workload.name(), plan.readMode(), plan.concurrency(), plan.workloadSeconds(), ok ? "PASSED" : "FAILED",
            elapsedMs / 1e3));
        out.append(String.format(Locale.ROOT, "  operations %d: ok %d, fail %d, info %d%n", workload.operations(), outcomes[0], outcomes[1],
            outcomes[2]));
        out.append("  partitions made by: ").append(Nemesis.PARTITION_MECHANISM).append('\n');
        out.append("  faults injected: ").append(faults).append('\n');
        out.append("  schedule (from the seed): ").append(schedule).append('\n');
        nemesisLog.forEach((line) -> out.append("    ").append(line).append('\n'));
        health.forEach((line) -> out.append("  final ").append(line).append('\n'));
        for (final Workload.Check check : checks)
        {
            out.append("  ").append(check.ok() ? "ok   " : "FAIL ").append(check.name()).append('\n');
            if (!check.ok() || check.detail().length() < 1_500)
            {
                out.append("       ").append(check.detail().replace("\n", "\n       ")).append('\n');
            }
        }
        out.append("  history: ").append(dir.resolve("history.edn")).append(" and history.log; summary.json; member logs member-N.log\n");
        if (!ok)
        {
            out.append("  FAILED with seed ").append(plan.seed()).append(": the members' logs, data directories and the history are kept in ")
                .append(dir).append('\n');
            out.append("  replay the same fault schedule and client choices: ").append(plan.replay()).append('\n');
        }
        return out.toString();
    }

    private static String summaryJson(
        final Plan plan, final boolean ok, final List<Workload.Check> checks, final Workload workload, final Map<String, Integer> faults,
        final long elapsedMs)
    {
        final long[] outcomes = workload.outcomes();
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("seed", plan.seed());
        json.put("workload", workload.name());
        json.put("readMode", plan.readMode().name());
        json.put("clients", plan.concurrency());
        json.put("ok", ok);
        json.put("operations", workload.operations());
        json.put("outcomes", Map.of("ok", outcomes[0], "fail", outcomes[1], "info", outcomes[2]));
        json.put("histories", workload.histories());
        json.put("faults", faults);
        json.put("partitionMechanism", Nemesis.PARTITION_MECHANISM);
        json.put("anomalies", checks.stream().filter((c) -> !c.ok()).map(Workload.Check::name).toList());
        final Map<String, Object> verdicts = new LinkedHashMap<>();
        checks.forEach((c) -> verdicts.put(c.name(), c.ok() ? "ok" : "FAIL"));
        json.put("verdicts", verdicts);
        json.put("elapsedMs", elapsedMs);
        json.put("replay", plan.replay());
        return Runs.toJson(json) + "\n";
    }
}
