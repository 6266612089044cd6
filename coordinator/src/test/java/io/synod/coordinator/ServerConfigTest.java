package io.synod.coordinator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ServerConfig}: one precedence (flag > env > file > default), every problem named in one line, secrets masked. */
class ServerConfigTest
{
    private static final Map<ServerConfig.Key, String> REQUIRED = Map.of(
        ServerConfig.Key.MEMBER_ID, "2", ServerConfig.Key.MEMBERS, "1@127.0.0.1:1,2@127.0.0.1:2", ServerConfig.Key.DATA_DIR, "/tmp/d");

    @TempDir
    Path dir;

    @Test
    void shouldTakeFlagOverEnvOverFileOverDefault() throws Exception
    {
        final Path file = dir.resolve("synod.properties");
        Files.writeString(file, "cluster.id=3\nheartbeat.interval.ms=40\nsnapshot.entries=5000\n");
        final Map<ServerConfig.Key, String> flags = new java.util.EnumMap<>(REQUIRED);
        flags.put(ServerConfig.Key.CLUSTER_ID, "5");
        final ServerConfig config = ServerConfig.resolve(flags,
            Map.of("SYNOD_CLUSTER_ID", "4", "SYNOD_HEARTBEAT_INTERVAL_MS", "30"), file);
        assertEquals(5, config.clusterId());
        assertEquals(ServerConfig.Source.FLAG, config.source(ServerConfig.Key.CLUSTER_ID));
        assertEquals(30, config.heartbeatIntervalMs());
        assertEquals(ServerConfig.Source.ENV, config.source(ServerConfig.Key.HEARTBEAT_INTERVAL_MS));
        assertEquals(5000, config.snapshotEntries());
        assertEquals(ServerConfig.Source.FILE, config.source(ServerConfig.Key.SNAPSHOT_ENTRIES));
        assertEquals(500, config.electionTimeoutMs());
        assertEquals(ServerConfig.Source.DEFAULT, config.source(ServerConfig.Key.ELECTION_TIMEOUT_MS));
        assertTrue(config.syncDurability());
        assertEquals(2, config.members().size());
    }

    @Test
    void shouldTurnFrameCoalescingOnFromAnySourceAndRefuseOtherValues() throws Exception
    {
        assertFalse(ServerConfig.resolve(REQUIRED, Map.of(), null).coalesceFrames());
        final Path file = dir.resolve("synod.properties");
        Files.writeString(file, "coalesce.frames=true\n");
        assertTrue(ServerConfig.resolve(REQUIRED, Map.of(), file).coalesceFrames());
        assertTrue(ServerConfig.resolve(REQUIRED, Map.of("SYNOD_COALESCE_FRAMES", "true"), null).coalesceFrames());
        final Map<ServerConfig.Key, String> flags = new java.util.EnumMap<>(REQUIRED);
        flags.put(ServerConfig.Key.COALESCE_FRAMES, "false");
        assertFalse(ServerConfig.resolve(flags, Map.of("SYNOD_COALESCE_FRAMES", "true"), file).coalesceFrames());
        flags.put(ServerConfig.Key.COALESCE_FRAMES, "yes");
        final ConfigException bad = assertThrows(ConfigException.class, () -> ServerConfig.resolve(flags, Map.of(), null));
        assertEquals("coalesce.frames: bad value 'yes' from flag --coalesce-frames: expected one of true, false", bad.getMessage());
    }

    @Test
    void shouldMaskTheSecret()
    {
        final Map<ServerConfig.Key, String> flags = new java.util.EnumMap<>(REQUIRED);
        flags.put(ServerConfig.Key.MAC_SECRET, "hunter2");
        final ServerConfig config = ServerConfig.resolve(flags, Map.of(), null);
        assertEquals("hunter2", config.macSecret());
        assertFalse(config.describe().contains("hunter2"));
        assertTrue(config.describe().contains("****"));
        final ConfigException bad = assertThrows(ConfigException.class, () ->
            ServerConfig.resolve(REQUIRED, Map.of("SYNOD_ELECTION_TIMEOUT_MS", "x"), null));
        assertTrue(bad.getMessage().contains("SYNOD_ELECTION_TIMEOUT_MS"), bad.getMessage());
    }

    @Test
    void shouldNameTheUnknownKeyAndTheFile() throws Exception
    {
        final Path file = dir.resolve("bad.properties");
        Files.writeString(file, "member.idd=1\n");
        final ConfigException ex = assertThrows(ConfigException.class, () -> ServerConfig.resolve(REQUIRED, Map.of(), file));
        assertTrue(ex.getMessage().startsWith("unknown key 'member.idd' in " + file), ex.getMessage());
    }

    @Test
    void shouldNameTheBadValueAndWhereItCameFrom()
    {
        final Map<ServerConfig.Key, String> flags = new java.util.EnumMap<>(REQUIRED);
        flags.put(ServerConfig.Key.IDLE_STRATEGY, "spin");
        final ConfigException ex = assertThrows(ConfigException.class, () -> ServerConfig.resolve(flags, Map.of(), null));
        assertEquals("idle.strategy: bad value 'spin' from flag --idle-strategy: expected one of backoff, yielding, sleeping, busy-spin",
            ex.getMessage());
    }

    @Test
    void shouldRefuseInconsistentSettings()
    {
        final Map<ServerConfig.Key, String> flags = new java.util.EnumMap<>(REQUIRED);
        flags.put(ServerConfig.Key.MEMBER_ID, "9");
        assertTrue(assertThrows(ConfigException.class, () -> ServerConfig.resolve(flags, Map.of(), null)).getMessage()
            .contains("member.id 9 is not in members"));
        flags.put(ServerConfig.Key.MEMBER_ID, "1");
        flags.put(ServerConfig.Key.ELECTION_TIMEOUT_MAX_MS, "100");
        assertTrue(assertThrows(ConfigException.class, () -> ServerConfig.resolve(flags, Map.of(), null)).getMessage()
            .contains("election.timeout.max.ms (100) is below"));
        flags.remove(ServerConfig.Key.ELECTION_TIMEOUT_MAX_MS);
        flags.put(ServerConfig.Key.HEARTBEAT_INTERVAL_MS, "400");
        assertTrue(assertThrows(ConfigException.class, () -> ServerConfig.resolve(flags, Map.of(), null)).getMessage()
            .contains("at most a third"));
        flags.put(ServerConfig.Key.MEMBERS, "1@host");
        assertTrue(assertThrows(ConfigException.class, () -> ServerConfig.resolve(flags, Map.of(), null)).getMessage()
            .contains("is not id@host:port"));
        assertTrue(assertThrows(ConfigException.class, () -> ServerConfig.resolve(Map.of(), Map.of(), null)).getMessage()
            .startsWith("member.id is required"));
    }
}
