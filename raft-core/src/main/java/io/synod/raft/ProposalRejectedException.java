package io.synod.raft;

/**
 * Completes a proposal future exceptionally when the proposal was not applied.
 */
public final class ProposalRejectedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int reason;
    private final int leaderHint;

    public ProposalRejectedException(final int reason, final int leaderHint)
    {
        super(ProposalHandler.reason(reason) + (leaderHint != 0 ? " (leader hint: member " + leaderHint + ")" : ""));
        this.reason = reason;
        this.leaderHint = leaderHint;
    }

    /** @return one of the {@link ProposalHandler} reason codes. */
    public int reason()
    {
        return reason;
    }

    /** @return the member the rejecting node believes leads, or 0. */
    public int leaderHint()
    {
        return leaderHint;
    }
}
