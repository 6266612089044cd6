package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Drives a {@link StateMachine} through the node's session facility without a cluster: each call is one
 * committed session entry at the next index, stamped with the given leader time, applied exactly as a
 * replica applies it (session table, expiry, renewal by term, the state machine's hooks). For unit tests
 * of state machines built on client sessions (lock-service, elections); shipped in raft-core's test jar.
 */
public final class SessionDriver
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final Applier applier;
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(256);
    private final UnsafeBuffer none = new UnsafeBuffer(new byte[0]);
    private long index;
    private long term = 1;
    private int reason;
    private int responseLength;

    public SessionDriver(final StateMachine stateMachine)
    {
        this(stateMachine, new RaftConfig().memberId(1).members(1));
    }

    public SessionDriver(final StateMachine stateMachine, final RaftConfig config)
    {
        this.applier = new Applier(config, stateMachine, new ProposalHandler()
        {
            @Override
            public void onCommitted(
                final int groupId, final long correlationId, final long index, final DirectBuffer buffer, final int offset,
                final int length)
            {
                reason = 0;
                responseLength = length;
                response.putBytes(0, buffer, offset, length);
            }

            @Override
            public void onRejected(final int groupId, final long correlationId, final int rejectReason, final int leaderHint)
            {
                reason = rejectReason;
                responseLength = 0;
            }
        });
    }

    /** Later entries carry this term (a higher one renews every session at its first session entry). */
    public SessionDriver term(final long term)
    {
        this.term = term;
        return this;
    }

    /** @return the index of the entry applied last. */
    public long index()
    {
        return index;
    }

    /** Skips indexes (entries of other kinds, or a snapshot's): the next entry is at {@code nextIndex}. */
    public void skipTo(final long nextIndex)
    {
        index = nextIndex - 1;
    }

    /** Applies any session entry. @return 0, or the {@link ProposalHandler} reason it was rejected with. */
    public int apply(
        final int type, final long timeNs, final long sessionId, final long argument, final DirectBuffer command, final int offset,
        final int length)
    {
        final int entryLength = applier.encodeSessionEntry(type, timeNs, sessionId, argument, command, offset, length);
        final long at = ++index;
        applier.track(at, term, at);
        applier.apply(at, term, type, applier.sessionEntryBuffer(), 0, entryLength);
        applier.complete(at, term);
        return reason;
    }

    /** @return the id of the session opened (or found by {@code nonce}), or 0 if refused. */
    public long open(final long nonce, final long ttlNs, final long timeNs)
    {
        return apply(EntryType.SESSION_OPEN, timeNs, nonce, ttlNs, none, 0, 0) == 0 ? response.getLong(0, ORDER) : 0;
    }

    /** @return 0 with the state machine's response in {@link #response()}, or the reason it was rejected. */
    public int command(
        final long sessionId, final long sequence, final long timeNs, final DirectBuffer command, final int offset, final int length)
    {
        return apply(EntryType.SESSION_COMMAND, timeNs, sessionId, sequence, command, offset, length);
    }

    public int keepAlive(final long sessionId, final long token, final long timeNs)
    {
        return apply(EntryType.SESSION_KEEPALIVE, timeNs, sessionId, token, none, 0, 0);
    }

    public int close(final long sessionId, final long timeNs)
    {
        return apply(EntryType.SESSION_CLOSE, timeNs, sessionId, 0, none, 0, 0);
    }

    /** A leader's TICK at {@code timeNs}. */
    public void tick(final long timeNs)
    {
        apply(EntryType.SESSION_TICK, timeNs, 0, 0, none, 0, 0);
    }

    /** @return the response of the entry applied last (valid when it was not rejected). */
    public DirectBuffer response()
    {
        return response;
    }

    public int responseLength()
    {
        return responseLength;
    }

    /** @return the session table as a snapshot carries it. */
    public byte[] encodeSessions()
    {
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
        final int length = applier.encodeSessions(out, 0);
        final byte[] bytes = new byte[length];
        out.getBytes(0, bytes);
        return bytes;
    }

    /** Replaces the session table with one from {@link #encodeSessions} (what installing a snapshot does). */
    public void decodeSessions(final byte[] table)
    {
        applier.decodeSessions(new UnsafeBuffer(table), 0, table.length);
    }

    public int sessionCount()
    {
        return applier.sessionCount();
    }
}
