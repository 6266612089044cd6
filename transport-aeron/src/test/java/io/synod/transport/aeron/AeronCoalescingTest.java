package io.synod.transport.aeron;

import io.synod.transport.aeron.load.ClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static io.synod.transport.aeron.TestCluster.TIMEOUT;
import static io.synod.transport.aeron.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frame coalescing over real Aeron ({@link AeronRaftNode.Builder#coalesceFrames}): three members on loopback UDP,
 * each with its own embedded media driver, a default group and {@value #EXTRA_GROUPS} more on one agent, every
 * member sending through a frame batcher. The cluster elects, commits under load, and survives the loss of the
 * default group's leader without losing an acknowledged command; every group then elects among the survivors and
 * commits again. BATCH frames are counted where they reach the transport, so a run in which nothing was
 * coalesced fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronCoalescingTest
{
    static final int EXTRA_GROUPS = 8;

    @Test
    void shouldElectCommitAndSurviveLeaderLossWithCoalescedFrames() throws Exception
    {
        final ClusterClient client = new ClusterClient(3, 20_000, 32, 64);
        try (TestCluster cluster = new TestCluster(3, client, null, true).coalescing(EXTRA_GROUPS))
        {
            cluster.startAll();
            final AeronRaftNode first = cluster.awaitLeader();
            awaitEveryGroupLed(cluster, 0);
            final Thread proposer = new Thread(() -> client.run(client.total(), System.nanoTime() + TIMEOUT.toNanos() * 2),
                "proposer");
            proposer.start();
            await(TIMEOUT, cluster::describe, () -> live(cluster) && client.acked() >= 5_000);
            for (int m = 1; m <= 3; m++)
            {
                final int member = m;
                await(TIMEOUT, () -> "member " + member + " sent a BATCH frame", () -> cluster.counting[member].batches() > 0);
            }

            final int oldLeader = first.memberId();
            final long oldTerm = first.term();
            cluster.stop(oldLeader);
            final AeronRaftNode second = cluster.awaitLeader();
            assertNotEquals(oldLeader, second.memberId());
            assertTrue(second.term() > oldTerm);

            proposer.join(TIMEOUT.toMillis() * 2);
            cluster.assertNoFailures(); // a member whose Aeron client died (a starved machine) says so, not a count
            assertEquals(client.total(), client.acked(), cluster::describe);
            cluster.awaitConverged();
            cluster.assertNoFailures();
            final long commit = second.commitIndex();
            for (int m = 1; m <= 3; m++)
            {
                if (m != oldLeader)
                {
                    AeronClusterTest.assertAllAckedApplied(client, cluster.stateMachines[m].copyRecorded(commit), m);
                }
            }

            // Every other group also lost a member (and perhaps its leader): each elects among the two survivors
            // and commits a command through coalesced heartbeats and answers.
            awaitEveryGroupLed(cluster, oldLeader);
            for (int g = 1; g <= EXTRA_GROUPS; g++)
            {
                final AeronRaftGroup leader = leaderOf(cluster, g, oldLeader);
                final long index = leader.propose(new byte[32]).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).index();
                assertTrue(index > 0, "group " + g + " committed at " + index);
            }
            for (int m = 1; m <= 3; m++)
            {
                if (m != oldLeader)
                {
                    final long frames = cluster.counting[m].frames();
                    final long batches = cluster.counting[m].batches();
                    System.out.printf("coalescing: member %d sent %,d frames, %,d of them batches%n", m, frames, batches);
                }
            }
        }
    }

    /** Waits until every group has a leader all live members (other than {@code down}) agree on. */
    private static void awaitEveryGroupLed(final TestCluster cluster, final int down)
    {
        for (int g = 1; g <= EXTRA_GROUPS; g++)
        {
            final int group = g;
            await(TIMEOUT, () -> "group " + group + " led by a live member: " + cluster.describe(),
                () -> live(cluster) && leaderOf(cluster, group, down) != null);
        }
    }

    /** @return true; throws naming the member and its cause if a live member's agent stopped. */
    private static boolean live(final TestCluster cluster)
    {
        cluster.assertNoFailures();
        return true;
    }

    private static AeronRaftGroup leaderOf(final TestCluster cluster, final int group, final int down)
    {
        AeronRaftGroup leader = null;
        for (int m = 1; m <= 3; m++)
        {
            final AeronRaftNode node = cluster.node(m);
            if (m != down && node != null && node.group(group).isLeader())
            {
                leader = node.group(group);
            }
        }
        if (leader == null)
        {
            return null;
        }
        for (int m = 1; m <= 3; m++)
        {
            final AeronRaftNode node = cluster.node(m);
            if (m != down && node != null && node.group(group).leaderId() != leader.raftNode().memberId())
            {
                return null;
            }
        }
        return leader;
    }
}
