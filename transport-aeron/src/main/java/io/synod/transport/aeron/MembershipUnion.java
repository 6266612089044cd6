package io.synod.transport.aeron;

import io.synod.raft.Membership;
import io.synod.raft.RaftNode;
import org.agrona.collections.IntHashSet;

import java.util.Arrays;

/**
 * The configuration a node's transport follows: its one group's, or with several groups the union of every
 * group's members (a learner of the lock group is connected even if the application group does not know
 * it). Agent thread; allocates only when a group's configuration changed.
 */
final class MembershipUnion
{
    private final RaftNode[] groups;
    /** Per group, the configuration last folded into {@link #union}. */
    private final Membership[] seen;
    private Membership union;

    MembershipUnion(final RaftNode[] groups)
    {
        this.groups = groups;
        this.seen = new Membership[groups.length];
    }

    Membership current()
    {
        if (groups.length == 1)
        {
            return groups[0].membership();
        }
        boolean changed = union == null;
        for (int i = 0; i < groups.length; i++)
        {
            final Membership current = groups[i].membership();
            if (current != seen[i])
            {
                seen[i] = current;
                changed = true;
            }
        }
        if (changed)
        {
            final IntHashSet voters = new IntHashSet();
            final IntHashSet learners = new IntHashSet();
            for (final Membership membership : seen)
            {
                for (final int voter : membership.voters())
                {
                    voters.add(voter);
                }
                for (final int learner : membership.learners())
                {
                    learners.add(learner);
                }
            }
            learners.removeAll(voters);
            union = Membership.of(toArray(voters), toArray(learners));
        }
        return union;
    }

    private static int[] toArray(final IntHashSet set)
    {
        final int[] array = new int[set.size()];
        int i = 0;
        for (final IntHashSet.IntIterator it = set.iterator(); it.hasNext(); )
        {
            array[i++] = it.nextValue();
        }
        Arrays.sort(array);
        return array;
    }
}
