package io.synod.coordinator;

import io.synod.client.ClientProtocol;
import io.synod.kv.KeyValueStateMachine;
import io.synod.lock.LockStateMachine;
import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.log.chronicle.FileSnapshotStore;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.transport.aeron.AeronRaftNode;
import io.synod.transport.aeron.FrameMac;
import io.synod.transport.aeron.PartitionFilter;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One running {@code synod server}: a member of one Raft group over Aeron UDP ({@link AeronRaftNode}) with a
 * Chronicle Queue log, file hard state and snapshots in {@code data.dir}, hosting the replicated key-value store
 * ({@link KeyValueStateMachine} with its ordered index) and the lock service ({@link LockStateMachine}: fenced locks,
 * semaphores, read-write locks, and named elections as locks {@code election/NAME}) in one group
 * ({@link ServiceStateMachine}), so one client session covers both, and serving the client protocol
 * ({@link ClientService}) on the member's endpoint.
 *
 * <p><b>Data directory.</b> {@code synod.lock} (held with an OS file lock while the server runs: a second server on
 * the same directory is refused), {@code synod.id} (the cluster and member the directory belongs to, written on
 * first start and checked on every later one), {@code log/}, {@code hard-state}, {@code snapshots/} and the
 * embedded media driver's directory under {@code aeron/}.
 * <p><b>Start-up checks.</b> Everything an operator can get wrong fails {@link #start} with a one-line
 * {@link ConfigException} naming the key, port or path: the directory locked by another process or made by
 * another cluster or member, the member's UDP port in use.
 * <p><b>Threading.</b> {@link #start} and {@link #close} from one thread; the status accessors from any.
 */
public final class SynodServer implements AutoCloseable
{
    /** The lock file in the data directory. */
    public static final String LOCK_FILE = "synod.lock";
    /** The identity file in the data directory. */
    public static final String ID_FILE = "synod.id";

    /**
     * Bytes of entries per AppendEntries, so that one entry can carry the largest KV write in a session: a
     * {@code KvCommand} of {@code KvCommand.MAX_LENGTH} (64 KiB value, 1 KiB key, 16 bytes) plus the session entry's
     * 32 bytes and the entry header. raft-core's default (64 KiB) refused such writes as TOO_LARGE. 96 KiB still fits
     * the transport's 128 KiB reassembly buffer.
     */
    static final int APPEND_BYTES_MAX = 96 * 1024;

    private final ServerConfig config;
    private final PrintStream log;
    private FileChannel lockChannel;
    private FileLock lock;
    private AeronRaftNode node;
    private ClientService service;
    private KeyValueStateMachine stateMachine;
    private HttpEndpoints http;
    private PartitionFilter partitionFilter;

    private SynodServer(final ServerConfig config, final PrintStream log)
    {
        this.config = config;
        this.log = log;
    }

    /**
     * Checks the data directory and the port, then starts the member.
     *
     * @param log where role changes and the start line go.
     * @throws ConfigException for anything the operator can fix (named in one line).
     */
    public static SynodServer start(final ServerConfig config, final PrintStream log)
    {
        final SynodServer server = new SynodServer(config, log);
        try
        {
            server.checkAccess();
            server.lockDataDir();
            server.checkIdentity();
            server.checkPort();
            server.http = HttpEndpoints.bind(config.httpListen(), config.accessToken());
            server.startNode();
            return server;
        }
        catch (final RuntimeException ex)
        {
            server.close();
            throw ex;
        }
    }

    private void lockDataDir()
    {
        final Path dir = config.dataDir();
        final Path lockFile = dir.resolve(LOCK_FILE);
        try
        {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = lockChannel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            lock = null;
        }
        catch (final IOException ex)
        {
            throw new ConfigException("data.dir " + dir + ": cannot create or lock " + lockFile + ": " + ex.getMessage());
        }
        if (lock == null)
        {
            throw new ConfigException("data.dir " + dir + " is in use by another synod process (lock " + lockFile + " is held)");
        }
        try
        {
            lockChannel.truncate(0);
            lockChannel.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
        catch (final IOException ignore)
        {
            // the pid is informational only
        }
    }

    private void checkIdentity()
    {
        final Path idFile = config.dataDir().resolve(ID_FILE);
        final Properties id = new Properties();
        if (Files.exists(idFile))
        {
            try (Reader reader = Files.newBufferedReader(idFile, StandardCharsets.UTF_8))
            {
                id.load(reader);
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                throw new ConfigException("data.dir: cannot read " + idFile + ": " + ex.getMessage());
            }
            final String clusterId = id.getProperty("cluster.id");
            final String memberId = id.getProperty("member.id");
            if (!String.valueOf(config.clusterId()).equals(clusterId) || !String.valueOf(config.memberId()).equals(memberId))
            {
                throw new ConfigException("data.dir " + config.dataDir() + " belongs to cluster.id=" + clusterId + " member.id=" + memberId +
                    " (" + idFile + "), not cluster.id=" + config.clusterId() + " member.id=" + config.memberId());
            }
            return;
        }
        if (Files.exists(config.dataDir().resolve("log")))
        {
            throw new ConfigException("data.dir " + config.dataDir() + " holds a log but no " + ID_FILE + ": not made by synod server");
        }
        id.setProperty("cluster.id", String.valueOf(config.clusterId()));
        id.setProperty("member.id", String.valueOf(config.memberId()));
        try (Writer writer = Files.newBufferedWriter(idFile, StandardCharsets.UTF_8))
        {
            id.store(writer, "written by synod server on first start; the data directory belongs to this cluster and member");
        }
        catch (final IOException ex)
        {
            throw new ConfigException("data.dir: cannot write " + idFile + ": " + ex.getMessage());
        }
    }

    /**
     * Refuses to serve beyond this machine without an access token: when {@code http.listen} or the member's own
     * endpoint is not a loopback address (a wildcard address is not), {@code access.token} must be set.
     */
    private void checkAccess()
    {
        if (config.accessToken() != null)
        {
            return;
        }
        final String endpoint = config.members().get(config.memberId());
        for (final String[] listen : new String[][]{{"http.listen", config.httpListen()}, {"members (this member's endpoint)", endpoint}})
        {
            final String host = listen[1].substring(0, listen[1].lastIndexOf(':'));
            boolean loopback;
            try
            {
                loopback = InetAddress.getByName(host).isLoopbackAddress();
            }
            catch (final IOException ex)
            {
                loopback = false;
            }
            if (!loopback)
            {
                throw new ConfigException("access.token: required because " + listen[0] + " " + listen[1] + " is not a loopback address; " +
                    "set access.token (or SYNOD_ACCESS_TOKEN), or listen on 127.0.0.1");
            }
        }
    }

    private void checkPort()
    {
        final String endpoint = config.members().get(config.memberId());
        final int colon = endpoint.lastIndexOf(':');
        final String host = endpoint.substring(0, colon);
        final int port = Integer.parseInt(endpoint.substring(colon + 1));
        try (DatagramSocket socket = new DatagramSocket(null))
        {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        }
        catch (final IOException ex)
        {
            throw new ConfigException("members: udp port " + endpoint + " of member " + config.memberId() + " is in use or not local (" +
                ex.getMessage() + ")");
        }
    }

    private void startNode()
    {
        final Path dir = config.dataDir();
        final int clusterId = config.clusterId();
        final int memberId = config.memberId();
        final Durability durability = config.syncDurability() ? Durability.SYNC : Durability.PAGE_CACHE;
        stateMachine = new KeyValueStateMachine(KeyValueStateMachine.DEFAULT_EXPECTED_KEYS, true);
        final LockPushes pushes = new LockPushes();
        final LockStateMachine locks = new LockStateMachine(pushes);
        final ServiceStateMachine services = new ServiceStateMachine(stateMachine, locks);
        service = new ClientService(stateMachine, locks, pushes);
        final RaftConfig raftConfig = new RaftConfig()
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(config.electionTimeoutMs()))
            .electionTimeoutMaxNs(TimeUnit.MILLISECONDS.toNanos(config.electionTimeoutMaxMs()))
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(config.heartbeatIntervalMs()))
            .snapshotEntriesThreshold(config.snapshotEntries())
            .appendBytesMax(APPEND_BYTES_MAX)
            .leaseReads(config.leaseReads())
            .observer(new RaftObserver()
            {
                @Override
                public void onRoleChange(
                    final int groupId, final int member, final RaftRole from, final RaftRole to, final long term, final String reason)
                {
                    say("member %d: %s -> %s in term %d (%s)", member, from, to, term, reason);
                }
            });
        ChronicleRaftLog raftLog = null;
        FileHardState hardState = null;
        FileSnapshotStore snapshots = null;
        try
        {
            raftLog = ChronicleRaftLog.open(dir.resolve("log"), durability, clusterId, memberId);
            hardState = FileHardState.open(dir.resolve("hard-state"), clusterId, memberId);
            snapshots = FileSnapshotStore.open(dir.resolve("snapshots"), durability, clusterId, memberId);
            final AeronRaftNode.Builder builder = AeronRaftNode.builder()
                .clusterId(clusterId)
                .memberId(memberId)
                .raftConfig(raftConfig)
                .log(raftLog)
                .hardState(hardState)
                .snapshotStore(snapshots)
                .stateMachine(services)
                .proposalHandler(service)
                .service(ClientProtocol.SERVICE_ID, service, ClientProtocol.MAX_RESPONSE_LENGTH)
                .idleStrategy(idleStrategy(config.idleStrategy()))
                .coalesceFrames(config.coalesceFrames())
                .driverParentDir(dir.resolve("aeron"))
                .streamId(config.streamId())
                .mac(config.macSecret() == null ? null : FrameMac.fromSecret(config.macSecret()))
                .randomSeed(System.nanoTime() ^ memberId);
            if (config.testFaults())
            {
                builder.transportDecorator((transport) -> partitionFilter = new PartitionFilter(transport));
            }
            for (final Map.Entry<Integer, String> member : config.members().entrySet())
            {
                builder.endpoint(member.getKey(), member.getValue());
            }
            node = builder.build();
        }
        catch (final RuntimeException ex)
        {
            if (node == null)
            {
                CloseHelper.quietCloseAll(raftLog, hardState, snapshots);
            }
            throw new ConfigException("cannot start member " + memberId + " in data.dir " + dir + ": " + ex.getMessage());
        }
        service.bind(node.raftNode(), node.agent().service(ClientProtocol.SERVICE_ID));
        pushes.bind(node.agent().service(ClientProtocol.SERVICE_ID));
        node.addDuty(pushes::doWork);
        final AeronRaftNode started = node;
        final KeyValueStateMachine kv = stateMachine;
        final HttpEndpoints probes = http;
        final ClientService clients = service;
        node.addDuty((nowNs) -> probes.publish(nowNs, kv.size(), kv.digest(), started.lastApplied(),
            started.raftNode().sessionCount(), clients.badFrames(), clients.backPressured()));
        if (partitionFilter != null)
        {
            http.route(TestFaultEndpoint.PATH, new TestFaultEndpoint(partitionFilter, config.members().keySet()));
            say("member %d: TEST FAULTS ENABLED: POST %s?cut=<ids> drops frames to and from those peers", memberId, TestFaultEndpoint.PATH);
        }
        http.gateway(JsonGateway.start(config, node.runtime().aeronDirectoryName(), http));
        http.start(node);
        say("member %d of cluster %d listening on udp %s (peers and clients), http on %s, data in %s, pid %d", memberId, clusterId,
            config.members().get(memberId), http.address(), dir, ProcessHandle.current().pid());
    }

    static IdleStrategy idleStrategy(final String name)
    {
        switch (name)
        {
            case "busy-spin":
                return new BusySpinIdleStrategy();
            case "yielding":
                return new YieldingIdleStrategy();
            case "sleeping":
                return new SleepingMillisIdleStrategy(1);
            default:
                return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * If this member leads, hands leadership to another voter (Raft dissertation §3.10: the target catches up, then
     * TimeoutNow makes it campaign at once) and waits until this member no longer leads: the graceful half of a
     * SIGTERM, so clients see a leader change of about one round trip instead of an election timeout. Tries each
     * other member in turn, each for up to twice the election timeout. Proposals pause while a transfer runs
     * (clients are told TRANSFER_IN_PROGRESS and retry). Blocks the calling thread (polls the role every 5 ms).
     *
     * @return the member that leads now, or 0 if this member did not lead or no hand-off succeeded.
     */
    public int handOffLeadership() throws InterruptedException
    {
        final AeronRaftNode current = node;
        if (current == null || !current.isLeader() || current.failure() != null)
        {
            return 0;
        }
        for (final int target : config.members().keySet())
        {
            if (target == config.memberId())
            {
                continue;
            }
            // A negative correlation id: the outcome reaches ClientService, which knows no such request and ignores it.
            current.transferLeadership(-target, target);
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2L * config.electionTimeoutMaxMs());
            while (current.isLeader() && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            if (!current.isLeader())
            {
                final int leader = current.leaderId();
                return leader != 0 && leader != config.memberId() ? leader : target;
            }
        }
        return 0;
    }

    /** @return the exception that stopped the member's agent, or null while it runs. Any thread. */
    public Throwable failure()
    {
        return node == null ? null : node.failure();
    }

    /** @return the running node (status accessors are safe from any thread). */
    public AeronRaftNode node()
    {
        return node;
    }

    /**
     * Stops the member: the agent thread, the transport and driver, then flushes and closes log, hard state and
     * snapshots, and releases the data directory. Idempotent.
     */
    @Override
    public void close()
    {
        CloseHelper.quietClose(http);
        http = null;
        CloseHelper.quietClose(node);
        node = null;
        try
        {
            if (lock != null)
            {
                lock.release();
            }
        }
        catch (final IOException ignore)
        {
            // the channel's close releases it too
        }
        CloseHelper.quietClose(lockChannel);
        lock = null;
        lockChannel = null;
    }

    private void say(final String format, final Object... args)
    {
        log.printf(Locale.ROOT, "%tT.%<tL synod: %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, format, args));
        log.flush();
    }
}
