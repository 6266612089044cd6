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
    private final StateMachine stateMachine;
    private final SessionTable sessions;
    private final ProposalTracker proposals;
    private final ExpandableArrayBuffer responseBuffer = new ExpandableArrayBuffer(256);
    private final SessionEntry sessionEntry = new SessionEntry();
    private final SessionEntry outEntry = new SessionEntry();
    private final ExpandableArrayBuffer sessionScratch = new ExpandableArrayBuffer(256);
    /** Outcome of the entry applied last, for {@link #complete}. */
    private int rejectReason;
    private int responseLength;

    Applier(final RaftConfig config, final StateMachine stateMachine, final ProposalHandler handler)
    {
        this.stateMachine = stateMachine;
        this.sessions = new SessionTable(config.sessionSweepIntervalNs());
        this.proposals = new ProposalTracker(config.groupId(), config.pendingProposalsMax(), handler);
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
        if (type >= EntryType.SESSION_OPEN && type <= EntryType.SESSION_CLOSE)
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
        final int fixed = type == EntryType.SESSION_COMMAND ? SessionEntry.COMMAND_HEADER_LENGTH : SessionEntry.FIXED_LENGTH;
        if (length < fixed)
        {
            // Malformed: no correct leader writes this; refuse it the same way everywhere.
            rejectReason = ProposalHandler.SESSION_EXPIRED;
            return 0;
        }
        sessionEntry.wrap(buffer, offset);
        sessions.onLogTime(sessionEntry.logTimeNs());
        final long argument = sessionEntry.argument();
        switch (type)
        {
            case EntryType.SESSION_OPEN:
                sessions.open(index, argument);
                responseBuffer.putLong(0, index, java.nio.ByteOrder.LITTLE_ENDIAN);
                responseLength = 8;
                return 0;
            case EntryType.SESSION_COMMAND:
            {
                final long sequence = sessionEntry.sequence();
                switch (sessions.check(argument, sequence))
                {
                    case SessionTable.APPLY:
                        responseLength = stateMachine.apply(index, term, buffer, sessionEntry.commandOffset(),
                            length - SessionEntry.COMMAND_HEADER_LENGTH, responseBuffer);
                        sessions.recordResponse(argument, sequence, responseBuffer, responseLength);
                        return length;
                    case SessionTable.DUPLICATE:
                        responseLength = sessions.cachedResponse(argument, responseBuffer);
                        return 0;
                    case SessionTable.STALE:
                        rejectReason = ProposalHandler.SESSION_STALE;
                        return 0;
                    default:
                        rejectReason = ProposalHandler.SESSION_EXPIRED;
                        return 0;
                }
            }
            case EntryType.SESSION_KEEPALIVE:
                rejectReason = sessions.keepAlive(argument) ? 0 : ProposalHandler.SESSION_EXPIRED;
                return 0;
            default:
                rejectReason = sessions.close(argument) ? 0 : ProposalHandler.SESSION_EXPIRED;
                return 0;
        }
    }

    /**
     * Encodes a session entry for the leader to append, stamped with its clock (the log time sessions
     * expire by): OPEN carries the TTL ({@code argument}), COMMAND the session, the sequence
     * ({@code argument}) and the command, KEEPALIVE and CLOSE the session.
     *
     * @return its length, in {@link #sessionEntryBuffer()}.
     */
    int encodeSessionEntry(
        final int type, final long nowNs, final long sessionId, final long argument,
        final DirectBuffer command, final int offset, final int length)
    {
        outEntry.wrap(sessionScratch, 0).logTimeNs(nowNs);
        switch (type)
        {
            case EntryType.SESSION_OPEN:
                outEntry.argument(argument);
                return SessionEntry.FIXED_LENGTH;
            case EntryType.SESSION_COMMAND:
                outEntry.argument(sessionId).sequence(argument).command(command, offset, length);
                return SessionEntry.COMMAND_HEADER_LENGTH + length;
            case EntryType.SESSION_KEEPALIVE:
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
