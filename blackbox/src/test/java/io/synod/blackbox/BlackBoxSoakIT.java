package io.synod.blackbox;

import io.synod.raft.ReadMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The black-box soak (skipped unless {@code -Psoak} or {@code -Dsynod.blackbox.soak.runs=N}): runs of seeds
 * {@code [base, base + runs)}, each seed once per workload of {@code synod.blackbox.soak.workloads} ({@code register,lock}
 * by default): {@code synod.blackbox.soak.seconds} (60) of the workload with two nemesis rounds (two kills, two pauses,
 * two partitions, in seed-drawn order, targets and shapes); the lock runs also pause a client process past its session
 * TTL ({@link PausedHolder}). Every run is checked as the default runs are; the totals (all runs, and per workload) go
 * to the console and {@code target/blackbox-runs/soak-totals.json}; any failing run is listed with its replay command
 * and its run directory is kept.
 */
class BlackBoxSoakIT
{
    @Test
    void shouldPassEverySeedOfTheSoak() throws Exception
    {
        final long runs = Runs.longProperty("synod.blackbox.soak.runs", 0);
        assumeTrue(runs > 0, "soak runs only with -Psoak or -Dsynod.blackbox.soak.runs=N");
        final long base = Runs.longProperty("synod.blackbox.soak.base", 1000);
        final int seconds = (int)Runs.longProperty("synod.blackbox.soak.seconds", 60);
        final List<String> workloads = List.of(System.getProperty("synod.blackbox.soak.workloads", "register,lock").trim().split("\\s*,\\s*"));
        final long startNs = System.nanoTime();
        long operations = 0;
        long histories = 0;
        final long[] outcomes = new long[3];
        final Map<String, Integer> faults = new TreeMap<>();
        final Map<String, Integer> anomalies = new TreeMap<>();
        final List<String> failed = new ArrayList<>();
        final Map<String, Map<String, Long>> perWorkload = new TreeMap<>();
        int passed = 0;
        int ran = 0;
        for (long run = 0; run < runs * workloads.size(); run++)
        {
            final long seed = base + run / workloads.size();
            final String name = workloads.get((int)(run % workloads.size()));
            final boolean lock = name.equals("lock");
            if (!lock && !name.equals("register"))
            {
                throw new IllegalArgumentException("synod.blackbox.soak.workloads: register and/or lock, not '" + name + "'");
            }
            final BlackBoxRun.Result result = BlackBoxRun.run(new BlackBoxRun.Plan(seed, seconds, 2, ReadMode.LINEARIZABLE,
                lock ? LockBlackBoxIT.CLIENTS : RegisterBlackBoxIT.CLIENTS, lock ? () -> new LockWorkload(true) : RegisterWorkload::new,
                "mvn -B -o verify -pl blackbox -Dit.test=BlackBoxSoakIT -Dsynod.blackbox.soak.runs=1 -Dsynod.blackbox.soak.base=" + seed +
                " -Dsynod.blackbox.soak.seconds=" + seconds + " -Dsynod.blackbox.soak.workloads=" + name, null),
                Runs.runsDir().resolve("soak"), Runs.jar());
            System.out.print(result.report());
            ran++;
            final Map<String, Long> mine = perWorkload.computeIfAbsent(name, (k) -> new TreeMap<>());
            mine.merge("runs", 1L, Long::sum);
            mine.merge("passed", result.ok() ? 1L : 0L, Long::sum);
            mine.merge("operations", result.operations(), Long::sum);
            mine.merge("historiesChecked", (long)result.histories(), Long::sum);
            operations += result.operations();
            histories += result.histories();
            for (int i = 0; i < 3; i++)
            {
                outcomes[i] += result.outcomes()[i];
            }
            result.faults().forEach((k, v) -> faults.merge(k, v, Integer::sum));
            result.checks().stream().filter((c) -> !c.ok()).forEach((c) -> anomalies.merge(c.name(), 1, Integer::sum));
            if (result.ok())
            {
                passed++;
            }
            else
            {
                failed.add("seed " + seed + " " + name + ": " + result.dir() + " (replay: " + result.plan().replay() + ")");
            }
        }
        final Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("runs", ran);
        totals.put("workloads", workloads);
        totals.put("passed", passed);
        totals.put("seeds", "[" + base + ", " + (base + runs) + ")");
        totals.put("secondsPerRun", seconds);
        totals.put("operations", operations);
        totals.put("outcomes", Map.of("ok", outcomes[0], "fail", outcomes[1], "info", outcomes[2]));
        totals.put("historiesChecked", histories);
        totals.put("faults", faults);
        totals.put("partitionMechanism", Nemesis.PARTITION_MECHANISM);
        totals.put("anomalies", anomalies);
        totals.put("failed", failed);
        totals.put("perWorkload", perWorkload);
        totals.put("elapsedMs", (System.nanoTime() - startNs) / 1_000_000);
        final String json = Runs.toJson(totals);
        Files.createDirectories(Runs.runsDir());
        Files.writeString(Runs.runsDir().resolve("soak-totals.json"), json + "\n");
        System.out.println("black-box soak totals: " + json);
        assertTrue(failed.isEmpty(), "failing seeds: " + failed);
    }
}
