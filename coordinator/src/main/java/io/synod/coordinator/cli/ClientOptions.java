package io.synod.coordinator.cli;

import io.synod.client.OutcomeUnknownException;
import io.synod.client.RequestRejectedException;
import io.synod.client.SynodClient;
import io.synod.coordinator.ConfigException;
import io.synod.coordinator.SynodExit;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The options every remote command shares: where the cluster is, how long to wait, how to print. */
final class ClientOptions
{
    /** The endpoints {@code ./synod local} starts on, used when none are given. */
    static final String LOCAL_ENDPOINTS = "1@127.0.0.1:20001,2@127.0.0.1:20002,3@127.0.0.1:20003";

    @Option(names = "--endpoints", paramLabel = "ID@HOST:PORT,...",
        defaultValue = "${env:SYNOD_ENDPOINTS:-" + LOCAL_ENDPOINTS + "}",
        description = "the members (any subset will do); env SYNOD_ENDPOINTS; default ${DEFAULT-VALUE}")
    String endpoints;

    @Option(names = "--cluster-id", paramLabel = "ID", defaultValue = "${env:SYNOD_CLUSTER_ID:-1}",
        description = "the cluster's id; env SYNOD_CLUSTER_ID; default ${DEFAULT-VALUE}")
    int clusterId;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "5000",
        description = "how long a request may take before its outcome is unknown, ms; default ${DEFAULT-VALUE}")
    long timeoutMs;

    @Option(names = "--mac-secret", paramLabel = "SECRET", defaultValue = "${env:SYNOD_MAC_SECRET}",
        description = "the members' frame MAC secret, if set; env SYNOD_MAC_SECRET")
    String macSecret;

    @Option(names = "--session-ttl", paramLabel = "MS", defaultValue = "10000",
        description = "the client session's TTL, ms (locks and elections are lost when it expires); default ${DEFAULT-VALUE}")
    long sessionTtlMs;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    SynodClient connect(final boolean openSession)
    {
        final SynodClient.Context ctx = new SynodClient.Context()
            .clusterId(clusterId)
            .requestTimeout(Duration.ofMillis(timeoutMs))
            .sessionTtl(Duration.ofMillis(sessionTtlMs))
            .macSecret(macSecret == null || macSecret.isEmpty() ? null : macSecret)
            .openSession(openSession);
        try
        {
            ctx.members(endpoints);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException("--endpoints: " + ex.getMessage());
        }
        return SynodClient.connect(ctx);
    }

    /**
     * Waits for a future and maps a failure to its exit code, printing one line.
     *
     * @return the result, or null after printing the failure (its code in {@code exit[0]}).
     */
    static <T> T await(final CompletableFuture<T> future, final PrintStream err, final int[] exit)
    {
        try
        {
            return future.join();
        }
        catch (final CompletionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof RequestRejectedException rejected)
            {
                err.println("synod: rejected: " + rejected.getMessage());
                exit[0] = rejected.reason() == RequestRejectedException.BAD_ARGUMENT ? SynodExit.CONFIG : SynodExit.REJECTED;
            }
            else if (cause instanceof io.synod.client.LockFailedException)
            {
                err.println("synod: " + cause.getMessage());
                exit[0] = SynodExit.NO;
            }
            else if (cause instanceof OutcomeUnknownException)
            {
                err.println("synod: outcome unknown: " + cause.getMessage());
                exit[0] = SynodExit.UNKNOWN;
            }
            else
            {
                err.println("synod: failed: " + cause);
                exit[0] = SynodExit.FAILED;
            }
            return null;
        }
    }
}
