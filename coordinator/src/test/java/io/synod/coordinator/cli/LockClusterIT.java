package io.synod.coordinator.cli;

import io.synod.client.Election;
import io.synod.client.ElectionLeader;
import io.synod.client.FencedLock;
import io.synod.client.SynodClient;
import io.synod.raft.ReadMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote locks and named elections against three {@code synod server} processes from the built jar (one cluster for the
 * class, backoff idle strategy, 500 ms election timeout). Contending lock holders are separate JVMs (the CLI); a
 * paused holder (SIGSTOP) loses its lock when its session expires, its successor's fence is higher, a fenced resource
 * refuses the paused holder's stale fence, and the holder learns of the loss when it resumes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LockClusterIT
{
    private static final int CLUSTER_ID = 19;
    private static final Pattern FENCE = Pattern.compile("\"fence\":(\\d+)");
    private static Path root;
    private static LocalCluster cluster;
    private static SynodClient client;
    private static List<String> common;

    @BeforeAll
    static void startCluster() throws Exception
    {
        root = Files.createTempDirectory("synod-lock-it-");
        cluster = new LocalCluster(root, CLUSTER_ID, LocalCluster.freePorts(3),
            List.of("--election-timeout-ms", "500", "--election-timeout-max-ms", "1000", "--snapshot-entries", "400"),
            LocalCluster.jarLauncher(KvClusterIT.jar()));
        for (int m = 1; m <= 3; m++)
        {
            cluster.start(m);
        }
        client = SynodClient.connect(new SynodClient.Context().clusterId(CLUSTER_ID).members(cluster.endpoints())
            .requestTimeout(Duration.ofSeconds(20)));
        assertNotNull(cluster.awaitLeader(client, 120_000), "a leader within 120 s; logs in " + root);
        common = List.of("--endpoints", cluster.endpoints(), "--cluster-id", "" + CLUSTER_ID, "--timeout", "20000", "--json");
    }

    @AfterAll
    static void stopCluster() throws Exception
    {
        if (client != null)
        {
            client.close();
        }
        if (cluster != null)
        {
            cluster.close();
            cluster.delete();
        }
    }

    /** A CLI process whose output lines are collected, each with the time it was read. */
    private static final class CliProcess
    {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Long> times = new CopyOnWriteArrayList<>();

        CliProcess(final List<String> args) throws Exception
        {
            final List<String> command = new ArrayList<>(LocalCluster.jarLauncher(KvClusterIT.jar()));
            command.addAll(args);
            command.addAll(common);
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = in.readLine()) != null)
                    {
                        times.add(System.nanoTime());
                        lines.add(line);
                    }
                }
                catch (final Exception ignore)
                {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        int await() throws InterruptedException
        {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "cli finished: " + lines);
            Thread.sleep(100); // let the reader drain the last line
            return process.exitValue();
        }

        /** @return when the line containing {@code event} was read, waiting up to 60 s for it. */
        long awaitLine(final String event) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline)
            {
                for (int i = 0; i < lines.size(); i++)
                {
                    if (lines.get(i).contains("\"event\":\"" + event + "\""))
                    {
                        return times.get(i);
                    }
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no '" + event + "' line: " + lines);
        }

        long fence()
        {
            for (final String line : lines)
            {
                final Matcher m = FENCE.matcher(line);
                if (m.find())
                {
                    return Long.parseLong(m.group(1));
                }
            }
            throw new AssertionError("no fence in " + lines);
        }
    }

    @Test
    @Order(1)
    void shouldGrantALockToOneProcessAtATimeWithIncreasingFences() throws Exception
    {
        final CliProcess a = new CliProcess(List.of("lock", "acquire", "it/contended", "--hold", "1500"));
        final CliProcess b = new CliProcess(List.of("lock", "acquire", "it/contended", "--hold", "1500"));
        assertEquals(0, a.await(), "a: " + a.lines);
        assertEquals(0, b.await(), "b: " + b.lines);
        final CliProcess first = a.fence() < b.fence() ? a : b;
        final CliProcess second = first == a ? b : a;
        assertTrue(second.fence() > first.fence(), "fences increase: " + first.lines + " then " + second.lines);
        assertTrue(first.awaitLine("released") <= second.awaitLine("acquired"),
            "the second process acquired only after the first released: " + first.lines + " / " + second.lines);
    }

    @Test
    @Order(2)
    void shouldLoseALockOnSessionExpiryAndRefuseItsStaleFence() throws Exception
    {
        final CliProcess holder = new CliProcess(List.of("lock", "acquire", "it/fenced", "--hold", "-1", "--session-ttl", "2000"));
        holder.awaitLine("acquired");
        final long staleFence = holder.fence();
        final FencedResource resource = new FencedResource();
        assertTrue(resource.write(staleFence, "from the first holder"));

        final FencedLock lock = client.lock("it/fenced");
        final java.util.concurrent.ExecutorService owner = java.util.concurrent.Executors.newSingleThreadExecutor();
        final java.util.concurrent.Future<Long> waiting = owner.submit(() -> lock.tryLockAndFence(Duration.ofSeconds(60)));
        Thread.sleep(500);
        assertFalse(waiting.isDone(), "held by the other process: the acquire waits");
        new ProcessBuilder("kill", "-STOP", "" + holder.process.pid()).start().waitFor();
        try
        {
            final long fence = waiting.get(60, TimeUnit.SECONDS);
            assertTrue(fence > staleFence, "the successor's fence " + fence + " is higher than " + staleFence);
            assertTrue(resource.write(fence, "from the successor"));
            assertFalse(resource.write(staleFence, "from the paused holder, late"), "the stale fence is refused");
            assertEquals("from the successor", resource.value);
        }
        finally
        {
            new ProcessBuilder("kill", "-CONT", "" + holder.process.pid()).start().waitFor();
        }
        holder.awaitLine("lost");
        assertEquals(1, holder.await(), "the resumed holder learns it lost the lock: " + holder.lines);
        owner.submit(lock::unlock).get(30, TimeUnit.SECONDS);
        owner.shutdown();
    }

    @Test
    @Order(3)
    void shouldObserveNoLeaderThenCampaignersInTurnWithFences() throws Exception
    {
        final Election election = client.election("it/scheduler");
        assertEquals(Optional.empty(), election.leader(ReadMode.LINEARIZABLE).join());
        final CliProcess none = new CliProcess(List.of("election", "observe", "it/scheduler"));
        assertEquals(1, none.await(), "exit 1: no leader " + none.lines);
        assertTrue(none.lines.get(0).contains("\"leader\":null"), none.lines.toString());

        final ElectionLeader me = election.campaign(7, "host-a").join();
        final CliProcess observed = new CliProcess(List.of("election", "observe", "it/scheduler"));
        assertEquals(0, observed.await());
        assertTrue(observed.lines.get(0).contains("\"candidate\":7") && observed.lines.get(0).contains("\"value\":\"host-a\"") &&
            observed.lines.get(0).contains("\"fence\":" + me.fence()), observed.lines.toString());

        final CliProcess next = new CliProcess(List.of("election", "campaign", "it/scheduler", "--candidate", "8", "--value", "host-b",
            "--hold", "0"));
        Thread.sleep(1500);
        assertTrue(next.lines.isEmpty(), "the second candidate waits while the first leads: " + next.lines);
        election.resign(me).join();
        assertEquals(0, next.await(), next.lines.toString());
        assertTrue(next.fence() > me.fence(), "the next leader's fence is higher: " + next.lines);
        assertEquals(Optional.empty(), election.leader(ReadMode.LINEARIZABLE).join(), "it resigned: no leader");
    }

    @Test
    @Order(4)
    void shouldListAndForceReleaseLocks() throws Exception
    {
        final FencedLock lock = client.lock("it/listed");
        final long fence = lock.lockAndFence();
        final CliProcess list = new CliProcess(List.of("lock", "list", "it/"));
        assertEquals(0, list.await());
        assertTrue(list.lines.get(0).contains("\"name\":\"it/listed\"") && list.lines.get(0).contains("\"fence\":" + fence),
            list.lines.toString());
        final CompletableFuture<String> lost = new CompletableFuture<>();
        lock.onLost((name, lostFence, reason) -> lost.complete(name + "@" + lostFence));
        final CliProcess release = new CliProcess(List.of("lock", "release", "it/listed"));
        assertEquals(0, release.await(), release.lines.toString());
        assertEquals("it/listed@" + fence, lost.get(30, TimeUnit.SECONDS), "the holder is told its lock was force-released");
    }

    /** A resource that refuses a write whose fence is lower than the highest it has accepted. */
    private static final class FencedResource
    {
        long highestFence;
        String value;

        synchronized boolean write(final long fence, final String value)
        {
            if (fence < highestFence)
            {
                return false;
            }
            highestFence = fence;
            this.value = value;
            return true;
        }
    }
}
