package io.synod.raft;

import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Drives one or many Raft groups that share a {@link Transport}, as an Agrona {@link Agent} with the
 * duty cycle of ARCHITECTURE.md:
 * <ol>
 *   <li>read the clock once;</li>
 *   <li>poll the transport (at most {@code fragmentLimit} frames), check each header and route it
 *   to its group by group id, or an application message ({@link io.synod.raft.codec.MessageType#MESSAGE})
 *   to the service registered for it ({@link #registerService});</li>
 *   <li>drain proposals from host threads (at most {@code proposalLimit});</li>
 *   <li>fire due timers;</li>
 *   <li>persist; 6. send; 7. apply.</li>
 * </ol>
 *
 * <p><b>Threading.</b> {@link #doWork()} runs on one thread (an {@code AgentRunner}, or the simulator).
 * {@link #propose} may be called from any number of host threads: proposals travel through a
 * many-to-one ring buffer, so no lock is taken. Outcomes are delivered to each group's
 * {@link ProposalHandler} on the agent thread.
 * <p><b>Allocation.</b> None per cycle or per proposal.
 */
public final class RaftAgent implements Agent
{
    /** Default fragments polled per cycle. */
    public static final int FRAGMENT_LIMIT_DEFAULT = 64;
    /** Default proposals drained per cycle. */
    public static final int PROPOSAL_LIMIT_DEFAULT = 256;
    /** Default largest body a service sends: what fits one Aeron frame of the default MTU with room to spare. */
    public static final int SERVICE_MESSAGE_LENGTH_DEFAULT = 64 * 1024;

    private static final ReadMode[] READ_MODES = ReadMode.values();
    private static final int BODY = ProposalRecord.BODY_OFFSET;

    private final NanoClock clock;
    private final Transport transport;
    private final RaftNode[] groups;
    private final Int2ObjectHashMap<RaftNode> groupById = new Int2ObjectHashMap<>();
    private final ManyToOneRingBuffer proposals;
    /** Reads proposal records on the agent thread. */
    private final ProposalRecord proposalRecord = new ProposalRecord();
    private final int fragmentLimit;
    private final int proposalLimit;
    private final MessageHeader header = new MessageHeader();
    private final long[] framesDropped = new long[FrameCheck.REASON_COUNT];
    private final Transport.FrameHandler frameHandler = this::onFrame;
    private final MessageHandler proposalDrainer = this::onProposal;
    private final String roleName;
    private final int clusterId;
    private final int memberId;
    private volatile Duty[] duties = new Duty[0];
    /** Services on the application-message path, by service id. Registered before the agent runs. */
    private final Int2ObjectHashMap<ServiceChannel> services = new Int2ObjectHashMap<>();
    private boolean running;
    private long nowNs;

    /**
     * @param clock                  read once per duty cycle.
     * @param transport              shared by all groups; frames are routed by their group id.
     * @param proposalRingCapacity   bytes of the proposal ring buffer, a power of two.
     * @param groups                 the groups this agent drives, with distinct group ids.
     */
    public RaftAgent(final NanoClock clock, final Transport transport, final int proposalRingCapacity, final RaftNode... groups)
    {
        this(clock, transport, proposalRingCapacity, FRAGMENT_LIMIT_DEFAULT, PROPOSAL_LIMIT_DEFAULT, groups);
    }

    public RaftAgent(
        final NanoClock clock,
        final Transport transport,
        final int proposalRingCapacity,
        final int fragmentLimit,
        final int proposalLimit,
        final RaftNode... groups)
    {
        if (groups.length == 0)
        {
            throw new IllegalArgumentException("at least one group");
        }
        if (fragmentLimit < 1 || proposalLimit < 1)
        {
            throw new IllegalArgumentException("fragmentLimit and proposalLimit must be positive");
        }
        this.clock = clock;
        this.transport = transport;
        this.groups = groups.clone();
        this.fragmentLimit = fragmentLimit;
        this.proposalLimit = proposalLimit;
        for (final RaftNode group : groups)
        {
            if (groupById.put(group.groupId(), group) != null)
            {
                throw new IllegalArgumentException("duplicate group id " + group.groupId());
            }
        }
        this.proposals = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(proposalRingCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.roleName = "synod-raft-" + groups[0].memberId();
        this.clusterId = groups[0].config().clusterId();
        this.memberId = groups[0].memberId();
    }

    /**
     * Registers a service on the application-message path with a body limit of
     * {@link #SERVICE_MESSAGE_LENGTH_DEFAULT} bytes. See {@link #registerService(int, ServiceHandler, int)}.
     */
    public ServiceChannel registerService(final int serviceId, final ServiceHandler handler)
    {
        return registerService(serviceId, handler, SERVICE_MESSAGE_LENGTH_DEFAULT);
    }

    /**
     * Registers a service: {@link io.synod.raft.codec.MessageType#MESSAGE} frames for {@code serviceId}
     * reach {@code handler} on this agent's thread, after the same checks as Raft frames and counted with
     * them when dropped; the returned channel sends to the same service on other members and replies to
     * clients. Service ids are their own namespace (a service and a Raft group may share a number). Call
     * before the agent runs; allocates.
     *
     * @param maxMessageLength the largest body the channel sends (it frames in a buffer of this size).
     * @throws IllegalArgumentException for a non-positive or taken service id, or a non-positive length.
     * @throws IllegalStateException once the agent has run.
     */
    public ServiceChannel registerService(final int serviceId, final ServiceHandler handler, final int maxMessageLength)
    {
        if (running)
        {
            throw new IllegalStateException("register services before the agent runs");
        }
        if (serviceId <= 0 || services.containsKey(serviceId) || handler == null || maxMessageLength <= 0)
        {
            throw new IllegalArgumentException("service " + serviceId + ": id must be positive and unused, handler set, " +
                "maxMessageLength positive (" + maxMessageLength + ")");
        }
        final ServiceChannel channel = new ServiceChannel(serviceId, clusterId, memberId, transport, handler, maxMessageLength);
        services.put(serviceId, channel);
        return channel;
    }

    /** @return the channel of a registered service, or null. */
    public ServiceChannel service(final int serviceId)
    {
        return services.get(serviceId);
    }

    /**
     * Offers a proposal from any thread. Allocation-free.
     *
     * @return {@code false} if the ring buffer is full (back-pressure: retry later); the handler is
     * then not called for this correlation id.
     * @throws IllegalArgumentException for an unknown group, or a command that cannot fit in the ring
     * buffer at all.
     */
    public boolean propose(
        final int groupId, final long correlationId, final DirectBuffer command, final int offset, final int length)
    {
        return offerCommand(ProposalRecord.PROPOSE, groupId, correlationId, command, offset, length);
    }

    private boolean offerCommand(
        final int msgTypeId, final int groupId, final long correlationId, final DirectBuffer command, final int offset,
        final int length)
    {
        if (!groupById.containsKey(groupId))
        {
            throw new IllegalArgumentException("unknown group " + groupId);
        }
        final int claimIndex = proposals.tryClaim(msgTypeId, BODY + length);
        if (claimIndex <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = proposals.buffer();
        ProposalRecord.header(buffer, claimIndex, groupId, correlationId);
        buffer.putBytes(claimIndex + BODY, command, offset, length);
        proposals.commit(claimIndex);
        return true;
    }

    /**
     * Offers a command for the group's leader from any thread, at most once and with no outcome reported
     * (see {@link RaftNode#forward}): appended here if this member leads, else sent to the leader it
     * knows. For commands whose effect the caller learns from the applied state and retries until then.
     * Allocation-free.
     *
     * @return {@code false} if the ring buffer is full (back-pressure: retry later).
     */
    public boolean forward(final int groupId, final DirectBuffer command, final int offset, final int length)
    {
        return offerCommand(ProposalRecord.FORWARD, groupId, 0, command, offset, length);
    }

    /**
     * Adds work to run on the agent thread at the end of every duty cycle, after the groups have applied
     * what committed, with the cycle's {@code nowNs}: lock clients, tickers, anything that must see the
     * state machines from their own thread. May be called while the agent runs (the duty starts with a
     * later cycle), from one host thread at a time.
     */
    public RaftAgent addDuty(final Duty duty)
    {
        final Duty[] current = duties;
        final Duty[] grown = java.util.Arrays.copyOf(current, current.length + 1);
        grown[current.length] = java.util.Objects.requireNonNull(duty, "duty");
        duties = grown;
        return this;
    }

    /** Work run on the agent thread once per duty cycle; see {@link #addDuty}. */
    @FunctionalInterface
    public interface Duty
    {
        /**
         * @param nowNs the clock reading of this duty cycle.
         * @return work done (0 lets the idle strategy back off).
         */
        int doWork(long nowNs);
    }

    /**
     * Requests a read from any thread. Allocation-free. The group's {@link ProposalHandler#onReadReady}
     * is then called on the agent thread once the state machine may be read in {@code mode}.
     *
     * @return {@code false} if the ring buffer is full (back-pressure: retry later).
     */
    public boolean read(final int groupId, final long correlationId, final ReadMode mode)
    {
        if (!groupById.containsKey(groupId))
        {
            throw new IllegalArgumentException("unknown group " + groupId);
        }
        final int claimIndex = proposals.tryClaim(ProposalRecord.READ, BODY + 4);
        if (claimIndex <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = proposals.buffer();
        ProposalRecord.header(buffer, claimIndex, groupId, correlationId);
        buffer.putInt(claimIndex + BODY, mode.ordinal());
        proposals.commit(claimIndex);
        return true;
    }

    /**
     * Offers a client-session operation from any thread (see {@link RaftNode#proposeSession}). Allocation-free.
     *
     * @param type     {@link EntryType#SESSION_OPEN}, {@link EntryType#SESSION_COMMAND},
     *                 {@link EntryType#SESSION_KEEPALIVE} or {@link EntryType#SESSION_CLOSE}.
     * @param argument the TTL in ns for SESSION_OPEN, the sequence for SESSION_COMMAND, a token the state
     *                 machine is told of for SESSION_KEEPALIVE ({@link StateMachine#onKeepAlive}), else ignored.
     * @return {@code false} if the ring buffer is full.
     */
    public boolean proposeSession(
        final int groupId,
        final long correlationId,
        final int type,
        final long sessionId,
        final long argument,
        final DirectBuffer command,
        final int offset,
        final int length)
    {
        return offerSession(ProposalRecord.SESSION, groupId, correlationId, type, sessionId, argument, command, offset, length);
    }

    /**
     * Offers a client-session operation for the group's leader from any thread, at most once and with no
     * outcome reported (see {@link RaftNode#forwardSession}): for clients co-located with a follower or
     * learner that learn outcomes from the applied state ({@link StateMachine#onSessionOpened},
     * {@link ClientSessions#outcome}) and retry until then. Allocation-free.
     *
     * @return {@code false} if the ring buffer is full (back-pressure: retry later).
     */
    public boolean forwardSession(
        final int groupId,
        final int type,
        final long sessionId,
        final long argument,
        final DirectBuffer command,
        final int offset,
        final int length)
    {
        return offerSession(ProposalRecord.FORWARD_SESSION, groupId, 0, type, sessionId, argument, command, offset, length);
    }

    private boolean offerSession(
        final int msgTypeId,
        final int groupId,
        final long correlationId,
        final int type,
        final long sessionId,
        final long argument,
        final DirectBuffer command,
        final int offset,
        final int length)
    {
        if (!groupById.containsKey(groupId))
        {
            throw new IllegalArgumentException("unknown group " + groupId);
        }
        if (type < EntryType.SESSION_OPEN || type > EntryType.SESSION_CLOSE)
        {
            throw new IllegalArgumentException("not a session entry type: " + type);
        }
        final int claimIndex = proposals.tryClaim(msgTypeId, BODY + ProposalRecord.SESSION_HEADER_LENGTH + length);
        if (claimIndex <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = proposals.buffer();
        ProposalRecord.header(buffer, claimIndex, groupId, correlationId);
        ProposalRecord.session(buffer, claimIndex, type, sessionId, argument);
        if (length > 0)
        {
            buffer.putBytes(claimIndex + BODY + ProposalRecord.SESSION_HEADER_LENGTH, command, offset, length);
        }
        proposals.commit(claimIndex);
        return true;
    }

    /**
     * Offers a membership change from any thread (see {@link RaftNode#proposeMembershipChange}).
     *
     * @param change {@link Membership#ADD_LEARNER}, {@link Membership#PROMOTE} or {@link Membership#REMOVE}.
     * @return {@code false} if the ring buffer is full.
     */
    public boolean proposeMembershipChange(final int groupId, final long correlationId, final int change, final int member)
    {
        return offerControl(ProposalRecord.MEMBERSHIP, groupId, correlationId, change, member);
    }

    /**
     * Asks the group's leader on this agent to hand leadership to {@code target} (see
     * {@link RaftNode#transferLeadership}).
     *
     * @return {@code false} if the ring buffer is full.
     */
    public boolean transferLeadership(final int groupId, final long correlationId, final int target)
    {
        return offerControl(ProposalRecord.TRANSFER, groupId, correlationId, target, 0);
    }

    /**
     * Asks the group on this agent for a snapshot of its applied state now, whatever the thresholds (see
     * {@link RaftNode#requestSnapshot}); on any member, leader or not. From any thread.
     *
     * @return {@code false} if the ring buffer is full.
     */
    public boolean requestSnapshot(final int groupId)
    {
        return offerControl(ProposalRecord.SNAPSHOT, groupId, 0, 0, 0);
    }

    private boolean offerControl(final int msgTypeId, final int groupId, final long correlationId, final int first, final int second)
    {
        if (!groupById.containsKey(groupId))
        {
            throw new IllegalArgumentException("unknown group " + groupId);
        }
        final int claimIndex = proposals.tryClaim(msgTypeId, BODY + 8);
        if (claimIndex <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = proposals.buffer();
        ProposalRecord.header(buffer, claimIndex, groupId, correlationId);
        buffer.putInt(claimIndex + BODY, first);
        buffer.putInt(claimIndex + BODY + 4, second);
        proposals.commit(claimIndex);
        return true;
    }

    /** @return the largest command {@link #propose} can carry through the ring buffer. */
    public int maxProposalLength()
    {
        return proposals.maxMsgLength() - BODY;
    }

    @Override
    public int doWork()
    {
        running = true;
        final long nowNs = clock.nanoTime();
        this.nowNs = nowNs;
        for (final RaftNode group : groups)
        {
            group.beginCycle(nowNs);
        }
        int work = transport.poll(frameHandler, fragmentLimit);
        work += proposals.read(proposalDrainer, proposalLimit);
        final long afterIntakeNs = clock.nanoTime();
        if (afterIntakeNs != nowNs)
        {
            // A lease read taken in above must be judged by a time read after it arrived: the thread may
            // have been paused (GC, SIGSTOP) since the cycle's first reading, and the lease run out.
            this.nowNs = afterIntakeNs;
            for (final RaftNode group : groups)
            {
                group.beginCycle(afterIntakeNs);
            }
        }
        for (final RaftNode group : groups)
        {
            work += group.onTimers();
        }
        for (final RaftNode group : groups)
        {
            group.persist();
        }
        for (final RaftNode group : groups)
        {
            work += group.send();
        }
        work += transport.flush();
        for (final RaftNode group : groups)
        {
            work += group.apply();
        }
        for (final Duty duty : duties)
        {
            work += duty.doWork(this.nowNs);
        }
        work += transport.flush(); // what apply and the duties sent
        return work;
    }

    @Override
    public void onClose()
    {
        for (final RaftNode group : groups)
        {
            group.close();
        }
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    /** @return the group with this id, or null. */
    public RaftNode group(final int groupId)
    {
        return groupById.get(groupId);
    }

    /** @return frames dropped by the agent before reaching a group, for {@code reason} ({@link FrameCheck}). */
    public long framesDropped(final int reason)
    {
        return framesDropped[reason];
    }

    /** @return frames dropped by the agent for any reason (groups count their own drops too). */
    public long framesDropped()
    {
        long total = 0;
        for (final long count : framesDropped)
        {
            total += count;
        }
        return total;
    }

    private void onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        final int check = FrameCheck.checkHeader(header, buffer, offset, length);
        if (check != FrameCheck.OK)
        {
            framesDropped[check]++;
            return;
        }
        final int type = header.type();
        if (type == MessageType.BATCH)
        {
            onBatch(buffer, offset, length);
            return;
        }
        if (type == MessageType.MESSAGE)
        {
            onMessage(buffer);
            return;
        }
        if (type == MessageType.CLIENT_HELLO)
        {
            // The transport's handshake: one that reaches the agent was not for it.
            framesDropped[FrameCheck.BAD_TYPE]++;
            return;
        }
        final RaftNode group = groupById.get(header.groupId());
        if (group == null)
        {
            framesDropped[FrameCheck.UNKNOWN_GROUP]++;
            return;
        }
        group.onFrame(buffer, offset, length);
    }

    /**
     * A {@link MessageType#BATCH}: each inner frame is handled as if it had arrived alone. The walk stops at the
     * first inner frame whose length does not fit (the rest is dropped and counted); an empty batch and a batch
     * inside a batch are dropped.
     */
    private void onBatch(final DirectBuffer buffer, final int offset, final int length)
    {
        if (header.clusterId() != clusterId)
        {
            framesDropped[FrameCheck.WRONG_CLUSTER]++;
            return;
        }
        if (length == MessageHeader.LENGTH)
        {
            framesDropped[FrameCheck.BAD_LENGTH]++; // a batch of nothing
            return;
        }
        final int from = header.from();
        final int end = offset + length;
        int inner = offset + MessageHeader.LENGTH;
        while (inner < end)
        {
            final int innerLength = FrameCheck.batchedFrameLength(header, buffer, inner, end);
            if (innerLength < 0)
            {
                framesDropped[FrameCheck.BAD_LENGTH]++;
                return;
            }
            if (header.from() != from)
            {
                framesDropped[FrameCheck.UNKNOWN_MEMBER]++; // a member speaks only for itself
                return;
            }
            onFrame(buffer, inner, innerLength);
            inner += innerLength;
        }
    }

    /** The application-message path: the checks a Raft frame gets from its node, then the service. */
    private void onMessage(final DirectBuffer buffer)
    {
        if (header.clusterId() != clusterId)
        {
            framesDropped[FrameCheck.WRONG_CLUSTER]++;
            return;
        }
        final int from = header.from();
        final long clientId = header.term();
        final boolean fromClient = from == 0 && clientId > 0;
        final boolean fromMember = from > 0 && from != memberId && clientId == 0;
        if (header.to() != memberId || !(fromClient || fromMember))
        {
            framesDropped[FrameCheck.UNKNOWN_MEMBER]++;
            return;
        }
        final ServiceChannel service = services.get(header.groupId());
        if (service == null)
        {
            framesDropped[FrameCheck.UNKNOWN_GROUP]++;
            return;
        }
        service.deliver(nowNs, header, buffer);
    }

    private void onProposal(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final ProposalRecord record = proposalRecord.wrap(buffer, index, length);
        final long correlationId = record.correlationId();
        final RaftNode group = groupById.get(record.groupId());
        switch (msgTypeId)
        {
            case ProposalRecord.READ:
                group.read(correlationId, READ_MODES[record.first()]);
                break;
            case ProposalRecord.MEMBERSHIP:
                group.proposeMembershipChange(correlationId, record.first(), record.second());
                break;
            case ProposalRecord.TRANSFER:
                group.transferLeadership(correlationId, record.first());
                break;
            case ProposalRecord.FORWARD:
                group.forward(buffer, record.commandOffset(), record.commandLength());
                break;
            case ProposalRecord.FORWARD_SESSION:
                group.forwardSession(record.first(), record.sessionId(), record.sessionArgument(),
                    buffer, record.sessionCommandOffset(), record.sessionCommandLength());
                break;
            case ProposalRecord.SNAPSHOT:
                group.requestSnapshot();
                break;
            case ProposalRecord.SESSION:
                group.proposeSession(record.first(), correlationId, record.sessionId(), record.sessionArgument(),
                    buffer, record.sessionCommandOffset(), record.sessionCommandLength());
                break;
            default:
                group.propose(correlationId, buffer, record.commandOffset(), record.commandLength());
        }
    }

    /** @return the proposal ring buffer (for tests and monitoring). */
    RingBuffer proposalRing()
    {
        return proposals;
    }
}
