package io.synod.coordinator.cli;

import io.synod.coordinator.ServerConfig;
import io.synod.coordinator.SynodExit;
import io.synod.coordinator.SynodServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code synod server}: starts one member from its configuration (flag &gt; env &gt; file &gt; default, see
 * {@link ServerConfig}), prints the effective configuration, and runs until SIGTERM/SIGINT (then hands leadership to another member if it leads, and closes the member,
 * flushing its log) or until the member fails (exit 5).
 */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Runs one member of a synod cluster. Every key is a flag, an environment variable and a key in the " +
        "configuration file; precedence: flag > env > file > default.")
public final class ServerCommand implements Callable<Integer>
{
    @CommandLine.Option(names = "--config", paramLabel = "FILE", description = "configuration file (properties); also SYNOD_CONFIG")
    Path config;

    @CommandLine.Option(names = "--print-config", description = "print the effective configuration and exit")
    boolean printOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Adds one option per configuration key to the {@code server} command. */
    static void addConfigOptions(final CommandLine server)
    {
        for (final ServerConfig.Key key : ServerConfig.Key.values())
        {
            server.getCommandSpec().addOption(OptionSpec.builder(key.flag())
                .paramLabel("VALUE")
                .type(String.class)
                .description(key.description() + " [" + key.property() + ", " + key.env() + "; " +
                    (key.defaultValue() == null ? "required" : "default '" + key.defaultValue() + "'") + "]")
                .build());
        }
    }

    @Override
    public Integer call() throws InterruptedException
    {
        final Map<ServerConfig.Key, String> flags = new EnumMap<>(ServerConfig.Key.class);
        for (final ServerConfig.Key key : ServerConfig.Key.values())
        {
            final OptionSpec option = spec.findOption(key.flag());
            if (option != null && spec.commandLine().getParseResult().hasMatchedOption(option))
            {
                flags.put(key, option.getValue());
            }
        }
        final Map<String, String> env = System.getenv();
        final Path file = config != null ? config : env.containsKey(ServerConfig.CONFIG_ENV) ? Path.of(env.get(ServerConfig.CONFIG_ENV)) : null;
        final ServerConfig resolved = ServerConfig.resolve(flags, env, file);
        System.out.print("synod server: " + resolved.describe());
        System.out.flush();
        if (printOnly)
        {
            return SynodExit.OK;
        }
        final SynodServer server = SynodServer.start(resolved, System.out);
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            System.out.println("synod: stopping (signal)");
            try
            {
                final long startNs = System.nanoTime();
                final int successor = server.handOffLeadership();
                if (successor != 0)
                {
                    System.out.printf("synod: handed leadership to member %d in %.0f ms%n", successor, (System.nanoTime() - startNs) / 1e6);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            System.out.println("synod: closing the member and flushing its log");
            server.close();
            System.out.println("synod: stopped");
            System.out.flush();
            stopped.countDown();
        }, "synod-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        while (!stopped.await(200, TimeUnit.MILLISECONDS))
        {
            final Throwable failure = server.failure();
            if (failure != null)
            {
                System.err.println("synod: error: the member stopped on a failure: " + failure);
                Runtime.getRuntime().removeShutdownHook(hook);
                server.close();
                return SynodExit.FAILED;
            }
        }
        return SynodExit.OK;
    }
}
