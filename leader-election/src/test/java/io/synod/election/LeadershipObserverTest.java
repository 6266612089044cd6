package io.synod.election;

import io.synod.raft.StateMachine;
import io.synod.raft.testkit.LoopbackCluster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeadershipObserverTest
{
    private static final long MS = 1_000_000L;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldAlternateAcquiredAndLostWithOneLeaderPerTerm(final long seed)
    {
        final Map<Integer, List<Long>> calls = new HashMap<>();
        final int[] incarnations = {0};
        final StateMachine noop = (index, term, buffer, offset, length, response) -> 0;
        final LoopbackCluster cluster = new LoopbackCluster(5, seed, true, id -> noop, config ->
        {
            // A crashed member's listener dies with it: each incarnation has its own sequence.
            final int member = config.memberId() * 1000 + calls.size() + incarnations[0]++;
            config.observer(new LeadershipObserver(new LeadershipListener()
            {
                @Override
                public void onLeadershipAcquired(final long term)
                {
                    calls.computeIfAbsent(member, k -> new ArrayList<>()).add(term);
                }

                @Override
                public void onLeadershipLost(final long term)
                {
                    calls.computeIfAbsent(member, k -> new ArrayList<>()).add(-term);
                }
            }));
        });
        final SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 40; round++)
        {
            cluster.runFor(random.nextLong(50, 400) * MS);
            final int member = 1 + random.nextInt(5);
            switch (random.nextInt(4))
            {
                case 0:
                    cluster.isolate(cluster.leader() == 0 ? member : cluster.leader());
                    break;
                case 1:
                    cluster.heal();
                    break;
                case 2:
                    if (cluster.isAlive(member) && member != 1 && member != 2)
                    {
                        cluster.crash(member);
                    }
                    break;
                default:
                    if (!cluster.isAlive(member))
                    {
                        cluster.restart(member);
                    }
                    break;
            }
        }
        final Map<Long, Integer> leaderOfTerm = new HashMap<>();
        int acquisitions = 0;
        for (final Map.Entry<Integer, List<Long>> entry : calls.entrySet())
        {
            long previous = 0;
            boolean leading = false;
            for (final long call : entry.getValue())
            {
                if (call > 0)
                {
                    assertTrue(!leading, "acquired twice without a loss: " + entry);
                    assertTrue(call > Math.abs(previous) || previous == 0, "terms increase: " + entry);
                    final Integer other = leaderOfTerm.put(call, entry.getKey() / 1000);
                    assertTrue(other == null || other == entry.getKey() / 1000, "two leaders of term " + call);
                    leading = true;
                    acquisitions++;
                }
                else
                {
                    assertTrue(leading, "lost without acquiring: " + entry);
                    assertEquals(previous, -call, "lost the term it acquired: " + entry);
                    leading = false;
                }
                previous = call;
            }
        }
        assertTrue(acquisitions >= 2, "leadership moved at least once: " + calls);
    }
}
