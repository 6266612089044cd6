package io.synod.kv.sim;

import io.synod.raft.testkit.LoopbackCluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Injects faults into a {@link LoopbackCluster} on a seeded schedule: isolating the leader, splitting
 * the cluster, cutting single links, crashing members (the leader half the time) and restarting them,
 * and healing the network. At most a minority is down at once, so a healed network can always make
 * progress; a partition may still leave no side with a quorum for a while. Every fault is logged with
 * its virtual time for the failure report.
 */
final class KvNemesis
{
    static final long MIN_GAP_NS = TimeUnit.MILLISECONDS.toNanos(50);
    static final long MAX_GAP_NS = TimeUnit.MILLISECONDS.toNanos(500);

    private final LoopbackCluster cluster;
    private final SplittableRandom random;
    private final int maxDown;
    private final List<String> log = new ArrayList<>();
    private long nextFaultNs;
    private int faults;

    /**
     * @param cluster the cluster.
     * @param random  this nemesis' own generator.
     * @param startNs the virtual time of the first possible fault.
     */
    KvNemesis(final LoopbackCluster cluster, final SplittableRandom random, final long startNs)
    {
        this.cluster = cluster;
        this.random = random;
        this.maxDown = (cluster.size() - 1) / 2;
        this.nextFaultNs = startNs + gapNs();
    }

    /** Injects the next fault if its time has come. */
    void onTick(final long nowNs)
    {
        if (nowNs < nextFaultNs)
        {
            return;
        }
        nextFaultNs = nowNs + gapNs();
        final int leader = cluster.leader();
        final int roll = random.nextInt(100);
        if (roll < 20 && leader != 0)
        {
            cluster.isolate(leader);
            record(nowNs, "isolate leader " + leader);
        }
        else if (roll < 35)
        {
            final int[] minority = minority();
            cluster.partition(minority);
            record(nowNs, "partition " + Arrays.toString(minority) + " from the rest");
        }
        else if (roll < 45)
        {
            final int a = member();
            final int other = (a + random.nextInt(cluster.size() - 1)) % cluster.size() + 1;
            cluster.cut(a, other);
            record(nowNs, "cut " + a + "<->" + other);
        }
        else if (roll < 65 && down() < maxDown)
        {
            final int victim = leader != 0 && random.nextBoolean() ? leader : memberThatIs(true);
            cluster.crash(victim);
            record(nowNs, "crash " + victim + (victim == leader ? " (leader)" : ""));
        }
        else if (roll < 80 && down() > 0)
        {
            final int member = memberThatIs(false);
            cluster.restart(member);
            record(nowNs, "restart " + member);
        }
        else
        {
            cluster.heal();
            record(nowNs, "heal");
        }
    }

    /** Heals the network and restarts every crashed member: the start of the liveness phase. */
    void healAll(final long nowNs)
    {
        cluster.heal();
        for (int member = 1; member <= cluster.size(); member++)
        {
            if (!cluster.isAlive(member))
            {
                cluster.restart(member);
            }
        }
        record(nowNs, "heal all, restart all");
    }

    int faults()
    {
        return faults;
    }

    /** @return one line per fault, with its virtual time in ms. */
    String describe()
    {
        return String.join("\n", log);
    }

    private void record(final long nowNs, final String fault)
    {
        faults++;
        log.add("  t=" + TimeUnit.NANOSECONDS.toMillis(nowNs) + "ms " + fault);
    }

    private long gapNs()
    {
        return MIN_GAP_NS + random.nextLong(MAX_GAP_NS - MIN_GAP_NS);
    }

    private int member()
    {
        return 1 + random.nextInt(cluster.size());
    }

    private int[] minority()
    {
        final int count = 1 + random.nextInt(cluster.size() / 2);
        final int first = member();
        final int[] side = new int[count];
        for (int i = 0; i < count; i++)
        {
            side[i] = (first - 1 + i) % cluster.size() + 1;
        }
        return side;
    }

    private int down()
    {
        int down = 0;
        for (int member = 1; member <= cluster.size(); member++)
        {
            down += cluster.isAlive(member) ? 0 : 1;
        }
        return down;
    }

    /** @return a member, chosen at random, that is alive (or down); one must exist. */
    private int memberThatIs(final boolean alive)
    {
        final int start = member();
        for (int i = 0; i < cluster.size(); i++)
        {
            final int member = (start - 1 + i) % cluster.size() + 1;
            if (cluster.isAlive(member) == alive)
            {
                return member;
            }
        }
        throw new IllegalStateException("no member is " + (alive ? "alive" : "down"));
    }
}
