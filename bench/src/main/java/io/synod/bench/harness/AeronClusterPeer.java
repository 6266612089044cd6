package io.synod.bench.harness;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpLock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Peer: Aeron Cluster 1.51.0 (same Aeron as Synod), three members in this JVM on loopback UDP, each an
 * {@link Archive} ({@code ArchiveThreadingMode.SHARED}: one thread), a {@link ConsensusModule} and a
 * {@link ClusteredServiceContainer} running an echo service; the client is an {@link AeronCluster}. Media
 * drivers as the {@link HarnessSetup} says, like Synod's: one embedded driver ({@code ThreadingMode.SHARED})
 * for the three members and the client, or one per member ({@link ClusteredMediaDriver}) plus one for the
 * client. Every agent (driver, archive, consensus module, service container) and the load generator use the
 * set-up's idle strategy.
 *
 * <p>On a shared driver the members must not meet on IPC: each member gets its own {@code clusterId} (counters
 * and mark files are keyed by it; it is not on the wire) and its own block of IPC stream ids (consensus
 * module, service, replay, snapshot, archive control). Their UDP endpoints are distinct anyway.
 *
 * <p>The log is recorded by the archive with its default file sync level 0 (page cache, no fsync):
 * comparable to Synod's PAGE_CACHE. Latency is client offer → ingress → log replicated and committed → service
 * applies → egress → client: two client hops that Synod's in-process client does not make.
 */
public final class AeronClusterPeer implements LoadTarget
{
    /** Echoes every session message back to its session (followers' offers are mocked by Aeron Cluster). */
    static final class EchoService implements ClusteredService
    {
        private IdleStrategy idle;

        @Override
        public void onStart(final Cluster cluster, final Image snapshotImage)
        {
            idle = cluster.idleStrategy();
        }

        @Override
        public void onSessionOpen(final ClientSession session, final long timestamp)
        {
        }

        @Override
        public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
        {
        }

        @Override
        public void onSessionMessage(
            final ClientSession session, final long timestamp, final DirectBuffer buffer, final int offset, final int length,
            final Header header)
        {
            if (session != null)
            {
                idle.reset();
                while (session.offer(buffer, offset, length) < 0)
                {
                    idle.idle();
                }
            }
        }

        @Override
        public void onTimerEvent(final long correlationId, final long timestamp)
        {
        }

        @Override
        public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
        {
        }

        @Override
        public void onRoleChange(final Cluster.Role newRole)
        {
        }

        @Override
        public void onTerminate(final Cluster cluster)
        {
        }
    }

    private final Path root;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** The client's driver when drivers are per member; null when the client shares the one driver. */
    private final MediaDriver clientDriver;
    private final AeronCluster client;
    private final UnsafeBuffer message;
    private volatile Completion completion = id -> {};

