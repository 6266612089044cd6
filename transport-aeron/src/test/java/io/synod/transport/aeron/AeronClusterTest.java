package io.synod.transport.aeron;

import io.synod.raft.RaftRole;
import io.synod.transport.aeron.load.ClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.concurrent.TimeUnit;

import static io.synod.transport.aeron.TestCluster.TIMEOUT;
import static io.synod.transport.aeron.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three Raft members over real loopback UDP, each with its own embedded media driver.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronClusterTest
{
    private static long deadline()
    {
        return System.nanoTime() + TIMEOUT.toNanos() * 2;
    }

    @Test
    void shouldElectOneLeaderAndApply100kCommandsIdenticallyOnAllMembers()
    {
        final ClusterClient client = new ClusterClient(3, 100_000, 32, 256);
        try (TestCluster cluster = new TestCluster(3, client, null, false))
        {
            cluster.startAll();
            final AeronRaftNode leader = cluster.awaitLeader();
            int leaders = 0;
            for (int m = 1; m <= 3; m++)
            {
                leaders += cluster.node(m).role() == RaftRole.LEADER && cluster.node(m).term() == leader.term() ? 1 : 0;
            }
            assertEquals(1, leaders, cluster.describe());

            assertTrue(client.run(client.total(), deadline()), cluster::describe);
            cluster.awaitConverged();
            cluster.assertNoFailures();

            final long hash = cluster.stateMachines[1].hash();
            for (int m = 1; m <= 3; m++)
            {
                assertTrue(cluster.stateMachines[m].count() >= client.total(), cluster.describe());
                assertEquals(hash, cluster.stateMachines[m].hash(), "member " + m + cluster.describe());
            }
            for (int id = 0; id < client.total(); id++)
            {
                assertTrue(client.isAcked(id));
            }
        }
    }

    @Test
    void shouldElectNewLeaderWhenLeaderIsClosedWithoutLosingAcknowledgedCommands() throws Exception
    {
        final ClusterClient client = new ClusterClient(3, 20_000, 32, 64);
        try (TestCluster cluster = new TestCluster(3, client, null, true))
        {
            cluster.startAll();
            final AeronRaftNode first = cluster.awaitLeader();
            final Thread proposer = new Thread(() -> client.run(client.total(), deadline()), "proposer");
            proposer.start();
            await(TIMEOUT, cluster::describe, () -> client.acked() >= 5_000);

            final int oldLeader = first.memberId();
            final long oldTerm = first.term();
            cluster.stop(oldLeader);
            final AeronRaftNode second = cluster.awaitLeader();
            assertNotEquals(oldLeader, second.memberId());
            assertTrue(second.term() > oldTerm);

            proposer.join(TIMEOUT.toMillis() * 2);
            assertEquals(client.total(), client.acked(), cluster::describe);
            cluster.awaitConverged();
            cluster.assertNoFailures();

            final long commit = second.commitIndex();
            for (int m = 1; m <= 3; m++)
            {
                if (m != oldLeader)
                {
                    assertAllAckedApplied(client, cluster.stateMachines[m].copyRecorded(commit), m);
                }
            }
        }
    }

    static void assertAllAckedApplied(final ClusterClient client, final long[] indexAndId, final int member)
    {
        final boolean[] applied = new boolean[client.total()];
        for (int i = 1; i < indexAndId.length; i += 2)
        {
            applied[(int)indexAndId[i]] = true;
        }
        for (int id = 0; id < client.total(); id++)
        {
            if (client.isAcked(id) && !applied[id])
            {
                throw new AssertionError("acknowledged command " + id + " missing on member " + member);
            }
        }
    }

    @Test
    void shouldCatchUpFollowerRestartedFromItsLogDirectory(@TempDir final Path logRoot)
    {
        final ClusterClient client = new ClusterClient(3, 30_000, 32, 128);
        try (TestCluster cluster = new TestCluster(3, client, null, false).onDisk(logRoot))
        {
            cluster.startAll();
            final AeronRaftNode leader = cluster.awaitLeader();
            final int follower = leader.memberId() % 3 + 1;
            assertTrue(client.run(10_000, deadline()), cluster::describe);
            cluster.awaitConverged();

            final long appliedBefore = cluster.node(follower).lastApplied();
            cluster.stop(follower);
            assertTrue(client.run(20_000, deadline()), cluster::describe);

            cluster.start(follower);
            assertTrue(cluster.recoveredLastIndex[follower] >= appliedBefore, "the log directory kept the entries");
            assertTrue(client.run(30_000, deadline()), cluster::describe);
            cluster.awaitConverged();
            cluster.assertNoFailures();

            assertTrue(cluster.node(follower).lastApplied() > appliedBefore);
            assertEquals(cluster.stateMachines[leader.memberId()].hash(), cluster.stateMachines[follower].hash());
            assertEquals(leader.memberId(), cluster.node(follower).leaderId());
        }
    }

    @Test
    void shouldRejoinAfterBeingCutOffWithoutDisturbingTheLeader()
    {
        final ClusterClient client = new ClusterClient(3, 10_000, 32, 64);
        try (TestCluster cluster = new TestCluster(3, client, null, false))
        {
            cluster.startAll();
            final AeronRaftNode leader = cluster.awaitLeader();
            final long term = leader.term();
            final int isolated = leader.memberId() % 3 + 1;
            assertTrue(client.run(2_000, deadline()), cluster::describe);

            cluster.cuttable[isolated].cut(true);
            final AeronRaftNode isolatedNode = cluster.node(isolated);
            // PreVote: the isolated member campaigns (pre-candidate) but cannot raise its term.
            await(TIMEOUT, cluster::describe, () -> isolatedNode.role() == RaftRole.PRE_CANDIDATE);
            assertTrue(client.run(6_000, deadline()), cluster::describe);
            await(TIMEOUT, cluster::describe, () -> isolatedNode.role() != RaftRole.FOLLOWER || isolatedNode.leaderId() == 0);
            assertEquals(term, isolatedNode.term(), "PreVote keeps the isolated member's term");

            cluster.cuttable[isolated].cut(false);
            assertTrue(client.run(10_000, deadline()), cluster::describe);
            cluster.awaitConverged();
            cluster.assertNoFailures();

            assertTrue(leader.isLeader(), cluster::describe);
            assertEquals(term, leader.term(), "the leader was not disturbed");
            assertEquals(leader.memberId(), isolatedNode.leaderId());
            assertEquals(cluster.stateMachines[leader.memberId()].hash(), cluster.stateMachines[isolated].hash());
        }
    }
}
