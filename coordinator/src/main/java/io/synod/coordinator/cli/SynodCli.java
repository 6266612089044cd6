package io.synod.coordinator.cli;

import io.synod.coordinator.ConfigException;
import io.synod.coordinator.SynodExit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code synod}: the daemon ({@code server}), the remote CLI ({@code kv}, {@code status}) and the local cluster
 * launchers ({@code demo}, {@code local}). Exit codes are {@link SynodExit}'s.
 */
@Command(
    name = "synod",
    mixinStandardHelpOptions = true,
    versionProvider = SynodCli.Version.class,
    description = "Synod coordinator: a Raft key-value daemon over Aeron UDP, its CLI and a local cluster launcher.",
    subcommands = {ServerCommand.class, KvCli.class, LockCli.class, ElectionCli.class, StatusCommand.class, HealthCommand.class, DemoCommand.class, LocalCommand.class},
    footer = {"", "Exit codes: 0 ok; 1 applied but no (not found, version mismatch); 2 usage or configuration error; " +
        "3 rejected or unreachable; 4 outcome unknown; 5 server failure."})
public final class SynodCli implements Runnable
{
    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = SynodCli.class.getPackage().getImplementationVersion();
            return new String[] {"synod " + (version == null ? "(development build)" : version)};
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the command line and exits with its code.
     */
    public static void main(final String[] args)
    {
        // Before any Chronicle class loads: no usage analytics from the daemon (the jar's manifest cannot set it).
        System.setProperty("chronicle.analytics.disable", "true");
        // Chronicle and Aeron log through SLF4J; with no provider bound it would warn on every start.
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        System.exit(execute(args));
    }

    /** @return the exit code of running {@code args} (for tests and embedding). */
    public static int execute(final String... args)
    {
        final CommandLine commandLine = commandLine();
        return commandLine.execute(args);
    }

    static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new SynodCli());
        ServerCommand.addConfigOptions(commandLine.getSubcommands().get("server"));
        commandLine.setExecutionExceptionHandler((ex, cl, parseResult) ->
        {
            final PrintWriter err = cl.getErr();
            if (ex instanceof ConfigException)
            {
                err.println("synod: error: " + ex.getMessage());
                err.flush();
                return SynodExit.CONFIG;
            }
            err.println("synod: failed: " + ex);
            ex.printStackTrace(err);
            err.flush();
            return SynodExit.FAILED;
        });
        commandLine.setParameterExceptionHandler((ex, args) ->
        {
            final PrintWriter err = ex.getCommandLine().getErr();
            err.println("synod: error: " + ex.getMessage() + " (see " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return SynodExit.CONFIG;
        });
        return commandLine;
    }
}
