package io.synod.bench.harness;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.agrona.IoUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Peer: Apache Ratis 3.3.0, three {@link RaftServer}s in this JVM on loopback, and one {@link RaftClient}
 * sending asynchronous writes with {@code client.async().send(message)}. The state machine echoes the command
 * (apply = return the log data). Settings (written down in the report): RPC type GRPC (Ratis' default, the
 * transport its users deploy) for servers and client, or NETTY on request — Ratis' netty RPC answers requests
 * on the event loop and drops a request whose handler throws anything but an {@code IOException} without a
 * reply (RATIS-2629, open), and in this harness its writes stopped completing under load; election timeout
 * 300–600 ms (Ratis' own defaults are 150–300 ms); log storage on the same disk as Synod's, Ratis defaults
 * otherwise. {@code unsafeFlush=true} is the PAGE_CACHE-like setting and {@code false} (Ratis' default, the
 * flush waits for {@code FileChannel.force}) the SYNC-like one. Ratis' threading is its own (RPC event loops
 * and executors, a log worker, a flush thread, log appenders and a state-machine updater per server); it has
 * no idle strategy: its threads block.
 *
 * <p><b>Outstanding requests.</b> Ratis' ordered async client takes a permit of a semaphore sized by
 * {@code raft.client.async.outstanding-requests.max} (default 100) in {@code send} and <em>blocks</em> the
 * caller when none is left, which stalled the load generator and starved every fixed-rate row. Here the
 * semaphore is sized to {@link #OUTSTANDING_MAX} and {@link #send} refuses (returns false: back-pressure, like
 * the other targets) before it could block, so the generator keeps its schedule and a slow system shows as
 * latency measured from the intended send time, or as "not sustained". {@link #OUTSTANDING_MAX} is the
 * harness' largest window (256): with 1,024 outstanding, requests queued behind a slow leader for longer than
 * Ratis' client request timeout (3 s), were retried, and the whole window collapsed with nothing completing.
 *
 * <p><b>Completions.</b> The async futures complete on Ratis' own threads; the callback there only queues the
 * id in a {@link CompletionQueue} (and releases the outstanding slot), and {@link #poll}, on the generator
 * thread, drains and timestamps it, as for every other system.
 *
 * <p><b>Flush.</b> Both modes call {@code FileChannel.force}; with unsafe-flush the flush index (and so the
 * acknowledgement) advances without waiting for it.
 */
public final class RatisPeer implements LoadTarget
{
    /** Most requests outstanding on the one client; {@link #send} returns false at this count. */
    public static final int OUTSTANDING_MAX = 256;

    /** Echo state machine: the reply is the command. */
    static final class EchoStateMachine extends BaseStateMachine
    {
        @Override
        public CompletableFuture<Message> applyTransaction(final TransactionContext trx)
        {
            final LogEntryProto entry = trx.getLogEntry();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.valueOf(entry.getStateMachineLogEntry().getLogData()));
        }
    }

    private final Path root;
    private final List<RaftServer> servers = new ArrayList<>();
    private final RaftClient client;
    private final int commandBytes;
    private final String name;
    private final SupportedRpcType rpcType;
    private Completion completion = id -> {};
    /** Successful replies, queued on Ratis' threads, drained and timestamped by the generator in {@link #poll}. */
    private final CompletionQueue completions = new CompletionQueue();
    /** Requests sent and not yet answered. Incremented by the generator thread only. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Requests answered with an error (not completed, so they show as unfinished). */
    private final AtomicLong failed = new AtomicLong();

    public RatisPeer(final int commandBytes, final boolean unsafeFlush, final SupportedRpcType rpcType, final Path parent)
    {
        if (!(rpcType == SupportedRpcType.GRPC || rpcType == SupportedRpcType.NETTY))
        {
            throw new IllegalArgumentException("rpc type GRPC or NETTY: " + rpcType);
        }
        this.rpcType = rpcType;
        this.commandBytes = Math.max(8, commandBytes);
        this.name = "ratis " + (unsafeFlush ? "unsafe-flush" : "flush");
        try
        {
            Files.createDirectories(parent);
            root = Files.createTempDirectory(parent, "ratis-");
            final List<RaftPeer> peers = new ArrayList<>();
            for (int m = 1; m <= 3; m++)
            {
                peers.add(RaftPeer.newBuilder().setId("n" + m).setAddress("127.0.0.1:" + freeTcpPort()).build());
            }
            final RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
            for (final RaftPeer peer : peers)
            {
                final RaftProperties properties = properties(unsafeFlush, rpcType);
                final int port = Integer.parseInt(peer.getAddress().split(":")[1]);
                if (rpcType == SupportedRpcType.GRPC)
                {
                    GrpcConfigKeys.Server.setPort(properties, port);  // client and admin ports fall back to it
                }
                else
                {
                    NettyConfigKeys.Server.setPort(properties, port);
                }
                RaftServerConfigKeys.setStorageDir(properties, List.of(Files.createDirectories(root.resolve(peer.getId().toString())).toFile()));
                final RaftServer server = RaftServer.newBuilder()
                    .setGroup(group)
                    .setProperties(properties)
                    .setServerId(peer.getId())
                    .setStateMachine(new EchoStateMachine())
                    .setOption(RaftStorage.StartupOption.FORMAT)
                    .build();
                server.start();
                servers.add(server);
            }
            client = RaftClient.newBuilder().setProperties(properties(unsafeFlush, rpcType)).setRaftGroup(group).build();
            // Wait for a leader: one blocking write.
            client.io().send(Message.valueOf(ByteString.copyFrom(new byte[this.commandBytes])));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static int freeTcpPort() throws IOException
    {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static RaftProperties properties(final boolean unsafeFlush, final SupportedRpcType rpcType)
    {
        final RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, rpcType);
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(properties, unsafeFlush);
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(properties, OUTSTANDING_MAX);
        return properties;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public void completion(final Completion completion)
    {
        this.completion = completion;
    }

    /**
     * Sends one write with the async API, unless {@link #OUTSTANDING_MAX} are outstanding (then false: the
     * generator retries, and the wait is charged to the request's latency). Never blocks in Ratis' semaphore.
     */
    @Override
    public boolean send(final long id)
    {
        if (outstanding.get() >= OUTSTANDING_MAX)
        {
            return false;
        }
        outstanding.incrementAndGet();
        final ByteBuffer bytes = ByteBuffer.allocate(commandBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, id);
        client.async().send(Message.valueOf(ByteString.copyFrom(bytes))).whenComplete((reply, error) ->
        {
            outstanding.decrementAndGet();
            if (error != null || !reply.isSuccess())
            {
                if (failed.incrementAndGet() <= 10)
                {
                    System.err.println("ratis write " + id + " failed: " + (error != null ? error : reply));
                }
            }
            else
            {
                completions.offer(id);
            }
        });
        return true;
    }

    /** Hands replies queued by Ratis' threads to the generator's completion, which timestamps them now. */
    @Override
    public int poll()
    {
        return completions.drain(completion);
    }

    /** @return writes answered with an error so far. */
    public long failed()
    {
        return failed.get();
    }

    @Override
    public void close()
    {
        try
        {
            client.close();
            for (final RaftServer server : servers)
            {
                server.close();
            }
        }
        catch (final IOException ex)
        {
            System.err.println("ratis close: " + ex);
        }
        IoUtil.delete(root.toFile(), true);
    }
}
