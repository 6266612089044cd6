package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Client sessions (Raft dissertation §6.3), as replicated state: for each session the highest
 * sequence applied and that command's response, so a retried command is answered from here and never
 * applied twice — across leader changes, restarts and snapshot installs, since the table is rebuilt
 * from the log and travels in snapshots.
 *
 * <p><b>Log time.</b> Expiry never reads a replica's clock: the leader writes its time into every session
 * entry, log time is the highest such time applied so far, and a session expires once log time passes
 * its last activity plus its TTL. Every replica applies the same entries, so every replica expires the
 * same sessions at the same index. Use an epoch-based clock on the agents so that log time advances
 * sensibly across leaders; a leader with a clock behind only delays expiry.
 *
 * <p><b>Contract for clients.</b> One command in flight per session, sequences increasing: a
 * sequence equal to the last applied one returns the cached response; a lower one is rejected as stale
 * (its response was discarded).
 *
 * <p><b>Allocation.</b> Opening a session allocates; commands in an open session do not, once the
 * session's response buffer has grown to its largest response.
 */
final class SessionTable
{
    static final int APPLY = 0;
    static final int DUPLICATE = 1;
    static final int EXPIRED = 2;
    static final int STALE = 3;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static final class Session
    {
        final long id;
        final long ttlNs;
        long lastActiveNs;
        long lastSequence;
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(64);
        int responseLength;

        Session(final long id, final long ttlNs, final long nowNs)
        {
            this.id = id;
            this.ttlNs = ttlNs;
            this.lastActiveNs = nowNs;
        }
    }

    private final Long2ObjectHashMap<Session> sessions = new Long2ObjectHashMap<>();
    private final List<Session> expired = new ArrayList<>();
    private final long sweepIntervalNs;
    private long logTimeNs;
    private long nextSweepNs;

    SessionTable(final long sweepIntervalNs)
    {
        this.sweepIntervalNs = sweepIntervalNs;
    }

    long logTimeNs()
    {
        return logTimeNs;
    }

    int size()
    {
        return sessions.size();
    }

    /** Advances log time (it never goes back) and expires idle sessions now and then. */
    void onLogTime(final long timestampNs)
    {
        if (timestampNs > logTimeNs)
        {
            logTimeNs = timestampNs;
        }
        if (logTimeNs >= nextSweepNs)
        {
            nextSweepNs = logTimeNs + sweepIntervalNs;
            for (final Session session : sessions.values())
            {
                if (isExpired(session))
                {
                    expired.add(session);
                }
            }
            for (final Session session : expired)
            {
                sessions.remove(session.id);
            }
            expired.clear();
        }
    }

    void open(final long id, final long ttlNs)
    {
        sessions.put(id, new Session(id, ttlNs, logTimeNs));
    }

    /** @return {@link #APPLY} for a new sequence, or {@link #DUPLICATE}, {@link #EXPIRED}, {@link #STALE}. */
    int check(final long id, final long sequence)
    {
        final Session session = live(id);
        if (session == null)
        {
            return EXPIRED;
        }
        session.lastActiveNs = logTimeNs;
        if (sequence > session.lastSequence)
        {
            return APPLY;
        }
        return sequence == session.lastSequence ? DUPLICATE : STALE;
    }

    void recordResponse(final long id, final long sequence, final DirectBuffer response, final int length)
    {
        final Session session = sessions.get(id);
        session.lastSequence = sequence;
        session.response.putBytes(0, response, 0, length);
        session.responseLength = length;
    }

    /** Copies the cached response of a session into {@code out}. @return its length. */
    int cachedResponse(final long id, final MutableDirectBuffer out)
    {
        final Session session = sessions.get(id);
        out.putBytes(0, session.response, 0, session.responseLength);
        return session.responseLength;
    }

    boolean keepAlive(final long id)
    {
        final Session session = live(id);
        if (session == null)
        {
            return false;
        }
        session.lastActiveNs = logTimeNs;
        return true;
    }

    boolean close(final long id)
    {
        return live(id) != null && sessions.remove(id) != null;
    }

    private Session live(final long id)
    {
        final Session session = sessions.get(id);
        if (session != null && isExpired(session))
        {
            sessions.remove(id);
            return null;
        }
        return session;
    }

    private boolean isExpired(final Session session)
    {
        return logTimeNs - session.lastActiveNs > session.ttlNs;
    }

    /**
     * Writes the table: log time, count, then per session id, TTL, last activity, last sequence and the
     * cached response.
     *
     * @return bytes written at {@code offset}.
     */
    int encode(final ExpandableArrayBuffer out, final int offset)
    {
        int at = offset;
        out.putLong(at, logTimeNs, ORDER);
        out.putLong(at + 8, nextSweepNs, ORDER);
        out.putInt(at + 16, sessions.size(), ORDER);
        at += 20;
        for (final Session session : sessions.values())
        {
            out.putLong(at, session.id, ORDER);
            out.putLong(at + 8, session.ttlNs, ORDER);
            out.putLong(at + 16, session.lastActiveNs, ORDER);
            out.putLong(at + 24, session.lastSequence, ORDER);
            out.putInt(at + 32, session.responseLength, ORDER);
            out.putBytes(at + 36, session.response, 0, session.responseLength);
            at += 36 + session.responseLength;
        }
        return at - offset;
    }

    /** Replaces the table with one written by {@link #encode}; throws {@link IllegalStateException} if it does not parse. */
    void decode(final DirectBuffer in, final int offset, final int length)
    {
        sessions.clear();
        if (length < 20)
        {
            throw new IllegalStateException("session table too short: " + length);
        }
        final int end = offset + length;
        logTimeNs = in.getLong(offset, ORDER);
        nextSweepNs = in.getLong(offset + 8, ORDER);
        final int count = in.getInt(offset + 16, ORDER);
        int at = offset + 20;
        for (int i = 0; i < count; i++)
        {
            if (end - at < 36)
            {
                throw new IllegalStateException("session table truncated at session " + i);
            }
            final Session session = new Session(in.getLong(at, ORDER), in.getLong(at + 8, ORDER), in.getLong(at + 16, ORDER));
            session.lastSequence = in.getLong(at + 24, ORDER);
            final int responseLength = in.getInt(at + 32, ORDER);
            if (responseLength < 0 || responseLength > end - at - 36)
            {
                throw new IllegalStateException("session table: bad response length " + responseLength);
            }
            session.response.putBytes(0, in, at + 36, responseLength);
            session.responseLength = responseLength;
            sessions.put(session.id, session);
            at += 36 + responseLength;
        }
        if (at != end)
        {
            throw new IllegalStateException("session table: " + (end - at) + " trailing bytes");
        }
    }
}
