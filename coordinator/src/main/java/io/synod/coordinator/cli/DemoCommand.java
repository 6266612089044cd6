package io.synod.coordinator.cli;

import io.synod.client.KvEntry;
import io.synod.client.KvResult;
import io.synod.client.ListPage;
import io.synod.client.MemberStatus;
import io.synod.client.SynodClient;
import io.synod.coordinator.SynodExit;
import io.synod.raft.ReadMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code synod demo}: three {@code synod server} processes on loopback with data in a temporary directory; a
 * workload through {@link SynodClient} (puts, linearizable / lease / stale reads, compare-and-set, list); SIGKILL of
 * the leader while writes continue; the re-election and the first write after it; a check that every acknowledged
 * write is there; the killed member restarted and caught up, with the same state digest on all three; a summary;
 * everything stopped and deleted.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Starts a 3-member cluster as three processes, drives a workload, kills the leader, checks nothing acknowledged is lost.")
public final class DemoCommand implements Callable<Integer>
{
    @Option(names = "--keys", defaultValue = "2000", description = "keys written before the kill; default ${DEFAULT-VALUE}")
    int keys;

    @Option(names = "--window", defaultValue = "32", description = "writes in flight; default ${DEFAULT-VALUE}")
    int window;

    @Option(names = "--keep", description = "keep the data directory")
    boolean keep;

    private final long startNs = System.nanoTime();
    private final StringBuilder summary = new StringBuilder();

    @Override
    public Integer call() throws Exception
    {
        final Path root = Files.createTempDirectory("synod-demo-");
        final LocalCluster cluster = new LocalCluster(root, 7, LocalCluster.freePorts(3), List.of());
        say("Synod demo: 3 synod server processes on loopback UDP (%s), data and logs in %s", cluster.endpoints(), root);
        boolean ok = false;
        try
        {
            for (int m = 1; m <= 3; m++)
            {
                final Process process = cluster.start(m);
                say("  started member %d, pid %d", m, process.pid());
            }
            try (SynodClient client = SynodClient.connect(new SynodClient.Context().clusterId(cluster.clusterId())
                .members(cluster.endpoints()).requestTimeout(Duration.ofSeconds(15)).writesInFlightMax(Math.max(1, window))))
            {
                ok = run(cluster, client);
            }
        }
        finally
        {
            cluster.close();
            say("stopped all members (SIGTERM)");
            if (keep)
            {
                say("kept %s", root);
            }
            else
            {
                cluster.delete();
            }
        }
        say("%s in %.1f s", ok ? "OK" : "FAILED", (System.nanoTime() - startNs) / 1e9);
        return ok ? SynodExit.OK : SynodExit.FAILED;
    }

    private boolean run(final LocalCluster cluster, final SynodClient client) throws Exception
    {
        final MemberStatus first = cluster.awaitLeader(client, 60_000);
        if (first == null)
        {
            return fail("no leader within 60 s (see the member logs)");
        }
        say("election: member %d leads term %d", first.memberId(), first.term());
        summary.append(String.format(Locale.ROOT, "  first leader after %.1f s (JVM start included)%n", (System.nanoTime() - startNs) / 1e9));

        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final long writeStartNs = System.nanoTime();
        final long[] latencies = writeKeys(client, "demo/key-", 0, keys, acked);
        final double seconds = (System.nanoTime() - writeStartNs) / 1e9;
        Arrays.sort(latencies);
        say("wrote %,d keys through the client (%d in flight): %,.0f writes/s, latency p50 %.2f ms  p99 %.2f ms; %d acknowledged",
            keys, window, keys / seconds, latencies[latencies.length / 2] / 1e6, latencies[(int)(latencies.length * 0.99)] / 1e6,
            acked.size());
        summary.append(String.format(Locale.ROOT, "  %,d writes at %,.0f/s with %d in flight, p50 %.2f ms, p99 %.2f ms%n", keys, keys / seconds,
            window, latencies[latencies.length / 2] / 1e6, latencies[(int)(latencies.length * 0.99)] / 1e6));

        final KvResult linearizable = client.get("demo/key-0000042", ReadMode.LINEARIZABLE).join();
        final KvResult lease = client.get("demo/key-0000042", ReadMode.LEASE).join();
        final KvResult stale = client.get("demo/key-0000042", ReadMode.STALE).join();
        say("reads of demo/key-0000042: LINEARIZABLE %s (read index %d), LEASE %s, STALE %s", linearizable.valueString(),
            linearizable.index(), lease.valueString(), stale.valueString());
        final KvResult created = client.compareAndSet("demo/counter", 0, "1").join();
        final KvResult stalePut = client.compareAndSet("demo/counter", 0, "2").join();
        final KvResult next = client.compareAndSet("demo/counter", created.version(), "2").join();
        say("compare-and-set demo/counter: expect 0 -> %s v%d; expect 0 again -> %s (current v%d); expect v%d -> %s v%d",
            created.status(), created.version(), stalePut.status(), stalePut.version(), created.version(), next.status(), next.version());
        final ListPage page = client.list("demo/key-", "", 3, ReadMode.LINEARIZABLE).join();
        say("list demo/key- --limit 3: %s, more: %s", keysOf(page.entries()), page.more());

        final MemberStatus leader = cluster.awaitLeader(client, 10_000);
        final int killed = leader.memberId();
        final long pid = cluster.process(killed).pid();
        final AtomicInteger afterKill = new AtomicInteger();
        final Map<String, Long> ackedAfter = new ConcurrentHashMap<>();
        final long killNs = System.nanoTime();
        say("SIGKILL the leader, member %d (pid %d), with writes in flight ...", killed, pid);
        final CompletableFuture<long[]> writes = CompletableFuture.supplyAsync(() -> writeKeys(client, "demo/after-", 0, 500, ackedAfter));
        cluster.kill(killed);
        final MemberStatus second = cluster.awaitLeader(client, 30_000);
        if (second == null)
        {
            return fail("no new leader within 30 s");
        }
        final double reelectionMs = (System.nanoTime() - killNs) / 1e6;
        say("re-election: member %d leads term %d, %.0f ms after the kill", second.memberId(), second.term(), reelectionMs);
        summary.append(String.format(Locale.ROOT, "  leader (member %d) SIGKILLed: member %d leads after %.0f ms%n", killed, second.memberId(), reelectionMs));
        writes.join();
        afterKill.set(ackedAfter.size());
        say("  500 writes made across the fail-over: %d acknowledged (the client retried the rest with the same session sequence)",
            afterKill.get());

        acked.putAll(ackedAfter);
        final Map<String, KvEntry> present = listAll(client, "demo/");
        int lost = 0;
        for (final Map.Entry<String, Long> write : acked.entrySet())
        {
            final KvEntry entry = present.get(write.getKey());
            if (entry == null || entry.version() < write.getValue() || !entry.valueString().equals(valueOf(write.getKey())))
            {
                lost++;
            }
        }
        say("check: %,d writes acknowledged, %d lost (linearizable list of %,d keys)", acked.size(), lost, present.size());
        summary.append(String.format(Locale.ROOT, "  %,d writes acknowledged, %d lost%n", acked.size(), lost));

        say("restarting member %d from its data directory ...", killed);
        final long restartNs = System.nanoTime();
        cluster.start(killed);
        final boolean converged = awaitSameDigest(client, cluster, 60_000);
        say("  member %d caught up in %.0f ms; the 3 members hold the same KV state (digest): %s", killed,
            (System.nanoTime() - restartNs) / 1e6, converged ? "yes" : "NO");
        summary.append(String.format(Locale.ROOT, "  member %d restarted and caught up in %.0f ms; same state on all 3: %s%n", killed,
            (System.nanoTime() - restartNs) / 1e6, converged ? "yes" : "NO"));
        printStatus(client, cluster);
        say("summary:%n%s", summary.toString().stripTrailing());
        return lost == 0 && converged;
    }

