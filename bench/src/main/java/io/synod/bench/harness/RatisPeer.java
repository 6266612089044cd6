package io.synod.bench.harness;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
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

/**
 * Peer: Apache Ratis 3.3.0, three {@link RaftServer}s in this JVM on loopback with the netty transport, and
 * one {@link RaftClient} (netty) sending asynchronous writes. The state machine echoes the command (apply =
 * return the log data). Settings (written down in the report): RPC type NETTY for servers and client;
 * election timeout 300–600 ms (Ratis' own defaults are 150–300 ms); log storage on the same disk as Synod's,
 * Ratis defaults otherwise — the segmented log flushes with {@code FileChannel.force} unless unsafe-flush is
 * on, so {@code unsafeFlush=true} is the PAGE_CACHE-like setting and {@code false} (Ratis' default) the
 * SYNC-like one. Ratis' threading is its own (netty event loops, a log worker and a state-machine updater per
 * server); it has no idle strategy: its threads block when idle.
 */
public final class RatisPeer implements LoadTarget
{
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
    private volatile Completion completion = id -> {};

    public RatisPeer(final int commandBytes, final boolean unsafeFlush, final Path parent)
    {
        this.commandBytes = Math.max(8, commandBytes);
        this.name = "ratis " + (unsafeFlush ? "unsafe-flush" : "flush");
        try
        {
            Files.createDirectories(parent);
            root = Files.createTempDirectory(parent, "ratis-");
            final List<RaftPeer> peers = new ArrayList<>();
            for (int m = 1; m <= 3; m++)
            {
                peers.add(RaftPeer.newBuilder().setId("n" + m).setAddress("127.0.0.1:" + SynodCluster.freeUdpPort()).build());
            }
            final RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
            for (final RaftPeer peer : peers)
            {
                final RaftProperties properties = properties(unsafeFlush);
                NettyConfigKeys.Server.setPort(properties, Integer.parseInt(peer.getAddress().split(":")[1]));
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
            client = RaftClient.newBuilder().setProperties(properties(unsafeFlush)).setRaftGroup(group).build();
            // Wait for a leader: one blocking write.
            client.io().send(Message.valueOf(ByteString.copyFrom(new byte[this.commandBytes])));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static RaftProperties properties(final boolean unsafeFlush)
    {
        final RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(properties, unsafeFlush);
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

    @Override
    public boolean send(final long id)
    {
        final ByteBuffer bytes = ByteBuffer.allocate(commandBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, id);
        client.async().send(Message.valueOf(ByteString.copyFrom(bytes))).whenComplete((reply, error) ->
        {
            if (error != null || !reply.isSuccess())
            {
                System.err.println("ratis write " + id + " failed: " + (error != null ? error : reply));
            }
            else
            {
                completion.onComplete(id);
            }
        });
        return true;
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
