package io.synod.coordinator.cli;

import io.synod.client.ClientProtocol;
import io.synod.client.ClientRequest;
import io.synod.client.ClientResponse;
import io.synod.client.KvEntry;
import io.synod.client.KvResult;
import io.synod.client.ListPage;
import io.synod.client.MemberStatus;
import io.synod.client.SynodClient;
import io.synod.kv.KvClientCodec;
import io.synod.kv.KvResponse;
import io.synod.raft.ProposalHandler;
import io.synod.raft.ReadMode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three {@code synod server} processes started from the jar this build made ({@code target/synod.jar}), on free
 * loopback ports, with the backoff idle strategy, a 500 ms election timeout and a snapshot every 400 entries (so restarts
 * recover from snapshots and may need InstallSnapshot); one cluster for the whole class.
 * The client ({@link SynodClient}, a {@link RawClient} for exact frames, and the CLI as a process) drives them:
 * put/get in every read mode, compare-and-set, list with continuation, a retried write applied once, malformed
 * frames dropped and counted while the member keeps serving, and last a SIGKILL of the leader with writes in
 * flight: nothing acknowledged is lost and a write retried across the kill is applied once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KvClusterIT
{
    private static final int CLUSTER_ID = 17;
    private static Path root;
    private static LocalCluster cluster;
    private static SynodClient client;

    static Path jar()
    {
        final Path jar = Path.of(System.getProperty("synod.jar", "target/synod.jar"));
        assertTrue(Files.exists(jar), "the daemon jar " + jar + " (built by this reactor's package phase)");
        return jar.toAbsolutePath();
    }

    @BeforeAll
    static void startCluster() throws Exception
    {
        root = Files.createTempDirectory("synod-it-");
        cluster = new LocalCluster(root, CLUSTER_ID, LocalCluster.freePorts(3),
            List.of("--election-timeout-ms", "500", "--election-timeout-max-ms", "1000", "--snapshot-entries", "400"),
            LocalCluster.jarLauncher(jar()));
        for (int m = 1; m <= 3; m++)
        {
            cluster.start(m);
        }
        client = SynodClient.connect(new SynodClient.Context().clusterId(CLUSTER_ID).members(cluster.endpoints())
            .requestTimeout(Duration.ofSeconds(20)));
        assertNotNull(cluster.awaitLeader(client, 120_000), "a leader within 120 s; logs in " + root);
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

    @Test
    @Order(1)
    void shouldPutAndGetInEveryReadMode()
    {
        final KvResult put = client.put("it/read", "one").join();
        assertEquals(KvResult.Status.OK, put.status());
        assertEquals(1, put.version());
        for (final ReadMode mode : ReadMode.values())
        {
            // A STALE read may be served by a member that has not applied the put yet: retry it a little.
            KvResult read = client.get("it/read", mode).join();
            for (int i = 0; mode == ReadMode.STALE && !read.ok() && i < 50; i++)
            {
                read = client.get("it/read", mode).join();
            }
            assertEquals(KvResult.Status.OK, read.status(), mode.name());
            assertEquals("one", read.valueString(), mode.name());
            assertEquals(1, read.version(), mode.name());
        }
        assertEquals(KvResult.Status.NOT_FOUND, client.get("it/absent", ReadMode.LINEARIZABLE).join().status());
    }

    @Test
    @Order(2)
    void shouldCompareAndSetAndDelete()
    {
        assertEquals(KvResult.Status.OK, client.compareAndSet("it/cas", 0, "a").join().status());
        final KvResult mismatch = client.compareAndSet("it/cas", 0, "b").join();
        assertEquals(KvResult.Status.VERSION_MISMATCH, mismatch.status());
        assertEquals(1, mismatch.version());
        final KvResult next = client.compareAndSet("it/cas", 1, "b").join();
        assertEquals(KvResult.Status.OK, next.status());
        assertEquals(2, next.version());
        assertEquals("b", client.get("it/cas", ReadMode.LINEARIZABLE).join().valueString());
        assertEquals(2, client.delete("it/cas").join().version());
        assertEquals(KvResult.Status.NOT_FOUND, client.delete("it/cas").join().status());
    }

    @Test
    @Order(3)
    void shouldListByPrefixInByteOrderWithContinuation()
    {
        final List<CompletableFuture<KvResult>> puts = new ArrayList<>();
        for (int i = 24; i >= 0; i--)
        {
            puts.add(client.put(String.format("it/list/%03d", i), "v" + i));
        }
        client.put("it/lisu", "outside the prefix").join();
        puts.forEach(CompletableFuture::join);
        final List<String> keys = new ArrayList<>();
        String after = "";
        int pages = 0;
        while (true)
        {
            final ListPage page = client.list("it/list/", after, 10, ReadMode.LINEARIZABLE).join();
            page.entries().forEach((e) -> keys.add(e.keyString()));
            pages++;
            if (!page.more())
            {
                break;
            }
            after = new String(page.continuationKey(), StandardCharsets.UTF_8);
        }
        assertEquals(25, keys.size());
        for (int i = 0; i < 25; i++)
        {
            assertEquals(String.format("it/list/%03d", i), keys.get(i));
        }
        assertTrue(pages >= 3, "pages of 10: " + pages);
    }

    @Test
    @Order(4)
    void shouldApplyAWriteRetriedWithTheSameSessionSequenceOnce() throws Exception
    {
        final MemberStatus leader = cluster.awaitLeader(client, 30_000);
        try (RawClient raw = new RawClient(CLUSTER_ID, client.members()))
        {
            raw.connect(leader.memberId(), 30_000);
            final long session = openSession(raw, leader.memberId(), 4242);
            final byte[] put = KvClientCodec.put(bytes("it/once"), bytes("x"));
            final byte[] first = raw.call(leader.memberId(), ClientProtocol.KV_WRITE, 0, 11, session, 1, put, 10_000);
            final byte[] retry = raw.call(leader.memberId(), ClientProtocol.KV_WRITE, 0, 12, session, 1, put, 10_000);
            assertEquals(1, kvVersion(first));
            assertEquals(1, kvVersion(retry), "the retry gets the first application's response");
            assertTrue(index(retry) > index(first), "the retry is a log entry of its own, answered from the session's kept outcome");
            final byte[] next = raw.call(leader.memberId(), ClientProtocol.KV_WRITE, 0, 13, session, 2, put, 10_000);
            assertEquals(2, kvVersion(next), "a new sequence is a new write");
        }
        assertEquals(2, client.get("it/once", ReadMode.LINEARIZABLE).join().version());
    }

    @Test
    @Order(5)
    void shouldDropMalformedFramesAndKeepServing() throws Exception
    {
        final MemberStatus leader = cluster.awaitLeader(client, 30_000);
        final long before = client.status(leader.memberId()).join().badFrames();
        try (RawClient raw = new RawClient(CLUSTER_ID, client.members()))
        {
            raw.connect(leader.memberId(), 30_000);
            final byte[][] bad = {
                {},
                {1, 2, 3},
                new byte[ClientRequest.HEADER_LENGTH],                        // version 0
                header(99, 0),                                                // unknown op
                header(ClientProtocol.KV_GET, 7),                             // no such read mode
                withBody(header(ClientProtocol.KV_LIST, 0), new byte[] {5, 0, 5, 0, 1}), // lengths past the end
                withBody(header(ClientProtocol.STATUS, 0), new byte[] {1}),   // a body where none belongs
            };
            for (final byte[] frame : bad)
            {
                raw.sendRaw(leader.memberId(), frame);
            }
            final byte[] list = withBody(header(ClientProtocol.KV_LIST, 0), new byte[] {0, 0, 0, 0});
            new UnsafeBuffer(list).putLong(24, 0, ByteOrder.LITTLE_ENDIAN);  // limit 0
            raw.sendRaw(leader.memberId(), list);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long after = before;
        while (after < before + 8 && System.nanoTime() < deadline)
        {
            after = client.status(leader.memberId()).join().badFrames();
        }
        assertEquals(before + 8, after, "every malformed frame dropped and counted");
        assertEquals(KvResult.Status.OK, client.put("it/after-garbage", "fine").join().status());
    }

    @Test
    @Order(6)
    void shouldAnswerTheCliWithExitCodes() throws Exception
    {
        final List<String> common = List.of("--endpoints", cluster.endpoints(), "--cluster-id", "" + CLUSTER_ID);
        assertEquals(0, cli(List.of("kv", "put", "it/cli", "hello"), common).exit);
        final Cli get = cli(List.of("kv", "get", "it/cli"), common);
        assertEquals(0, get.exit);
        assertEquals("hello", get.out.strip());
        assertEquals(1, cli(List.of("kv", "get", "it/cli-absent"), common).exit);
        assertEquals(1, cli(List.of("kv", "cas", "it/cli", "7", "x"), common).exit);
        final Cli status = cli(List.of("status", "--json"), common);
        assertEquals(0, status.exit, status.out);
        assertTrue(status.out.contains("\"role\":\"LEADER\""), status.out);
        assertEquals(2, cli(List.of("kv", "get"), common).exit, "a missing argument is a usage error");
        final Cli health = cli(List.of("health"), common);
        assertEquals(0, health.exit, health.out);
        assertTrue(health.out.startsWith("healthy: leader "), health.out);
    }

    @Test
    @Order(6)
    void shouldAnswerTheHttpProbes() throws Exception
    {
        final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        client.put("it/probe", "x").join();
        for (int m = 1; m <= 3; m++)
        {
            for (final String path : List.of("/livez", "/readyz", "/health", "/metrics"))
            {
                final java.net.http.HttpResponse<String> response = http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + cluster.httpEndpoint(m) + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), path + " on member " + m + ": " + response.body());
                if (path.equals("/metrics"))
                {
                    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
                    for (final String metric : List.of("synod_term ", "synod_commit_index ", "synod_applied_index ", "synod_kv_keys ",
                        "synod_role{role=\"FOLLOWER\"}", "synod_frames_dropped_total{reason=", "synod_client_bad_frames_total "))
                    {
                        assertTrue(response.body().contains(metric), metric + " in " + response.body());
                    }
                    continue;
                }
                assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
                if (path.equals("/health"))
                {
                    assertTrue(response.body().contains("\"healthy\":true"), response.body());
                }
            }
            final java.net.http.HttpResponse<String> missing = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + cluster.httpEndpoint(m) + "/nope")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
        }
    }

    @Test
    @Order(7)
    void shouldCarryTheLargestValueThroughUdpFragments()
    {
        final byte[] value = new byte[io.synod.kv.KvCommand.MAX_VALUE_LENGTH];
        for (int i = 0; i < value.length; i++)
        {
            value[i] = (byte)('a' + i % 26);
        }
        final byte[] key = new byte[io.synod.kv.KvCommand.MAX_KEY_LENGTH];
        java.util.Arrays.fill(key, (byte)'k');
        assertEquals(KvResult.Status.OK, client.put(key, value).join().status());
        assertArrayEquals(value, client.get(key, ReadMode.LINEARIZABLE).join().value());
    }

    @Test
    @Order(8)
    void shouldHandLeadershipOverOnSigterm() throws Exception
    {
        final MemberStatus leader = cluster.awaitLeader(client, 30_000);
        final int stopped = leader.memberId();
        final List<CompletableFuture<KvResult>> writes = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            writes.add(client.put(String.format("it/term/%03d", i), "v" + i));
        }
        final long sigtermNs = System.nanoTime();
        cluster.stop(stopped);
        final long exitedNs = System.nanoTime();
        final MemberStatus next = cluster.awaitLeader(client, 30_000);
        assertNotNull(next);
        assertTrue(next.memberId() != stopped);
        writes.forEach((w) -> assertEquals(KvResult.Status.OK, w.join().status(), "every write made across the hand-off is acknowledged"));
        final String log = Files.readString(root.resolve("member-" + stopped + ".log"));
        assertTrue(log.contains("handed leadership to member"), log);
        System.out.printf("SIGTERM of leader %d: process exited after %.0f ms, member %d leads%n", stopped, (exitedNs - sigtermNs) / 1e6,
            next.memberId());

        cluster.start(stopped);
        awaitSameState(stopped);
    }

    private static void awaitSameState(final int member) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        boolean same = false;
        while (!same && System.nanoTime() < deadline)
        {
            final MemberStatus restarted = LocalCluster.status(client, member);
            final MemberStatus other = LocalCluster.status(client, member % 3 + 1);
            same = restarted != null && other != null && restarted.digest() == other.digest() && restarted.keys() == other.keys();
            Thread.sleep(100);
        }
        assertTrue(same, "member " + member + " catches up to the same state");
    }

    @Test
    @Order(10)
    void shouldLoseNothingAcknowledgedWhenTheLeaderIsKilled() throws Exception
    {
        final MemberStatus leader = cluster.awaitLeader(client, 30_000);
        final int killed = leader.memberId();
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final List<CompletableFuture<?>> writes = new ArrayList<>();
        try (RawClient raw = new RawClient(CLUSTER_ID, client.members()))
        {
            raw.connect(killed, 30_000);
            final long session = openSession(raw, killed, 4343);
            final byte[] put = KvClientCodec.put(bytes("it/across-kill"), bytes("once"));
            // Sent to the leader just before it dies: applied or not, nobody knows yet.
            raw.call(killed, ClientProtocol.KV_WRITE, 0, 21, session, 1, put, 1);
            for (int i = 0; i < 300; i++)
            {
                final String key = String.format("it/kill/%04d", i);
                writes.add(client.put(key, "v" + i).thenAccept((r) -> acked.put(key, r.version())));
            }
            cluster.kill(killed);
            final MemberStatus next = cluster.awaitLeader(client, 60_000);
            assertNotNull(next, "a new leader");
            assertTrue(next.memberId() != killed);
            raw.connect(next.memberId(), 30_000);
            byte[] retried = null;
            for (int attempt = 0; retried == null || outcome(retried) != ClientProtocol.OK; attempt++)
            {
                assertTrue(attempt < 100, "the retry is answered");
                retried = raw.call(next.memberId(), ClientProtocol.KV_WRITE, 0, 22 + attempt, session, 1, put, 2_000);
            }
            assertEquals(1, kvVersion(retried), "the write retried across the kill is applied once");
        }
        for (final CompletableFuture<?> write : writes)
        {
            try
            {
                write.join();
            }
            catch (final RuntimeException ex)
            {
                // unknown or rejected outcomes are allowed; only acknowledged writes must survive
            }
        }
        assertTrue(acked.size() >= 250, "most writes acknowledged across the fail-over: " + acked.size());
        final Map<String, Long> present = new HashMap<>();
        String after = "";
        while (true)
        {
            final ListPage page = client.list("it/kill/", after, 1_000, ReadMode.LINEARIZABLE).join();
            for (final KvEntry entry : page.entries())
            {
                present.put(entry.keyString(), entry.version());
            }
            if (!page.more())
            {
                break;
            }
            after = new String(page.continuationKey(), StandardCharsets.UTF_8);
        }
        for (final Map.Entry<String, Long> write : acked.entrySet())
        {
            assertEquals(write.getValue(), present.get(write.getKey()), "acknowledged write " + write.getKey());
        }
        assertEquals(1, client.get("it/across-kill", ReadMode.LINEARIZABLE).join().version());

        cluster.start(killed);
        awaitSameState(killed);
    }

    // ---------------------------------------------------------------- helpers

    private record Cli(int exit, String out)
    {
    }

    private static Cli cli(final List<String> args, final List<String> common) throws Exception
    {
        final List<String> command = new ArrayList<>(LocalCluster.jarLauncher(jar()));
        command.addAll(args);
        command.addAll(common);
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "cli " + args + " finished");
        return new Cli(process.exitValue(), out);
    }

    private static long openSession(final RawClient raw, final int member, final long nonce) throws InterruptedException
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final byte[] answer = raw.call(member, ClientProtocol.OPEN_SESSION, 0, 1000 + attempt, nonce, TimeUnit.SECONDS.toNanos(60),
                new byte[0], 2_000);
            if (answer != null && outcome(answer) == ClientProtocol.OK)
            {
                return new UnsafeBuffer(answer).getLong(ClientResponse.HEADER_LENGTH, ByteOrder.LITTLE_ENDIAN);
            }
            assertTrue(answer == null || new ClientResponse().wrap(new UnsafeBuffer(answer), 0).reason() != ProposalHandler.SESSION_LIMIT);
        }
        throw new AssertionError("no session");
    }

    private static int outcome(final byte[] answer)
    {
        return new ClientResponse().wrap(new UnsafeBuffer(answer), 0).outcome();
    }

    private static long index(final byte[] answer)
    {
        return new ClientResponse().wrap(new UnsafeBuffer(answer), 0).index();
    }

    private static long kvVersion(final byte[] answer)
    {
        assertNotNull(answer, "an answer");
        assertEquals(ClientProtocol.OK, outcome(answer));
        final KvResponse response = new KvResponse().wrap(new UnsafeBuffer(answer), ClientResponse.HEADER_LENGTH);
        assertEquals(KvResponse.OK, response.status());
        return response.version();
    }

    private static byte[] header(final int op, final int readMode)
    {
        final byte[] frame = new byte[ClientRequest.HEADER_LENGTH];
        new ClientRequest().wrap(new UnsafeBuffer(frame), 0).encodeHeader(op, readMode, 1, 1, 1);
        return frame;
    }

    private static byte[] withBody(final byte[] header, final byte[] body)
    {
        final byte[] frame = java.util.Arrays.copyOf(header, header.length + body.length);
        System.arraycopy(body, 0, frame, header.length, body.length);
        return frame;
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