    private long[] writeKeys(final SynodClient client, final String prefix, final int from, final int count, final Map<String, Long> acked)
    {
        final long[] latencies = new long[count];
        final List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final String key = String.format(Locale.ROOT, "%s%07d", prefix, from + i);
            final int slot = i;
            final long sentNs = System.nanoTime();
            inFlight.add(client.put(key, valueOf(key)).handle((result, failure) ->
            {
                latencies[slot] = System.nanoTime() - sentNs;
                if (failure == null && result.ok())
                {
                    acked.put(key, result.version());
                }
                return null;
            }));
            if (inFlight.size() >= window)
            {
                inFlight.remove(0).join();
            }
        }
        inFlight.forEach(CompletableFuture::join);
        return latencies;
    }

    private static String valueOf(final String key)
    {
        return "value of " + key;
    }

    private static Map<String, KvEntry> listAll(final SynodClient client, final String prefix)
    {
        final Map<String, KvEntry> all = new HashMap<>();
        byte[] after = new byte[0];
        while (true)
        {
            final ListPage page = client.list(prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8), after, 1_000, ReadMode.LINEARIZABLE).join();
            for (final KvEntry entry : page.entries())
            {
                all.put(entry.keyString(), entry);
            }
            if (!page.more() || page.entries().isEmpty())
            {
                return all;
            }
            after = page.continuationKey();
        }
    }

    private static List<String> keysOf(final List<KvEntry> entries)
    {
        final List<String> keys = new ArrayList<>();
        entries.forEach((e) -> keys.add(e.keyString() + "=v" + e.version()));
        return keys;
    }

    private static boolean awaitSameDigest(final SynodClient client, final LocalCluster cluster, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline)
        {
            final long[] digests = new long[cluster.size() + 1];
            boolean same = true;
            for (int m = 1; m <= cluster.size() && same; m++)
            {
                final MemberStatus status = LocalCluster.status(client, m);
                same = status != null;
                digests[m] = same ? status.digest() : 0;
                same &= m == 1 || digests[m] == digests[1];
            }
            if (same)
            {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private void printStatus(final SynodClient client, final LocalCluster cluster)
    {
        for (int m = 1; m <= cluster.size(); m++)
        {
            final MemberStatus s = LocalCluster.status(client, m);
            if (s != null)
            {
                say("  member %d: %-9s term %d, commit %d, applied %d, %d keys, digest %016x", m, s.role(), s.term(), s.commitIndex(),
                    s.lastApplied(), s.keys(), s.digest());
            }
        }
    }

    private boolean fail(final String message)
    {
        say("FAILED: %s", message);
        return false;
    }

    private void say(final String format, final Object... args)
    {
        System.out.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - startNs) / 1e9, String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
