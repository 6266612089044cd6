package io.synod.raft;

import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.ReadIndexMessage;
import io.synod.raft.codec.SessionEntry;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.random.RandomGenerator;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * One member of one Raft group: the algorithm as a synchronous, single-threaded state machine with no
 * I/O of its own, no threads and no clock. Time arrives as {@code nowNs} through {@link #beginCycle(long)};
 * randomness comes from the injected generator; storage, network and application are the ports.
 *
 * <p><b>Driving it.</b> A {@link RaftAgent} runs the duty cycle; tests and the simulator may call the
 * same methods in the same order:
 * <ol>
 *   <li>{@link #beginCycle(long)} with the time read once for the cycle;</li>
 *   <li>{@link #onFrame} for each inbound frame and {@link #propose} for each proposal;</li>
 *   <li>{@link #onTimers()} for election, heartbeat and CheckQuorum deadlines;</li>
 *   <li>{@link #persist()}: flushes the log (term and vote are already durable);</li>
 *   <li>{@link #send()}: replies held back until now, then AppendEntries;</li>
 *   <li>{@link #apply()}: committed entries to the state machine, completing proposals.</li>
 * </ol>
 * Persisting before sending is what makes an acknowledgement mean "durable"; it is the reason the
 * order is fixed.
 *
 * <p><b>Threading.</b> Not thread-safe: one thread drives it. The {@code volatile} status fields
 * ({@link #role()}, {@link #term()}, {@link #leaderId()}, {@link #commitIndex()}, {@link #lastApplied()})
 * may be read from any thread for monitoring.
 * <p><b>Allocation.</b> None in steady state: codecs are flyweights, peers and rings are sized at
 * construction, readers are bound once into fields.
 * <p><b>Failure.</b> A failed flush or store propagates as an exception out of the driving method and
 * the node must be discarded. A bad frame is dropped and counted, never thrown.
 */
public final class RaftNode
{
    private final RaftConfig config;
    private final RaftLog log;
    private final HardState hardState;
    /** Null when snapshots are off: the log is then never compacted. */
    private final SnapshotStore snapshotStore;
    private final Transport transport;
    private final Election election;
    private final RaftObserver observer;
    private final int clusterId;
    private final int groupId;
    private final int memberId;
    private final long electionTimeoutNs;

    private final Replicator replicator;
    private final Configurations configurations = new Configurations();
    private final LeadershipTransfer transfer;
    private final Applier applier;
    private final ProposalHandler handler;
    private final Outbox outbox;
    private final RaftCounters counters = new RaftCounters();

    private final MessageHeader header = new MessageHeader();
    private final AppendRequest appendRequest = new AppendRequest();
    private final SnapshotTransfer snapshotTransfer;
    private final SnapshotWriter snapshots;
    private final ReadIndexMessage readIndexMessage = new ReadIndexMessage();
    private final ReadIndex reads;
    private long incomingRound;
    /** Zero-length payload: the leader's no-op, an empty response. */
    private final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
    private final RaftLog.EntryReader entryApplier = this::applyEntry;

    private volatile RaftRole role = RaftRole.FOLLOWER;
    /** Invariant: equals {@code hardState.term()}; never decreases. */
    private volatile long currentTerm;
    /** Invariant: equals {@code hardState.votedFor()}. */
    private int votedFor;
    private volatile int leaderId;
    /** Invariant: never decreases while the node lives; {@code lastApplied <= commitIndex <= log.lastIndex()}. */
    private volatile long commitIndex;
    private volatile long lastApplied;
    private boolean logDirty;

    private long nowNs;

    /**
     * @param config       concluded here if it was not already.
     * @param log          this member's log; its content is trusted as written by this member.
     * @param hardState    this member's term and vote.
     * @param stateMachine receives committed commands in order.
     * @param transport    sends frames; shared by the groups of one agent.
     * @param random       seeded generator for election timeouts (inject a fixed seed for replay).
     * @param handler      receives the outcome of every proposal.
     */
    public RaftNode(
        final RaftConfig config,
        final RaftLog log,
        final HardState hardState,
        final StateMachine stateMachine,
        final Transport transport,
        final RandomGenerator random,
        final ProposalHandler handler)
    {
        this(config, log, hardState, null, stateMachine, transport, random, handler);
    }

    /**
     * A member that takes snapshots into {@code snapshotStore}, compacts its log behind them, sends
     * them to followers that fell behind the compacted prefix, and restores from the latest one on
     * start-up.
     *
     * @param snapshotStore this member's snapshots; null turns snapshots off.
     */
    public RaftNode(
        final RaftConfig config,
        final RaftLog log,
        final HardState hardState,
        final SnapshotStore snapshotStore,
        final StateMachine stateMachine,
        final Transport transport,
        final RandomGenerator random,
        final ProposalHandler handler)
    {
        if (!config.isConcluded())
        {
            config.conclude();
        }
        this.config = config;
        this.log = log;
        this.hardState = hardState;
        this.snapshotStore = snapshotStore;
        this.transport = transport;
        this.observer = config.observer();
        this.clusterId = config.clusterId();
        this.groupId = config.groupId();
        this.memberId = config.memberId();
        this.electionTimeoutNs = config.electionTimeoutNs();

        this.applier = new Applier(config, stateMachine, handler);
        this.handler = handler;
        this.outbox = new Outbox(config.outboxBytes());
        this.election = new Election(config, outbox, random);
        this.transfer = new LeadershipTransfer(config, outbox, handler);
        this.replicator = new Replicator(config, log, transport, outbox, counters);
        this.snapshots = new SnapshotWriter(config, snapshotStore, stateMachine);
        this.snapshotTransfer = new SnapshotTransfer(config, snapshotStore, transport, outbox, counters);
        this.reads = new ReadIndex(config, outbox, handler);

        this.currentTerm = hardState.term();
        this.votedFor = hardState.votedFor();
        // Entries up to the snapshot are applied by the snapshot; nothing newer is known committed yet.
        this.commitIndex = log.snapshotIndex();
        this.lastApplied = log.snapshotIndex();
        if (!(log.lastTerm() <= currentTerm))
        {
            throw new IllegalStateException("log lastTerm=" + log.lastTerm() + " above stored term=" + currentTerm);
        }
        if (snapshots.reconcile(log))
        {
            restoreFromStore();
        }
        else
        {
            configurations.reset(0, config.joining() ? Membership.EMPTY : Membership.of(config.members(), new int[0]));
            scanLogForConfigurations();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Duty cycle
    // ------------------------------------------------------------------------------------------

    /**
     * Starts a duty cycle at {@code nowNs}; every handler until the next call sees this time. {@link RaftAgent}
     * calls it again after the intake, so that {@link #send()} judges lease reads by a time read after they came.
     */
    public void beginCycle(final long nowNs)
    {
        this.nowNs = nowNs;
        election.start(nowNs);
    }

    /**
     * Handles one inbound frame addressed to this group. The header must already have passed
     * {@link FrameCheck#checkHeader}; everything else is checked here. Never throws for bad input.
     */
    public void onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        header.wrap(buffer, offset);
        final int from = header.from();
        if (header.clusterId() != clusterId)
        {
            counters.drop(FrameCheck.WRONG_CLUSTER);
            return;
        }
        final int type = header.type();
        // A leader may be a member our configuration does not list yet (we lag behind the entry that
        // added it, or we are joining); anything else must come from a known member.
        final boolean leaderMessage = type == MessageType.APPEND_REQUEST || type == MessageType.INSTALL_SNAPSHOT ||
            type == MessageType.TIMEOUT_NOW;
        if (header.to() != memberId || from == memberId || from <= 0 ||
            (!leaderMessage && replicator.peer(from) == null && !(type == MessageType.VOTE_REQUEST &&
            election.candidateUpToDate(buffer, header.bodyOffset(), log.lastIndex(), log.lastTerm()))))
        {
            counters.drop(FrameCheck.UNKNOWN_MEMBER);
            return;
        }
        final long term = header.term();
        final int flags = header.flags();
        final boolean forTransfer = (flags & MessageHeader.FLAG_TRANSFER) != 0;
        final int body = header.bodyOffset();
        if ((type == MessageType.APPEND_REQUEST &&
            (appendRequest.wrap(buffer, body).validate(header.bodyLength(), term, EntryType.MAX) != FrameCheck.OK ||
            !Configurations.entriesParse(appendRequest))) ||
            (type == MessageType.INSTALL_SNAPSHOT &&
            snapshotTransfer.validate(buffer, body, header.bodyLength(), term) != FrameCheck.OK))
        {
            counters.drop(FrameCheck.BAD_FIELD);
            return;
        }
        final boolean fromLeader = type == MessageType.APPEND_REQUEST || type == MessageType.INSTALL_SNAPSHOT;
        counters.framesReceived++;

        final boolean preVote = (flags & MessageHeader.FLAG_PRE_VOTE) != 0;
        if (term > currentTerm)
        {
            if (role == RaftRole.LEADER)
            {
                transfer.onHigherTerm(from);
            }
            if (type == MessageType.VOTE_REQUEST)
            {
                // §9.6 / §4.2.3: while we believe a leader is alive, a vote request cannot disrupt it
                // (unless that leader itself handed over leadership: TimeoutNow).
                if (!forTransfer && election.inLeaderLease(role, leaderId, nowNs))
                {
                    return;
                }
                if (!preVote)
                {
                    becomeFollower(term, 0, "vote request with higher term");
                }
            }
            else if (type == MessageType.VOTE_RESPONSE && preVote && election.granted(buffer, body))
            {
                // A granted pre-vote carries the term we would campaign in; it does not move our term.
                onVoteResponse(from, term, true, true);
                return;
            }
            else
            {
                becomeFollower(term, fromLeader ? from : 0, "message with higher term");
            }
        }
        else if (term < currentTerm)
        {
            // Stale sender. Tell a stale leader or pre-candidate our term so it steps down; drop the rest.
            if (type == MessageType.APPEND_REQUEST)
            {
                incomingRound = 0;
                replicator.answerAppend(from, false, incomingRound, appendRequest.prevLogIndex(), RaftLog.NO_TERM, 0, currentTerm);
            }
            else if (type == MessageType.INSTALL_SNAPSHOT)
            {
                snapshotTransfer.refuseStale(from, currentTerm);
            }
            else if (type == MessageType.VOTE_REQUEST)
            {
                election.answer(from, currentTerm, preVote, false);
            }
            return;
        }

        switch (type)
        {
            case MessageType.VOTE_REQUEST:
                onVoteRequest(from, term, preVote, buffer, body);
                break;
            case MessageType.VOTE_RESPONSE:
                onVoteResponse(from, term, preVote, election.granted(buffer, body));
                break;
            case MessageType.APPEND_REQUEST:
                onAppendRequest(from);
                break;
            case MessageType.APPEND_RESPONSE:
                if (role == RaftRole.LEADER &&
                    replicator.onAppendResponse(from, buffer, body, nowNs) == Replicator.MATCH_ADVANCED)
                {
                    maybeAdvanceCommit();
                }
                break;
            case MessageType.INSTALL_SNAPSHOT:
                onInstallSnapshot(from);
                break;
            case MessageType.SNAPSHOT_RESPONSE:
                if (role == RaftRole.LEADER &&
                    snapshotTransfer.onResponse(replicator.peer(from), buffer, body, nowNs) == SnapshotTransfer.MATCH_ADVANCED)
                {
                    maybeAdvanceCommit();
                }
                break;
            case MessageType.READ_INDEX_REQUEST:
                if (reads.onRequest(from, readIndexMessage.wrap(buffer, body).readId(), role == RaftRole.LEADER,
                    replicator.round(), currentTerm, nowNs))
                {
                    replicator.requestHeartbeat();
                }
                break;
            case MessageType.READ_INDEX_RESPONSE:
                readIndexMessage.wrap(buffer, body);
                reads.onResponse(readIndexMessage.readId(), readIndexMessage.readIndex(), readIndexMessage.status(), leaderId);
                break;
            case MessageType.TIMEOUT_NOW:
                onTimeoutNow(from);
                break;
            case MessageType.FORWARD:
                onForward(header.flags(), buffer, body, header.bodyLength());
                break;
            default:
                counters.drop(FrameCheck.BAD_TYPE);
        }
    }

    /**
     * Proposes a command. The outcome reaches the {@link ProposalHandler} exactly once, unless the
     * node crashes first; an accepted proposal is also announced with
     * {@link ProposalHandler#onAppended} before this returns.
     *
     * @return the log index the command was appended at (in the current {@link #term()}), or 0 if it was
     * rejected at once (the reason went to the handler).
     */
    public long propose(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        final int reason = proposalRejection(length, config.maxCommandBytes());
        if (reason != 0)
        {
            handler.onRejected(groupId, correlationId, reason, leaderId);
            return 0;
        }
        return appendProposal(correlationId, EntryType.COMMAND, 0, 0, buffer, offset, length);
    }

    /** @return why a proposal of {@code length} bytes (at most {@code maxLength}) is refused now, or 0. */
    private int proposalRejection(final int length, final int maxLength)
    {
        return role != RaftRole.LEADER ? ProposalHandler.NOT_LEADER :
            transfer.isActive() ? ProposalHandler.TRANSFER_IN_PROGRESS :
            length > maxLength ? ProposalHandler.TOO_LARGE :
            applier.isFull() ? ProposalHandler.BACK_PRESSURE : 0;
    }

    /**
     * Appends an accepted proposal at the end of the log and announces where; its outcome is reported
     * when it is applied. @return its index.
     */
    private long appendProposal(
        final long correlationId, final int type, final long sessionId, final long argument,
        final DirectBuffer buffer, final int offset, final int length)
    {
        final long index = appendEntry(type, sessionId, argument, buffer, offset, length);
        applier.track(index, currentTerm, correlationId);
        handler.onAppended(groupId, correlationId, index, currentTerm);
        return index;
    }

    /**
     * Passes a command to the leader, at most once and with no outcome reported (proposal forwarding).
     * The leader appends it like a proposal; a follower or learner sends it to the leader it knows
     * ({@link MessageType#FORWARD}), which appends it if it still leads. Dropped and counted
     * ({@link RaftCounters#forwardsDropped()}) when no leader is known, during a leadership transfer,
     * when too large or when the outbox is full.
     *
     * <p>For commands whose effect the caller learns from the applied state, and which it retries until
     * then: the state machine must make a retried command harmless (request ids, sessions), since a
     * forward whose entry was lost with a leader and the retry may both be applied. Allocation-free.
     */
    public void forward(final DirectBuffer buffer, final int offset, final int length)
    {
        forwardEntry(EntryType.COMMAND, 0, 0, buffer, offset, length);
    }

    /**
     * Passes a client-session operation to the leader like {@link #forward}: the leader stamps it with its
     * clock and appends it as {@link #proposeSession} would (the same arguments); an OPEN is dropped while
     * the session table is full. Retried commands are harmless by their (session, sequence).
     */
    public void forwardSession(
        final int type, final long sessionId, final long argument, final DirectBuffer command, final int offset, final int length)
    {
        if (type < EntryType.SESSION_OPEN || type > EntryType.SESSION_CLOSE)
        {
            throw new IllegalArgumentException("not a session entry a client forwards: " + type);
        }
        forwardEntry(type, sessionId, argument, command, offset, length);
    }

    private void forwardEntry(
        final int type, final long sessionId, final long argument, final DirectBuffer buffer, final int offset, final int length)
    {
        if (role == RaftRole.LEADER)
        {
            appendForwarded(type, sessionId, argument, buffer, offset, length);
        }
        else if (length > forwardLimit(type) || leaderId == 0 || leaderId == memberId ||
            !replicator.forwardToLeader(leaderId, currentTerm, type, sessionId, argument, buffer, offset, length))
        {
            counters.forwardsDropped++;
        }
        else
        {
            counters.forwardsSent++;
        }
    }

    /** One hop only: a member that no longer leads drops it rather than passing it on. */
    private void onForward(final int entryType, final DirectBuffer buffer, final int body, final int length)
    {
        if (entryType == 0)
        {
            appendForwarded(EntryType.COMMAND, 0, 0, buffer, body, length);
        }
        else if (entryType >= EntryType.SESSION_OPEN && entryType <= EntryType.SESSION_CLOSE &&
            length >= Replicator.FORWARD_SESSION_HEADER_LENGTH)
        {
            appendForwarded(entryType, buffer.getLong(body, LITTLE_ENDIAN), buffer.getLong(body + 8, LITTLE_ENDIAN), buffer,
                body + Replicator.FORWARD_SESSION_HEADER_LENGTH, length - Replicator.FORWARD_SESSION_HEADER_LENGTH);
        }
        else
        {
            counters.forwardsDropped++;
        }
    }

    private int forwardLimit(final int type)
    {
        return type == EntryType.COMMAND ? config.maxCommandBytes() : config.maxCommandBytes() - SessionEntry.COMMAND_HEADER_LENGTH;
    }

    private void appendForwarded(
        final int type, final long sessionId, final long argument, final DirectBuffer buffer, final int offset, final int length)
    {
        if (role != RaftRole.LEADER || transfer.isActive() || length > forwardLimit(type) ||
            (type == EntryType.SESSION_OPEN && applier.isSessionTableFull()))
        {
            counters.forwardsDropped++;
        }
        else
        {
            appendEntry(type, sessionId, argument, buffer, offset, length);
            counters.forwardsAppended++;
        }
    }

    /**
     * Proposes a client-session operation (Raft dissertation §6.3; the rules are {@link ClientSessions}'):
     * {@link EntryType#SESSION_OPEN} ({@code argument} = TTL in ns, {@code sessionId} = a nonce or 0; the
     * response is the session id, a little-endian long), {@link EntryType#SESSION_COMMAND} ({@code argument}
     * = sequence; applied once per (session, sequence), a retry gets the kept response),
     * {@link EntryType#SESSION_KEEPALIVE} or {@link EntryType#SESSION_CLOSE}.
     *
     * @return the log index of the entry, or 0 if it was rejected at once (the reason went to the handler).
     */
    public long proposeSession(
        final int type,
        final long correlationId,
        final long sessionId,
        final long argument,
        final DirectBuffer command,
        final int offset,
        final int length)
    {
        if (type < EntryType.SESSION_OPEN || type > EntryType.SESSION_CLOSE)
        {
            throw new IllegalArgumentException("not a session entry a client proposes: " + type);
        }
        final int reason = type == EntryType.SESSION_OPEN && role == RaftRole.LEADER && applier.isSessionTableFull() ?
            ProposalHandler.SESSION_LIMIT : proposalRejection(length, config.maxCommandBytes() - SessionEntry.COMMAND_HEADER_LENGTH);
        if (reason != 0)
        {
            handler.onRejected(groupId, correlationId, reason, leaderId);
            return 0;
        }
        return appendProposal(correlationId, type, sessionId, argument, command, offset, length);
    }

    /** @return client sessions open in the replicated state. */
    public int sessionCount()
    {
        return applier.sessionCount();
    }

    /**
     * Proposes a single-server membership change (Raft dissertation §4.1–4.4): {@link Membership#ADD_LEARNER},
     * {@link Membership#PROMOTE} or {@link Membership#REMOVE} of {@code member}; why one server at a time
     * is safe here, and the rules a change must pass, are in {@code Configurations}. A new member joins as
     * a learner and is promoted once within {@code RaftConfig#promotionLagMax} entries of the leader's log
     * and holding the configuration in force. Committed when the entry is applied, or rejected at once
     * (NOT_LEADER, NOT_READY, CHANGE_IN_PROGRESS, UNKNOWN_MEMBER_ID, ALREADY_MEMBER, LAST_VOTER,
     * LEARNER_BEHIND, TRANSFER_IN_PROGRESS).
     *
     * @return the log index of the configuration entry, or 0 if the change was rejected at once.
     */
    public long proposeMembershipChange(final long correlationId, final int change, final int member)
    {
        final int reason = membershipChangeRejection(change, member);
        if (reason != 0)
        {
            handler.onRejected(groupId, correlationId, reason, leaderId);
            return 0;
        }
        final int length = configurations.encodeChange(change, member);
        return appendProposal(correlationId, EntryType.CONFIGURATION, 0, 0, configurations.changeBuffer(), 0, length);
    }

    private int membershipChangeRejection(final int change, final int member)
    {
        if (role != RaftRole.LEADER)
        {
            return ProposalHandler.NOT_LEADER;
        }
        if (transfer.isActive())
        {
            return ProposalHandler.TRANSFER_IN_PROGRESS;
        }
        if (!committedInCurrentTerm())
        {
            return ProposalHandler.NOT_READY;
        }
        final Peer peer = change == Membership.PROMOTE ? replicator.peer(member) : null;
        return configurations.changeRejection(change, member, commitIndex, applier.isFull(),
            peer == null ? -1 : peer.matchIndex, log.lastIndex(), config.promotionLagMax());
    }

    /**
     * Hands leadership to {@code target}, a voter (§3.10): proposals pause, the leader brings the target
     * up to date, then sends TimeoutNow so it starts an election at once (voters skip the lease check
     * for it). Completes with {@link ProposalHandler#onCommitted} (this member's commit index, empty response) once this
     * member steps down for the target, or is rejected with {@link ProposalHandler#TIMEOUT} after an
     * election timeout, when proposals resume.
     */
    public void transferLeadership(final long correlationId, final int target)
    {
        final int reason = role != RaftRole.LEADER ? ProposalHandler.NOT_LEADER :
            transfer.isActive() ? ProposalHandler.TRANSFER_IN_PROGRESS :
            target == memberId || !configurations.membership().isVoter(target) ? ProposalHandler.UNKNOWN_MEMBER_ID : 0;
        if (reason != 0)
        {
            handler.onRejected(groupId, correlationId, reason, leaderId);
            return;
        }
        transfer.start(target, correlationId, nowNs + electionTimeoutNs);
    }

    /** @return the configuration in force (the latest in the log, committed or not). */
    public Membership membership()
    {
        return configurations.membership();
    }

    /**
     * Fires the deadlines that are due at the cycle's time.
     *
     * @return 1 if a timer fired, else 0.
     */
    public int onTimers()
    {
        if (reads.hasDeadlines())
        {
            reads.expire(nowNs, leaderId);
        }
        if (role == RaftRole.LEADER)
        {
            int work = 0;
            if (transfer.maybeExpire(nowNs))
            {
                work = 1;
            }
            if (replicator.onHeartbeatTimer(nowNs))
            {
                work = 1;
            }
            if (applier.isTickDue(nowNs))
            {
                // Log time for the sessions, so that an idle cluster still expires dead clients.
                appendEntry(EntryType.SESSION_TICK, 0, 0, empty, 0, 0);
                applier.onTickAppended(nowNs);
                work = 1;
            }
            if (election.isCheckQuorumDue(nowNs))
            {
                checkQuorum();
                work = 1;
            }
            return work;
        }
        if (election.isElectionDue(nowNs))
        {
            campaign();
            return 1;
        }
        return 0;
    }

    /**
     * Makes what this cycle appended durable. A leader counts itself toward a commit only for what is
     * durable (Persistence rules, ARCHITECTURE.md).
     */
    public void persist()
    {
        log.commitIndex(commitIndex);
        if (logDirty)
        {
            log.flush();
            logDirty = false;
        }
        if (role == RaftRole.LEADER && replicator.onPersisted(log.lastIndex()))
        {
            maybeAdvanceCommit();
        }
    }

    /**
     * Sends what this cycle produced: held-back replies first, then (leader) heartbeats and pipelined
     * AppendEntries up to each follower's window. Call only after {@link #persist()}.
     *
     * @return frames sent.
     */
    public int send()
    {
        if (logDirty)
        {
            throw new IllegalStateException("send before persist: unflushed log entries");
        }
        if (role == RaftRole.LEADER)
        {
            if (reads.judgeLeaseReads(commitIndex, committedInCurrentTerm(), replicator.round(), nowNs))
            {
                replicator.requestHeartbeat();
            }
            maybeConfirmReads();
            replicator.maybeStartRound(nowNs);
        }
        if (role == RaftRole.LEADER && transfer.isActive())
        {
            final Peer target = replicator.peer(transfer.target());
            transfer.maybeSendTimeoutNow(target == null ? -1 : target.matchIndex, log.lastIndex(), currentTerm);
        }
        int sent = outbox.drainTo(transport, counters);
        if (role == RaftRole.LEADER)
        {
            final boolean heartbeat = replicator.isHeartbeatDue();
            for (final Peer peer : replicator.peers())
            {
                if (heartbeat)
                {
                    sent += replicator.sendHeartbeat(peer, commitIndex, currentTerm, nowNs);
                }
                for (int i = 0; i < config.inflightAppendsMax() && maybeSendAppend(peer); i++)
                {
                    sent++;
                }
                if (replicator.maybeSendCommit(peer, commitIndex, currentTerm))
                {
                    sent++;
                }
            }
            replicator.onHeartbeatsSent();
        }
        return sent;
    }

    /**
     * Applies up to {@code applyBatchMax} committed entries and completes their proposals.
     *
     * @return entries applied.
     */
    public int apply()
    {
        if (snapshots.isWriting())
        {
            logDirty |= snapshots.continueWriting(log);
            return 1;
        }
        final long last = Math.min(commitIndex, lastApplied + config.applyBatchMax());
        int work = 0;
        if (lastApplied < last)
        {
            work = log.read(lastApplied + 1, last, entryApplier);
        }
        work += reads.serveApplied(lastApplied);
        if (work > 0)
        {
            configurations.prune(lastApplied);
            maybeStepDownAfterRemoval();
            maybeStartSnapshot();
        }
        return work;
    }

    /**
     * Takes a snapshot of the state at {@link #lastApplied()} as soon as possible, whatever the size
     * thresholds: now if none is being written, else after the current one (the state machine may still
     * answer {@link SnapshotSource#NOT_NOW}; it is then asked again as entries are applied). On the node's
     * thread; from other threads use {@link RaftAgent#requestSnapshot}.
     *
     * @return true if a snapshot is being written or will be; false if snapshots are off (no store, or the
     * state machine answered null) or a snapshot already covers {@link #lastApplied()}.
     */
    public boolean requestSnapshot()
    {
        if (!snapshots.request(lastApplied))
        {
            return false;
        }
        if (!snapshots.isWriting())
        {
            maybeStartSnapshot();
        }
        return snapshots.isWriting() || snapshots.isRequested();
    }

    /** Rejects every pending proposal with {@link ProposalHandler#CLOSED}. The node must not be driven after. */
    public void close()
    {
        applier.rejectAll(ProposalHandler.CLOSED);
    }

    /**
     * Requests a read in {@code mode}; the outcome reaches {@link ProposalHandler#onReadReady} or
     * {@link ProposalHandler#onReadRejected} exactly once (unless the node crashes).
     */
    public void read(final long correlationId, final ReadMode mode)
    {
        if (mode == ReadMode.STALE)
        {
            handler.onReadReady(groupId, correlationId, lastApplied);
            return;
        }
        final boolean leading = role == RaftRole.LEADER;
        if (reads.read(correlationId, mode, leading, leaderId, commitIndex, leading && committedInCurrentTerm(),
            replicator.round(), currentTerm, nowNs))
        {
            replicator.requestHeartbeat();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Membership
    // ------------------------------------------------------------------------------------------

    private void onTimeoutNow(final int from)
    {
        if (role == RaftRole.FOLLOWER && from == leaderId && mayCampaign())
        {
            // §3.10: the leader asks us to take over; campaign now, skipping PreVote.
            becomeCandidate("timeout now from leader " + from, true);
        }
    }

    /** Makes {@code next} the configuration in force: quorum size, and a peer for every other member. */
    private void applyMembership(final Membership next)
    {
        configurations.inForce(next);
        replicator.onMembership(next, log.lastIndex(), nowNs);
    }

    /** Adds the configuration entries in the log after the latest known one, and applies the newest. */
    private void scanLogForConfigurations()
    {
        configurations.addFrom(log);
        applyMembership(configurations.latest());
    }

    /** A leader that is no longer a voter keeps leading until the change commits, then steps down (§4.2.2). */
    private void maybeStepDownAfterRemoval()
    {
        if (role == RaftRole.LEADER && !configurations.membership().isVoter(memberId) && commitIndex >= configurations.latestIndex())
        {
            becomeFollower(currentTerm, 0, "removed from the voters");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Reads (ReadIndex, Raft dissertation §6.4)
    // ------------------------------------------------------------------------------------------

    private boolean committedInCurrentTerm()
    {
        // §6.4 step 1: until an entry of its own term commits, a new leader does not know the commit index.
        return log.termAt(commitIndex) == currentTerm;
    }

    /** Leader: the heartbeat round a quorum has acknowledged confirms the reads waiting for it. */
    private void maybeConfirmReads()
    {
        final long quorumRound = replicator.quorumAckedRound(configurations.membership().isVoter(memberId), configurations.quorum());
        reads.onQuorumRound(quorumRound, replicator.roundSentNs(quorumRound), commitIndex, committedInCurrentTerm(), currentTerm);
    }

    // ------------------------------------------------------------------------------------------
    // Roles
    // ------------------------------------------------------------------------------------------

    /**
     * The one place a role changes: checks the move is legal, runs the new role's entry actions,
     * resets its timers and reports the change with its reason.
     */
    private void transition(final RaftRole next, final String reason)
    {
        final RaftRole previous = role;
        if (!previous.canMoveTo(next))
        {
            throw new IllegalStateException("illegal role change " + previous + " -> " + next + " (" + reason + ")");
        }
        role = next;
        if (previous == RaftRole.LEADER && next != RaftRole.LEADER)
        {
            reads.rejectUnconfirmed(currentTerm);
            transfer.onStepDown(commitIndex);
        }
        switch (next)
        {
            case FOLLOWER:
                election.resetTimer(nowNs);
                break;
            case PRE_CANDIDATE:
            case CANDIDATE:
                leaderId = 0;
                election.resetVotes();
                election.resetTimer(nowNs);
                break;
            case LEADER:
                leaderId = memberId;
                snapshotTransfer.abandon(); // nobody sends a leader a snapshot; let it take its own again
                replicator.onLeadership(log.lastIndex(), nowNs);
                reads.onLeadership(nowNs);
                election.onLeadership(nowNs);
                applier.onLeadership(nowNs);
                break;
            default:
                break;
        }
        if (previous != next)
        {
            observer.onRoleChange(groupId, memberId, previous, next, currentTerm, reason);
        }
    }

    private void becomeFollower(final long term, final int leader, final String reason)
    {
        if (term > currentTerm)
        {
            storeTermAndVote(term, HardState.NO_VOTE);
        }
        leaderId = leader;
        transition(RaftRole.FOLLOWER, reason);
    }

    private void campaign()
    {
        if (!mayCampaign())
        {
            transition(RaftRole.FOLLOWER, "not a voter");
            return;
        }
        if (config.preVote())
        {
            transition(RaftRole.PRE_CANDIDATE, "election timeout");
            if (election.voteForSelf(configurations.membership().isVoter(memberId), configurations.quorum()) == Election.WON)
            {
                becomeCandidate("pre-vote won", false);
                return;
            }
            election.requestVotes(replicator.peers(), currentTerm + 1, true, false, log.lastIndex(), log.lastTerm());
        }
        else
        {
            becomeCandidate("election timeout", false);
        }
    }

    private void becomeCandidate(final String reason, final boolean transfer)
    {
        // §5.2: increment the term and vote for self, durably, before asking anyone.
        storeTermAndVote(currentTerm + 1, memberId);
        transition(RaftRole.CANDIDATE, reason);
        if (election.voteForSelf(configurations.membership().isVoter(memberId), configurations.quorum()) == Election.WON)
        {
            becomeLeader("election won");
            return;
        }
        election.requestVotes(replicator.peers(), currentTerm, false, transfer, log.lastIndex(), log.lastTerm());
    }

    private void becomeLeader(final String reason)
    {
        transition(RaftRole.LEADER, reason);
        // Figure 8 / §5.4.2: entries of earlier terms commit only once an entry of this term does;
        // the no-op makes that happen without waiting for a client.
        appendEntry(EntryType.NOOP, 0, 0, empty, 0, 0);
    }

    private boolean mayCampaign()
    {
        return configurations.mayCampaign(memberId, commitIndex);
    }

    private void checkQuorum()
    {
        final int active = replicator.countRecentlyActive(configurations.membership().isVoter(memberId));
        election.onCheckQuorum(nowNs);
        if (active < configurations.quorum())
        {
            becomeFollower(currentTerm, 0, "check quorum: heard from " + active + " of " + configurations.membership().voterCount() + " voters");
        }
    }

    private void storeTermAndVote(final long term, final int vote)
    {
        hardState.store(term, vote);
        currentTerm = term;
        votedFor = vote;
    }

    // ------------------------------------------------------------------------------------------
    // Votes
    // ------------------------------------------------------------------------------------------

    private void onVoteRequest(final int from, final long term, final boolean preVote, final DirectBuffer buffer, final int body)
    {
        if (preVote)
        {
            election.onPreVoteRequest(from, term, buffer, body, currentTerm, log.lastIndex(), log.lastTerm());
            return;
        }
        // term == currentTerm here: a higher term was adopted before dispatch.
        final boolean grant = election.grantsVote(from, buffer, body, votedFor, leaderId, log.lastIndex(), log.lastTerm());
        if (grant)
        {
            if (votedFor != from)
            {
                storeTermAndVote(currentTerm, from);
            }
            election.resetTimer(nowNs);
        }
        election.answer(from, currentTerm, false, grant);
    }

    private void onVoteResponse(final int from, final long term, final boolean preVote, final boolean granted)
    {
        final boolean relevant = preVote ?
            role == RaftRole.PRE_CANDIDATE && term == currentTerm + 1 :
            role == RaftRole.CANDIDATE && term == currentTerm;
        if (!relevant)
        {
            return;
        }
        final Peer peer = replicator.peer(from);
        if (election.onVoteResponse(from, peer != null && peer.voter, granted, configurations.quorum()) == Election.WON)
        {
            if (preVote)
            {
                becomeCandidate("pre-vote won", false);
            }
            else
            {
                becomeLeader("election won");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Replication: follower side
    // ------------------------------------------------------------------------------------------

    /**
     * A message from the leader of our term: follow it and restart the election timer.
     *
     * @return false if the frame must be dropped (we lead this term ourselves).
     */
    private boolean onLeaderMessage(final int from)
    {
        // term == currentTerm here.
        if (role == RaftRole.LEADER)
        {
            // Two leaders in one term would break Election Safety; only a forged or corrupt frame gets here.
            counters.drop(FrameCheck.BAD_FIELD);
            return false;
        }
        leaderId = from;
        election.onLeaderContact(nowNs);
        if (role != RaftRole.FOLLOWER)
        {
            transition(RaftRole.FOLLOWER, "message from leader");
        }
        else
        {
            election.resetTimer(nowNs);
        }
        return true;
    }

    private void onAppendRequest(final int from)
    {
        if (!onLeaderMessage(from))
        {
            return;
        }
        final long prevLogIndex = appendRequest.prevLogIndex();
        final long prevLogTerm = appendRequest.prevLogTerm();
        final int entryCount = appendRequest.entryCount();
        incomingRound = appendRequest.round();
        final long lastIndex = log.lastIndex();
        if (prevLogIndex > lastIndex)
        {
            replicator.answerAppend(from, false, incomingRound, prevLogIndex, -1, lastIndex + 1, currentTerm);
            return;
        }
        // Entries at or below commitIndex are committed, so they match the leader's (Leader Completeness);
        // that also covers a prevLogIndex already compacted into our snapshot.
        if (prevLogIndex >= commitIndex)
        {
            final long ourTerm = log.termAt(prevLogIndex);
            if (ourTerm != prevLogTerm)
            {
                // §5.3 with the conflict hint: our term there and the first index we hold of that term.
                final long firstOfTerm = LogTerms.firstIndexOfTerm(log, ourTerm, prevLogIndex);
                replicator.answerAppend(from, false, incomingRound, prevLogIndex, ourTerm, firstOfTerm, currentTerm);
                return;
            }
        }

        // Our log matches the leader's at prevLogIndex, so replication goes on from the log: a snapshot
        // we were receiving is no longer needed. A refused AppendEntries (a new leader's first probe)
        // keeps it, and the transfer resumes where it stopped.
        snapshotTransfer.abandon();

        long index = prevLogIndex;
        int entryOffset = appendRequest.firstEntryOffset();
        for (int i = 0; i < entryCount; i++)
        {
            index++;
            final long entryTerm = appendRequest.entryTerm(entryOffset);
            if (index > commitIndex)
            {
                final long existingTerm = log.termAt(index);
                if (existingTerm != entryTerm)
                {
                    if (entryTerm < log.termAt(index - 1))
                    {
                        // Terms never decrease along a log; no correct leader sends otherwise.
                        counters.drop(FrameCheck.BAD_FIELD);
                        return;
                    }
                    if (existingTerm != RaftLog.NO_TERM)
                    {
                        truncateLog(index);
                    }
                    appendToLog(index, entryTerm, appendRequest.entryType(entryOffset), appendRequest.buffer(),
                        AppendRequest.entryPayloadOffset(entryOffset), appendRequest.entryLength(entryOffset));
                }
            }
            entryOffset = appendRequest.nextEntryOffset(entryOffset);
        }

        final long lastNewIndex = Math.max(index, commitIndex);
        final long leaderCommit = appendRequest.leaderCommit();
        if (leaderCommit > commitIndex)
        {
            // Figure 2: commitIndex = min(leaderCommit, index of last new entry).
            commitIndex = Math.min(leaderCommit, lastNewIndex);
        }
        replicator.answerAppend(from, true, incomingRound, lastNewIndex, 0, 0, currentTerm);
    }

    // ------------------------------------------------------------------------------------------
    // Replication: leader side
    // ------------------------------------------------------------------------------------------

    /** Sends the next AppendEntries, or snapshot chunk, the follower's flow control allows. @return true if another may follow. */
    private boolean maybeSendAppend(final Peer peer)
    {
        if (peer.snapshotting)
        {
            return snapshotTransfer.maybeSendChunk(peer, currentTerm, nowNs);
        }
        if (replicator.needsSnapshot(peer))
        {
            // §7: the entries the follower needs are compacted away; send the snapshot instead.
            snapshotTransfer.begin(peer, nowNs);
            return snapshotTransfer.maybeSendChunk(peer, currentTerm, nowNs);
        }
        return replicator.maybeSendAppend(peer, commitIndex, currentTerm, nowNs);
    }

    // ------------------------------------------------------------------------------------------
    // Snapshots: follower side
    // ------------------------------------------------------------------------------------------

    /**
     * §7 InstallSnapshot, chunked and resumable: chunks are taken only in order; a chunk that does not
     * start where the received bytes end is answered with GAP so the leader resends from there. When
     * the last chunk arrives the stream's CRC32C is checked before it replaces anything.
     */
    private void onInstallSnapshot(final int from)
    {
        if (!onLeaderMessage(from))
        {
            return;
        }
        int outcome = snapshotTransfer.onChunk(from, commitIndex, currentTerm);
        if (outcome == SnapshotTransfer.STARTS)
        {
            snapshots.abort(); // the leader's snapshot replaces the one we were taking
            outcome = snapshotTransfer.begin(from, currentTerm);
        }
        if (outcome == SnapshotTransfer.COMPLETE)
        {
            installFromStore();
            snapshotTransfer.answerInstalled(from, currentTerm);
        }
    }

    /** The store now holds a snapshot beyond our commit index: make the log and state machine match it. */
    private void installFromStore()
    {
        final long index = snapshotStore.index();
        final long term = snapshotStore.term();
        if (log.termAt(index) == term)
        {
            // §7: our log has the snapshot's last entry; keep what follows it.
            log.compactPrefix(index, term);
        }
        else
        {
            applier.onTruncated(index + 1);
            log.resetTo(index, term);
        }
        logDirty = true;
        applier.onSnapshotInstalled(index);
        restoreFromStore();
    }

    private void restoreFromStore()
    {
        final int tableLength = snapshots.readSessionTable();
        applier.decodeSessions(snapshots.header(), 0, tableLength);
        final Membership snapshotMembership = snapshots.readConfiguration();
        configurations.reset(snapshots.restoredConfigurationIndex(), snapshotMembership);
        scanLogForConfigurations();
        final long index = snapshots.restoreStateMachine();
        lastApplied = index;
        if (commitIndex < index)
        {
            commitIndex = index;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Snapshots: taking one
    // ------------------------------------------------------------------------------------------

    private void maybeStartSnapshot()
    {
        if (!snapshotTransfer.isReceiving() && snapshots.isDue(lastApplied) && snapshots.begin(lastApplied, log.termAt(lastApplied)))
        {
            // The node's own replicated state goes first in the stream: client sessions, then the
            // configuration in force at the snapshot's index and the index of its entry.
            final int tableLength = applier.encodeSessions(snapshots.header(), 4);
            snapshots.completeHeader(tableLength, configurations.indexAt(lastApplied), configurations.at(lastApplied));
        }
    }

    /**
     * §5.3 / §5.4.2: commitIndex becomes the highest index durable on a quorum, but only if that entry
     * is of the current term (Figure 8: never commit an earlier term's entry by counting replicas).
     */
    private void maybeAdvanceCommit()
    {
        final long quorumIndex = replicator.quorumMatchIndex(configurations.membership().isVoter(memberId), configurations.quorum());
        if (quorumIndex > commitIndex && log.termAt(quorumIndex) == currentTerm)
        {
            commitIndex = quorumIndex;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Log and state machine
    // ------------------------------------------------------------------------------------------

    /** Leader: appends an entry of its term; a session entry is first stamped with the cycle's time. @return its index. */
    private long appendEntry(
        final int type, final long sessionId, final long argument, final DirectBuffer buffer, final int offset, final int length)
    {
        final long index = log.lastIndex() + 1;
        if (type >= EntryType.SESSION_OPEN && type <= EntryType.SESSION_TICK)
        {
            final int entryLength = applier.encodeSessionEntry(type, nowNs, sessionId, argument, buffer, offset, length);
            appendToLog(index, currentTerm, type, applier.sessionEntryBuffer(), 0, entryLength);
        }
        else
        {
            appendToLog(index, currentTerm, type, buffer, offset, length);
        }
        return index;
    }

    private void appendToLog(final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        log.append(index, term, type, buffer, offset, length);
        logDirty = true;
        if (type == EntryType.CONFIGURATION)
        {
            // §4.1: a configuration is in force as soon as it is in the log, committed or not.
            final Membership next = Membership.decode(buffer, offset, length);
            if (next == null)
            {
                throw new IllegalStateException("unreadable configuration entry at index " + index);
            }
            configurations.add(index, next);
            applyMembership(next);
        }
    }

    private void truncateLog(final long fromIndex)
    {
        if (!(fromIndex > commitIndex))
        {
            throw new IllegalStateException("truncate from " + fromIndex + " at or below commitIndex=" + commitIndex);
        }
        log.truncateSuffix(fromIndex);
        logDirty = true;
        applier.onTruncated(fromIndex);
        if (configurations.truncate(fromIndex))
        {
            applyMembership(configurations.latest());
        }
    }

    private boolean applyEntry(
        final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!(index == lastApplied + 1))
        {
            throw new IllegalStateException("apply index=" + index + " after lastApplied=" + lastApplied);
        }
        snapshots.onApplied(applier.apply(index, term, type, buffer, offset, length));
        lastApplied = index;
        applier.complete(index, term);
        return true;
    }

    // ------------------------------------------------------------------------------------------
    // Status
    // ------------------------------------------------------------------------------------------

    public int groupId()
    {
        return groupId;
    }

    public int memberId()
    {
        return memberId;
    }

    public RaftRole role()
    {
        return role;
    }

    public long term()
    {
        return currentTerm;
    }

    public int votedFor()
    {
        return votedFor;
    }

    /** @return the leader this node knows of in its term, itself when leading, or 0. */
    public int leaderId()
    {
        return leaderId;
    }

    public long commitIndex()
    {
        return commitIndex;
    }

    public long lastApplied()
    {
        return lastApplied;
    }

    /** @return index of this member's latest durable snapshot, 0 if none. */
    public long lastSnapshotIndex()
    {
        return snapshots.lastSnapshotIndex();
    }

    /**
     * @return true while this member writes a snapshot of its own: applying committed entries pauses until
     * the stream ends (replicating and committing go on).
     */
    public boolean isSnapshotting()
    {
        return snapshots.isWriting();
    }

    /** @return proposals accepted as leader and not yet resolved. */
    public int pendingProposals()
    {
        return applier.pending();
    }

    public RaftCounters counters()
    {
        return counters;
    }

    /** @return replies dropped because the outbox was full. */
    public long outboxOverflows()
    {
        return outbox.overflows();
    }

    /** @return the log port (for inspection by tests and tools; do not write to it). */
    public RaftLog log()
    {
        return log;
    }

    public RaftConfig config()
    {
        return config;
    }

    @Override
    public String toString()
    {
        return "RaftNode{group=" + groupId + ", member=" + memberId + ", role=" + role + ", term=" + currentTerm +
            ", leader=" + leaderId + ", commit=" + commitIndex + ", applied=" + lastApplied +
            ", last=" + log.lastIndex() + "/" + log.lastTerm() + ", " + membership() + (role == RaftRole.LEADER ? ", peers=" + replicator : "") + "}";
    }
}
