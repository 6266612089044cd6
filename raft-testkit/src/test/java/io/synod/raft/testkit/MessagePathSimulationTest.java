package io.synod.raft.testkit;

import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteOrder;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application-message path under the simulator (issue 13 §2): a protocol that registers a service
 * on each member's {@link io.synod.raft.RaftAgent} and sends through its {@link ServiceChannel}, so its
 * messages cross the Raft frames' channel with the same seeded drops, duplicates, delays, partitions
 * and crashes, beside a Raft group on the same agent. The protocol gossips a maximum: a client request
 * raises it on one member, which tells the others, and every member pushes its value to a random other
 * member every 20 ms. Invariant after every step: no member's (durable) value goes back, and each is a
 * value somebody wrote. Liveness after healing: every member holds the largest value written.
 */
class MessagePathSimulationTest
{
    private static final String TEST = "MessagePathSimulationTest";
    private static final int SERVICE = 3;
    private static final long GOSSIP_INTERVAL_NS = 20_000_000L;

    static LongStream seeds()
    {
        return UserSimulationSeeds.seeds(20);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldDeliverServiceMessagesUnderFaultsAndConvergeAfterHealing(final long seed)
    {
        final GossipRun run = new GossipRun();
        final Simulation.Result result = Simulation.builder(seed)
            .steps(UserSimulationSeeds.STEPS)
            .protocol(run::node)
            .invariant(run)
            .liveness(run)
            .replay(UserSimulationSeeds.replay(TEST))
            .run();
        assertTrue(run.written.size() > 0 && run.delivered > 0, "values written and messages delivered");
        assertTrue(result.crashes() + result.partitions() > 0, "the run saw faults");
        assertTrue(result.acknowledged() > 0, "the Raft group beside it committed");
        System.out.println("gossip seed " + seed + ": " + run.written.size() + " values, " + run.delivered + " messages delivered, " +
            run.malformed + " malformed, " + result.crashes() + " crashes, " + result.partitions() + " partitions");
    }

    /** One run: each member's durable value (kept across crashes), what was written, the checks. */
    private static final class GossipRun implements SimulationInvariant, SimulationLiveness
    {
        private static final int MEMBERS_MAX = 16;

        final long[] disk = new long[MEMBERS_MAX];
        private final long[] seen = new long[MEMBERS_MAX];
        final LongHashSet written = new LongHashSet();
        long maxWritten;
        long delivered;
        long malformed;

        SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
            return new GossipNode(this, context);
        }

        @Override
        public void check(final SimulatedCluster cluster)
        {
            for (int memberId = 1; memberId <= cluster.size(); memberId++)
            {
                final long value = disk[memberId];
                if (value < seen[memberId])
                {
                    throw new AssertionError("member " + memberId + " went back from " + seen[memberId] + " to " + value);
                }
                if (value != 0 && !written.contains(value))
                {
                    throw new AssertionError("member " + memberId + " holds " + value + ", which nobody wrote");
                }
                seen[memberId] = value;
            }
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster cluster)
        {
            for (int memberId = 1; memberId <= cluster.size(); memberId++)
            {
                if (disk[memberId] != maxWritten)
                {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String describe(final SimulatedCluster cluster)
        {
            final StringBuilder builder = new StringBuilder("members did not converge on ").append(maxWritten).append(':');
            for (int memberId = 1; memberId <= cluster.size(); memberId++)
            {
                builder.append(' ').append(memberId).append('=').append(disk[memberId]);
            }
            return builder.toString();
        }
    }

    /** A member's gossip node: a service on the member's agent. */
    private static final class GossipNode implements SimulatedProtocol
    {
        private final GossipRun run;
        private final int memberId;
        private final int[] members;
        private final RandomGenerator random;
        private final ServiceChannel channel;
        private final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
        private long nextGossipNs;

        GossipNode(final GossipRun run, final Context context)
        {
            this.run = run;
            this.memberId = context.memberId();
            this.members = context.members();
            this.random = context.random();
            this.channel = context.agent().registerService(SERVICE, this::onMessage, 64);
        }

        private void onMessage(
            final long nowNs, final int from, final long clientId, final int flags, final DirectBuffer buffer, final int offset,
            final int length)
        {
            if (length != 8 || from == 0)
            {
                run.malformed++;
                return;
            }
            run.delivered++;
            raise(buffer.getLong(offset, ByteOrder.LITTLE_ENDIAN));
        }

        private void raise(final long value)
        {
            if (value > run.disk[memberId])
            {
                run.disk[memberId] = value;
            }
        }

        @Override
        public void onClientRequest(final RandomGenerator random)
        {
            final long value = run.maxWritten + 1 + random.nextInt(3);
            run.maxWritten = value;
            run.written.add(value);
            raise(value);
            message.putLong(0, run.disk[memberId], ByteOrder.LITTLE_ENDIAN);
            for (final int other : members)
            {
                if (other != memberId)
                {
                    channel.sendToMember(other, 0, message, 0, 8);
                }
            }
        }

        @Override
        public int doWork(final long nowNs)
        {
            if (nowNs - nextGossipNs < 0 || members.length < 2)
            {
                return 0;
            }
            nextGossipNs = nowNs + GOSSIP_INTERVAL_NS;
            int other = members[random.nextInt(members.length)];
            if (other == memberId)
            {
                other = members[(java.util.Arrays.binarySearch(members, memberId) + 1) % members.length];
            }
            message.putLong(0, run.disk[memberId], ByteOrder.LITTLE_ENDIAN);
            return channel.sendToMember(other, 0, message, 0, 8) ? 1 : 0;
        }
    }
}
