package io.synod.coordinator.cli;

import io.synod.client.MemberStatus;
import io.synod.client.SynodClient;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three (or more) {@code synod server} processes on loopback, each a separate JVM started from this JVM's own
 * class path (the shaded jar under {@code ./synod}), with its data under one root directory and its output in
 * {@code member-N.log} there. For {@code synod demo} and {@code synod local}; integration tests do the same
 * from the built jar.
 */
final class LocalCluster implements AutoCloseable
{
    /** JVM flags a member needs (the jar's manifest carries the opens/exports too; a class-path launch needs them here). */
    static final List<String> JVM_FLAGS = List.of(
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED", "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "-Dchronicle.analytics.disable=true", "-Xmx256m", "-XX:+UseSerialGC");

    private final Path root;
    private final int clusterId;
    private final String[] endpoints;
    private final String[] httpEndpoints;
    private final Process[] processes;
    private final List<String> extraArgs;
    private final List<String> launcher;

    /**
     * Members launched from this JVM's class path.
     *
     * @param ports one UDP port per member (member m gets {@code ports[m - 1]}).
     */
    LocalCluster(final Path root, final int clusterId, final int[] ports, final List<String> extraArgs)
    {
        this(root, clusterId, ports, extraArgs, classPathLauncher());
    }

    /**
     * @param ports    one UDP port per member (member m gets {@code ports[m - 1]}).
     * @param launcher the command before {@code server ...}, e.g. {@code java -jar synod.jar}.
     */
    LocalCluster(final Path root, final int clusterId, final int[] ports, final List<String> extraArgs, final List<String> launcher)
    {
        this.launcher = List.copyOf(launcher);
        this.root = root;
        this.clusterId = clusterId;
        this.endpoints = new String[ports.length + 1];
        this.httpEndpoints = new String[ports.length + 1];
        this.processes = new Process[ports.length + 1];
        this.extraArgs = extraArgs;
        final int[] httpPorts = freeTcpPorts(ports.length);
        for (int m = 1; m <= ports.length; m++)
        {
            endpoints[m] = "127.0.0.1:" + ports[m - 1];
            httpEndpoints[m] = "127.0.0.1:" + httpPorts[m - 1];
        }
    }

    /** Puts member m's HTTP probes on {@code ports[m - 1]} (default: free ports). */
    LocalCluster httpPorts(final int... ports)
    {
        for (int m = 1; m <= ports.length && m < httpEndpoints.length; m++)
        {
            httpEndpoints[m] = "127.0.0.1:" + ports[m - 1];
        }
        return this;
    }

    /** @return member m's HTTP probes, {@code host:port}. */
    String httpEndpoint(final int m)
    {
        return httpEndpoints[m];
    }

    /** @return {@code count} free TCP ports on loopback. */
    static int[] freeTcpPorts(final int count)
    {
        final int[] ports = new int[count];
        final List<java.net.ServerSocket> held = new ArrayList<>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                final java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        finally
        {
            for (final java.net.ServerSocket socket : held)
            {
                try
                {
                    socket.close();
                }
                catch (final IOException ignore)
                {
                    // a probe socket
                }
            }
        }
        return ports;
    }

    /** @return {@code count} free UDP ports on loopback. */
    static int[] freePorts(final int count)
    {
        final int[] ports = new int[count];
        final List<DatagramSocket> held = new ArrayList<>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        finally
        {
            held.forEach(DatagramSocket::close);
        }
        return ports;
    }

    int size()
    {
        return endpoints.length - 1;
    }

    int clusterId()
    {
        return clusterId;
    }

    Path root()
    {
        return root;
    }

    /** @return {@code 1@host:port,2@host:port,...}. */
    String endpoints()
    {
        final StringBuilder out = new StringBuilder();
        for (int m = 1; m < endpoints.length; m++)
        {
            out.append(m == 1 ? "" : ",").append(m).append('@').append(endpoints[m]);
        }
        return out.toString();
    }

    /** @return {@code java <flags> -cp <this JVM's class path> SynodCli}. */
    static List<String> classPathLauncher()
    {
        final List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SynodCli.class.getName());
        return command;
    }

    /** @return {@code java <flags> -jar <jar>}. */
    static List<String> jarLauncher(final Path jar)
    {
        final List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(JVM_FLAGS);
        command.add("-jar");
        command.add(jar.toString());
        return command;
    }

    /** @return this JVM's java binary. */
    static String javaBinary()
    {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** @return the command line that starts member {@code m}. */
    List<String> command(final int m)
    {
        final List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("server", "--cluster-id", "" + clusterId, "--member-id", "" + m, "--members", endpoints(),
            "--data-dir", root.resolve("member-" + m).toString(), "--idle-strategy", "backoff", "--log-durability", "PAGE_CACHE",
            "--http-listen", httpEndpoints[m]));
        command.addAll(extraArgs);
        return command;
    }

    /** Starts member {@code m} (its output appended to {@code member-m.log}). */
    Process start(final int m)
    {
        try
        {
            Files.createDirectories(root);
            final File logFile = root.resolve("member-" + m + ".log").toFile();
            processes[m] = new ProcessBuilder(command(m))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
                .start();
            return processes[m];
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start member " + m, ex);
        }
    }

    Process process(final int m)
    {
        return processes[m];
    }

    /** SIGKILL: the process dies at once, with whatever its log had flushed to the page cache. */
    void kill(final int m) throws InterruptedException
    {
        final Process process = processes[m];
        if (process != null)
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            processes[m] = null;
        }
    }

    /** SIGTERM, and waits for the member to close (then SIGKILL after 10 s). */
    void stop(final int m) throws InterruptedException
    {
        final Process process = processes[m];
        if (process != null)
        {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            processes[m] = null;
        }
    }

    /**
     * Waits until every running member names the same leader, which is running and leads in its own view.
     *
     * @return that leader's status, or null at the deadline.
     */
    MemberStatus awaitLeader(final SynodClient client, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline)
        {
            MemberStatus leader = null;
            int leaderId = -1;
            boolean agreed = true;
            for (int m = 1; m <= size() && agreed; m++)
            {
                if (processes[m] == null || !processes[m].isAlive())
                {
                    continue;
                }
                final MemberStatus status = status(client, m);
                if (status == null || status.leaderId() == 0 || (leaderId != -1 && status.leaderId() != leaderId))
                {
                    agreed = false;
                    break;
                }
                leaderId = status.leaderId();
                if (status.memberId() == leaderId && "LEADER".equals(status.role()))
                {
                    leader = status;
                }
            }
            if (agreed && leader != null)
            {
                return leader;
            }
            Thread.sleep(50);
        }
        return null;
    }

    static MemberStatus status(final SynodClient client, final int m)
    {
        try
        {
            return client.status(m).join();
        }
        catch (final CompletionException ex)
        {
            return null;
        }
    }

    /** Stops every member (SIGTERM). */
    @Override
    public void close() throws InterruptedException
    {
        for (int m = 1; m <= size(); m++)
        {
            stop(m);
        }
    }

    /** Deletes the root directory. */
    void delete()
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            System.err.println("synod: could not delete " + root + ": " + ex.getMessage());
        }
    }
}
