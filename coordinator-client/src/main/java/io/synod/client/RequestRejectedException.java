package io.synod.client;

/**
 * The cluster refused the request and it was not applied: a definite "no". The reason is raft-core's
 * ({@code ProposalHandler} codes, {@link #reasonName()}), or a client-side refusal before anything was sent
 * ({@link #CLIENT_CLOSED}, {@link #BAD_ARGUMENT}, {@link #UNAVAILABLE}).
 */
public final class RequestRejectedException extends SynodException
{
    /** The client was closed before the request was sent. */
    public static final int CLIENT_CLOSED = -1;
    /** The member found the request malformed or out of bounds. */
    public static final int BAD_ARGUMENT = -2;
    /** No member could be reached (or no session opened) within the request's timeout: it was never sent. */
    public static final int UNAVAILABLE = -3;

    private static final long serialVersionUID = 1L;
    private final int reason;
    private final String reasonName;

    RequestRejectedException(final int reason, final String reasonName, final String detail)
    {
        super("rejected: " + reasonName + (detail == null ? "" : " (" + detail + ")"));
        this.reason = reason;
        this.reasonName = reasonName;
    }

    /** @return the reason code: a {@code ProposalHandler} code, or {@link #CLIENT_CLOSED}, {@link #BAD_ARGUMENT}. */
    public int reason()
    {
        return reason;
    }

    /** @return the reason's name, e.g. {@code SESSION_LIMIT}. */
    public String reasonName()
    {
        return reasonName;
    }
}
