package io.synod.blackbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The classic lock hazard, driven for real during a lock run: a {@link LockClientProcess} (a separate JVM with its own
 * media driver, session TTL {@link #SESSION_TTL_MS}) acquires {@link LockWorkload#LOCKS}' first lock and writes to the
 * {@link FencedResource} with its fence; the harness SIGSTOPs the whole process for longer than its session TTL, until
 * one of the workload's threads (waiting for the same lock) has been granted it and has written with its higher fence;
 * then SIGCONT, and the woken process writes again with its old fence, believing it still holds the lock. The resource
 * must refuse that write; {@link #check} fails the run if one completed cycle's late write was accepted or if no cycle
 * completed at all. Cycles repeat every few seconds while the workload runs; one Jepsen process and client number per
 * cycle; after an unknown acquire or release the process is killed and a new one started (its session may hold the
 * lock unknowingly until it expires). Every step is in the history (the pause and resume as {@code :nemesis} {@code :pause-client} /
 * {@code :resume-client}).
 */
final class PausedHolder
{
    /** Session TTL of the paused process's client. */
    static final long SESSION_TTL_MS = 2_000;
    /** The pause lasts at least this long (past the TTL) and at most {@link #PAUSE_MAX_MS}. */
    static final long PAUSE_MIN_MS = SESSION_TTL_MS + 1_000;
    /** Below the process's Aeron driver and client liveness timeouts (10 s), so it wakes with a working client. */
    static final long PAUSE_MAX_MS = 8_000;
    /** How long one answer of the process may take (an acquire waits up to its queue wait plus its request timeout). */
    static final long ANSWER_TIMEOUT_MS = 30_000;

    /**
     * One cycle's outcome.
     *
     * @param fence           the fence the paused process held.
     * @param successorFence  the highest fence the resource had accepted when it woke.
     * @param pausedMs        how long it was stopped.
     * @param lateWrite       the late write with the old fence as recorded.
     * @param knewLost        whether its client had been told of the loss before it wrote.
     * @param release         the process's release answer after the late write.
     */
    record Hazard(long fence, long successorFence, long pausedMs, LockOp lateWrite, boolean knewLost, String release)
    {
        boolean reached()
        {
            return successorFence > fence;
        }
    }

    private final LockWorkload workload;
    private final RunContext context;
    private final List<Hazard> hazards = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private volatile Process process;
    private Writer commands;
    private Thread thread;
    private volatile boolean stopping;
    private volatile boolean paused;

    PausedHolder(final LockWorkload workload, final RunContext context)
    {
        this.workload = workload;
        this.context = context;
    }

    void start()
    {
        thread = new Thread(this::run, "paused-holder");
        thread.setDaemon(true);
        thread.start();
    }

    List<Hazard> hazards()
    {
        return List.copyOf(hazards);
    }

    private void run()
    {
        try
        {
            while (!stopping)
            {
                if (process == null)
                {
                    launch();
                    if (!"ready".equals(answers.poll(60, TimeUnit.SECONDS)))
                    {
                        notes.add("the lock client process did not start within 60 s");
                        return;
                    }
                }
                cycle();
                sleep(2_000);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final RuntimeException | IOException ex)
        {
            notes.add("scenario stopped: " + ex);
        }
    }

    private void launch() throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter((a) -> a.startsWith("--add-")).forEach(command::add);
        command.addAll(List.of("-Dchronicle.analytics.disable=true", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), LockClientProcess.class.getName(), "" + context.clusterId(), context.members(),
            "" + SESSION_TTL_MS));
        final Path log = context.dir().resolve("lock-client-process.log");
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    if (!line.startsWith("lost "))
                    {
                        answers.add(line);
                    }
                }
            }
            catch (final IOException ex)
            {
                // the process ended
            }
        }, "paused-holder-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private String ask(final String line) throws IOException, InterruptedException
    {
        commands.write(line + "\n");
        commands.flush();
        final String answer = answers.poll(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (answer == null)
        {
            throw new IllegalStateException("no answer to '" + line + "' within " + ANSWER_TIMEOUT_MS + " ms");
        }
        return answer;
    }

    private void cycle() throws IOException, InterruptedException
    {
        final String name = LockWorkload.LOCKS.get(0);
        final History history = context.history();
        final int process = workload.nextProcess();
        final int invokeIndex = history.append(process, History.Type.INVOKE, LockOp.ACQUIRE, LockOp.edn(name, process, 0, LockOp.ACQUIRE, 0),
            null);
        final long invokeNs = history.now();
        final String acquired = ask("acquire " + name + " 10000");
        if (!acquired.startsWith("acquired "))
        {
            final boolean failed = acquired.startsWith("failed ");
            workload.record(process, process, LockOp.ACQUIRE, name, 0, failed ? History.Type.FAIL : History.Type.INFO, invokeIndex, invokeNs,
                acquired);
            if (!failed)
            {
                notes.add("acquire unknown: " + acquired);
                replaceProcess();
            }
            return;
        }
        final long fence = Long.parseLong(acquired.substring("acquired ".length()));
        workload.record(process, process, LockOp.ACQUIRE, name, fence, History.Type.OK, invokeIndex, invokeNs, null);
        write(process, name);

        history.append(-1, History.Type.INFO, "pause-client", "[" + process + " " + this.process.pid() + "]", null);
        signal("STOP");
        paused = true;
        final long pausedNs = System.nanoTime();
        history.append(-1, History.Type.INFO, "pause-client", "[" + process + " " + this.process.pid() + "]", null);
        final FencedResource resource = workload.resource();
        // A stop cuts the pause short only once a cycle has reached the hazard (the workload's threads run until then).
        while (!(stopping && hazards.stream().anyMatch(Hazard::reached)) &&
            (elapsedMs(pausedNs) < PAUSE_MIN_MS || resource.highestFence(name) <= fence) && elapsedMs(pausedNs) < PAUSE_MAX_MS)
        {
            sleep(50);
        }
        final long successorFence = resource.highestFence(name);
        history.append(-1, History.Type.INFO, "resume-client", "[" + process + " " + this.process.pid() + "]", null);
        signal("CONT");
        paused = false;
        final long pausedMs = elapsedMs(pausedNs);
        history.append(-1, History.Type.INFO, "resume-client", "[" + process + " " + this.process.pid() + "]", null);

        final String[] attempt = ask("write " + name + " " + workload.nextValue()).split(" ");
        final LockOp late = workload.count(workload.resource().write(process, process, name, Long.parseLong(attempt[2]), Long.parseLong(attempt[3])));
        final int releaseIndex = history.append(process, History.Type.INVOKE, LockOp.RELEASE, LockOp.edn(name, process, fence, LockOp.RELEASE, 0),
            null);
        final long releaseNs = history.now();
        final String released = ask("release " + name);
        workload.record(process, process, LockOp.RELEASE, name, fence, released.equals("released") ? History.Type.OK :
            released.startsWith("failed ") ? History.Type.FAIL : History.Type.INFO, releaseIndex, releaseNs, released.equals("released") ? null : released);
        hazards.add(new Hazard(fence, successorFence, pausedMs, late, Boolean.parseBoolean(attempt[4]), released));
        if (released.startsWith("unknown"))
        {
            replaceProcess();
        }
    }

    /**
     * After an unknown outcome the process's session may hold the lock without knowing: the process goes (SIGKILL; its
     * session expires within its TTL and the cluster releases its holds) and the next cycle starts a new one.
     */
    private void replaceProcess() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        process = null;
        answers.clear();
    }

    private void write(final int process, final String name) throws IOException, InterruptedException
    {
        final String[] attempt = ask("write " + name + " " + workload.nextValue()).split(" ");
        workload.count(workload.resource().write(process, process, name, Long.parseLong(attempt[2]), Long.parseLong(attempt[3])));
    }

    private void signal(final String signal)
    {
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

    /** Ends the cycles: the current one finishes (its pause cut short if an earlier cycle reached the hazard). */
    void stop() throws InterruptedException
    {
        stopping = true;
        if (thread != null)
        {
            thread.join(3 * ANSWER_TIMEOUT_MS);
        }
    }

    /** SIGCONT if still paused, then ends the process. */
    void close()
    {
        if (process == null)
        {
            return;
        }
        if (paused && process.isAlive())
        {
            signal("CONT");
        }
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return passes if at least one cycle reached the hazard and every such cycle's late write was refused. */
    Workload.Check check()
    {
        final List<Hazard> all = hazards();
        final List<Hazard> reached = all.stream().filter(Hazard::reached).toList();
        final List<Hazard> accepted = reached.stream().filter((h) -> h.lateWrite().type() == History.Type.OK).toList();
        final StringBuilder detail = new StringBuilder();
        detail.append(all.size()).append(" cycle(s) of a client process paused past its ").append(SESSION_TTL_MS).append(" ms session TTL, ")
            .append(reached.size()).append(" with a successor's higher fence written before it woke; late writes refused: ")
            .append(reached.size() - accepted.size());
        all.forEach((h) -> detail.append("\n  fence ").append(h.fence()).append(", paused ").append(h.pausedMs()).append(" ms, successor fence ")
            .append(h.successorFence()).append(", late write ").append(h.lateWrite().type().edn()).append(h.lateWrite().error() == null ? "" :
                " (" + h.lateWrite().error() + ")").append(", knew of the loss: ").append(h.knewLost()).append(", release: ").append(h.release()));
        notes.forEach((n) -> detail.append("\n  note: ").append(n));
        return new Workload.Check("lock: a client process paused past its session TTL is fenced off (" + reached.size() + " late writes)",
            !reached.isEmpty() && accepted.isEmpty(), detail.toString());
    }

    private static long elapsedMs(final long sinceNs)
    {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNs);
    }

    private static void sleep(final long ms) throws InterruptedException
    {
        Thread.sleep(ms);
    }
}
