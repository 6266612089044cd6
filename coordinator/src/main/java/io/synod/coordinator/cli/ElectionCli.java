package io.synod.coordinator.cli;

import io.synod.client.Election;
import io.synod.client.ElectionLeader;
import io.synod.client.SynodClient;
import io.synod.coordinator.SynodExit;
import io.synod.raft.ReadMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code synod election observe|campaign}: named elections through {@link SynodClient}. Exit 0 (observe: a leader;
 * campaign: elected and resigned), 1 (observe: no leader; campaign: leadership lost), 3 rejected or unreachable,
 * 4 unknown.
 */
@Command(name = "election", mixinStandardHelpOptions = true, description = "Observes and campaigns in named elections.",
    subcommands = {ElectionCli.Observe.class, ElectionCli.Campaign.class})
public final class ElectionCli implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static void print(final boolean json, final String event, final String name, final ElectionLeader leader)
    {
        if (json)
        {
            System.out.printf(Locale.ROOT, "{\"event\":%s,\"election\":%s,\"leader\":%s}%n", Json.quote(event), Json.quote(name), leader == null ?
                "null" : String.format(Locale.ROOT, "{\"candidate\":%d,\"session\":%d,\"fence\":%d,\"value\":%s}", leader.candidate(),
                leader.session(), leader.fence(), Json.quote(leader.value())));
        }
        else if (leader == null)
        {
            System.out.printf(Locale.ROOT, "%s %s: no leader%n", event, name);
        }
        else
        {
            System.out.printf(Locale.ROOT, "%s %s: candidate %d, fence %d, value '%s' (session %d)%n", event, name, leader.candidate(),
                leader.fence(), leader.value(), leader.session());
        }
        System.out.flush();
    }

    /** {@code synod election observe NAME}. */
    @Command(name = "observe", mixinStandardHelpOptions = true, description = "Prints the election's leader, or 'no leader'.")
    static final class Observe implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call()
        {
            final int[] exit = {0};
            try (SynodClient client = options.connect(false))
            {
                final Optional<ElectionLeader> leader = ClientOptions.await(client.election(name).leader(ReadMode.LINEARIZABLE), System.err, exit);
                if (leader == null)
                {
                    return exit[0];
                }
                print(options.json, "leader", name, leader.orElse(null));
                return leader.isPresent() ? SynodExit.OK : SynodExit.NO;
            }
        }
    }

    /** {@code synod election campaign NAME}. */
    @Command(name = "campaign", mixinStandardHelpOptions = true,
        description = "Campaigns until elected, prints the leadership's fence, leads for --hold, then resigns.")
    static final class Campaign implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--candidate", paramLabel = "ID", defaultValue = "1", description = "this candidate's id; default ${DEFAULT-VALUE}")
        long candidate;
        @Option(names = "--value", paramLabel = "TEXT", defaultValue = "", description = "what observers see (e.g. an address)")
        String value;
        @Option(names = "--hold", paramLabel = "MS", defaultValue = "-1",
            description = "how long to lead before resigning, ms (-1: until the process is stopped); default ${DEFAULT-VALUE}")
        long holdMs;

        @Override
        public Integer call() throws InterruptedException
        {
            final int[] exit = {0};
            final SynodClient client = options.connect(true);
            final Thread hook = new Thread(client::close, "synod-election-resign");
            Runtime.getRuntime().addShutdownHook(hook);
            try
            {
                final CountDownLatch lost = new CountDownLatch(1);
                client.onLockLost((lockName, fence, reason) -> lost.countDown());
                final Election election = client.election(name);
                final ElectionLeader me = ClientOptions.await(election.campaign(candidate, value), System.err, exit);
                if (me == null)
                {
                    return exit[0] == 0 ? SynodExit.NO : exit[0];
                }
                print(options.json, "elected", name, me);
                if (!LockCli.hold(holdMs, lost))
                {
                    print(options.json, "lost", name, me);
                    return SynodExit.NO;
                }
                if (ClientOptions.await(election.resign(me), System.err, exit) == null && exit[0] != 0)
                {
                    return exit[0];
                }
                print(options.json, "resigned", name, me);
                return SynodExit.OK;
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
    }
}
