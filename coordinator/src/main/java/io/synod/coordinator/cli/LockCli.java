package io.synod.coordinator.cli;

import io.synod.client.FencedLock;
import io.synod.client.LockAnswer;
import io.synod.client.LockFailedException;
import io.synod.client.LockInfo;
import io.synod.client.LockPage;
import io.synod.client.SynodClient;
import io.synod.coordinator.SynodExit;
import io.synod.lock.LockStatus;
import io.synod.raft.ReadMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code synod lock acquire|release|list}: the cluster's fenced locks through {@link SynodClient}. Exit 0 done,
 * 1 not granted in time / not held / lost while held, 3 rejected or unreachable, 4 unknown.
 */
@Command(name = "lock", mixinStandardHelpOptions = true, description = "Acquires, releases and lists fenced locks.",
    subcommands = {LockCli.Acquire.class, LockCli.Release.class, LockCli.List.class})
public final class LockCli implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Holds what was acquired for {@code holdMs} (negative: until the process is stopped), returning early if
     * {@code lost} counts down.
     *
     * @return true if the hold ran its course, false if it was lost.
     */
    static boolean hold(final long holdMs, final CountDownLatch lost) throws InterruptedException
    {
        if (holdMs < 0)
        {
            lost.await();
            return false;
        }
        return !lost.await(holdMs, TimeUnit.MILLISECONDS);
    }

    /** {@code synod lock acquire NAME}. */
    @Command(name = "acquire", mixinStandardHelpOptions = true,
        description = "Acquires the mutex NAME, prints its fence, holds it for --hold, then releases it.")
    static final class Acquire implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--wait", paramLabel = "MS", defaultValue = "-1",
            description = "how long to wait in the queue, ms (-1: for ever, 0: do not wait); default ${DEFAULT-VALUE}")
        long waitMs;
        @Option(names = "--hold", paramLabel = "MS", defaultValue = "-1",
            description = "how long to hold it before releasing, ms (-1: until the process is stopped); default ${DEFAULT-VALUE}")
        long holdMs;

        @Override
        public Integer call() throws InterruptedException
        {
            final SynodClient client = options.connect(true);
            final Thread hook = new Thread(client::close, "synod-lock-release");
            Runtime.getRuntime().addShutdownHook(hook);
            try
            {
                final FencedLock lock = client.lock(name);
                final CountDownLatch lost = new CountDownLatch(1);
                lock.onLost((lockName, fence, reason) -> lost.countDown());
                final int[] exit = {0};
                final Long fence = ClientOptions.await(lock.acquireAsync(waitMs < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(waitMs)),
                    System.err, exit);
                if (fence == null)
                {
                    return exit[0];
                }
                print("acquired", fence, client.sessionId());
                if (!hold(holdMs, lost))
                {
                    print("lost", fence, client.sessionId());
                    return SynodExit.NO;
                }
                try
                {
                    lock.unlock();
                }
                catch (final LockFailedException ex)
                {
                    print("lost", fence, client.sessionId());
                    return SynodExit.NO;
                }
                print("released", fence, client.sessionId());
                return SynodExit.OK;
            }
            catch (final LockFailedException failed)
            {
                System.err.println("synod: " + failed.getMessage());
                return SynodExit.NO;
            }
            finally
            {
                try
                {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                catch (final IllegalStateException ignore)
                {
                    // shutting down: the hook closes the client
                }
                client.close();
            }
        }

        private void print(final String event, final long fence, final long session)
        {
            if (options.json)
            {
                System.out.printf(Locale.ROOT, "{\"event\":%s,\"lock\":%s,\"fence\":%d,\"session\":%d}%n", Json.quote(event), Json.quote(name),
                    fence, session);
            }
            else
            {
                System.out.printf(Locale.ROOT, "%s %s: fence %d (session %d)%n", event, name, fence, session);
            }
            System.out.flush();
        }
    }

    /** {@code synod lock release NAME}. */
    @Command(name = "release", mixinStandardHelpOptions = true,
        description = "Force-releases the mutex NAME from its holder (an operator's command): the holder is told it lost it, the next waiter gets it.")
    static final class Release implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--session", paramLabel = "ID", description = "the holder's session (default: the current holder's)")
        long session;
        @Option(names = "--thread", paramLabel = "ID", description = "the holder's thread (default: the current holder's)")
        long thread;

        @Override
        public Integer call()
        {
            final int[] exit = {0};
            try (SynodClient client = options.connect(true))
            {
                if (session == 0)
                {
                    final LockPage page = ClientOptions.await(client.locks(name, true, 1, ReadMode.LINEARIZABLE), System.err, exit);
                    if (page == null)
                    {
                        return exit[0];
                    }
                    if (page.locks().isEmpty() || page.locks().get(0).holders().isEmpty())
                    {
                        printResult("not held", 0);
                        return SynodExit.NO;
                    }
                    session = page.locks().get(0).holders().get(0).session();
                    thread = page.locks().get(0).holders().get(0).thread();
                }
                final LockAnswer answer = ClientOptions.await(client.forceRelease(name, session, thread), System.err, exit);
                if (answer == null)
                {
                    return exit[0];
                }
                final boolean released = answer.status() == LockStatus.RELEASED;
                printResult(released ? "released" : "not held", answer.fence());
                return released ? SynodExit.OK : SynodExit.NO;
            }
        }

        private void printResult(final String result, final long fence)
        {
            if (options.json)
            {
                System.out.printf(Locale.ROOT, "{\"lock\":%s,\"result\":%s,\"fence\":%d,\"session\":%d}%n", Json.quote(name), Json.quote(result),
                    fence, session);
            }
            else
            {
                System.out.printf(Locale.ROOT, "%s %s: fence %d (holder session %d)%n", result, name, fence, session);
            }
        }
    }

    /** {@code synod lock list [PREFIX]}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists locks (and elections, election/NAME) with holders.")
    static final class List implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "PREFIX", defaultValue = "", description = "names starting with it (default: all)")
        String prefix;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "at most N locks; default ${DEFAULT-VALUE}")
        int limit;

        @Override
        public Integer call()
        {
            final int[] exit = {0};
            try (SynodClient client = options.connect(false))
            {
                final LockPage page = ClientOptions.await(client.locks(prefix, false, limit, ReadMode.LINEARIZABLE), System.err, exit);
                if (page == null)
                {
                    return exit[0];
                }
                if (options.json)
                {
                    final StringBuilder out = new StringBuilder("{\"locks\":[");
                    for (int i = 0; i < page.locks().size(); i++)
                    {
                        final LockInfo lock = page.locks().get(i);
                        out.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.quote(lock.name())).append(",\"kind\":")
                            .append(Json.quote(lock.kindName())).append(",\"used\":").append(lock.used()).append(",\"capacity\":")
                            .append(lock.capacity()).append(",\"waiters\":").append(lock.waiters()).append(",\"holders\":[");
                        for (int h = 0; h < lock.holders().size(); h++)
                        {
                            final LockInfo.Holder holder = lock.holders().get(h);
                            out.append(h == 0 ? "" : ",").append(String.format(Locale.ROOT,
                                "{\"session\":%d,\"thread\":%d,\"fence\":%d,\"permits\":%d,\"holdCount\":%d,\"value\":%s}",
                                holder.session(), holder.thread(), holder.fence(), holder.permits(), holder.holdCount(), Json.quote(holder.value())));
                        }
                        out.append("]}");
                    }
                    System.out.println(out.append("],\"more\":").append(page.more()).append('}'));
                }
                else
                {
                    System.out.printf(Locale.ROOT, "%-32s %-9s %8s %8s %12s %7s%n", "NAME", "KIND", "SESSION", "THREAD", "FENCE", "WAITERS");
                    for (final LockInfo lock : page.locks())
                    {
                        if (lock.holders().isEmpty())
                        {
                            System.out.printf(Locale.ROOT, "%-32s %-9s %8s %8s %12s %7d%n", lock.name(), lock.kindName(), "-", "-", "-", lock.waiters());
                        }
                        for (final LockInfo.Holder holder : lock.holders())
                        {
                            System.out.printf(Locale.ROOT, "%-32s %-9s %8d %8d %12d %7d%n", lock.name(), lock.kindName(), holder.session(),
                                holder.thread(), holder.fence(), lock.waiters());
                        }
                    }
                    if (page.more())
                    {
                        System.out.println("(more: raise --limit or narrow the prefix)");
                    }
                }
                return SynodExit.OK;
            }
        }
    }
}
