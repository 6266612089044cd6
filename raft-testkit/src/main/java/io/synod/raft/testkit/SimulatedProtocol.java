package io.synod.raft.testkit;

import io.synod.raft.RaftAgent;
import io.synod.raft.Transport;
import org.agrona.concurrent.NanoClock;

import java.util.random.RandomGenerator;

/**
 * A user's protocol node in a {@link Simulation}: anything that is not Raft (a leaderless quorum store,
 * a gossip, a 2PC participant) run under the same seeded faults as the Raft groups. One node per member,
 * made by a {@link Factory} on every start. It gets a {@link Transport} whose frames travel the simulated
 * network (the same drops, duplicates, delays and partitions as Raft frames, on a channel of their own),
 * a virtual clock and a seeded random, and runs as a duty once per duty cycle of its member: after the
 * member's Raft groups if it has any ({@link RaftAgent#addDuty}), alone otherwise. A member's duty cycle
 * runs when one of its frames arrives and on its periodic tick (about every 10 ms of virtual time).
 *
 * <p><b>Crashes.</b> A crash discards the node after {@link #onCrash}: whatever it held in memory is gone.
 * What should survive (its "disk") the user keeps outside the node, typically in an object per member
 * captured by the factory, and loses in {@link #onCrash} what a crash would lose (unflushed writes). A
 * restart calls the factory again with a higher {@link Context#incarnation()}. A storage operation may
 * also crash the member from inside a duty cycle by throwing {@link SimulatedCrash}.
 *
 * <p><b>Threading and determinism.</b> Everything runs on the simulation's thread. Read time only from
 * the {@code nowNs} given or {@link Context#clock()}, draw randomness only from {@link Context#random()}
 * or the generator passed in, so that a seed replays its run.
 */
public interface SimulatedProtocol extends RaftAgent.Duty
{
    /** Makes a member's protocol node on each start. */
    @FunctionalInterface
    interface Factory
    {
        SimulatedProtocol create(Context context);
    }

    /**
     * A client request arrives at this member (the simulator's client events in the safety phase pick a
     * member at random; none arrive once healed): draw it from {@code random}, the run's generator, and
     * start it. The member's duty cycle runs right after.
     */
    default void onClientRequest(final RandomGenerator random)
    {
    }

    /**
     * The member crashes now: drop what a crash loses from the durable state kept outside the node, using
     * {@code random} (split from the run's) for any choice such as how much of an unflushed write survived.
     * The node is not called again.
     */
    default void onCrash(final RandomGenerator random)
    {
    }

    /** What a node is given at start: who it is, its network, clock and randomness. */
    final class Context
    {
        private final int memberId;
        private final int[] members;
        private final Transport transport;
        private final NanoClock clock;
        private final RandomGenerator random;
        private final long incarnation;
        private final RaftAgent agent;

        Context(
            final int memberId, final int[] members, final Transport transport, final NanoClock clock, final RandomGenerator random,
            final long incarnation, final RaftAgent agent)
        {
            this.agent = agent;
            this.memberId = memberId;
            this.members = members;
            this.transport = transport;
            this.clock = clock;
            this.random = random;
            this.incarnation = incarnation;
        }

        /** @return this member's id, from 1. */
        public int memberId()
        {
            return memberId;
        }

        /** @return every member id of the run, this one included (a copy). */
        public int[] members()
        {
            return members.clone();
        }

        /**
         * @return this member's protocol transport: {@code send} to a member id puts the frame on the
         * simulated network (a frame to an unknown member is lost); {@code poll} delivers frames that arrived.
         */
        public Transport transport()
        {
            return transport;
        }

        /** @return the virtual clock. */
        public NanoClock clock()
        {
            return clock;
        }

        /** @return a generator seeded from the run's seed, the member and the incarnation: the node's own. */
        public RandomGenerator random()
        {
            return random;
        }

        /**
         * @return this member's agent, which runs its Raft groups; null in a run without groups. A node that
         * uses the application-message path registers its service here, in the factory (before the agent
         * runs): its messages then travel the Raft frames' channel, with their faults, and pass the agent's
         * checks ({@link RaftAgent#registerService}).
         */
        public RaftAgent agent()
        {
            return agent;
        }

        /** @return 1 on the member's first start; each restart adds one. */
        public long incarnation()
        {
            return incarnation;
        }
    }
}
