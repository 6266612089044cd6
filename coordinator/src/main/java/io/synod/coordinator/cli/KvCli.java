package io.synod.coordinator.cli;

import io.synod.client.ClientProtocol;
import io.synod.client.KvEntry;
import io.synod.client.KvResult;
import io.synod.client.ListPage;
import io.synod.client.SynodClient;
import io.synod.coordinator.SynodExit;
import io.synod.raft.ReadMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code synod kv put|get|cas|del|list}: the replicated key-value store through {@link SynodClient}. Keys and
 * values are UTF-8 text. Exit 0 on OK, 1 on NOT_FOUND / VERSION_MISMATCH, 3 rejected or unreachable, 4 unknown.
 */
@Command(name = "kv", mixinStandardHelpOptions = true, description = "Reads and writes the replicated key-value store.",
    subcommands = {KvCli.Put.class, KvCli.Get.class, KvCli.Cas.class, KvCli.Del.class, KvCli.List.class})
public final class KvCli implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static int printWrite(final ClientOptions options, final String op, final String key, final KvResult result, final int[] exit)
    {
        if (result == null)
        {
            return exit[0];
        }
        if (options.json)
        {
            System.out.printf(Locale.ROOT, "{\"op\":%s,\"key\":%s,\"status\":%s,\"version\":%d,\"index\":%d}%n",
                Json.quote(op), Json.quote(key), Json.quote(result.status().name()), result.version(), result.index());
        }
        else
        {
            System.out.printf(Locale.ROOT, "%s %s: %s, version %d (log index %d)%n", op, key, result.status(), result.version(), result.index());
        }
        return result.ok() ? SynodExit.OK : SynodExit.NO;
    }

    /** {@code synod kv put KEY VALUE}. */
    @Command(name = "put", mixinStandardHelpOptions = true, description = "Stores VALUE under KEY (version + 1); applied once.")
    static final class Put implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        public Integer call()
        {
            final int[] exit = {0};
            try (SynodClient client = options.connect(true))
            {
                return printWrite(options, "put", key, ClientOptions.await(client.put(key, value), System.err, exit), exit);
            }
        }
    }

    /** {@code synod kv cas KEY EXPECTED_VERSION VALUE}. */
    @Command(name = "cas", mixinStandardHelpOptions = true,
        description = "Stores VALUE under KEY only if its version is EXPECTED_VERSION (0: the key must be absent).")
    static final class Cas implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Parameters(index = "1", paramLabel = "EXPECTED_VERSION")
        long expected;
        @Parameters(index = "2", paramLabel = "VALUE")
        String value;

        @Override
        public Integer call()
        {
            final int[] exit = {0};
            try (SynodClient client = options.connect(true))
            {
                return printWrite(options, "cas", key, ClientOptions.await(client.compareAndSet(key, expected, value), System.err, exit), exit);
            }
        }
    }

    /** {@code synod kv del KEY}. */
    @Command(name = "del", mixinStandardHelpOptions = true, description = "Deletes KEY.")
    static final class Del implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Override
        public Integer call()
        {
            final int[] exit = {0};
            try (SynodClient client = options.connect(true))
            {
                return printWrite(options, "del", key, ClientOptions.await(client.delete(key), System.err, exit), exit);
            }
        }
    }

    /** {@code synod kv get KEY [--read MODE]}. */
    @Command(name = "get", mixinStandardHelpOptions = true, description = "Prints the value of KEY (text: the value alone).")
    static final class Get implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Option(names = "--read", paramLabel = "MODE", defaultValue = "LINEARIZABLE",
            description = "LINEARIZABLE (ReadIndex), LEASE (leader lease) or STALE (any member's applied state); default ${DEFAULT-VALUE}")
        ReadMode mode;

        @Override
        public Integer call()
        {
            final int[] exit = {0};
            try (SynodClient client = options.connect(false))
            {
                final KvResult result = ClientOptions.await(client.get(key, mode), System.err, exit);
                if (result == null)
                {
                    return exit[0];
                }
                if (options.json)
                {
                    System.out.printf(Locale.ROOT, "{\"key\":%s,\"status\":%s,\"value\":%s,\"version\":%d,\"readIndex\":%d}%n",
                        Json.quote(key), Json.quote(result.status().name()), Json.quote(result.valueString()), result.version(), result.index());
                }
                else if (result.ok())
                {
                    System.out.println(result.valueString());
                }
                else
                {
                    System.err.println("synod: " + key + ": " + result.status());
                }
                return result.ok() ? SynodExit.OK : SynodExit.NO;
            }
        }
    }

    /** {@code synod kv list [PREFIX] [--limit N] [--after KEY] [--read MODE]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists keys with PREFIX in byte order, with values and versions; continue with --after.")
    static final class List implements Callable<Integer>
    {
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "PREFIX", defaultValue = "", arity = "0..1")
        String prefix;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "" + ClientProtocol.LIST_LIMIT_DEFAULT,
            description = "keys at most, 1 to " + ClientProtocol.LIST_LIMIT_MAX + "; default ${DEFAULT-VALUE}")
        int limit;
        @Option(names = "--after", paramLabel = "KEY", defaultValue = "", description = "start after this key (continuation)")
        String after;
        @Option(names = "--read", paramLabel = "MODE", defaultValue = "LINEARIZABLE",
            description = "LINEARIZABLE, LEASE or STALE; default ${DEFAULT-VALUE}")
        ReadMode mode;

        @Override
        public Integer call()
        {
            if (limit < 1 || limit > ClientProtocol.LIST_LIMIT_MAX)
            {
                throw new io.synod.coordinator.ConfigException("--limit must be 1 to " + ClientProtocol.LIST_LIMIT_MAX + ": " + limit);
            }
            final int[] exit = {0};
            try (SynodClient client = options.connect(false))
            {
                final CompletableFuture<ListPage> future = client.list(prefix, after, limit, mode);
                final ListPage page = ClientOptions.await(future, System.err, exit);
                if (page == null)
                {
                    return exit[0];
                }
                if (options.json)
                {
                    final StringBuilder out = new StringBuilder("{\"entries\":[");
                    for (int i = 0; i < page.entries().size(); i++)
                    {
                        final KvEntry entry = page.entries().get(i);
                        out.append(i == 0 ? "" : ",").append("{\"key\":").append(Json.quote(entry.keyString()))
                            .append(",\"value\":").append(Json.quote(entry.valueString())).append(",\"version\":").append(entry.version()).append('}');
                    }
                    out.append("],\"more\":").append(page.more()).append('}');
                    System.out.println(out);
                }
                else
                {
                    for (final KvEntry entry : page.entries())
                    {
                        System.out.printf(Locale.ROOT, "%s = %s  (version %d)%n", entry.keyString(), entry.valueString(), entry.version());
                    }
                    if (page.more())
                    {
                        System.out.printf(Locale.ROOT, "# more may follow: synod kv list %s --after %s%n",
                            prefix.isEmpty() ? "''" : prefix, new String(page.continuationKey(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
                return SynodExit.OK;
            }
        }
    }
}
