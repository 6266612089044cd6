package io.synod.blackbox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The fault injector of a black-box run. Its whole schedule (which faults, in which order, on which member, when and
 * for how long) is drawn from the run's seed before the run starts ({@link #schedule}), so a seed replays the same
 * schedule; only "the leader" is resolved when the fault starts (whoever leads then). Faults do not overlap: each is
 * healed, and a leader is back, before the next begins; all are healed before the final phase.
 *
 * <ul>
 *   <li>{@link Kind#KILL}: SIGKILL of the leader or a random member, restarted on the same data directory after a delay.</li>
 *   <li>{@link Kind#PAUSE}: SIGSTOP of the leader or a random member for longer than the election timeout, then SIGCONT.</li>
 *   <li>{@link Kind#PARTITION}: isolate the leader, split a random minority from the majority, or cut one link so that the
 *   third member bridges the two ends; healed after a while.</li>
 * </ul>
 *
 * <p><b>Partitions: which kind runs.</b> Members bind 127.0.0.1, .2, .3, but Aeron's sending sockets are not bound
 * to them, so every member's packets leave from 127.0.0.1 and a packet filter cannot tell peers apart by source
 * address; the shared loopback interface also carries other processes' traffic. The harness therefore partitions
 * with the members' test-only drop filter ({@code --test-faults true}, {@code POST /test/partition}: the member
 * drops every frame to and from the named peers, while its clients still reach it). {@link #PARTITION_MECHANISM}
 * names it in every run report.
 *
 * <p>Every fault is recorded in the history as Jepsen nemesis operations ({@code :info} pairs of process
 * {@code :nemesis}).
 */
final class Nemesis
{
    /** How partitions are made in these runs (printed in every report). */
    static final String PARTITION_MECHANISM =
        "transport drop filter (test-only, members started with --test-faults true; controlled over POST /test/partition)";

    /** Fault kinds. */
    enum Kind
    {
        KILL, PAUSE, PARTITION
    }

    /** Whom a fault hits. */
    enum Target
    {
        /** The member that leads when the fault starts. */
        LEADER,
        /** A member drawn from the seed. */
        RANDOM,
        /** Partition only: one link cut, the third member connected to both ends. */
        BRIDGE
    }

    /**
     * One scheduled fault.
     *
     * @param kind       what.
     * @param target     whom.
     * @param member     the member drawn from the seed (used for RANDOM, and when no leader is known).
     * @param gapMs      quiet time before it starts.
     * @param durationMs how long it lasts until healed (restart delay for a kill).
     */
    record Fault(Kind kind, Target target, int member, long gapMs, long durationMs)
    {
        @Override
        public String toString()
        {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + "(" + target.name().toLowerCase(java.util.Locale.ROOT) +
                (target == Target.LEADER ? "" : " " + member) + ", after " + gapMs + " ms, for " + durationMs + " ms)";
        }
    }

    /**
     * Draws a schedule: {@code rounds} rounds of one fault of each kind in a seed-shuffled order.
     *
     * @param electionTimeoutMaxMs pauses last longer than this (at least twice it).
     */
    static List<Fault> schedule(final long seed, final int members, final int rounds, final long electionTimeoutMaxMs)
    {
        final SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        final List<Fault> faults = new ArrayList<>();
        for (int round = 0; round < rounds; round++)
        {
            final List<Kind> kinds = new ArrayList<>(List.of(Kind.values()));
            Collections.shuffle(kinds, new java.util.Random(random.nextLong()));
            for (final Kind kind : kinds)
            {
                final Target target;
                if (kind == Kind.PARTITION)
                {
                    target = Target.values()[random.nextInt(3)];
                }
                else
                {
                    target = random.nextBoolean() ? Target.LEADER : Target.RANDOM;
                }
                final long durationMs = switch (kind)
                {
                    case KILL -> 1_000 + random.nextInt(3_000);
                    case PAUSE -> 2 * electionTimeoutMaxMs + random.nextInt(3_000);
                    case PARTITION -> 3_000 + random.nextInt(4_000);
                };
                faults.add(new Fault(kind, target, 1 + random.nextInt(members), 2_000 + random.nextInt(3_000), durationMs));
            }
        }
        return faults;
    }

    private final DaemonCluster cluster;
    private final History history;
    private final Map<String, Integer> injected = new TreeMap<>();
    private final List<String> log = new ArrayList<>();

    Nemesis(final DaemonCluster cluster, final History history)
    {
        this.cluster = cluster;
        this.history = history;
    }

    /** @return faults injected so far, by kind (and target). */
    Map<String, Integer> injected()
    {
        return injected;
    }

    /** @return one line per fault as it ran (member hit, times). */
    List<String> log()
    {
        return log;
    }

    /**
     * Runs the schedule on the calling thread: for each fault, waits its gap, injects it, waits its duration, heals
     * it and waits (up to 60 s) for an agreed leader.
     *
     * @throws IllegalStateException if no leader comes back after a healed fault (the run then fails with its seed).
     */
    void run(final List<Fault> faults) throws InterruptedException
    {
        for (final Fault fault : faults)
        {
            Thread.sleep(fault.gapMs());
            final int leader = cluster.leader();
            final int member = fault.target() == Target.LEADER && leader != 0 ? leader : fault.member();
            final String key = fault.kind().name().toLowerCase(java.util.Locale.ROOT) + "-" +
                (fault.target() == Target.LEADER && leader == 0 ? "random(no leader)" : fault.target().name().toLowerCase(java.util.Locale.ROOT));
            injected.merge(key, 1, Integer::sum);
            switch (fault.kind())
            {
                case KILL -> kill(member, fault.durationMs());
                case PAUSE -> pause(member, fault.durationMs());
                case PARTITION -> partition(fault.target(), member, leader, fault.durationMs());
            }
            final long healedNs = System.nanoTime();
            final int next = cluster.awaitLeader(60_000);
            if (next == 0)
            {
                throw new IllegalStateException("no leader within 60 s after healing " + fault);
            }
            log.add(String.format(java.util.Locale.ROOT, "%s on member %d (leader before: %d, after: %d, %d ms after the heal)", fault,
                member, leader, next, (System.nanoTime() - healedNs) / 1_000_000));
        }
    }

    private void kill(final int member, final long restartAfterMs) throws InterruptedException
    {
        history.append(-1, History.Type.INFO, "kill", Integer.toString(member), null);
        cluster.kill(member);
        history.append(-1, History.Type.INFO, "kill", Integer.toString(member), null);
        Thread.sleep(restartAfterMs);
        history.append(-1, History.Type.INFO, "start", Integer.toString(member), null);
        cluster.start(member);
        history.append(-1, History.Type.INFO, "start", Integer.toString(member), null);
    }

    private void pause(final int member, final long forMs) throws InterruptedException
    {
        history.append(-1, History.Type.INFO, "pause", Integer.toString(member), null);
        cluster.pause(member);
        history.append(-1, History.Type.INFO, "pause", Integer.toString(member), null);
        Thread.sleep(forMs);
        history.append(-1, History.Type.INFO, "resume", Integer.toString(member), null);
        cluster.resume(member);
        history.append(-1, History.Type.INFO, "resume", Integer.toString(member), null);
    }

    /** Cuts links on every member so that the named side is split off (both directions), waits, heals on every member. */
    private void partition(final Target target, final int member, final int leader, final long forMs) throws InterruptedException
    {
        final int n = cluster.size();
        final boolean[][] cut = new boolean[n + 1][n + 1];
        final String shape;
        if (target == Target.BRIDGE)
        {
            // Cut member <-> its successor; the remaining member hears both.
            final int other = member % n + 1;
            cut[member][other] = true;
            cut[other][member] = true;
            shape = ":bridge";
        }
        else
        {
            final int isolated = target == Target.LEADER && leader != 0 ? leader : member;
            for (int m = 1; m <= n; m++)
            {
                if (m != isolated)
                {
                    cut[isolated][m] = true;
                    cut[m][isolated] = true;
                }
            }
            shape = target == Target.LEADER ? ":isolate-leader" : ":majority-minority";
        }
        final StringBuilder grudge = new StringBuilder("[" + shape + " {");
        for (int m = 1; m <= n; m++)
        {
            final List<Integer> peers = new ArrayList<>();
            for (int p = 1; p <= n; p++)
            {
                if (cut[m][p])
                {
                    peers.add(p);
                }
            }
            grudge.append(m == 1 ? "" : ", ").append(m).append(' ').append(peers.toString().replace(",", ""));
        }
        grudge.append("}]");
        history.append(-1, History.Type.INFO, "partition", grudge.toString(), null);
        for (int m = 1; m <= n; m++)
        {
            final int[] peers = new int[n];
            int count = 0;
            for (int p = 1; p <= n; p++)
            {
                if (cut[m][p])
                {
                    peers[count++] = p;
                }
            }
            cluster.cut(m, java.util.Arrays.copyOf(peers, count));
        }
        history.append(-1, History.Type.INFO, "partition", grudge.toString(), null);
        Thread.sleep(forMs);
        final StringBuilder dropped = new StringBuilder();
        for (int m = 1; m <= n; m++)
        {
            dropped.append(m == 1 ? "" : ", ").append(m).append(": ").append(cluster.droppedFrames(m));
        }
        log.add(shape + " partition: frames dropped by each member's filter {" + dropped + "}");
        history.append(-1, History.Type.INFO, "heal", "nil", null);
        healAll();
        history.append(-1, History.Type.INFO, "heal", "nil", null);
    }

    /** Heals every link of every running member, resumes paused members and restarts dead ones. */
    void healAll() throws InterruptedException
    {
        final boolean[] restarted = new boolean[cluster.size() + 1];
        for (int m = 1; m <= cluster.size(); m++)
        {
            if (cluster.paused(m))
            {
                cluster.resume(m);
            }
            if (!cluster.running(m))
            {
                cluster.start(m);
                restarted[m] = true;
            }
        }
        for (int m = 1; m <= cluster.size(); m++)
        {
            if (!restarted[m])
            {
                cluster.cut(m);
            }
        }
    }
}
