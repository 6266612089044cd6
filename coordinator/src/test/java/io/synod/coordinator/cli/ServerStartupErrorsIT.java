package io.synod.coordinator.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code synod server} from the built jar, given what operators get wrong: each is refused at start with exit code 2
 * and one line on stderr naming the key, port or path (no stack trace); the precedence flag &gt; env &gt; file &gt;
 * default holds and a secret is never printed.
 */
class ServerStartupErrorsIT
{
    private static Path dir;

    private record Run(int exit, String out, String err)
    {
    }

    @BeforeAll
    static void makeDir() throws Exception
    {
        dir = Files.createTempDirectory("synod-startup-it-");
    }

    @AfterAll
    static void deleteDir()
    {
        new LocalCluster(dir, 1, new int[0], List.of()).delete();
    }

    private static List<String> server(final int memberId, final int port, final Path dataDir, final String... extra)
    {
        final List<String> args = new ArrayList<>(List.of("server", "--member-id", "" + memberId,
            "--members", "1@127.0.0.1:" + port + ",2@127.0.0.1:" + (port == 65535 ? 65534 : port + 1), "--data-dir", dataDir.toString()));
        if (!List.of(extra).contains("--http-listen"))
        {
            args.addAll(List.of("--http-listen", "127.0.0.1:0"));
        }
        args.addAll(List.of(extra));
        return args;
    }

    private static Run run(final List<String> args, final Map<String, String> env) throws Exception
    {
        final List<String> command = new ArrayList<>(LocalCluster.jarLauncher(KvClusterIT.jar()));
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf((name) -> name.startsWith("SYNOD_"));
        builder.environment().putAll(env);
        final Process process = builder.start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Run(process.exitValue(), out, err);
    }

    private static void assertRefused(final Run run, final String... expected)
    {
        assertEquals(2, run.exit, run.out + run.err);
        final String err = run.err.strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.startsWith("synod: error: "), err);
        for (final String part : expected)
        {
            assertTrue(err.contains(part), "'" + part + "' in: " + err);
        }
    }

    @Test
    void shouldRefuseAnUnknownKeyInTheFile() throws Exception
    {
        final Path file = dir.resolve("unknown.properties");
        Files.writeString(file, "member.id=1\nmembers=1@127.0.0.1:1,2@127.0.0.1:2\ndata.dir=" + dir.resolve("x") + "\nelection.timout.ms=300\n");
        assertRefused(run(List.of("server", "--config", file.toString()), Map.of()), "unknown key 'election.timout.ms'", file.toString());
    }

    @Test
    void shouldRefuseABadValueNamingItsSource() throws Exception
    {
        final int port = LocalCluster.freePorts(1)[0];
        assertRefused(run(server(1, port, dir.resolve("bad")), Map.of("SYNOD_ELECTION_TIMEOUT_MS", "soon")),
            "election.timeout.ms", "'soon'", "SYNOD_ELECTION_TIMEOUT_MS");
        assertRefused(run(server(1, port, dir.resolve("bad"), "--log-durability", "FAST"), Map.of()),
            "log.durability", "--log-durability", "SYNC, PAGE_CACHE");
        assertRefused(run(List.of("server", "--member-id", "1"), Map.of()), "members is required");
    }

    @Test
    void shouldRefuseAPortInUse() throws Exception
    {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            assertRefused(run(server(1, taken.getLocalPort(), dir.resolve("port")), Map.of()),
                "udp port 127.0.0.1:" + taken.getLocalPort(), "in use");
        }
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final String listen = "127.0.0.1:" + taken.getLocalPort();
            assertRefused(run(server(1, LocalCluster.freePorts(1)[0], dir.resolve("http"), "--http-listen", listen), Map.of()),
                "http.listen", "tcp " + listen, "in use");
        }
    }

    @Test
    void shouldRefuseASecondDaemonOnTheDataDirectoryAndAnotherClustersDirectory() throws Exception
    {
        final Path data = dir.resolve("shared");
        final int[] ports = LocalCluster.freePorts(2);
        final List<String> command = new ArrayList<>(LocalCluster.jarLauncher(KvClusterIT.jar()));
        command.addAll(server(1, ports[0], data, "--cluster-id", "5"));
        final Process first = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final BufferedReader lines = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null && !line.contains("listening on udp"))
            {
                assertFalse(line.contains("error"), line);
            }
            assertTrue(line != null, "the first daemon started");
            assertRefused(run(server(1, ports[1], data, "--cluster-id", "5"), Map.of()),
                "data.dir " + data, "in use by another synod process", "synod.lock");
        }
        finally
        {
            first.destroy();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
        assertRefused(run(server(1, ports[1], data, "--cluster-id", "6"), Map.of()),
            "data.dir " + data, "belongs to cluster.id=5 member.id=1", "not cluster.id=6");
        assertRefused(run(server(2, ports[1] - 1, data, "--cluster-id", "5"), Map.of()), "belongs to cluster.id=5 member.id=1");
    }

    @Test
    void shouldRefuseToListenBeyondLoopbackWithoutAnAccessToken() throws Exception
    {
        final int[] ports = LocalCluster.freePorts(2);
        assertRefused(run(server(1, ports[0], dir.resolve("open"), "--http-listen", "0.0.0.0:0"), Map.of()),
            "access.token", "http.listen 0.0.0.0:0", "not a loopback address");
    }

    @Test
    void shouldResolveFlagOverEnvOverFileOverDefaultAndMaskSecrets() throws Exception
    {
        final Path file = dir.resolve("precedence.properties");
        Files.writeString(file, "cluster.id=3\nmember.id=1\nmembers=1@127.0.0.1:1,2@127.0.0.1:2\ndata.dir=/tmp/x\n" +
            "heartbeat.interval.ms=40\nmac.secret=hunter2\n");
        final Run run = run(List.of("server", "--config", file.toString(), "--cluster-id", "5", "--print-config"),
            Map.of("SYNOD_CLUSTER_ID", "4", "SYNOD_HEARTBEAT_INTERVAL_MS", "30"));
        assertEquals(0, run.exit, run.err);
        assertTrue(run.out.matches("(?s).*cluster\\.id\\s+= 5\\s+\\(flag\\).*"), run.out);
        assertTrue(run.out.matches("(?s).*heartbeat\\.interval\\.ms\\s+= 30\\s+\\(env\\).*"), run.out);
        assertTrue(run.out.matches("(?s).*member\\.id\\s+= 1\\s+\\(file\\).*"), run.out);
        assertTrue(run.out.matches("(?s).*election\\.timeout\\.ms\\s+= 500\\s+\\(default\\).*"), run.out);
        assertTrue(run.out.contains("****"), run.out);
        assertFalse(run.out.contains("hunter2"), "the secret is masked");
    }
}