    public AeronClusterPeer(final int messageBytes, final HarnessSetup setup, final Path parent)
    {
        final Supplier<IdleStrategy> idleStrategy = setup.idleStrategy();
        try
        {
            Files.createDirectories(parent);
            root = Files.createTempDirectory(parent, "aeron-cluster-");
            final int[][] ports = new int[3][5];
            final StringBuilder members = new StringBuilder();
            final StringBuilder ingress = new StringBuilder();
            for (int m = 0; m < 3; m++)
            {
                for (int p = 0; p < 5; p++)
                {
                    ports[m][p] = SynodCluster.freeUdpPort();
                }
                members.append(m)
                    .append(",localhost:").append(ports[m][0])
                    .append(",localhost:").append(ports[m][1])
                    .append(",localhost:").append(ports[m][2])
                    .append(",localhost:").append(ports[m][3])
                    .append(",localhost:").append(ports[m][4]).append('|');
                ingress.append(m).append("=localhost:").append(ports[m][0]).append(m < 2 ? "," : "");
            }
            final MediaDriver sharedDriver = setup.sharedDriver() ?
                MediaDriver.launch(driverContext(root.resolve("driver").toString(), idleStrategy)) : null;
            if (sharedDriver != null)
            {
                closeables.add(sharedDriver);
            }
            for (int m = 0; m < 3; m++)
            {
                final File base = Files.createDirectories(root.resolve("node-" + m)).toFile();
                final String aeronDir = sharedDriver != null ?
                    sharedDriver.aeronDirectoryName() : new File(base, "driver").getAbsolutePath();
                // IPC stream ids: Aeron's defaults when each member has its own driver, a block per member on a
                // shared one (clusterId is part of the counters' keys and mark files, not of the protocol).
                final int clusterId = sharedDriver != null ? m : 0;
                final int streams = sharedDriver != null ? 1000 * (m + 1) : 0;
                final Archive.Context archive = new Archive.Context()
                    .aeronDirectoryName(aeronDir)
                    .archiveDir(new File(base, "archive"))
                    .controlChannel("aeron:udp?endpoint=localhost:" + ports[m][4])
                    .archiveClientContext(new AeronArchive.Context().controlResponseChannel("aeron:udp?endpoint=localhost:0"))
                    .localControlChannel("aeron:ipc?term-length=64k")
                    .localControlStreamId(streams + AeronArchive.Configuration.LOCAL_CONTROL_STREAM_ID_DEFAULT)
                    .replicationChannel("aeron:udp?endpoint=localhost:0")
                    .recordingEventsEnabled(false)
                    .threadingMode(ArchiveThreadingMode.SHARED)
                    .idleStrategySupplier(idleStrategy::get)
                    .deleteArchiveOnStart(true);
                final AeronArchive.Context archiveClient = new AeronArchive.Context()
                    .lock(NoOpLock.INSTANCE)
                    .controlRequestChannel(archive.localControlChannel())
                    .controlRequestStreamId(archive.localControlStreamId())
                    .controlResponseChannel(archive.localControlChannel())
                    .aeronDirectoryName(aeronDir);
                final ConsensusModule.Context consensus = new ConsensusModule.Context()
                    .clusterId(clusterId)
                    .clusterMemberId(m)
                    .clusterMembers(members.toString())
                    .clusterDir(new File(base, "cluster"))
                    .archiveContext(archiveClient.clone()
                        .controlResponseStreamId(streams + AeronArchive.Configuration.CONTROL_RESPONSE_STREAM_ID_DEFAULT))
                    .serviceCount(1)
                    .replicationChannel("aeron:udp?endpoint=localhost:0")
                    .ingressChannel("aeron:udp")
                    .idleStrategySupplier(idleStrategy::get)
                    .deleteDirOnStart(true);
                final ClusteredServiceContainer.Context service = new ClusteredServiceContainer.Context()
                    .clusterId(clusterId)
                    .aeronDirectoryName(aeronDir)
                    .archiveContext(archiveClient.clone()
                        .controlResponseStreamId(streams + AeronArchive.Configuration.CONTROL_RESPONSE_STREAM_ID_DEFAULT + 1))
                    .clusterDir(new File(base, "cluster"))
                    .clusteredService(new EchoService())
                    .idleStrategySupplier(idleStrategy::get);
                if (sharedDriver != null)
                {
                    consensus
                        .serviceStreamId(streams + ClusteredServiceContainer.Configuration.SERVICE_STREAM_ID_DEFAULT)
                        .consensusModuleStreamId(streams + ClusteredServiceContainer.Configuration.CONSENSUS_MODULE_STREAM_ID_DEFAULT)
                        .replayStreamId(streams + ClusteredServiceContainer.Configuration.REPLAY_STREAM_ID_DEFAULT)
                        .snapshotStreamId(streams + ClusteredServiceContainer.Configuration.SNAPSHOT_STREAM_ID_DEFAULT);
                    service
                        .serviceStreamId(consensus.serviceStreamId())
                        .consensusModuleStreamId(consensus.consensusModuleStreamId())
                        .replayStreamId(consensus.replayStreamId())
                        .snapshotStreamId(consensus.snapshotStreamId());
                    closeables.add(Archive.launch(archive));
                    closeables.add(ConsensusModule.launch(consensus.aeronDirectoryName(aeronDir)));
                }
                else
                {
                    closeables.add(ClusteredMediaDriver.launch(driverContext(aeronDir, idleStrategy), archive, consensus));
                }
                closeables.add(ClusteredServiceContainer.launch(service));
            }
            clientDriver = sharedDriver != null ?
                null : MediaDriver.launchEmbedded(driverContext(root.resolve("client-driver").toString(), idleStrategy));
            client = AeronCluster.connect(new AeronCluster.Context()
                .aeronDirectoryName(sharedDriver != null ? sharedDriver.aeronDirectoryName() : clientDriver.aeronDirectoryName())
                .egressListener((clusterSessionId, timestamp, buffer, offset, length, header) ->
                    completion.onComplete(buffer.getLong(offset)))
                .egressChannel("aeron:udp?endpoint=localhost:0")
                .ingressChannel("aeron:udp")
                .ingressEndpoints(ingress.toString())
                .messageTimeoutNs(30_000_000_000L));
            message = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(8, messageBytes)));
        }
        catch (final IOException ex)
        {
            closeAll();
            throw new UncheckedIOException(ex);
        }
        catch (final RuntimeException ex)
        {
            closeAll();
            throw ex;
        }
    }

    private static MediaDriver.Context driverContext(final String aeronDir, final Supplier<IdleStrategy> idleStrategy)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idleStrategy.get())
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
    }

    @Override
    public String name()
    {
        return "aeron cluster";
    }

    @Override
    public void completion(final Completion completion)
    {
        this.completion = completion;
    }

    @Override
    public boolean send(final long id)
    {
        message.putLong(0, id);
        return client.offer(message, 0, message.capacity()) > 0;
    }

    @Override
    public int poll()
    {
        return client.pollEgress();
    }

    /** Keeps the client session alive between runs. */
    public void keepAlive()
    {
        client.sendKeepAlive();
        client.pollEgress();
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(client);
        closeAll();
        IoUtil.delete(root.toFile(), true);
    }

    private void closeAll()
    {
        CloseHelper.quietClose(clientDriver);
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(closeables.get(i));
        }
        closeables.clear();
    }
}
