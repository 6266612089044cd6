package io.synod.quorum;

import java.util.Arrays;

/**
 * One version of the ring as the {@link RingStateMachine} applied it: the members and their tokens, and
 * during a ring change the ring it leads to, the change's phase and who has acknowledged that phase.
 * Members at the same applied index of the ring group hold equal states.
 *
 * <p>How a {@link QuorumNode} places keys in each phase (old: {@link #current()}, new: {@link #next()}):
 * <pre>
 *  phase        writes go to                 and wait for            reads ask    a participant ACKs when
 *  STABLE       old list                     w                       old list     -
 *  WRITE_BOTH   old list + the new owners    w + new owners          old list     it uses this phase, and every request
 *                                                                                 it began under the older one is over
 *  STREAMING    old list + the new owners    w + new owners          old list     it has streamed its moved keys to
 *                                                                                 their new owners, acknowledged
 *  READ_NEW     old list + the new owners    w + new owners          new list     it uses this phase
 * </pre>
 * The state machine moves to the next phase only once every participant (old members and, for an add, the
 * new one) acknowledged the current one, so members' phases differ by at most one step, and each pair of
 * neighbouring phases keeps every read quorum overlapping every write quorum (see the package javadoc).
 *
 * <p><b>Threading.</b> Immutable: any thread. <b>Allocation.</b> A new state per applied change.
 */
public final class RingState
{
    /** No change in progress. */
    public static final int STABLE = 0;
    /** Writes also go to the new owners; reads still use the old ring. */
    public static final int WRITE_BOTH = 1;
    /** As {@link #WRITE_BOTH}, and the old owners stream the moved ranges to the new owners. */
    public static final int STREAMING = 2;
    /** Reads use the new ring; writes still go to both. */
    public static final int READ_NEW = 3;

    /** The state before BOOTSTRAP: no ring. */
    static final RingState EMPTY = new RingState(0, STABLE, null, null, new int[0], new int[0]);

    private final long version;
    private final int phase;
    private final HashRing current;
    private final HashRing next;
    private final int[] participants;
    private final int[] acknowledged;

    RingState(
        final long version, final int phase, final HashRing current, final HashRing next, final int[] participants,
        final int[] acknowledged)
    {
        this.version = version;
        this.phase = phase;
        this.current = current;
        this.next = next;
        this.participants = participants;
        this.acknowledged = acknowledged;
    }

    /** @return the ring version: 0 before BOOTSTRAP, then one more for every phase step of every change. */
    public long version()
    {
        return version;
    }

    /** @return {@link #STABLE}, {@link #WRITE_BOTH}, {@link #STREAMING} or {@link #READ_NEW}. */
    public int phase()
    {
        return phase;
    }

    /** @return the ring in force (the old one during a change), or null before BOOTSTRAP. */
    public HashRing current()
    {
        return current;
    }

    /** @return the ring a change leads to, or null when {@link #STABLE}. */
    public HashRing next()
    {
        return next;
    }

    /** @return the ring reads use: {@link #next()} in {@link #READ_NEW}, else {@link #current()}. */
    public HashRing readRing()
    {
        return phase == READ_NEW ? next : current;
    }

    /** @return whether a change is in progress. */
    public boolean changing()
    {
        return phase != STABLE;
    }

    /** @return members that must acknowledge each phase of the change in progress (ascending; empty when stable). */
    public int[] participants()
    {
        return participants.clone();
    }

    /** @return whether {@code member} must acknowledge the current phase. */
    public boolean isParticipant(final int member)
    {
        return Arrays.binarySearch(participants, member) >= 0;
    }

    /** @return whether {@code member} acknowledged the current phase. */
    public boolean acknowledged(final int member)
    {
        return Arrays.binarySearch(acknowledged, member) >= 0;
    }

    /** @return whether {@code member} is on the old or the new ring (so may coordinate and must be counted). */
    public boolean isMember(final int member)
    {
        return (current != null && current.contains(member)) || (next != null && next.contains(member));
    }

    /** @return the phase's name. */
    public static String phaseName(final int phase)
    {
        return switch (phase)
        {
            case STABLE -> "STABLE";
            case WRITE_BOTH -> "WRITE_BOTH";
            case STREAMING -> "STREAMING";
            case READ_NEW -> "READ_NEW";
            default -> "UNKNOWN(" + phase + ")";
        };
    }

    @Override
    public String toString()
    {
        return "ring v" + version + " " + phaseName(phase) + " " + (current == null ? "[]" : Arrays.toString(current.members())) +
            (next == null ? "" : " -> " + Arrays.toString(next.members()) + " acked " + Arrays.toString(acknowledged));
    }
}
