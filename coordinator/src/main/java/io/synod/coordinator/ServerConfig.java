package io.synod.coordinator;

import io.synod.client.SynodClient;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The daemon's configuration: every key settable by a flag ({@code --member-id}), an environment variable
 * ({@code SYNOD_MEMBER_ID}) and a file ({@code member.id=}), with one precedence: <b>flag &gt; env &gt; file &gt;
 * default</b>. {@link #resolve} validates everything and fails with a {@link ConfigException} naming the key,
 * its source and what was expected; the effective configuration is printed by {@link #describe()} with
 * secrets masked.
 *
 * <p><b>Why a properties file, not TOML.</b> The keys are flat ({@code cluster.id}, {@code log.durability}) and
 * must map one-to-one onto flag names and environment variable names; a flat {@code key=value} file is exactly
 * that shape (as ZooKeeper's {@code zoo.cfg} and Aeron's {@code -Daeron.*} properties), the JDK reads it with
 * no dependency, and a TOML table would add nesting that neither flags nor environment variables can express,
 * plus a parser library in the daemon's jar.
 */
public final class ServerConfig
{
    /** Where a value came from, in precedence order (a later one wins). */
    public enum Source
    {
        DEFAULT, FILE, ENV, FLAG
    }

    /** One configuration key. */
    public enum Key
    {
        CLUSTER_ID("cluster.id", "1", "cluster id carried in every frame; a data directory keeps the one it was made with",
            ServerConfig::positiveInt),
        MEMBER_ID("member.id", null, "this member's id, one of the ids in members", ServerConfig::positiveInt),
        MEMBERS("members", null, "every member's UDP endpoint, id@host:port,... (peers and clients both use it)",
            ServerConfig::members),
        DATA_DIR("data.dir", null, "directory of the log, hard state, snapshots and the embedded media driver", ServerConfig::text),
        LOG_DURABILITY("log.durability", "SYNC",
            "SYNC (fsync before acknowledging: survives power loss) or PAGE_CACHE (survives a process crash only)",
            (v) -> oneOf(v, "SYNC", "PAGE_CACHE")),
        ELECTION_TIMEOUT_MS("election.timeout.ms", "500", "lower end of the randomised election timeout, ms",
            (v) -> intInRange(v, 20, 600_000)),
        ELECTION_TIMEOUT_MAX_MS("election.timeout.max.ms", "1000", "upper end of the randomised election timeout, ms",
            (v) -> intInRange(v, 20, 600_000)),
        HEARTBEAT_INTERVAL_MS("heartbeat.interval.ms", "50", "leader heartbeat interval, ms (below a third of the election timeout)",
            (v) -> intInRange(v, 1, 60_000)),
        SNAPSHOT_ENTRIES("snapshot.entries", "100000", "take a snapshot (and compact the log) every this many entries",
            (v) -> intInRange(v, 100, Integer.MAX_VALUE)),
        IDLE_STRATEGY("idle.strategy", "backoff",
            "agent idle strategy: backoff (shared machines), yielding, sleeping, busy-spin (dedicated cores)",
            (v) -> oneOf(v, "backoff", "yielding", "sleeping", "busy-spin")),
        READS_LEASE("reads.lease", "true", "serve LEASE reads from the leader's lease (needs clocks whose rates differ little)",
            (v) -> oneOf(v, "true", "false")),
        COALESCE_FRAMES("coalesce.frames", "false",
            "send the small frames of a duty cycle to each member as one frame (all members must run a version that unpacks them)",
            (v) -> oneOf(v, "true", "false")),
        STREAM_ID("stream.id", "7000", "base Aeron stream id; member m listens on stream.id + m", (v) -> intInRange(v, 1, 1_000_000)),
        HTTP_LISTEN("http.listen", "127.0.0.1:7480", "host:port of the HTTP probes and metrics (/livez, /readyz, /health, /metrics); port 0 picks a free one",
            ServerConfig::hostAndPort),
        MAC_SECRET("mac.secret", "", "shared secret for the frame MAC between members and clients (empty: off)", ServerConfig::text),
        ACCESS_TOKEN("access.token", "",
            "token HTTP callers must send (Authorization: Bearer TOKEN) for everything but /livez and /readyz; required when " +
            "http.listen or the member's endpoint is not loopback (empty: open, loopback only)", ServerConfig::text),
        TEST_FAULTS("test.faults", "false",
            "TESTS ONLY: serve POST /test/partition on the HTTP listener, which cuts this member off from named peers (black-box fault runs)",
            (v) -> oneOf(v, "true", "false"));

        final String property;
        final String defaultValue;
        final String description;
        final Function<String, String> check;

        Key(final String property, final String defaultValue, final String description, final Function<String, String> check)
        {
            this.property = property;
            this.defaultValue = defaultValue;
            this.description = description;
            this.check = check;
        }

        /** @return the file key, e.g. {@code member.id}. */
        public String property()
        {
            return property;
        }

        /** @return the flag, e.g. {@code --member-id}. */
        public String flag()
        {
            return "--" + property.replace('.', '-');
        }

        /** @return the environment variable, e.g. {@code SYNOD_MEMBER_ID}. */
        public String env()
        {
            return "SYNOD_" + property.replace('.', '_').toUpperCase(Locale.ROOT);
        }

        /** @return the default, or null when the key is required. */
        public String defaultValue()
        {
            return defaultValue;
        }

        /** @return what the key means. */
        public String description()
        {
            return description;
        }

        boolean secret()
        {
            return this == MAC_SECRET || this == ACCESS_TOKEN;
        }
    }

    /** The environment variable naming the configuration file (or the {@code --config} flag). */
    public static final String CONFIG_ENV = "SYNOD_CONFIG";

    private final Map<Key, String> values = new LinkedHashMap<>();
    private final Map<Key, Source> sources = new LinkedHashMap<>();
    private final Path file;

    private ServerConfig(final Path file)
    {
        this.file = file;
    }

    /**
     * Resolves every key: flag &gt; env &gt; file &gt; default.
     *
     * @param flags    values given as flags, by key (absent: not given).
     * @param env      the environment ({@code System.getenv()}).
     * @param file     the configuration file, or null for none.
     * @throws ConfigException naming the first unknown key, missing key or bad value, and where it came from.
     */
    public static ServerConfig resolve(final Map<Key, String> flags, final Map<String, String> env, final Path file)
    {
        final ServerConfig config = new ServerConfig(file);
        final Map<Key, String> fromFile = file == null ? Map.of() : readFile(file);
        for (final Key key : Key.values())
        {
            String value = key.defaultValue;
            Source source = Source.DEFAULT;
            if (fromFile.containsKey(key))
            {
                value = fromFile.get(key);
                source = Source.FILE;
            }
            if (env.containsKey(key.env()))
            {
                value = env.get(key.env());
                source = Source.ENV;
            }
            if (flags.containsKey(key))
            {
                value = flags.get(key);
                source = Source.FLAG;
            }
            if (value == null)
            {
                throw new ConfigException(key.property + " is required: set " + key.flag() + ", " + key.env() + " or " +
                    key.property + "= in the configuration file");
            }
            value = value.trim();
            final String problem = key.check.apply(value);
            if (problem != null)
            {
                throw new ConfigException(key.property + ": bad value '" + (key.secret() ? "****" : value) + "' from " +
                    where(key, source, file) + ": " + problem);
            }
            config.values.put(key, value);
            config.sources.put(key, source);
        }
        config.crossCheck();
        return config;
    }

    private static String where(final Key key, final Source source, final Path file)
    {
        switch (source)
        {
            case FLAG:
                return "flag " + key.flag();
            case ENV:
                return "environment variable " + key.env();
            case FILE:
                return "file " + file;
            default:
                return "the default";
        }
    }

    private static Map<Key, String> readFile(final Path file)
    {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            properties.load(reader);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new ConfigException("cannot read configuration file " + file + ": " + ex.getMessage());
        }
        final Map<String, Key> byProperty = new TreeMap<>();
        for (final Key key : Key.values())
        {
            byProperty.put(key.property, key);
        }
        final Map<Key, String> values = new LinkedHashMap<>();
        for (final String name : new TreeMap<>(Collections.unmodifiableMap(toStringMap(properties))).keySet())
        {
            final Key key = byProperty.get(name);
            if (key == null)
            {
                throw new ConfigException("unknown key '" + name + "' in " + file + " (known: " + String.join(", ", byProperty.keySet()) + ")");
            }
            values.put(key, properties.getProperty(name));
        }
        return values;
    }

    private static Map<String, String> toStringMap(final Properties properties)
    {
        final Map<String, String> map = new TreeMap<>();
        for (final String name : properties.stringPropertyNames())
        {
            map.put(name, properties.getProperty(name));
        }
        return map;
    }

    private void crossCheck()
    {
        final TreeMap<Integer, String> members = members();
        if (!members.containsKey(memberId()))
        {
            throw new ConfigException("member.id " + memberId() + " is not in members " + members.keySet());
        }
        if (electionTimeoutMaxMs() < electionTimeoutMs())
        {
            throw new ConfigException("election.timeout.max.ms (" + electionTimeoutMaxMs() + ") is below election.timeout.ms (" +
                electionTimeoutMs() + ")");
        }
        if (heartbeatIntervalMs() * 3L > electionTimeoutMs())
        {
            throw new ConfigException("heartbeat.interval.ms (" + heartbeatIntervalMs() + ") must be at most a third of election.timeout.ms (" +
                electionTimeoutMs() + ")");
        }
    }

    /**
     * @return the effective configuration, one {@code key = value (source)} line per key, secrets masked.
     */
    public String describe()
    {
        final StringBuilder out = new StringBuilder("effective configuration (flag > env > file > default)" +
            (file == null ? "" : ", file " + file) + ":\n");
        for (final Key key : Key.values())
        {
            final String value = values.get(key);
            final String shown = key.secret() && !value.isEmpty() ? "****" : value;
            out.append(String.format(Locale.ROOT, "  %-24s = %-40s (%s)%n", key.property, shown, sources.get(key).name().toLowerCase(Locale.ROOT)));
        }
        return out.toString();
    }

    /** @return the value of a key as resolved. */
    public String value(final Key key)
    {
        return values.get(key);
    }

    /** @return where a key's value came from. */
    public Source source(final Key key)
    {
        return sources.get(key);
    }

    /** @return {@code cluster.id}. */
    public int clusterId()
    {
        return Integer.parseInt(values.get(Key.CLUSTER_ID));
    }

    /** @return {@code member.id}. */
    public int memberId()
    {
        return Integer.parseInt(values.get(Key.MEMBER_ID));
    }

    /** @return {@code members}, by id. */
    public TreeMap<Integer, String> members()
    {
        return SynodClient.parseMembers(values.get(Key.MEMBERS));
    }

    /** @return {@code data.dir}, absolute. */
    public Path dataDir()
    {
        return Path.of(values.get(Key.DATA_DIR)).toAbsolutePath();
    }

    /** @return true for {@code log.durability=SYNC}. */
    public boolean syncDurability()
    {
        return "SYNC".equals(values.get(Key.LOG_DURABILITY));
    }

    /** @return {@code election.timeout.ms}. */
    public int electionTimeoutMs()
    {
        return Integer.parseInt(values.get(Key.ELECTION_TIMEOUT_MS));
    }

    /** @return {@code election.timeout.max.ms}. */
    public int electionTimeoutMaxMs()
    {
        return Integer.parseInt(values.get(Key.ELECTION_TIMEOUT_MAX_MS));
    }

    /** @return {@code heartbeat.interval.ms}. */
    public int heartbeatIntervalMs()
    {
        return Integer.parseInt(values.get(Key.HEARTBEAT_INTERVAL_MS));
    }

    /** @return {@code snapshot.entries}. */
    public long snapshotEntries()
    {
        return Long.parseLong(values.get(Key.SNAPSHOT_ENTRIES));
    }

    /** @return {@code idle.strategy}. */
    public String idleStrategy()
    {
        return values.get(Key.IDLE_STRATEGY);
    }

    /** @return {@code reads.lease}. */
    public boolean leaseReads()
    {
        return Boolean.parseBoolean(values.get(Key.READS_LEASE));
    }

    /** @return {@code coalesce.frames}: whether the node sends through a frame batcher. */
    public boolean coalesceFrames()
    {
        return Boolean.parseBoolean(values.get(Key.COALESCE_FRAMES));
    }

    /** @return {@code stream.id}. */
    public int streamId()
    {
        return Integer.parseInt(values.get(Key.STREAM_ID));
    }

    /** @return {@code http.listen}. */
    public String httpListen()
    {
        return values.get(Key.HTTP_LISTEN);
    }

    /** @return the HTTP access token, or null when none is set. */
    public String accessToken()
    {
        final String token = values.get(Key.ACCESS_TOKEN);
        return token.isEmpty() ? null : token;
    }

    /** @return the MAC secret, or null when off. */
    public String macSecret()
    {
        final String secret = values.get(Key.MAC_SECRET);
        return secret.isEmpty() ? null : secret;
    }

    /** @return {@code test.faults}: whether the test-only partition endpoint is served. */
    public boolean testFaults()
    {
        return Boolean.parseBoolean(values.get(Key.TEST_FAULTS));
    }

    /** @return every key's help line, for {@code synod server --help}. */
    public static List<String> help()
    {
        final List<String> lines = new ArrayList<>();
        for (final Key key : Key.values())
        {
            lines.add(String.format(Locale.ROOT, "%s | %s | %s | %s | %s", key.flag(), key.env(), key.property,
                key.defaultValue == null ? "(required)" : "'" + key.defaultValue + "'", key.description));
        }
        return lines;
    }

    // ---------------------------------------------------------------- checks: null when fine, else what is expected

    private static String positiveInt(final String value)
    {
        return intInRange(value, 1, Integer.MAX_VALUE);
    }

    private static String intInRange(final String value, final int min, final int max)
    {
        try
        {
            final long parsed = Long.parseLong(value);
            return parsed >= min && parsed <= max ? null : "expected an integer from " + min + " to " + max;
        }
        catch (final NumberFormatException ex)
        {
            return "expected an integer from " + min + " to " + max;
        }
    }

    private static String oneOf(final String value, final String... allowed)
    {
        for (final String candidate : allowed)
        {
            if (candidate.equals(value))
            {
                return null;
            }
        }
        return "expected one of " + String.join(", ", allowed);
    }

    private static String text(final String value)
    {
        return null;
    }

    private static String hostAndPort(final String value)
    {
        final int colon = value.lastIndexOf(':');
        final String problem = colon <= 0 ? "expected host:port" : intInRange(value.substring(colon + 1), 0, 65535);
        return problem == null ? null : "expected host:port with a port from 0 to 65535";
    }

    private static String members(final String value)
    {
        try
        {
            SynodClient.parseMembers(value);
            return null;
        }
        catch (final IllegalArgumentException ex)
        {
            return ex.getMessage();
        }
    }
}
