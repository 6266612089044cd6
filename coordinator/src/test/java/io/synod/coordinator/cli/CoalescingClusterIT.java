package io.synod.coordinator.cli;

import io.synod.client.KvResult;
import io.synod.client.MemberStatus;
import io.synod.client.SynodClient;
import io.synod.raft.ReadMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's {@code coalesce.frames} key end to end: three {@code synod server} processes from the jar this build
 * made, started with {@code --coalesce-frames true} (backoff idle strategy, 500-1000 ms election timeout), elect,
 * commit writes from a client, lose their leader to SIGKILL and go on under a new one with every acknowledged write
 * readable (linearizable reads).
 */
class CoalescingClusterIT
{
    private static final int CLUSTER_ID = 19;

    @Test
    void shouldCommitAndFailOverWithCoalescedFrames() throws Exception
    {
        final Path root = Files.createTempDirectory("synod-coalesce-it-");
        final LocalCluster cluster = new LocalCluster(root, CLUSTER_ID, LocalCluster.freePorts(3),
            List.of("--election-timeout-ms", "500", "--election-timeout-max-ms", "1000", "--coalesce-frames", "true"),
            LocalCluster.jarLauncher(KvClusterIT.jar()));
        SynodClient client = null;
        try
        {
            for (int m = 1; m <= 3; m++)
            {
                cluster.start(m);
            }
            client = SynodClient.connect(new SynodClient.Context().clusterId(CLUSTER_ID).members(cluster.endpoints())
                .requestTimeout(Duration.ofSeconds(20)));
            final MemberStatus first = cluster.awaitLeader(client, 120_000);
            assertNotNull(first, "a leader within 120 s; logs in " + root);
            writeAll(client, "before/", 100);

            cluster.kill(first.memberId());
            final MemberStatus second = cluster.awaitLeader(client, 60_000);
            assertNotNull(second, "a new leader after the kill; logs in " + root);
            assertNotEquals(first.memberId(), second.memberId());
            writeAll(client, "after/", 100);

            for (final String prefix : new String[] {"before/", "after/"})
            {
                for (int i = 0; i < 100; i++)
                {
                    final KvResult read = client.get(prefix + i, ReadMode.LINEARIZABLE).join();
                    assertEquals("v" + i, read.valueString(), prefix + i);
                }
            }
        }
        finally
        {
            if (client != null)
            {
                client.close();
            }
            cluster.close();
            cluster.delete();
        }
    }

    private static void writeAll(final SynodClient client, final String prefix, final int count)
    {
        final List<CompletableFuture<KvResult>> writes = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            writes.add(client.put(prefix + i, "v" + i));
        }
        for (final CompletableFuture<KvResult> write : writes)
        {
            assertTrue(write.join().ok(), prefix);
        }
    }
}
