package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A cluster configuration: the voting members and the learners (members that receive the log but
 * neither vote nor count toward a quorum). Immutable; ids are positive and sorted.
 *
 * <p>Encoded in {@link EntryType#CONFIGURATION} entries and in snapshots as
 * {@code [voter count i32][learner count i32][voter ids i32...][learner ids i32...]}, little-endian.
 */
public final class Membership
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** Members of a node that has joined no configuration yet. */
    public static final Membership EMPTY = new Membership(new int[0], new int[0]);
    /** Membership change: add a learner (a new member always joins as one). */
    public static final int ADD_LEARNER = 1;
    /** Membership change: promote a caught-up learner to voter. */
    public static final int PROMOTE = 2;
    /** Membership change: remove a voter or learner (the leader too: it leads until the change commits). */
    public static final int REMOVE = 3;

    /** Upper bound on members in one configuration, to bound decoding. */
    public static final int MEMBERS_MAX = 256;

    private final int[] voters;
    private final int[] learners;

    private Membership(final int[] voters, final int[] learners)
    {
        this.voters = voters;
        this.learners = learners;
    }

    /**
     * @throws IllegalArgumentException for a non-positive or duplicate id, or a member that is both.
     */
    public static Membership of(final int[] voters, final int[] learners)
    {
        final int[] v = voters.clone();
        final int[] l = learners.clone();
        Arrays.sort(v);
        Arrays.sort(l);
        if (v.length + l.length > MEMBERS_MAX)
        {
            throw new IllegalArgumentException("more than " + MEMBERS_MAX + " members");
        }
        for (int i = 0; i < v.length; i++)
        {
            if (v[i] <= 0 || (i > 0 && v[i] == v[i - 1]) || Arrays.binarySearch(l, v[i]) >= 0)
            {
                throw new IllegalArgumentException("bad voters " + Arrays.toString(v) + " / learners " + Arrays.toString(l));
            }
        }
        for (int i = 0; i < l.length; i++)
        {
            if (l[i] <= 0 || (i > 0 && l[i] == l[i - 1]))
            {
                throw new IllegalArgumentException("bad learners " + Arrays.toString(l));
            }
        }
        return new Membership(v, l);
    }

    public boolean isVoter(final int memberId)
    {
        return Arrays.binarySearch(voters, memberId) >= 0;
    }

    public boolean isLearner(final int memberId)
    {
        return Arrays.binarySearch(learners, memberId) >= 0;
    }

    public boolean isMember(final int memberId)
    {
        return isVoter(memberId) || isLearner(memberId);
    }

    public int voterCount()
    {
        return voters.length;
    }

    /** @return votes needed for a majority of the voters. */
    public int quorum()
    {
        return voters.length / 2 + 1;
    }

    public int[] voters()
    {
        return voters.clone();
    }

    public int[] learners()
    {
        return learners.clone();
    }

    public Membership withLearner(final int memberId)
    {
        final int[] l = Arrays.copyOf(learners, learners.length + 1);
        l[learners.length] = memberId;
        return of(voters, l);
    }

    public Membership withPromoted(final int memberId)
    {
        final int[] v = Arrays.copyOf(voters, voters.length + 1);
        v[voters.length] = memberId;
        return of(v, Arrays.stream(learners).filter(id -> id != memberId).toArray());
    }

    public Membership without(final int memberId)
    {
        return of(Arrays.stream(voters).filter(id -> id != memberId).toArray(),
            Arrays.stream(learners).filter(id -> id != memberId).toArray());
    }

    public int encodedLength()
    {
        return 8 + 4 * (voters.length + learners.length);
    }

    /** @return bytes written. */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putInt(offset, voters.length, ORDER);
        buffer.putInt(offset + 4, learners.length, ORDER);
        int at = offset + 8;
        for (final int id : voters)
        {
            buffer.putInt(at, id, ORDER);
            at += 4;
        }
        for (final int id : learners)
        {
            buffer.putInt(at, id, ORDER);
            at += 4;
        }
        return at - offset;
    }

    /**
     * @return the decoded membership, or null if the bytes are not a valid encoding.
     */
    public static Membership decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 8)
        {
            return null;
        }
        final int voterCount = buffer.getInt(offset, ORDER);
        final int learnerCount = buffer.getInt(offset + 4, ORDER);
        if (voterCount < 0 || learnerCount < 0 || voterCount + learnerCount > MEMBERS_MAX ||
            length != 8 + 4 * (voterCount + learnerCount))
        {
            return null;
        }
        final int[] v = new int[voterCount];
        final int[] l = new int[learnerCount];
        int at = offset + 8;
        for (int i = 0; i < voterCount; i++, at += 4)
        {
            v[i] = buffer.getInt(at, ORDER);
        }
        for (int i = 0; i < learnerCount; i++, at += 4)
        {
            l[i] = buffer.getInt(at, ORDER);
        }
        try
        {
            return of(v, l);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof Membership m && Arrays.equals(voters, m.voters) && Arrays.equals(learners, m.learners);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(voters) * 31 + Arrays.hashCode(learners);
    }

    @Override
    public String toString()
    {
        return "voters=" + Arrays.toString(voters) + (learners.length > 0 ? " learners=" + Arrays.toString(learners) : "");
    }
}
