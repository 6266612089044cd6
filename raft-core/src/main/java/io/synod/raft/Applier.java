package io.synod.raft;

import io.synod.raft.codec.SessionEntry;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Applies committed entries: commands to the state machine, session entries to the replicated session
 * table (Raft dissertation §6.3), and completes the proposals waiting on them. Owns the session table,
 * the proposals a leader accepted and the response buffer the state machine writes into.
 *
 * <p>{@link RaftNode} keeps {@code lastApplied} (Figure 2): it checks the order, calls {@link #apply},
 * advances {@code lastApplied}, then {@link #complete}, so a handler that reads the node sees the entry
 * applied.
 */
final class Applier
{
    private static final java.nio.ByteOrder ORDER = java.nio.ByteOrder.LITTLE_ENDIAN;

    private final StateMachine stateMachine;
    private final SessionTable sessions;
    private final ProposalTracker proposals;
    private final ExpandableArrayBuffer responseBuffer = new ExpandableArrayBuffer(256);
    private final SessionEntry sessionEntry = new SessionEntry();
    private final SessionEntry outEntry = new SessionEntry();
    private final ExpandableArrayBuffer sessionScratch = new ExpandableArrayBuffer(256);
    private final long tickIntervalNs;
    private final int sessionsMax;
    private final int sessionWindow;
    /** Leader: when the next TICK is due while sessions exist. */
    private long nextTickNs;
    private boolean formatErrorLogged;
    /** Outcome of the entry applied last, for {@link #complete}. */
    private int rejectReason;
    private int responseLength;

    Applier(final RaftConfig config, final StateMachine stateMachine, final ProposalHandler handler)
    {
        this.stateMachine = stateMachine;
        this.sessions = new SessionTable(config.sessionSweepIntervalNs());
        this.proposals = new ProposalTracker(config.groupId(), config.pendingProposalsMax(), handler);
        this.tickIntervalNs = config.sessionTickIntervalNs();
        this.sessionsMax = config.sessionsMax();
        this.sessionWindow = config.sessionWindow();
        stateMachine.onSessions(new ClientSessions(sessions));
    }

    /**
     * Applies one committed entry. A no-op or configuration entry changes no application state.
     *
     * @return bytes of the entry that reached the state machine (they count toward the next snapshot).
     */
    long apply(final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        rejectReason = 0;
        responseLength = 0;
        if (type == EntryType.COMMAND)
        {
            responseLength = stateMachine.apply(index, term, buffer, offset, length, responseBuffer);
            return length;
        }
        if (type >= EntryType.SESSION_OPEN && type <= EntryType.SESSION_TICK)
        {
            return applySessionEntry(index, term, type, buffer, offset, length);
        }
        return 0;
    }

    /** Completes the proposal of the entry {@link #apply} took last, if this member proposed it. */
    void complete(final long index, final long term)
    {
        proposals.onApplied(index, term, rejectReason, responseBuffer, responseLength);
    }

    /** Sets the outcome (reason 0 and a response, or a rejection) and returns the bytes given to the state machine. */
    private long applySessionEntry(
        final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < SessionEntry.HEADER_LENGTH || sessionEntry.wrap(buffer, offset).version() != SessionEntry.VERSION)
        {
            // No correct leader of this build writes this: refuse it the same way everywhere, and say why once.
            if (length >= SessionEntry.HEADER_LENGTH && !formatErrorLogged)
            {
                formatErrorLogged = true;
                System.getLogger("io.synod.raft").log(System.Logger.Level.ERROR,
                    "session entry at index {0} has format version {1}; this build reads version {2} only (entries of an " +
                    "older Synod are refused with SESSION_EXPIRED)", index, sessionEntry.version(), SessionEntry.VERSION);
            }
            rejectReason = ProposalHandler.SESSION_EXPIRED;
            return 0;
        }
        sessions.onEntry(term, sessionEntry.logTimeNs());
        endSessions(index, type == EntryType.SESSION_TICK);
        final long argument = sessionEntry.argument();
        long applied = 0;
        switch (type)
        {
            case EntryType.SESSION_OPEN:
                if (argument <= 0 || sessionEntry.window() < 1 || sessionEntry.window() > SessionTable.MAX_WINDOW)
                {
                    rejectReason = ProposalHandler.SESSION_EXPIRED; // no correct leader writes this
                    break;
                }
                final long opened = sessions.open(index, argument, sessionEntry.sequence(), sessionEntry.window());
                responseBuffer.putLong(0, opened, ORDER);
                responseLength = 8;
                stateMachine.onSessionOpened(index, opened, sessionEntry.sequence(), argument);
                break;
            case EntryType.SESSION_COMMAND:
                applied = applyCommand(index, term, argument, buffer, length);
                break;
            case EntryType.SESSION_KEEPALIVE:
                if (sessions.keepAlive(argument))
                {
                    stateMachine.onKeepAlive(index, argument, sessionEntry.sequence());
                }
                else
                {
                    rejectReason = ProposalHandler.SESSION_EXPIRED;
                }
                break;
            case EntryType.SESSION_CLOSE:
                if (sessions.close(argument))
                {
                    stateMachine.onSessionEnded(index, argument, false);
                }
                else
                {
                    rejectReason = ProposalHandler.SESSION_EXPIRED;
                }
                break;
            default:
                break; // TICK: log time only
        }
        endSessions(index, false);
        return applied;
    }

    private long applyCommand(final long index, final long term, final long sessionId, final DirectBuffer buffer, final int length)
    {
        final long sequence = sessionEntry.sequence();
        switch (sessions.check(sessionId, sequence))
        {
            case SessionTable.APPLY:
                responseLength = stateMachine.applyInSession(index, term, sessionId, sequence, buffer, sessionEntry.commandOffset(),
                    length - SessionEntry.COMMAND_HEADER_LENGTH, responseBuffer);
                sessions.recordResponse(sessionId, sequence, responseBuffer, 0, responseLength);
                return length;
            case SessionTable.DUPLICATE:
                responseLength = sessions.cachedResponse(sessionId, sequence, responseBuffer);
                return 0;
            case SessionTable.STALE:
                rejectReason = ProposalHandler.SESSION_STALE;
                return 0;
            default:
                rejectReason = ProposalHandler.SESSION_EXPIRED;
                return 0;
        }
    }

    /**
     * Tells the state machine of the sessions that expired, in ascending id order, then of log time if a
     * TICK was applied or sessions ended (so it can release what they held and act on its own deadlines
     * once, after every expiry of the entry).
     */
    private void endSessions(final long index, final boolean tick)
    {
        final org.agrona.collections.LongArrayList ended = sessions.ended();
        final int count = ended.size();
        for (int i = 0; i < count; i++)
        {
            stateMachine.onSessionEnded(index, ended.getLong(i), true);
        }
        ended.clear();
        if (tick || count > 0)
        {
            stateMachine.onLogTime(index, sessions.logTimeNs());
        }
    }

    /**
     * Leader: whether to write a TICK now — sessions exist and the interval passed since the last one (the
     * first comes at once in a new term).
     */
    boolean isTickDue(final long nowNs)
    {
        return sessions.size() > 0 && nowNs - nextTickNs >= 0;
    }

    /** Leader: a TICK was appended at {@code nowNs}. */
    void onTickAppended(final long nowNs)
    {
        nextTickNs = nowNs + tickIntervalNs;
    }

    /** This member became leader: a TICK is due at once if sessions exist. */
    void onLeadership(final long nowNs)
    {
        nextTickNs = nowNs;
    }

    /** @return true if the leader must refuse a new session now ({@code RaftConfig#sessionsMax}). */
    boolean isSessionTableFull()
    {
        return sessions.size() >= sessionsMax;
    }

    /**
     * Encodes a session entry for the leader to append, stamped with its clock (the log time sessions
     * expire by): OPEN carries the TTL ({@code argument}), its nonce ({@code sessionId}) and this leader's
     * session window, COMMAND the session, the sequence
     * ({@code argument}) and the command, KEEPALIVE and CLOSE the session.
     *
     * @return its length, in {@link #sessionEntryBuffer()}.
     */
    int encodeSessionEntry(
        final int type, final long nowNs, final long sessionId, final long argument,
        final DirectBuffer command, final int offset, final int length)
    {
        outEntry.wrap(sessionScratch, 0).begin().logTimeNs(nowNs).argument(0).sequence(0);
        switch (type)
        {
            case EntryType.SESSION_OPEN:
                // sessionId carries the OPEN's nonce (0: none).
                outEntry.argument(argument).sequence(sessionId).window(sessionWindow);
                return SessionEntry.FIXED_LENGTH;
            case EntryType.SESSION_TICK:
                return SessionEntry.FIXED_LENGTH;
            case EntryType.SESSION_COMMAND:
                outEntry.argument(sessionId).sequence(argument).command(command, offset, length);
                return SessionEntry.COMMAND_HEADER_LENGTH + length;
            case EntryType.SESSION_KEEPALIVE:
                // argument: a token the state machine is told of (a client's send time, say).
                outEntry.argument(sessionId).sequence(argument);
                return SessionEntry.FIXED_LENGTH;
            case EntryType.SESSION_CLOSE:
                outEntry.argument(sessionId);
                return SessionEntry.FIXED_LENGTH;
            default:
                throw new IllegalArgumentException("not a session entry type: " + type);
        }
    }

    DirectBuffer sessionEntryBuffer()
    {
        return sessionScratch;
    }

    /** Writes the session table at {@code offset} (the node's part of a snapshot). @return its length. */
    int encodeSessions(final ExpandableArrayBuffer out, final int offset)
    {
        return sessions.encode(out, offset);
    }

    /** Replaces the session table with one read from a snapshot. */
    void decodeSessions(final DirectBuffer in, final int offset, final int length)
    {
        sessions.decode(in, offset, length);
    }

    int sessionCount()
    {
        return sessions.size();
    }

    ProposalHandler handler()
    {
        return proposals.handler();
    }

    boolean isFull()
    {
        return proposals.isFull();
    }

    int pending()
    {
        return proposals.size();
    }

    /** A leader's entry at {@code index} now waits for its outcome. */
    void track(final long index, final long term, final long correlationId)
    {
        proposals.add(index, term, correlationId);
    }

    void onTruncated(final long fromIndex)
    {
        proposals.onTruncated(fromIndex);
    }

    void onSnapshotInstalled(final long snapshotIndex)
    {
        proposals.onSnapshotInstalled(snapshotIndex);
    }

    void rejectAll(final int reason)
    {
        proposals.rejectAll(reason);
    }
}
