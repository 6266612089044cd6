package io.synod.raft.testkit;

import org.agrona.DirectBuffer;

import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The simulator's event queue and faulty network. Every frame a member sends, Raft's or a user
 * protocol's, goes through {@link #send}: lost if its link is cut or by the current drop rate, else
 * delivered after a random delay (so frames reorder), sometimes twice. Draws come from the run's one
 * random generator, in the order of the sends, so a run stays a function of its seed.
 *
 * <p>Not thread-safe; owned by one {@link Simulation}.
 */
final class SimNetwork
{
    /** A Raft frame reaches a member's agent. */
    static final int DELIVER = 0;
    /** A member's duty cycle is due. */
    static final int TICK = 1;
    /** The workload acts. */
    static final int CLIENT = 2;
    /** The fault injector acts. */
    static final int FAULT = 3;
    /** A user protocol's frame reaches a member's protocol node. */
    static final int DELIVER_PROTOCOL = 4;

    /** Ordered by time, then by scheduling order: equal times never compare equal. */
    record Event(long timeNs, long seq, int kind, int slot, byte[] frame) implements Comparable<Event>
    {
        @Override
        public int compareTo(final Event other)
        {
            final int byTime = Long.compare(timeNs, other.timeNs);
            return byTime != 0 ? byTime : Long.compare(seq, other.seq);
        }
    }

    /** Sees every Raft frame a member sends, before the network decides its fate. */
    @FunctionalInterface
    interface Sniffer
    {
        void onFrame(DirectBuffer buffer, int offset, int length);
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final SplittableRandom random;
    private final VirtualClock clock;
    private final SimulatedLinks links;
    private final int size;
    private final long minDelayNs;
    private final long maxDelayNs;
    private final Sniffer sniffer;
    private double dropRate;
    private double duplicateRate;
    private long eventSeq;

    SimNetwork(
        final SplittableRandom random,
        final VirtualClock clock,
        final int size,
        final SimulationParameters parameters,
        final Sniffer sniffer)
    {
        this.random = random;
        this.clock = clock;
        this.size = size;
        this.links = new SimulatedLinks(size);
        this.minDelayNs = parameters.minDelayNs;
        this.maxDelayNs = parameters.maxDelayNs;
        this.dropRate = parameters.dropRate;
        this.duplicateRate = parameters.duplicateRate;
        this.sniffer = sniffer;
    }

    void schedule(final long timeNs, final int kind, final int slot, final byte[] frame)
    {
        events.add(new Event(timeNs, eventSeq++, kind, slot, frame));
    }

    /** @return the earliest event, removed, or null when none is left. */
    Event next()
    {
        return events.poll();
    }

    /**
     * Puts one frame on the wire from {@code fromSlot} to member {@code toMember} (no such member: lost).
     *
     * @param kind {@link #DELIVER} for a Raft frame, {@link #DELIVER_PROTOCOL} for a user protocol's.
     */
    void send(final int fromSlot, final int toMember, final DirectBuffer buffer, final int offset, final int length, final int kind)
    {
        final int toSlot = toMember - 1;
        if (toSlot < 0 || toSlot >= size)
        {
            return;
        }
        if (kind == DELIVER)
        {
            sniffer.onFrame(buffer, offset, length);
        }
        if (links.isCut(fromSlot, toSlot) || random.nextDouble() < dropRate)
        {
            return;
        }
        final byte[] frame = new byte[length];
        buffer.getBytes(offset, frame);
        schedule(clock.nanoTime() + delay(), kind, toSlot, frame);
        if (random.nextDouble() < duplicateRate)
        {
            schedule(clock.nanoTime() + delay(), kind, toSlot, frame);
        }
    }

    private long delay()
    {
        return minDelayNs + random.nextLong(maxDelayNs - minDelayNs + 1);
    }

    /** Changes the network's mood for a while: new drop and duplicate rates. */
    void changeMood()
    {
        dropRate = random.nextDouble() * 0.3;
        duplicateRate = random.nextDouble() * 0.1;
    }

    /** No more drops or duplicates (delays stay): the liveness phase. */
    void calm()
    {
        dropRate = 0;
        duplicateRate = 0;
    }

    /** Restores every link. */
    void heal()
    {
        links.heal();
    }

    /**
     * Heals, then cuts the network one of four ways, drawn at random: the leader isolated, a random
     * minority split from the majority, the leader on a minority side, or two halves bridged by one member.
     *
     * @param leaderSlot the leader's slot, or -1 if there is none (the first and third ways then split at random).
     */
    void partition(final int leaderSlot)
    {
        heal();
        final int n = size;
        final boolean[] sideA = new boolean[n];
        final int kind = random.nextInt(4);
        if (kind == 0 && leaderSlot >= 0)
        {
            sideA[leaderSlot] = true; // isolate the leader
        }
        else if (kind == 1 || kind == 0)
        {
            // minority / majority split with a random minority
            final int minority = 1 + random.nextInt(n / 2);
            for (int placed = 0; placed < minority; )
            {
                final int slot = random.nextInt(n);
                if (!sideA[slot])
                {
                    sideA[slot] = true;
                    placed++;
                }
            }
        }
        else if (kind == 2)
        {
            // the leader on the minority side
            final int minority = n / 2;
            if (leaderSlot >= 0)
            {
                sideA[leaderSlot] = true;
            }
            int placed = leaderSlot >= 0 ? 1 : 0;
            while (placed < minority)
            {
                final int slot = random.nextInt(n);
                if (!sideA[slot])
                {
                    sideA[slot] = true;
                    placed++;
                }
            }
        }
        else
        {
            // a bridge: two halves that only one member connects
            final int bridge = random.nextInt(n);
            for (int slot = 0; slot < n; slot++)
            {
                sideA[slot] = random.nextBoolean();
            }
            links.splitWithBridge(sideA, bridge);
            return;
        }
        links.split(sideA);
    }
}
