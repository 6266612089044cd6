package io.synod.coordinator.cli;

import io.synod.client.MemberStatus;
import io.synod.client.SynodClient;
import io.synod.coordinator.SynodExit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code synod health}: one line and an exit code for scripts and probes outside the cluster: 0 when a majority of the
 * members listed is reachable and names the same leader, else 3 (the line says what is missing).
 */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Exit 0 if a majority of members is reachable and agrees on a leader, else 3; one line says why.")
public final class HealthCommand implements java.util.concurrent.Callable<Integer>
{
    @Mixin
    ClientOptions options;

    @Override
    public Integer call()
    {
        try (SynodClient client = options.connect(false))
        {
            final Map<Integer, CompletableFuture<MemberStatus>> futures = new HashMap<>();
            client.members().keySet().forEach((m) -> futures.put(m, client.status(m)));
            final List<Integer> unreachable = new ArrayList<>();
            final Map<Integer, Integer> namedLeader = new HashMap<>();
            for (final Map.Entry<Integer, CompletableFuture<MemberStatus>> entry : futures.entrySet())
            {
                try
                {
                    final MemberStatus status = entry.getValue().join();
                    if (status.leaderId() != 0)
                    {
                        namedLeader.merge(status.leaderId(), 1, Integer::sum);
                    }
                }
                catch (final CompletionException ex)
                {
                    unreachable.add(entry.getKey());
                }
            }
            final int members = client.members().size();
            final int majority = members / 2 + 1;
            final int reachable = members - unreachable.size();
            final Map.Entry<Integer, Integer> leader = namedLeader.entrySet().stream().max(Map.Entry.comparingByValue()).orElse(null);
            final boolean healthy = reachable >= majority && leader != null && leader.getValue() >= majority;
            final String line = String.format(Locale.ROOT, "%s: leader %s, %d of %d members reachable%s", healthy ? "healthy" : "unhealthy",
                leader == null ? "unknown" : leader.getKey() + " (named by " + leader.getValue() + ")", reachable, members,
                unreachable.isEmpty() ? "" : ", unreachable: " + unreachable);
            if (options.json)
            {
                System.out.printf(Locale.ROOT, "{\"healthy\":%b,\"leader\":%d,\"reachable\":%d,\"members\":%d}%n", healthy,
                    leader == null ? 0 : leader.getKey(), reachable, members);
            }
            else
            {
                System.out.println(line);
            }
            return healthy ? SynodExit.OK : SynodExit.REJECTED;
        }
    }
}
