package io.synod.quorum;

/**
 * Where a {@link QuorumNode} sends a key's requests, by the ring version its member uses ({@link RingState}):
 * reads ask the read ring's preference list; writes go to the old ring's list and, during a ring change, also
 * to the new owners the new ring adds to it (listed after the old list), and wait for one more acknowledgement
 * per new owner ({@link #extra()}), so that a write acknowledged in any phase holds {@code w} replicas of the
 * old list and {@code w} of the new.
 *
 * <p>Why {@code w + extra} is enough: the write set is the old list ({@code n}) plus {@code extra} new owners; at
 * most {@code n - w} of its {@code n + extra} replicas are missing, so each list of {@code n} has at least
 * {@code w} acknowledgements.
 *
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> None per call.
 */
final class Placement
{
    private final int n;
    private final int[] scratch;
    private RingState state;
    private int extra;

    Placement(final int n, final RingState state)
    {
        this.n = n;
        this.scratch = new int[n];
        this.state = state;
    }

    /** A fixed ring: version 1, stable for ever. */
    static RingState fixed(final HashRing ring)
    {
        return new RingState(1, RingState.STABLE, ring, null, new int[0], new int[0]);
    }

    /** A node's fixed ring, checked: at least {@code n} members, this one among them. */
    static RingState fixed(final QuorumConfig config, final int memberId, final HashRing ring)
    {
        if (ring.size() < config.n() || !ring.contains(memberId))
        {
            throw new IllegalArgumentException("ring of " + ring.size() + " members for n = " + config.n() +
                (ring.contains(memberId) ? "" : ", without member " + memberId));
        }
        return fixed(ring);
    }

    static boolean contains(final int[] list, final int count, final int member)
    {
        for (int i = 0; i < count; i++)
        {
            if (list[i] == member)
            {
                return true;
            }
        }
        return false;
    }

    RingState state()
    {
        return state;
    }

    void adopt(final RingState state)
    {
        this.state = state;
    }

    long version()
    {
        return state.version();
    }

    boolean changing()
    {
        return state.changing();
    }

    /** @return the ring reads use now (null: none yet). */
    HashRing readRing()
    {
        return state.readRing();
    }

    /** @return whether {@code member} may coordinate: a ring exists and it is on the old or the new one. */
    boolean usable(final int member)
    {
        return state.current() != null && state.isMember(member);
    }

    /** The read list of the key. @return its length. */
    int readList(final long keyHash, final int[] out)
    {
        return state.readRing().preferenceList(keyHash, n, out);
    }

    /**
     * The write set of the key into {@code out} (length at least {@code n + 1}): the old list, then the members
     * the new list adds. @return its length; {@link #extra()} is how many were added.
     */
    int writeList(final long keyHash, final int[] out)
    {
        int count = state.current().preferenceList(keyHash, n, out);
        extra = 0;
        if (state.changing())
        {
            final int next = state.next().preferenceList(keyHash, n, scratch);
            for (int i = 0; i < next; i++)
            {
                boolean seen = false;
                for (int j = 0; j < count; j++)
                {
                    seen |= out[j] == scratch[i];
                }
                if (!seen)
                {
                    out[count++] = scratch[i];
                    extra++;
                }
            }
        }
        return count;
    }

    /** @return new owners the last {@link #writeList} added to the old list. */
    int extra()
    {
        return extra;
    }
}
