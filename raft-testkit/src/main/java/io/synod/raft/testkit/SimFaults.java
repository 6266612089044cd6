package io.synod.raft.testkit;

import io.synod.raft.Membership;

import java.util.SplittableRandom;

/**
 * The fault injector of a {@link Simulation}: on each fault event of the safety phase it draws one of a
 * membership change or leadership transfer (when the run has them), a partition, a heal, a crash (now,
 * or armed inside a group's next log flush or hard-state store), a restart, or a new network mood.
 *
 * <p>Not thread-safe; owned by one simulation, drawing from its random generator.
 */
final class SimFaults
{
    /** Membership changes and transfers use correlation ids at or below this; they are not commands. */
    static final long MEMBERSHIP_CORRELATION_BASE = -2;

    private final SplittableRandom random;
    private final SimNetwork network;
    private final SimMember[] members;
    private final int groups;
    private final boolean membershipChanges;
    private long partitions;
    private long changes;

    SimFaults(
        final SplittableRandom random, final SimNetwork network, final SimMember[] members, final int groups,
        final boolean membershipChanges)
    {
        this.random = random;
        this.network = network;
        this.members = members;
        this.groups = groups;
        this.membershipChanges = membershipChanges;
    }

    /** @return partitions made so far. */
    long partitions()
    {
        return partitions;
    }

    /** Injects one fault, drawn at random. */
    void inject()
    {
        if (membershipChanges && random.nextInt(4) == 0)
        {
            changeMembership();
            return;
        }
        final int choice = random.nextInt(100);
        if (choice < 25)
        {
            partitions++;
            final SimMember leader = groups > 0 ? SimulatedProcess.leader(members, 0) : null;
            network.partition(leader == null ? -1 : leader.slot);
        }
        else if (choice < 45)
        {
            network.heal();
        }
        else if (choice < 70)
        {
            crash(members[random.nextInt(members.length)]);
        }
        else if (choice < 90)
        {
            for (final SimMember member : members)
            {
                if (!member.alive)
                {
                    member.start();
                    break;
                }
            }
        }
        else
        {
            network.changeMood();
        }
    }

    private void crash(final SimMember member)
    {
        if (!member.alive)
        {
            return;
        }
        final int how = random.nextInt(3);
        if (how == 0 || groups == 0)
        {
            member.crash();
            return;
        }
        // Armed in one group's storage: the member dies inside that group's next flush or store.
        final SimulatedReplica replica = member.replicas[groups == 1 ? 0 : random.nextInt(groups)];
        if (how == 1)
        {
            replica.disk.crashOnNextFlush(random.split());
        }
        else
        {
            ((CrashableHardState)replica.hardState).crashOnNextStore(random.split());
        }
    }

    /** Asks a group's leader for a random membership change or a leadership transfer; refusals are fine. */
    private void changeMembership()
    {
        final int group = groups == 1 ? 0 : random.nextInt(groups);
        final SimMember leader = SimulatedProcess.leader(members, group);
        if (leader == null)
        {
            return;
        }
        final Membership membership = leader.node(group).membership();
        final int target = 1 + random.nextInt(members.length);
        final long correlationId = MEMBERSHIP_CORRELATION_BASE - changes++;
        switch (random.nextInt(4))
        {
            case 0:
                leader.agent.proposeMembershipChange(group, correlationId, Membership.ADD_LEARNER, target);
                break;
            case 1:
            {
                final int[] learners = membership.learners();
                if (learners.length > 0)
                {
                    leader.agent.proposeMembershipChange(group, correlationId, Membership.PROMOTE,
                        learners[random.nextInt(learners.length)]);
                }
                break;
            }
            case 2:
                leader.agent.proposeMembershipChange(group, correlationId, Membership.REMOVE, target);
                break;
            default:
                leader.agent.transferLeadership(group, correlationId, target);
        }
        leader.doWork();
    }
}
