package io.synod.raft;

/**
 * The roles of a Raft member (Figure 4 of the Raft paper, plus PreVote from §9.6 of the dissertation).
 * Every change goes through {@code RaftNode#transition}, which checks {@link #canMoveTo}.
 */
public enum RaftRole
{
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER;

    /**
     * The legal moves. Any role may fall back to follower (a higher term was seen, or CheckQuorum);
     * a follower campaigns (with or without PreVote); a pre-candidate either wins its pre-vote or
     * tries again; a candidate wins, retries, or restarts with a pre-vote; a leader only steps down.
     */
    public boolean canMoveTo(final RaftRole next)
    {
        switch (this)
        {
            case FOLLOWER:
                return next == FOLLOWER || next == PRE_CANDIDATE || next == CANDIDATE;
            case PRE_CANDIDATE:
                return next == FOLLOWER || next == PRE_CANDIDATE || next == CANDIDATE;
            case CANDIDATE:
                return next == FOLLOWER || next == PRE_CANDIDATE || next == CANDIDATE || next == LEADER;
            case LEADER:
                return next == FOLLOWER;
            default:
                return false;
        }
    }

    private static final RaftRole[] VALUES = values();

    /** @return the role for {@link #ordinal()}, for counters that store the role as a number. */
    public static RaftRole of(final int ordinal)
    {
        return VALUES[ordinal];
    }
}
