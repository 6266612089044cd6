package io.synod.raft.testkit;

import io.synod.raft.RaftCounters;
import io.synod.raft.StateMachine;
import io.synod.raft.codec.MessageType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proposal forwarding ({@link MessageType#FORWARD}): a follower passes commands to the leader, which
 * appends them; with no leader, or to a member that no longer leads, they are dropped and counted,
 * never applied twice by forwarding itself and never passed on a second hop.
 */
class ForwardingTest
{
    private static final long MS = 1_000_000L;

    /** Records the first 8 bytes (a long id) of every applied command, per member. */
    private static final class Recorder implements StateMachine
    {
        final List<Long> applied = new ArrayList<>();

        @Override
        public int apply(
            final long index, final long term, final org.agrona.DirectBuffer command, final int offset, final int length,
            final org.agrona.ExpandableArrayBuffer response)
        {
            if (length == 8)
            {
                applied.add(command.getLong(offset, ByteOrder.LITTLE_ENDIAN));
            }
            return 0;
        }
    }

    private final Recorder[] recorders = {null, new Recorder(), new Recorder(), new Recorder(), new Recorder(), new Recorder()};
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[8]);

    private boolean forward(final LoopbackCluster cluster, final int member, final long id)
    {
        command.putLong(0, id, ByteOrder.LITTLE_ENDIAN);
        return cluster.forward(member, command, 0, 8);
    }

    @Test
    void shouldApplyCommandsForwardedByFollowersOnEveryMemberOnce()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 11, true, id -> recorders[id], config -> {});
        final int leader = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(50 * MS);
        final List<Long> expected = new ArrayList<>();
        for (long id = 1; id <= 30; id++)
        {
            final int member = (int)(id % 3) + 1;
            assertTrue(forward(cluster, member, id));
            expected.add(id);
            cluster.tick();
        }
        awaitTrue(cluster, 1_000 * MS, () -> recorders[1].applied.size() == 30 && recorders[2].applied.size() == 30 &&
            recorders[3].applied.size() == 30);
        for (int m = 1; m <= 3; m++)
        {
            assertEquals(expected.size(), recorders[m].applied.stream().distinct().count(), "member " + m);
            assertTrue(recorders[m].applied.containsAll(expected), "member " + m + " applied " + recorders[m].applied);
        }
        assertEquals(recorders[1].applied, recorders[2].applied, "same order on every member");
        assertEquals(recorders[1].applied, recorders[3].applied, "same order on every member");
        long sent = 0;
        for (int m = 1; m <= 3; m++)
        {
            sent += cluster.node(m).counters().forwardsSent();
        }
        assertEquals(20, sent, "followers forwarded two thirds of the commands");
        assertEquals(30, cluster.node(leader).counters().forwardsAppended());
    }

    @Test
    void shouldDropForwardsWithoutALeaderAndAtADeposedLeader()
    {
        final LoopbackCluster cluster = new LoopbackCluster(5, 12, true, id -> recorders[id], config -> config.checkQuorum(false));
        // Before any election: nobody to forward to.
        assertTrue(forward(cluster, 1, 100));
        cluster.tick();
        cluster.tick();
        assertEquals(1, cluster.node(1).counters().forwardsDropped());

        final int old = cluster.awaitLeader(2_000 * MS);
        cluster.runFor(100 * MS);
        // Cut the old leader off; a follower on its side of... nothing: it is alone. A new leader rises.
        final int follower = old % 5 + 1;
        cluster.isolate(old);
        awaitTrue(cluster, 3_000 * MS, () -> cluster.leader() != 0 && cluster.leader() != old);
        // A forward the old leader appends as (deposed, unaware) leader never commits: it is lost with its
        // term, not applied, and not retried by the node.
        assertTrue(forward(cluster, old, 200));
        assertTrue(forward(cluster, follower, 201));
        cluster.runFor(200 * MS);
        cluster.heal();
        awaitTrue(cluster, 3_000 * MS, () -> {
            final RaftCounters counters = cluster.node(old).counters();
            return cluster.node(old).commitIndex() == cluster.node(cluster.leader() == 0 ? follower : cluster.leader()).commitIndex() &&
                counters != null;
        });
        cluster.runFor(500 * MS);
        for (int m = 1; m <= 5; m++)
        {
            assertTrue(!recorders[m].applied.contains(200L), "member " + m + " applied a forward lost with a deposed term");
            assertEquals(1, recorders[m].applied.stream().filter(id -> id == 201L).count(), "member " + m + " applied 201 once");
            assertTrue(!recorders[m].applied.contains(100L), "member " + m);
        }
    }
}
