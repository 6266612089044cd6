package io.synod.raft.testkit;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.util.random.RandomGenerator;

/**
 * The workload and the invariant of one group of {@link RegisterStateMachine}s.
 *
 * <p>Workload: sets (a quarter) and adds of small random operands. Outcomes are counted, and each
 * command must get exactly one of committed, rejected or unknown.
 *
 * <p>Invariant, after every step: every live replica at applied index {@code i} holds the state every
 * other replica held at {@code i}, at any time (same index, same state), that state is the response a
 * client was given for the command at {@code i}, and no replica applied another group's command.
 */
final class RegisterModel implements SimulationWorkload, SimulationInvariant
{
    private static final long OFFERED = 1;
    private static final long COMMITTED = 2;
    private static final long REJECTED = 3;
    private static final long UNKNOWN = 4;

    private final int groupId;
    /** Applied index to value and to commands applied, as first seen on a replica or in a response. */
    private final Long2LongHashMap valueByIndex = new Long2LongHashMap(Long.MIN_VALUE);
    private final Long2LongHashMap appliedByIndex = new Long2LongHashMap(Long.MIN_VALUE);
    private final Long2LongHashMap outcomes = new Long2LongHashMap(0);
    long offered;
    long committed;
    long rejected;
    long unknown;

    RegisterModel(final int groupId)
    {
        this.groupId = groupId;
    }

    @Override
    public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
    {
        if (groupId != this.groupId)
        {
            throw new AssertionError("group " + this.groupId + "'s workload asked for a command of group " + groupId);
        }
        offered++;
        if (outcomes.put(correlationId, OFFERED) != 0)
        {
            throw new AssertionError("correlation id " + correlationId + " used twice");
        }
        final byte op = random.nextInt(4) == 0 ? RegisterStateMachine.SET : RegisterStateMachine.ADD;
        return RegisterStateMachine.encode(command, groupId, op, random.nextInt(1000) - 500);
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        outcome(groupId, correlationId, COMMITTED);
        committed++;
        if (length != 16)
        {
            throw new AssertionError("response of " + length + " bytes at index " + index);
        }
        see("response", index, response.getLong(offset), response.getLong(offset + 8));
    }

    @Override
    public void onRejected(final int groupId, final long correlationId, final int reason)
    {
        outcome(groupId, correlationId, REJECTED);
        rejected++;
    }

    @Override
    public void onUnknown(final int groupId, final long correlationId)
    {
        outcome(groupId, correlationId, UNKNOWN);
        unknown++;
    }

    private void outcome(final int groupId, final long correlationId, final long outcome)
    {
        if (groupId != this.groupId)
        {
            throw new AssertionError("group " + this.groupId + "'s workload told of group " + groupId + "'s command");
        }
        final long previous = outcomes.put(correlationId, outcome);
        if (previous != OFFERED)
        {
            throw new AssertionError("command " + correlationId + " of group " + groupId + ": outcome " + outcome +
                (previous == 0 ? " for a command never offered" : " after outcome " + previous));
        }
    }

    @Override
    public void check(final SimulatedCluster cluster)
    {
        for (int memberId = 1; memberId <= cluster.size(); memberId++)
        {
            if (!cluster.isAlive(memberId))
            {
                continue;
            }
            final RegisterStateMachine register = cluster.stateMachine(memberId, groupId);
            if (register.foreignCommands() != 0)
            {
                throw new AssertionError("member " + memberId + " applied " + register.foreignCommands() +
                    " commands of another group in group " + groupId);
            }
            final long index = cluster.appliedIndex(memberId, groupId);
            if (index > 0)
            {
                see("member " + memberId, index, register.value(), register.applied());
            }
        }
    }

    private void see(final String who, final long index, final long value, final long applied)
    {
        final long seenValue = valueByIndex.get(index);
        if (seenValue == Long.MIN_VALUE)
        {
            valueByIndex.put(index, value);
            appliedByIndex.put(index, applied);
        }
        else if (seenValue != value || appliedByIndex.get(index) != applied)
        {
            throw new AssertionError("group " + groupId + ": " + who + " holds value " + value + " after " + applied +
                " commands at index " + index + " where value " + seenValue + " after " + appliedByIndex.get(index) +
                " commands was seen");
        }
    }

    /** @throws AssertionError unless every command offered got its outcome. */
    void assertEveryCommandAnswered()
    {
        if (offered != committed + rejected + unknown)
        {
            throw new AssertionError("group " + groupId + ": " + offered + " commands offered, " + committed + " committed, " +
                rejected + " rejected, " + unknown + " unknown");
        }
    }

    @Override
    public String toString()
    {
        return "group " + groupId + ": " + offered + " offered, " + committed + " committed, " + rejected + " rejected, " +
            unknown + " unknown";
    }
}
