package io.synod.blackbox;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * N {@code synod server} processes started from the daemon's jar, member m on its own loopback address
 * {@code 127.0.0.m} (UDP for peers and clients, TCP for the HTTP probes) with its own data directory
 * {@code member-m/} and its output appended to {@code member-m.log} under the run directory. Members start with
 * {@code --test-faults true}, so the harness can cut links over {@code POST /test/partition} (the transport's
 * drop filter; see {@link Nemesis} for why not real packet filtering).
 *
 * <p>Faults are real: {@link #kill} is SIGKILL, {@link #pause}/{@link #resume} are SIGSTOP/SIGCONT of the member's
 * JVM. Threading: one thread (the run's) drives it; {@link #health} may be called from any thread.
 */
final class DaemonCluster implements AutoCloseable
{
    /** JVM flags of a member (the jar's manifest carries the opens too; these keep it explicit and small). */
    static final List<String> JVM_FLAGS = List.of(
        "-Dchronicle.analytics.disable=true", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":\"?([^,\"}]*)\"?");

    final int clusterId;
    private final Path root;
    private final Path jar;
    private final String[] udp;
    private final String[] http;
    private final Process[] processes;
    private final boolean[] paused;
    private final List<String> extraArgs;
    private final HttpClient httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    DaemonCluster(final Path root, final Path jar, final int size, final int clusterId, final List<String> extraArgs)
    {
        this.root = root;
        this.jar = jar;
        this.clusterId = clusterId;
        this.extraArgs = List.copyOf(extraArgs);
        this.udp = new String[size + 1];
        this.http = new String[size + 1];
        this.processes = new Process[size + 1];
        this.paused = new boolean[size + 1];
        for (int m = 1; m <= size; m++)
        {
            final String host = "127.0.0." + m;
            udp[m] = host + ":" + freeUdpPort(host);
            http[m] = host + ":" + freeTcpPort(host);
        }
    }

    int size()
    {
        return udp.length - 1;
    }

    Path root()
    {
        return root;
    }

    /** @return {@code 1@127.0.0.1:p1,2@127.0.0.2:p2,...} for the servers' {@code --members} and the clients. */
    String members()
    {
        final StringBuilder out = new StringBuilder();
        for (int m = 1; m <= size(); m++)
        {
            out.append(m == 1 ? "" : ",").append(m).append('@').append(udp[m]);
        }
        return out.toString();
    }

    List<String> command(final int m)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(JVM_FLAGS);
        command.addAll(List.of("-jar", jar.toString(), "server", "--cluster-id", "" + clusterId, "--member-id", "" + m,
            "--members", members(), "--data-dir", root.resolve("member-" + m).toString(), "--idle-strategy", "backoff",
            "--log-durability", "PAGE_CACHE", "--http-listen", http[m], "--test-faults", "true"));
        command.addAll(extraArgs);
        return command;
    }

    /** Starts member m (again, after a kill: same data directory). */
    void start(final int m)
    {
        try
        {
            Files.createDirectories(root);
            final File log = root.resolve("member-" + m + ".log").toFile();
            processes[m] = new ProcessBuilder(command(m)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
            paused[m] = false;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start member " + m, ex);
        }
    }

    boolean running(final int m)
    {
        return processes[m] != null && processes[m].isAlive();
    }

    boolean paused(final int m)
    {
        return paused[m];
    }

    /** SIGKILL: the JVM dies at once with whatever it had written to the page cache. */
    void kill(final int m) throws InterruptedException
    {
        final Process process = processes[m];
        if (process != null)
        {
            if (paused[m])
            {
                signal(m, "CONT");
            }
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
            processes[m] = null;
            paused[m] = false;
        }
    }

    /** SIGSTOP: every thread of the member's JVM stops; its clock keeps running. */
    void pause(final int m)
    {
        signal(m, "STOP");
        paused[m] = true;
    }

    /** SIGCONT. */
    void resume(final int m)
    {
        signal(m, "CONT");
        paused[m] = false;
    }

    private void signal(final int m, final String signal)
    {
        final Process process = processes[m];
        if (process == null)
        {
            throw new IllegalStateException("member " + m + " is not running");
        }
        try
        {
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
            {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Cuts member m off from {@code peers} (replacing its previous cut; none heals) with the member's test-only drop
     * filter.
     *
     * @throws IllegalStateException if the member does not confirm.
     */
    void cut(final int m, final int... peers) throws InterruptedException
    {
        final StringBuilder list = new StringBuilder();
        for (final int peer : peers)
        {
            list.append(list.length() == 0 ? "" : ",").append(peer);
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                final HttpResponse<String> response = httpClient.send(HttpRequest.newBuilder(
                    URI.create("http://" + http[m] + "/test/partition?cut=" + list)).timeout(Duration.ofSeconds(3))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200)
                {
                    throw new IllegalStateException("member " + m + " refused the cut: " + response.statusCode() + " " + response.body());
                }
                return;
            }
            catch (final IOException ex)
            {
                last = ex;
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("member " + m + " did not answer the cut", last);
    }

    /** @return frames member m's drop filter has dropped so far ({@code GET /test/partition}), or -1 if it does not answer. */
    long droppedFrames(final int m)
    {
        try
        {
            final HttpResponse<String> response = httpClient.send(HttpRequest.newBuilder(URI.create("http://" + http[m] + "/test/partition"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            final Matcher matcher = Pattern.compile("\"droppedFrames\":(\\d+)").matcher(response.body());
            return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** One member's {@code /health}: its view of the cluster. */
    record Health(int member, String role, long term, int leader, long commitIndex, long appliedIndex, long keys, String digest,
        long digestAppliedIndex)
    {
    }

    /** @return member m's {@code /health}, or null if it does not answer within 2 s (down, paused, starting). */
    Health health(final int m)
    {
        if (!running(m) || paused[m])
        {
            return null;
        }
        try
        {
            final HttpResponse<String> response = httpClient.send(HttpRequest.newBuilder(URI.create("http://" + http[m] + "/health"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            final java.util.Map<String, String> fields = new java.util.HashMap<>();
            final Matcher matcher = FIELD.matcher(response.body());
            while (matcher.find())
            {
                fields.put(matcher.group(1), matcher.group(2));
            }
            return new Health(m, fields.get("role"), Long.parseLong(fields.get("term")), Integer.parseInt(fields.get("leader")),
                Long.parseLong(fields.get("commitIndex")), Long.parseLong(fields.get("appliedIndex")), Long.parseLong(fields.get("keys")),
                fields.get("digest"), Long.parseLong(fields.get("digestAppliedIndex")));
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** @return the member that every running, unpaused member names as leader and that leads in its own view; 0 if none now. */
    int leader()
    {
        int leader = -1;
        for (int m = 1; m <= size(); m++)
        {
            if (!running(m) || paused[m])
            {
                continue;
            }
            final Health health = health(m);
            if (health == null || health.leader() == 0 || (leader != -1 && health.leader() != leader))
            {
                return 0;
            }
            leader = health.leader();
        }
        if (leader <= 0)
        {
            return 0;
        }
        final Health self = health(leader);
        return self != null && "LEADER".equals(self.role()) ? leader : 0;
    }

    /** @return the agreed leader, waiting up to {@code timeoutMs}; 0 at the deadline. */
    int awaitLeader(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline)
        {
            final int leader = leader();
            if (leader != 0)
            {
                return leader;
            }
            Thread.sleep(100);
        }
        return 0;
    }

    /** SIGCONT where paused, then SIGTERM every member at once (SIGKILL to any still running 10 s later). */
    @Override
    public void close() throws InterruptedException
    {
        for (int m = 1; m <= size(); m++)
        {
            if (processes[m] != null)
            {
                if (paused[m])
                {
                    resume(m);
                }
                processes[m].destroy();
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int m = 1; m <= size(); m++)
        {
            final Process process = processes[m];
            if (process == null)
            {
                continue;
            }
            if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            processes[m] = null;
        }
    }

    /** Deletes the members' data directories (their logs stay). */
    void deleteData()
    {
        for (int m = 1; m <= size(); m++)
        {
            Runs.deleteTree(root.resolve("member-" + m));
        }
    }

    private static int freeUdpPort(final String host)
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0)))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("no free UDP port on " + host, ex);
        }
    }

    private static int freeTcpPort(final String host)
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host)))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("no free TCP port on " + host, ex);
        }
    }
}
