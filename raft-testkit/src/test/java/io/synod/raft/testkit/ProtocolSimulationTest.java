package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A protocol that is not Raft, under the simulator's network, crash and clock model (issue 12 §2): a
 * majority-acknowledged register with gossip ({@link MajorityRegister}) whose frames cross the same
 * seeded drops, duplicates, delays and partitions as Raft's, whose members crash (losing an unflushed
 * write, or not) and restart. Its invariant, after every step: every acknowledged write is held by a
 * majority (counting what a crashed member has on disk), every member holds a value some client wrote
 * with that timestamp, and no member's disk goes back. Its liveness after healing: every member holds
 * the same write, at least the last acknowledged one. A register that acknowledges before flushing is
 * caught with its seed and replay line.
 */
class ProtocolSimulationTest
{
    private static final String TEST = "ProtocolSimulationTest";

    static LongStream seeds()
    {
        return UserSimulationSeeds.seeds(30);
    }

    static LongStream someSeeds()
    {
        return UserSimulationSeeds.seeds(10);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldKeepEveryAcknowledgedWriteOnAMajorityAndConvergeAfterHealing(final long seed)
    {
        final RegisterRun run = new RegisterRun(true);
        final Simulation.Result result = run.simulation(seed).groups(0).run();

        assertTrue(run.history.acknowledged > 0, "no write was acknowledged");
        assertTrue(result.crashes() + result.partitions() > 0, "the run saw faults");
        assertEquals(0, result.acknowledged(), "no Raft group ran");
        System.out.println("register seed " + seed + ": " + run.history.written.size() + " writes, " + run.history.acknowledged +
            " acknowledged, " + run.history.abandoned + " abandoned, " + result.crashes() + " crashes, " +
            result.partitions() + " partitions, " + result.virtualTimeNs() / 1_000_000 + " ms");
    }

    @ParameterizedTest
    @MethodSource("someSeeds")
    void shouldRunBesideARaftGroupOnTheSameAgent(final long seed)
    {
        final RegisterRun run = new RegisterRun(true);
        final Simulation.Result result = run.simulation(seed).run();

        assertTrue(run.history.acknowledged > 0, "no write was acknowledged");
        assertTrue(result.acknowledged() > 0, "the Raft group committed nothing");
    }

    @Test
    void shouldCatchARegisterThatAcknowledgesBeforeItsWriteIsDurable()
    {
        final SimulationFailure caught = firstFailure(30);
        System.out.println("caught as planned:\n" + caught.getMessage().lines().limit(4).reduce((a, b) -> a + "\n" + b).orElse(""));
        assertTrue(caught.getMessage().startsWith("SIMULATION FAILED seed=" + caught.seed()), caught.getMessage());
        assertTrue(caught.getMessage().contains(
            "replay: " + SimulationFailure.replayCommand("raft-testkit", TEST, caught.seed(), UserSimulationSeeds.STEPS)), caught.getMessage());
        assertTrue(caught.getCause() instanceof AssertionError && caught.getCause().getMessage().contains("held by"),
            () -> "the protocol's invariant fired: " + caught.getCause());
    }

    private static SimulationFailure firstFailure(final long seeds)
    {
        for (long seed = 1; seed <= seeds; seed++)
        {
            try
            {
                new RegisterRun(false).simulation(seed).groups(0).run();
            }
            catch (final SimulationFailure failure)
            {
                return failure;
            }
        }
        return fail("no seed in 1.." + seeds + " caught a register that acknowledges unflushed writes");
    }

    /** One run's registers: their disks (by member id, kept across crashes), the clients' history, the checks. */
    private static final class RegisterRun implements SimulationInvariant, SimulationLiveness
    {
        private static final int MEMBERS_MAX = 16;

        final MajorityRegister.History history = new MajorityRegister.History();
        private final MajorityRegister.Disk[] disks = new MajorityRegister.Disk[MEMBERS_MAX];
        private final long[] durableSeen = new long[MEMBERS_MAX];
        private final boolean flushBeforeAck;

        RegisterRun(final boolean flushBeforeAck)
        {
            this.flushBeforeAck = flushBeforeAck;
        }

        SimulationBuilder simulation(final long seed)
        {
            return Simulation.builder(seed)
                .steps(UserSimulationSeeds.STEPS)
                .protocol(this::node)
                .invariant(this)
                .liveness(this)
                .replay(UserSimulationSeeds.replay(TEST));
        }

        private SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
            final int memberId = context.memberId();
            if (disks[memberId] == null)
            {
                disks[memberId] = new MajorityRegister.Disk();
            }
            return new MajorityRegister(context, disks[memberId], history, flushBeforeAck);
        }

        @Override
        public void check(final SimulatedCluster cluster)
        {
            final long acknowledged = history.maxAcknowledgedTimestamp;
            int holders = 0;
            for (int memberId = 1; memberId <= cluster.size(); memberId++)
            {
                final MajorityRegister.Disk disk = disks[memberId];
                final boolean alive = cluster.isAlive(memberId);
                if (alive != (cluster.protocol(memberId) != null))
                {
                    throw new AssertionError("member " + memberId + (alive ? " is up without" : " is down with") + " a protocol node");
                }
                final long timestamp = alive ? disk.currentTimestamp() : disk.timestamp;
                final long value = alive ? disk.currentValue() : disk.value;
                if (timestamp != 0 && history.written.get(timestamp) != value)
                {
                    throw new AssertionError("member " + memberId + " holds value " + value + " at timestamp " + timestamp +
                        ", which nobody wrote");
                }
                if (disk.timestamp < durableSeen[memberId])
                {
                    throw new AssertionError("member " + memberId + "'s disk went back from " + durableSeen[memberId] + " to " + disk.timestamp);
                }
                durableSeen[memberId] = disk.timestamp;
                if (timestamp >= acknowledged)
                {
                    holders++;
                }
            }
            if (acknowledged != 0 && holders < cluster.size() / 2 + 1)
            {
                throw new AssertionError("acknowledged write " + acknowledged + " is held by " + holders + " of " + cluster.size() +
                    " members");
            }
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster cluster)
        {
            final long first = disks[1].currentTimestamp();
            if (first < history.maxAcknowledgedTimestamp)
            {
                return false;
            }
            for (int memberId = 2; memberId <= cluster.size(); memberId++)
            {
                if (disks[memberId].currentTimestamp() != first)
                {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String describe(final SimulatedCluster cluster)
        {
            final StringBuilder builder = new StringBuilder("registers did not converge on a write at or above ")
                .append(history.maxAcknowledgedTimestamp).append(':');
            for (int memberId = 1; memberId <= cluster.size(); memberId++)
            {
                builder.append(' ').append(memberId).append('=').append(disks[memberId].currentTimestamp());
            }
            return builder.toString();
        }
    }
}
