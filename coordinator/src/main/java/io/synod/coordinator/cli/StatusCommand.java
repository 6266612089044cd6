package io.synod.coordinator.cli;

import io.synod.client.MemberStatus;
import io.synod.client.SynodClient;
import io.synod.coordinator.SynodExit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/**
 * {@code synod status}: asks every member listed for its own view (no Raft round) and prints a table: role, term,
 * leader, commit and applied index, lag behind the leader's commit index, sessions, keys and the digest of the KV
 * state. Exit 0 when a reachable majority agrees on a leader, else 3.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows each member's role, term, leader, indexes and lag.")
public final class StatusCommand implements Callable<Integer>
{
    @Mixin
    ClientOptions options;

    @Override
    public Integer call()
    {
        try (SynodClient client = options.connect(false))
        {
            final Map<Integer, CompletableFuture<MemberStatus>> futures = new LinkedHashMap<>();
            for (final int member : client.members().keySet())
            {
                futures.put(member, client.status(member));
            }
            final Map<Integer, MemberStatus> statuses = new LinkedHashMap<>();
            final Map<Integer, String> errors = new LinkedHashMap<>();
            for (final Map.Entry<Integer, CompletableFuture<MemberStatus>> entry : futures.entrySet())
            {
                try
                {
                    statuses.put(entry.getKey(), entry.getValue().join());
                }
                catch (final CompletionException ex)
                {
                    errors.put(entry.getKey(), "unreachable");
                }
            }
            long leaderCommit = 0;
            final Map<Integer, Integer> votesForLeader = new LinkedHashMap<>();
            for (final MemberStatus status : statuses.values())
            {
                if ("LEADER".equals(status.role()))
                {
                    leaderCommit = Math.max(leaderCommit, status.commitIndex());
                }
                if (status.leaderId() != 0)
                {
                    votesForLeader.merge(status.leaderId(), 1, Integer::sum);
                }
            }
            final int majority = client.members().size() / 2 + 1;
            final boolean leaderKnown = votesForLeader.values().stream().anyMatch((n) -> n >= majority);
            print(client.members(), statuses, errors, leaderCommit);
            return leaderKnown ? SynodExit.OK : SynodExit.REJECTED;
        }
    }

    private void print(
        final Map<Integer, String> endpoints, final Map<Integer, MemberStatus> statuses, final Map<Integer, String> errors, final long leaderCommit)
    {
        if (options.json)
        {
            final StringBuilder out = new StringBuilder("{\"members\":[");
            boolean first = true;
            for (final Map.Entry<Integer, String> member : endpoints.entrySet())
            {
                out.append(first ? "" : ",");
                first = false;
                final MemberStatus s = statuses.get(member.getKey());
                out.append("{\"member\":").append(member.getKey()).append(",\"endpoint\":").append(Json.quote(member.getValue()));
                if (s == null)
                {
                    out.append(",\"error\":").append(Json.quote(errors.get(member.getKey()))).append('}');
                    continue;
                }
                out.append(String.format(Locale.ROOT,
                    ",\"role\":\"%s\",\"term\":%d,\"leader\":%d,\"commitIndex\":%d,\"lastApplied\":%d,\"lag\":%d,\"sessions\":%d,\"keys\":%d," +
                    "\"digest\":\"%016x\",\"badFrames\":%d}",
                    s.role(), s.term(), s.leaderId(), s.commitIndex(), s.lastApplied(), Math.max(0, leaderCommit - s.lastApplied()),
                    s.sessions(), s.keys(), s.digest(), s.badFrames()));
            }
            System.out.println(out.append("]}"));
            return;
        }
        System.out.printf(Locale.ROOT, "%-6s %-22s %-13s %5s %6s %8s %8s %5s %8s %8s  %s%n",
            "MEMBER", "ENDPOINT", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAG", "SESSIONS", "KEYS", "DIGEST");
        for (final Map.Entry<Integer, String> member : endpoints.entrySet())
        {
            final MemberStatus s = statuses.get(member.getKey());
            if (s == null)
            {
                System.out.printf(Locale.ROOT, "%-6d %-22s %s%n", member.getKey(), member.getValue(), errors.get(member.getKey()));
                continue;
            }
            System.out.printf(Locale.ROOT, "%-6d %-22s %-13s %5d %6d %8d %8d %5d %8d %8d  %016x%n", member.getKey(), member.getValue(),
                s.role(), s.term(), s.leaderId(), s.commitIndex(), s.lastApplied(), Math.max(0, leaderCommit - s.lastApplied()),
                s.sessions(), s.keys(), s.digest());
        }
    }
}
