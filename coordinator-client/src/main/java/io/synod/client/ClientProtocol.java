package io.synod.client;

/**
 * Constants of the synod client protocol: the service id it runs on (raft-core's application-message
 * path), its operations, outcomes and limits. Frames are {@link ClientRequest} (client to member) and
 * {@link ClientResponse} (member to client).
 *
 * <p>Every write travels in a client session (Raft dissertation §6.3, raft-core's session facility): the
 * client opens one with a nonce (a retried OPEN returns the same session), keeps it alive, and numbers
 * its writes; a write retried with the same (session, sequence) is applied once and answered with the
 * first application's response. Reads carry their {@code ReadMode}.
 */
public final class ClientProtocol
{
    /** The service id on the members' application-message path. */
    public static final int SERVICE_ID = 1;
    /** The layout version this build writes and reads. */
    public static final int VERSION = 1;

    /** Opens a session: session field = nonce, argument = TTL in ns. Answer: the session id (i64). */
    public static final int OPEN_SESSION = 1;
    /** Keeps a session alive: session field = the session. */
    public static final int KEEP_ALIVE = 2;
    /** Closes a session. */
    public static final int CLOSE_SESSION = 3;
    /** A KV write (put, compare-and-set, delete) in a session: argument = sequence, body = a {@code KvCommand}. */
    public static final int KV_WRITE = 4;
    /** A KV get: read mode in the header, body = the key. Answer: a {@code KvResponse}. */
    public static final int KV_GET = 5;
    /** A KV list: argument = limit, body = {@link ClientRequest#encodeList prefix and continuation key}. */
    public static final int KV_LIST = 6;
    /** The member's own status (no Raft round): answer body {@link MemberStatus}. */
    public static final int STATUS = 7;
    /**
     * A lock-service command in a session (acquire, release, force-release; elections are locks named
     * {@code election/NAME}): argument = sequence, body = a {@code LockCommand}. Answer: {@link LockAnswer} (status and
     * fence). An acquire answered QUEUED is decided later: the decision is pushed as a {@link #LOCK_EVENT}, and a retry
     * of the same (session, sequence) is answered with it.
     */
    public static final int LOCK = 8;
    /** Lock holders and waiters (a read in the header's read mode): argument = limit, body = {@link LockPage#encodeQuery}. Answer: {@link LockPage}. */
    public static final int LOCK_QUERY = 9;
    /**
     * Member to client, unasked: a queued acquire was decided, a hold was lost, or the member asks the client to send
     * its queued acquires again ({@link LockEvent}). Re-sent until the client acknowledges it with {@link #EVENT_ACK}.
     */
    public static final int LOCK_EVENT = 10;
    /** Client to member: a {@link #LOCK_EVENT} arrived; session = the session, argument = the event id. Not answered. */
    public static final int EVENT_ACK = 11;
    /** The largest op code. */
    public static final int OP_MAX = EVENT_ACK;

    /** Outcome: the request was applied (a write) or served (a read); the body holds the answer. */
    public static final int OK = 0;
    /** Outcome: the member refused it; the reason is raft-core's ({@code ProposalHandler}) and nothing was applied by this attempt. */
    public static final int REJECTED = 1;
    /** Outcome: the request was malformed or out of bounds; nothing was applied. */
    public static final int BAD_REQUEST = 2;

    /** Default number of keys a list returns. */
    public static final int LIST_LIMIT_DEFAULT = 100;
    /** The most keys a list returns. */
    public static final int LIST_LIMIT_MAX = 1_000;
    /**
     * The largest message a member sends a client: a list answer stops before an entry that would not fit
     * (its {@code more} flag set), so one list is bounded whatever the values; 256 KiB holds any single
     * get (64 KiB value) and fits an Aeron message of the default 4 MiB term.
     */
    public static final int MAX_RESPONSE_LENGTH = 256 * 1024;
    /** The largest request: a KV write of the longest key and value with the headers. */
    public static final int MAX_REQUEST_LENGTH = 80 * 1024;

    private ClientProtocol()
    {
    }

    /** @return the op's name for messages and logs. */
    public static String opName(final int op)
    {
        switch (op)
        {
            case OPEN_SESSION:
                return "OPEN_SESSION";
            case KEEP_ALIVE:
                return "KEEP_ALIVE";
            case CLOSE_SESSION:
                return "CLOSE_SESSION";
            case KV_WRITE:
                return "KV_WRITE";
            case KV_GET:
                return "KV_GET";
            case KV_LIST:
                return "KV_LIST";
            case STATUS:
                return "STATUS";
            case LOCK:
                return "LOCK";
            case LOCK_QUERY:
                return "LOCK_QUERY";
            case LOCK_EVENT:
                return "LOCK_EVENT";
            case EVENT_ACK:
                return "EVENT_ACK";
            default:
                return "UNKNOWN(" + op + ")";
        }
    }
}
