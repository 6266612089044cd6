package io.synod.raft.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A member (or client) in its own JVM, for tests about crashes: started with this JVM's module flags
 * ({@code --add-opens/--add-exports}, {@code -Dchronicle...}) and class path, driven by lines on its
 * stdin, reporting by lines on its stdout. Each stdout line goes to a handler first (events the test
 * collects); lines the handler does not take are replies, read in order by {@link #ask} /
 * {@link #nextReply}. Stderr goes to a file. {@link #kill()} is SIGKILL.
 *
 * <p>One line is understood here: {@code ROLE <role> <term>}, which a child prints on every role change,
 * is kept as {@link #role()} / {@link #term()} (and still offered to the handler).
 */
public final class ChildJvm
{
    private final Process process;
    private final PrintStream in;
    private final LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final Predicate<String> events;
    private final String name;
    private volatile String role = "NONE";
    private volatile long term;

    /**
     * Starts {@code mainClass} with {@code args}.
     *
     * @param name    for thread names and failure messages.
     * @param maxHeap for example {@code "256m"}.
     * @param stderr  where the child's stderr goes.
     * @param events  takes a stdout line and returns true if it was an event (else it is a reply).
     */
    public ChildJvm(
        final String name, final Class<?> mainClass, final String maxHeap, final Path stderr, final Predicate<String> events,
        final String... args) throws IOException
    {
        this.name = name;
        this.events = events;
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle"))
            {
                command.add(arg);
            }
        }
        command.add("-Xmx" + maxHeap);
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        in = new PrintStream(process.getOutputStream(), true, StandardCharsets.US_ASCII);
        final Thread reader = new Thread(this::read, "child-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    private void read()
    {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII)))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                if (line.startsWith("ROLE "))
                {
                    final String[] words = line.split(" ");
                    term = Long.parseLong(words[2]);
                    role = words[1];
                }
                if (!events.test(line))
                {
                    replies.add(line);
                }
            }
        }
        catch (final IOException ignore)
        {
            // the process died
        }
    }

    /** Sends one line to the child's stdin. */
    public void send(final String line)
    {
        in.println(line);
    }

    /** @return the next reply, or null after {@code timeout}. */
    public String nextReply(final Duration timeout) throws InterruptedException
    {
        return replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Sends {@code request} and waits for the next reply.
     *
     * @throws AssertionError if none comes within {@code timeout}.
     */
    public String ask(final String request, final Duration timeout) throws InterruptedException
    {
        send(request);
        final String reply = nextReply(timeout);
        if (reply == null)
        {
            throw new AssertionError(name + " did not answer " + request + " within " + timeout);
        }
        return reply;
    }

    /** @return the role of the child's last {@code ROLE} line ({@code "NONE"} before the first). */
    public String role()
    {
        return role;
    }

    /** @return the term of the child's last {@code ROLE} line. */
    public long term()
    {
        return term;
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    public Process process()
    {
        return process;
    }

    /** SIGKILL, then waits for the process to end (at most 10 s). */
    public void kill() throws InterruptedException
    {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
