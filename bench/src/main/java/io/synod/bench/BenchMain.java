package io.synod.bench;

import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.ArrayList;
import java.util.List;

/**
 * Main class of {@code benchmarks.jar}: JMH's command line, with {@link BenchJvmFlags} appended to every fork's
 * JVM arguments (before any {@code -jvmArgsAppend} given on the command line). JMH annotations can only hold
 * constants, so the flags cannot come from the pom through {@code @Fork}; they come through here instead.
 * Help and list options go to {@link org.openjdk.jmh.Main} unchanged.
 */
public final class BenchMain
{
    private BenchMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final CommandLineOptions cmd;
        try
        {
            cmd = new CommandLineOptions(args);
        }
        catch (final CommandLineOptionException ex)
        {
            System.err.println("Error parsing command line:");
            System.err.println(" " + ex.getMessage());
            System.exit(1);
            return;
        }
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers() ||
            cmd.shouldListResultFormats())
        {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        final List<String> append = new ArrayList<>(BenchJvmFlags.list());
        if (cmd.getJvmArgsAppend().hasValue())
        {
            append.addAll(cmd.getJvmArgsAppend().get());
        }
        final Options options = new OptionsBuilder().parent(cmd).jvmArgsAppend(append.toArray(String[]::new)).build();
        try
        {
            new Runner(options).run();
        }
        catch (final NoBenchmarksException ex)
        {
            System.err.println("No matching benchmarks. Miss-spelled regexp?");
            System.exit(1);
        }
        catch (final RunnerException ex)
        {
            for (Throwable t = ex; t != null; t = t.getCause())
            {
                System.err.println(t.getMessage());
            }
            System.exit(1);
        }
    }
}
