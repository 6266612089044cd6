package io.synod.raft.testkit;

import io.synod.raft.RaftRole;
import io.synod.raft.SnapshotStore;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import static io.synod.raft.testkit.RaftScenariosTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * §7 InstallSnapshot across a change of leader. Leader L streams its snapshot to follower F, which
 * missed everything the snapshot covers; L crashes half-way through. The other follower O, whose
 * snapshot is the same, wins the next term. Its first AppendEntries to F is a probe that F must refuse
 * (F's log is short); the refusal must not throw away the half F already holds, so O's transfer
 * resumes at F's offset instead of starting again from zero.
 *
 * <p>Before this was so, every leader change restarted the transfer, and a cluster whose leaders
 * lasted less than one transfer (a removed member deposing them, simulator seed 1092315) never got
 * the lagging member back and could livelock.
 */
class InstallSnapshotLeaderChangeTest
{
    private static final long MS = 1_000_000L;

    @Test
    void shouldResumeAPartlyReceivedSnapshotFromTheNextLeader()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 42, true, id -> new JournalStateMachine(),
            config -> config.snapshotEntriesThreshold(20).snapshotTrailingEntries(0).snapshotChunkBytes(64).inflightAppendsMax(1));
        cluster.recordOutcomes(true);
        final int l = cluster.awaitLeader(2_000 * MS);
        final int f = l % 3 + 1;
        final int o = f % 3 + 1;

        // F misses 200 commands; L and O snapshot them and compact their logs.
        cluster.isolate(f);
        for (int i = 1; i <= 200; i++)
        {
            final long correlationId = i;
            assertTrue(cluster.propose(l, correlationId, JournalStateMachine.command(i, 27)));
            awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(correlationId) != 0);
        }
        cluster.runFor(100 * MS);
        final SnapshotStore leaderSnapshot = cluster.snapshotStore(l);
        assertTrue(cluster.log(l).firstIndex() > cluster.log(f).lastIndex() + 1, "L compacted what F lacks");
        assertEquals(leaderSnapshot.index(), cluster.snapshotStore(o).index(), "O holds the snapshot L is sending");
        assertEquals(leaderSnapshot.checksum(), cluster.snapshotStore(o).checksum());

        // F comes back; L streams its snapshot in 64-byte chunks. Half-way through, L crashes.
        cluster.heal();
        final SnapshotStore receiving = cluster.snapshotStore(f);
        final long total = leaderSnapshot.length();
        awaitTrue(cluster, 2_000 * MS, () -> receiving.isWriting() && receiving.writtenLength() >= total / 2);
        cluster.crash(l);
        final long receivedFromL = receiving.writtenLength();
        assertTrue(receivedFromL < total, "the transfer is unfinished when L crashes");

        // O wins the next term (F votes for it), probes F and resumes the transfer where L left it.
        awaitTrue(cluster, 3_000 * MS, () -> cluster.node(o).role() == RaftRole.LEADER);
        final long snapshotIndex = leaderSnapshot.index();
        long written = receivedFromL;
        final long deadline = cluster.clock().nanoTime() + 3_000 * MS;
        while (cluster.node(f).lastSnapshotIndex() < snapshotIndex)
        {
            assertTrue(receiving.isWriting() && receiving.writtenLength() >= written,
                "F discarded the " + written + " of " + total + " bytes it had received" + cluster.describe());
            written = receiving.writtenLength();
            assertTrue(cluster.clock().nanoTime() < deadline, "F did not install the snapshot within 3 s" + cluster.describe());
            cluster.tick();
        }
        assertEquals(snapshotIndex, cluster.node(f).lastSnapshotIndex());

        // The two survivors form a quorum again: O's term commits, and so do new commands.
        assertTrue(cluster.propose(o, 1000, JournalStateMachine.command(1000, 27)));
        awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(1000) != 0);
        awaitTrue(cluster, 2_000 * MS, () -> cluster.node(f).lastApplied() >= cluster.committedIndex(1000));
        assertTrue(((JournalStateMachine)cluster.stateMachine(f)).sameState((JournalStateMachine)cluster.stateMachine(o)));
    }

    /**
     * A leader that takes snapshots faster than one crosses the network: every 20 entries under steady load, while
     * its snapshot needs over a hundred round trips in 64-byte chunks with one in flight. Each new snapshot used to
     * replace the one in transfer and restart it from byte 0, so the lagging follower never got one whole (a
     * livelock, seen in the transactions simulations). The intended fix: the leader waits with its next snapshot while a follower
     * is receiving the current one and acknowledging its chunks — not yet: see the reason it is disabled.
     */
    @Test
    @Disabled("known livelock, not fixed yet: each new leader snapshot restarts the transfer. Deferring the leader's " +
        "snapshot while a follower acknowledges chunks fixes this case but shifts the leader's snapshot points away from " +
        "the other members', so a new leader can no longer resume a partly received snapshot (LongSeedSimulationTest " +
        "seed 1299206 then livelocks): the fix must keep both")
    void shouldFinishATransferWhileTheLeaderKeepsTakingSnapshots()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3, 43, true, id -> new JournalStateMachine(),
            config -> config.snapshotEntriesThreshold(20).snapshotTrailingEntries(0).snapshotChunkBytes(64).inflightAppendsMax(1));
        cluster.recordOutcomes(true);
        final int l = cluster.awaitLeader(2_000 * MS);
        final int f = l % 3 + 1;
        cluster.isolate(f);
        for (int i = 1; i <= 200; i++)
        {
            final long correlationId = i;
            assertTrue(cluster.propose(l, correlationId, JournalStateMachine.command(i, 27)));
            awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(correlationId) != 0);
        }
        cluster.runFor(100 * MS);
        final long firstSnapshot = cluster.snapshotStore(l).index();
        assertTrue(cluster.snapshotStore(l).length() > 90 * 64, "the snapshot takes about a hundred chunks");

        // F comes back while the leader keeps committing a command a tick, a new snapshot due every 20 of them.
        cluster.heal();
        long correlationId = 1_000;
        final long deadline = cluster.clock().nanoTime() + 5_000 * MS;
        while (cluster.node(f).lastSnapshotIndex() < firstSnapshot)
        {
            assertTrue(cluster.clock().nanoTime() < deadline,
                "F did not install a snapshot within 5 s under load" + cluster.describe());
            cluster.propose(l, ++correlationId, JournalStateMachine.command((int)correlationId, 27));
            cluster.tick();
        }
        final long last = correlationId;
        awaitTrue(cluster, 2_000 * MS, () -> cluster.committedIndex(last) != 0);
        awaitTrue(cluster, 3_000 * MS, () -> cluster.node(f).lastApplied() >= cluster.committedIndex(last));
        assertTrue(cluster.snapshotStore(l).index() > firstSnapshot, "the leader went on taking snapshots after the transfer");
        assertTrue(((JournalStateMachine)cluster.stateMachine(f)).sameState((JournalStateMachine)cluster.stateMachine(l)));
    }
}
