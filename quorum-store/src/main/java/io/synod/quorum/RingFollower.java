package io.synod.quorum;

import io.synod.raft.RaftAgent;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link QuorumNode}'s side of a ring that changes: it adopts each ring version its member's
 * {@link RingStateMachine} applies, and moves a change along by proposing ACK to the ring group once this
 * member has finished the phase ({@link RingState}): WRITE_BOTH once every request it began under the older
 * version is over (one request timeout after adopting; at once for a node that could not coordinate before, such
 * as one just restarted), STREAMING once {@link RangeStreamer} is done, READ_NEW at
 * once. ACKs are forwarded to the group's leader and repeated every {@code hintIntervalNs} until the state shows
 * them counted (a lost one only delays the change).
 *
 * <p><b>Never behind what it acted on.</b> Before it uses a version, the follower records that version durably in
 * the node's store (a record of its own, keyspace {@code keyspaceId | 1 << 31}); after a restart the node refuses
 * requests ({@link QuorumStatus#NO_RING}) until its state machine has applied at least that version again. The ring
 * group takes a phase step only after every participant acknowledged the previous one, so every member acts
 * under the current version or the one before it — the two that {@link Placement} keeps compatible.
 *
 * <p><b>Threading.</b> The agent thread (the ring group and the node are on the same agent). <b>Allocation.</b>
 * On adopting a version, none per cycle otherwise.
 */
final class RingFollower
{
    /** Set in the keyspace id of the record that holds the last ring version this member used. */
    static final int RING_RECORD_BIT = 1 << 31;

    private final QuorumConfig config;
    private final RaftAgent agent;
    private final int ringGroupId;
    private final int memberId;
    private final RingStateMachine source;
    private final Placement placement;
    private final ReplicaStore store;
    private final RangeStreamer streamer;
    private final UnsafeBuffer recordKey = new UnsafeBuffer(new byte[4]);
    private final UnsafeBuffer record = new UnsafeBuffer(new byte[8]);
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[RingCodec.ACK_LENGTH]);
    /** Invariant: the node acts on no version below this (recorded before it was used, in this or an earlier run). */
    private long usedVersion;
    /** When every request this node began under an older version is over (it could coordinate then), or 0. */
    private long drainedAtNs;
    private long nextAckNs;
    private long acksSent;

    RingFollower(
        final QuorumConfig config, final RaftAgent agent, final int ringGroupId, final int memberId, final RingStateMachine source,
        final Placement placement, final ReplicaStore store, final RangeStreamer streamer)
    {
        this.config = config;
        this.agent = agent;
        this.ringGroupId = ringGroupId;
        this.memberId = memberId;
        this.source = source;
        this.placement = placement;
        this.store = store;
        this.streamer = streamer;
        recordKey.putInt(0, config.keyspaceId());
        final int length = store.read(recordKeyspace(), recordKey, 0, 4, record, 0);
        this.usedVersion = length == 8 ? record.getLong(0) : 0;
    }

    private int recordKeyspace()
    {
        return config.keyspaceId() | RING_RECORD_BIT;
    }

    /** @return whether the node may coordinate: its ring is at least the version it used last and names it. */
    boolean usable()
    {
        return placement.version() >= usedVersion && placement.usable(memberId);
    }

    /**
     * Adopts a newer applied ring (recording it first), streams, and acknowledges what is done.
     *
     * @return whether a new version was adopted (the caller rebuilds what depends on the read ring).
     */
    boolean doWork(final long nowNs)
    {
        final RingState applied = source.state();
        boolean adopted = false;
        if (applied.version() > placement.version())
        {
            if (applied.version() > usedVersion)
            {
                record.putLong(0, applied.version());
                store.write(recordKeyspace(), recordKey, 0, 4, record, 0, 8);
                store.flush();
                usedVersion = applied.version();
            }
            // Requests begun under the older version end by their deadline; a node that could not coordinate has none.
            drainedAtNs = usable() ? nowNs + config.requestTimeoutNs() : nowNs;
            placement.adopt(applied);
            nextAckNs = nowNs;
            adopted = true;
            if (applied.phase() == RingState.STREAMING)
            {
                streamer.start(applied, nowNs);
            }
        }
        final RingState state = placement.state();
        if (!state.changing() || !state.isParticipant(memberId) || state.acknowledged(memberId) || !usable())
        {
            return adopted;
        }
        final boolean finished = switch (state.phase())
        {
            case RingState.WRITE_BOTH -> nowNs - drainedAtNs >= 0;
            case RingState.STREAMING ->
            {
                streamer.doWork(nowNs);
                yield streamer.done();
            }
            default -> true;
        };
        if (finished && nowNs - nextAckNs >= 0)
        {
            nextAckNs = nowNs + config.hintIntervalNs();
            final int length = RingCodec.encodeAck(command, 0, memberId, state.version());
            if (agent.forward(ringGroupId, command, 0, length))
            {
                acksSent++;
            }
        }
        return adopted;
    }

    /** A HANDOFF_ACK (checked): for the streamer (hinted handoff is told by the node as well). */
    void onHandoffAck(final int from, final long summary, final int status, final DirectBuffer buffer, final int offset, final int length)
    {
        streamer.onAck(from, summary, status, buffer, offset + QuorumCodec.HANDOFF_ACK_KEY_OFFSET, length - QuorumCodec.HANDOFF_ACK_KEY_OFFSET);
    }

    /** @return {@code ring} if it can serve the node: its group is on {@code agent} and it keeps at least {@code n} members. */
    static RingStateMachine checked(final QuorumConfig config, final RaftAgent agent, final RingStateMachine ring, final int group)
    {
        if (agent.group(group) == null || ring.membersMin() < config.n())
        {
            throw new IllegalArgumentException("ring group " + group + (agent.group(group) == null ? " is not on the agent" :
                " keeps " + ring.membersMin() + " members at least, fewer than n = " + config.n()));
        }
        return ring;
    }

    long acksSent()
    {
        return acksSent;
    }

    long keysStreamed()
    {
        return streamer.keysStreamed();
    }
}
