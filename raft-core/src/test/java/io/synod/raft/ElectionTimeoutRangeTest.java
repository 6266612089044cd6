package io.synod.raft;

import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower that hears from no leader campaigns after a timeout drawn from
 * {@code [electionTimeoutNs, electionTimeoutMaxNs)}: never before the minimum (the bound CheckQuorum and
 * the lease rely on), never at or after the maximum, and spread over the range.
 */
class ElectionTimeoutRangeTest
{
    private static final long MS = 1_000_000L;

    @Test
    void shouldCampaignWithinTheConfiguredRange()
    {
        long earliest = Long.MAX_VALUE;
        long latest = 0;
        for (int seed = 1; seed <= 200; seed++)
        {
            final long waitedNs = firstCampaignNs(seed, 100 * MS, 130 * MS);
            assertTrue(waitedNs >= 100 * MS && waitedNs < 131 * MS, "seed " + seed + ": campaigned after " + waitedNs + " ns");
            earliest = Math.min(earliest, waitedNs);
            latest = Math.max(latest, waitedNs);
        }
        assertTrue(earliest < 105 * MS && latest > 125 * MS, "spread over the range: " + earliest + ".." + latest);
    }

    /** @return virtual time (1 ms steps) from start until the follower leaves the follower role. */
    private static long firstCampaignNs(final long seed, final long minNs, final long maxNs)
    {
        final RaftConfig config = new RaftConfig().clusterId(1).memberId(1).members(1, 2, 3)
            .heartbeatIntervalNs(10 * MS).electionTimeoutNs(minNs).electionTimeoutMaxNs(maxNs).observer(RaftObserver.NONE);
        final Transport silent = new Transport()
        {
            @Override
            public boolean send(final int memberId, final org.agrona.DirectBuffer buffer, final int offset, final int length)
            {
                return true;
            }

            @Override
            public int poll(final FrameHandler handler, final int fragmentLimit)
            {
                return 0;
            }
        };
        final RaftNode node = new RaftNode(config, new InMemoryRaftLog(16, 1024), new InMemoryHardState(),
            AgentHarness.ECHO_REVERSED, silent, new SplittableRandom(seed), AgentHarness.IGNORE);
        for (long nowNs = 0; ; nowNs += MS)
        {
            node.beginCycle(nowNs);
            node.onTimers();
            if (node.role() != RaftRole.FOLLOWER)
            {
                return nowNs;
            }
        }
    }
}
