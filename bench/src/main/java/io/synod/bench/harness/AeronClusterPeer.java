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
 * Peer: Aeron Cluster 1.51.0 (same Aeron as Synod), three members in this JVM on loopback UDP, each a
 * {@link ClusteredMediaDriver} (media driver {@code ThreadingMode.SHARED}, archive
 * {@code ArchiveThreadingMode.SHARED}, consensus module) plus a {@link ClusteredServiceContainer} running an
 * echo service; the client is an {@link AeronCluster} on its own embedded driver (SHARED). Every agent
 * (driver, archive, consensus module, service container) uses the idle strategy given — the same one as
 * Synod's agents. The log is recorded by the archive with its default file sync level 0 (page cache, no
 * fsync): comparable to Synod's PAGE_CACHE. Latency is client offer → ingress → log replicated and committed
 * → service applies → egress → client: two client hops that Synod's in-process client does not make.
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
    private final MediaDriver clientDriver;
    private final AeronCluster client;
    private final UnsafeBuffer message;
    private volatile Completion completion = id -> {};

    public AeronClusterPeer(final int messageBytes, final Supplier<IdleStrategy> idleStrategy, final Path parent)
    {
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
            for (int m = 0; m < 3; m++)
            {
                final File base = Files.createDirectories(root.resolve("node-" + m)).toFile();
                final String aeronDir = new File(base, "driver").getAbsolutePath();
                final MediaDriver.Context driver = new MediaDriver.Context()
                    .aeronDirectoryName(aeronDir)
                    .threadingMode(ThreadingMode.SHARED)
                    .sharedIdleStrategy(idleStrategy.get())
                    .termBufferSparseFile(true)
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true);
                final Archive.Context archive = new Archive.Context()
                    .aeronDirectoryName(aeronDir)
                    .archiveDir(new File(base, "archive"))
                    .controlChannel("aeron:udp?endpoint=localhost:" + ports[m][4])
                    .archiveClientContext(new AeronArchive.Context().controlResponseChannel("aeron:udp?endpoint=localhost:0"))
                    .localControlChannel("aeron:ipc?term-length=64k")
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
                    .clusterMemberId(m)
                    .clusterMembers(members.toString())
                    .clusterDir(new File(base, "cluster"))
                    .archiveContext(archiveClient.clone())
                    .serviceCount(1)
                    .replicationChannel("aeron:udp?endpoint=localhost:0")
                    .ingressChannel("aeron:udp")
                    .idleStrategySupplier(idleStrategy::get)
                    .deleteDirOnStart(true);
                final ClusteredServiceContainer.Context service = new ClusteredServiceContainer.Context()
                    .aeronDirectoryName(aeronDir)
                    .archiveContext(archiveClient.clone())
                    .clusterDir(new File(base, "cluster"))
                    .clusteredService(new EchoService())
                    .idleStrategySupplier(idleStrategy::get);
                closeables.add(ClusteredMediaDriver.launch(driver, archive, consensus));
                closeables.add(ClusteredServiceContainer.launch(service));
            }
            clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(root.resolve("client-driver").toString())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(idleStrategy.get())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            client = AeronCluster.connect(new AeronCluster.Context()
                .aeronDirectoryName(clientDriver.aeronDirectoryName())
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
            throw new UncheckedIOException(ex);
        }
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
        CloseHelper.quietClose(clientDriver);
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(closeables.get(i));
        }
        IoUtil.delete(root.toFile(), true);
    }
}
