package io.synod.raft.codec;

/**
 * Message type codes carried in the frame header.
 */
public final class MessageType
{
    /** RequestVote or, with {@link MessageHeader#FLAG_PRE_VOTE}, a PreVote request. Body: {@link VoteRequest}. */
    public static final int VOTE_REQUEST = 1;
    /** Reply to a vote or pre-vote request. Body: {@link VoteResponse}. */
    public static final int VOTE_RESPONSE = 2;
    /** AppendEntries, also the heartbeat (no entries). Body: {@link AppendRequest}. */
    public static final int APPEND_REQUEST = 3;
    /** Reply to AppendEntries. Body: {@link AppendResponse}. */
    public static final int APPEND_RESPONSE = 4;

    /** One chunk of a snapshot (Raft §7). Body: {@link InstallSnapshot}. */
    public static final int INSTALL_SNAPSHOT = 5;
    /** Reply to InstallSnapshot. Body: {@link SnapshotResponse}. */
    public static final int SNAPSHOT_RESPONSE = 6;

    /** A follower asks the leader for a read index. Body: {@link ReadIndexMessage}. */
    public static final int READ_INDEX_REQUEST = 7;
    /** The leader's confirmed read index. Body: {@link ReadIndexMessage}. */
    public static final int READ_INDEX_RESPONSE = 8;

    /** Leadership transfer: the leader tells an up-to-date voter to start an election now. Body: 8 reserved bytes. */
    public static final int TIMEOUT_NOW = 9;

    /**
     * A command a follower or learner passes on to the leader it knows (proposal forwarding). Body: the
     * command bytes, nothing else. At most once: the leader appends it if it still leads, else drops it.
     */
    public static final int FORWARD = 10;

    /**
     * An application message: not Raft, for a service registered on the receiving agent
     * ({@code RaftAgent#registerService}). Body: the service's bytes, nothing else. The header's group id
     * field carries the service id; {@code from} is the sending member, or 0 from a client; {@code to} is
     * the receiving member, or 0 to a client; the term field carries the client's connection id on a
     * frame from or to a client, 0 between members.
     */
    public static final int MESSAGE = 11;

    /**
     * A client introduces itself to a member ({@code from} 0, term = its connection id, body: the
     * {@code host:port} where it listens, ASCII, at most {@link #CLIENT_ENDPOINT_MAX} bytes), and the member's
     * transport answers with an empty one once it can reply there. Handled by the transport, never by
     * Raft; a client repeats it until answered.
     */
    public static final int CLIENT_HELLO = 12;

    /**
     * Several frames for one member, sent as one (frame coalescing: {@code io.synod.raft.FrameBatcher}). Body:
     * whole frames back to back, each with its own header and body; no batch inside a batch. The header's
     * group id and term are 0; {@code from} and {@code to} are the members. Every agent unpacks it, whether or
     * not it coalesces what it sends itself.
     */
    public static final int BATCH = 13;

    /** Longest reply endpoint a {@link #CLIENT_HELLO} may carry. */
    public static final int CLIENT_ENDPOINT_MAX = 256;

    /** Largest type code this version understands; anything else is dropped. */
    public static final int MAX = BATCH;

    private MessageType()
    {
    }

    /**
     * @return the fixed body length of {@code type}, or -1 for an unknown type.
     */
    public static int fixedBodyLength(final int type)
    {
        switch (type)
        {
            case VOTE_REQUEST:
                return VoteRequest.LENGTH;
            case VOTE_RESPONSE:
                return VoteResponse.LENGTH;
            case APPEND_REQUEST:
                return AppendRequest.FIXED_LENGTH;
            case APPEND_RESPONSE:
                return AppendResponse.LENGTH;
            case INSTALL_SNAPSHOT:
                return InstallSnapshot.FIXED_LENGTH;
            case SNAPSHOT_RESPONSE:
                return SnapshotResponse.LENGTH;
            case READ_INDEX_REQUEST:
            case READ_INDEX_RESPONSE:
                return ReadIndexMessage.LENGTH;
            case TIMEOUT_NOW:
                return 8;
            case FORWARD:
            case MESSAGE:
            case CLIENT_HELLO:
            case BATCH:
                return 0;
            default:
                return -1;
        }
    }

    public static String name(final int type)
    {
        switch (type)
        {
            case VOTE_REQUEST:
                return "VOTE_REQUEST";
            case VOTE_RESPONSE:
                return "VOTE_RESPONSE";
            case APPEND_REQUEST:
                return "APPEND_REQUEST";
            case APPEND_RESPONSE:
                return "APPEND_RESPONSE";
            case INSTALL_SNAPSHOT:
                return "INSTALL_SNAPSHOT";
            case SNAPSHOT_RESPONSE:
                return "SNAPSHOT_RESPONSE";
            case READ_INDEX_REQUEST:
                return "READ_INDEX_REQUEST";
            case READ_INDEX_RESPONSE:
                return "READ_INDEX_RESPONSE";
            case TIMEOUT_NOW:
                return "TIMEOUT_NOW";
            case FORWARD:
                return "FORWARD";
            case MESSAGE:
                return "MESSAGE";
            case CLIENT_HELLO:
                return "CLIENT_HELLO";
            case BATCH:
                return "BATCH";
            default:
                return "UNKNOWN(" + type + ")";
        }
    }
}
