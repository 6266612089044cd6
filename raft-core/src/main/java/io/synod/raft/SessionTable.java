package io.synod.raft;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongArrayList;

import java.nio.ByteOrder;

/**
 * Client sessions (Raft dissertation §6.3), as replicated state: for each session the outcomes of its
 * last {@code window} sequences, so a retried command is answered from here and never applied twice —
 * across leader changes, restarts and snapshot installs, since the table is rebuilt from the log and
 * travels in snapshots.
 *
 * <p><b>Window.</b> A client may have up to {@code window} commands in flight, in any order: a sequence
 * above the highest applied minus the window is applied once and its response kept; a retry of one in the
 * window gets the kept response (which the state machine may have updated since, for an operation decided
 * later); a sequence at or below the highest minus the window is {@link #STALE}: its outcome is gone.
 *
 * <p><b>Log time.</b> Expiry never reads a replica's clock: the leader writes its time into every session
 * entry and into TICK entries while sessions exist, log time is the highest such time applied, and a
 * session expires once log time passes its last activity plus its TTL. Every replica applies the same
 * entries, so every replica expires the same sessions at the same index. The first TICK of a new term
 * renews every session to log time: clients could not reach a leader during the election.
 *
 * <p><b>Bounded.</b> The leader refuses an OPEN while the table holds {@code RaftConfig#sessionsMax}
 * sessions ({@link ProposalHandler#SESSION_LIMIT}); applying never refuses one (a replica cannot apply a
 * different outcome than another), so the table can pass the maximum only by the OPENs already in flight
 * when it filled. Each session's window is written into its OPEN entry by the leader, so every replica
 * keeps the same window whatever its own configuration says. A nonce given at OPEN makes the OPEN
 * idempotent: a retried OPEN with the nonce of a live session gets that session.
 *
 * <p><b>Allocation.</b> Opening a session allocates its window; commands do not, once each slot's
 * response buffer has grown to the largest response it held.
 */
final class SessionTable
{
    static final int APPLY = 0;
    static final int DUPLICATE = 1;
    static final int EXPIRED = 2;
    static final int STALE = 3;

    /** The largest window a session may have: commands a client may have in flight in one session. */
    static final int MAX_WINDOW = 65_536;

    /** First field of an encoded table: names its layout. */
    static final int FORMAT_VERSION = 2;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static final class Session
    {
        final long id;
        final long ttlNs;
        final long nonce;
        long lastActiveNs;
        long highestSequence;
        /** Per slot ({@code sequence % window}): the sequence it holds (0: none) and its response. */
        final long[] sequences;
        final ExpandableArrayBuffer[] responses;
        final int[] responseLengths;

        Session(final long id, final long ttlNs, final long nonce, final long nowNs, final int window)
        {
            this.id = id;
            this.ttlNs = ttlNs;
            this.nonce = nonce;
            this.lastActiveNs = nowNs;
            this.sequences = new long[window];
            this.responses = new ExpandableArrayBuffer[window];
            this.responseLengths = new int[window];
        }

        int slot(final long sequence)
        {
            return (int)(sequence % sequences.length);
        }
    }

    private final Long2ObjectHashMap<Session> sessions = new Long2ObjectHashMap<>();
    private final Long2LongHashMap sessionByNonce = new Long2LongHashMap(0);
    private final LongArrayList ended = new LongArrayList();
    private final long sweepIntervalNs;
    private long logTimeNs;
    private long nextSweepNs;
    /** Invariant: the term of the latest session entry applied; the first of a higher term renews every session. */
    private long renewedTerm;

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

    /**
     * A session entry of {@code term} stamped {@code timestampNs} was applied: log time advances (it never
     * goes back); the first entry of a higher term first renews every session to log time; now and then idle
     * sessions expire, into {@link #ended()} in ascending id order (the caller tells the state machine, then
     * clears it).
     */
    void onEntry(final long term, final long timestampNs)
    {
        if (timestampNs > logTimeNs)
        {
            logTimeNs = timestampNs;
        }
        if (term > renewedTerm)
        {
            renewedTerm = term;
            for (final Session session : sessions.values())
            {
                session.lastActiveNs = Math.max(session.lastActiveNs, logTimeNs);
            }
        }
        if (logTimeNs >= nextSweepNs)
        {
            nextSweepNs = logTimeNs + sweepIntervalNs;
            sweep();
        }
    }

    private void sweep()
    {
        for (final Session session : sessions.values())
        {
            if (isExpired(session))
            {
                ended.addLong(session.id);
            }
        }
        if (ended.isEmpty())
        {
            return;
        }
        // Ascending ids: the same order on every replica, whatever each one's hash table history.
        ended.sort(Long::compare);
        for (int i = 0; i < ended.size(); i++)
        {
            remove(ended.getLong(i));
        }
    }

    /** Sessions that ended in the last {@link #onLogTime} or {@link #onTick}, ascending. */
    LongArrayList ended()
    {
        return ended;
    }

    /**
     * Opens session {@code id} with a window of {@code window} sequences, or finds the live one opened with
     * {@code nonce}.
     *
     * @return the session's id.
     */
    long open(final long id, final long ttlNs, final long nonce, final int window)
    {
        if (nonce != 0)
        {
            final long existing = sessionByNonce.get(nonce);
            if (existing != 0 && live(existing) != null)
            {
                sessions.get(existing).lastActiveNs = logTimeNs;
                return existing;
            }
        }
        sessions.put(id, new Session(id, ttlNs, nonce, logTimeNs, window));
        if (nonce != 0)
        {
            sessionByNonce.put(nonce, id);
        }
        return id;
    }

    /** @return {@link #APPLY} for a sequence not applied yet, or {@link #DUPLICATE}, {@link #EXPIRED}, {@link #STALE}. */
    int check(final long id, final long sequence)
    {
        final Session session = live(id);
        if (session == null)
        {
            return EXPIRED;
        }
        session.lastActiveNs = logTimeNs;
        if (sequence <= 0 || sequence <= session.highestSequence - session.sequences.length)
        {
            return STALE;
        }
        return session.sequences[session.slot(sequence)] == sequence ? DUPLICATE : APPLY;
    }

    void recordResponse(final long id, final long sequence, final DirectBuffer response, final int offset, final int length)
    {
        final Session session = sessions.get(id);
        final int slot = session.slot(sequence);
        session.sequences[slot] = sequence;
        store(session, slot, response, offset, length);
        if (sequence > session.highestSequence)
        {
            session.highestSequence = sequence;
        }
    }

    /** Replaces the kept outcome of a sequence still in its session's window. @return false if it is not there. */
    boolean updateResponse(final long id, final long sequence, final DirectBuffer response, final int offset, final int length)
    {
        final Session session = sessions.get(id);
        if (session == null || !inWindow(session, sequence))
        {
            return false;
        }
        store(session, session.slot(sequence), response, offset, length);
        return true;
    }

    /** @return true if the sequence was applied and is still inside the session's window (what a snapshot keeps). */
    private static boolean inWindow(final Session session, final long sequence)
    {
        return sequence > 0 && sequence > session.highestSequence - session.sequences.length &&
            session.sequences[session.slot(sequence)] == sequence;
    }

    private static void store(final Session session, final int slot, final DirectBuffer response, final int offset, final int length)
    {
        if (session.responses[slot] == null)
        {
            session.responses[slot] = new ExpandableArrayBuffer(Math.max(16, length));
        }
        session.responses[slot].putBytes(0, response, offset, length);
        session.responseLengths[slot] = length;
    }

    /** Copies the kept response of a sequence (a {@link #DUPLICATE}) into {@code out}. @return its length. */
    int cachedResponse(final long id, final long sequence, final MutableDirectBuffer out)
    {
        return copyResponse(sessions.get(id), sequence, out);
    }

    private static int copyResponse(final Session session, final long sequence, final MutableDirectBuffer out)
    {
        final int slot = session.slot(sequence);
        final int length = session.responseLengths[slot];
        if (length > 0)
        {
            out.putBytes(0, session.responses[slot], 0, length);
        }
        return length;
    }

    boolean exists(final long id)
    {
        return sessions.containsKey(id);
    }

    long sessionForNonce(final long nonce)
    {
        final long id = sessionByNonce.get(nonce);
        return id != 0 && isOpen(id) ? id : 0;
    }

    long lastActiveNs(final long id)
    {
        final Session session = sessions.get(id);
        return session == null || isExpired(session) ? Long.MIN_VALUE : session.lastActiveNs;
    }

    int outcome(final long id, final long sequence, final MutableDirectBuffer out)
    {
        final Session session = sessions.get(id);
        if (session == null || isExpired(session) || !inWindow(session, sequence))
        {
            return -1;
        }
        return copyResponse(session, sequence, out);
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
        if (live(id) == null)
        {
            return false;
        }
        remove(id);
        return true;
    }

    boolean isOpen(final long id)
    {
        final Session session = sessions.get(id);
        return session != null && !isExpired(session);
    }

    /** A session found expired when used is removed at once; it reaches {@link #ended()} too. */
    private Session live(final long id)
    {
        final Session session = sessions.get(id);
        if (session != null && isExpired(session))
        {
            remove(id);
            ended.addLong(id);
            return null;
        }
        return session;
    }

    private void remove(final long id)
    {
        final Session session = sessions.remove(id);
        if (session != null && session.nonce != 0)
        {
            sessionByNonce.remove(session.nonce);
        }
    }

    private boolean isExpired(final Session session)
    {
        return logTimeNs - session.lastActiveNs > session.ttlNs;
    }

    /**
     * Writes the table: version, log time, next sweep, the last TICK's term, count, then per session (in
     * ascending id order) id, TTL, nonce, last activity, highest sequence, window, the number of kept outcomes and
     * each one's sequence, length and bytes.
     *
     * @return bytes written at {@code offset}.
     */
    int encode(final ExpandableArrayBuffer out, final int offset)
    {
        int at = offset;
        out.putInt(at, FORMAT_VERSION, ORDER);
        out.putLong(at + 4, logTimeNs, ORDER);
        out.putLong(at + 12, nextSweepNs, ORDER);
        out.putLong(at + 20, renewedTerm, ORDER);
        out.putInt(at + 28, sessions.size(), ORDER);
        at += 32;
        final LongArrayList ids = new LongArrayList(sessions.size(), 0);
        for (final Session session : sessions.values())
        {
            ids.addLong(session.id);
        }
        ids.sort(Long::compare);
        for (int i = 0; i < ids.size(); i++)
        {
            final Session session = sessions.get(ids.getLong(i));
            out.putLong(at, session.id, ORDER);
            out.putLong(at + 8, session.ttlNs, ORDER);
            out.putLong(at + 16, session.nonce, ORDER);
            out.putLong(at + 24, session.lastActiveNs, ORDER);
            out.putLong(at + 32, session.highestSequence, ORDER);
            out.putInt(at + 40, session.sequences.length, ORDER);
            final int countAt = at + 44;
            at += 48;
            int kept = 0;
            for (int slot = 0; slot < session.sequences.length; slot++)
            {
                final long sequence = session.sequences[slot];
                if (sequence != 0 && sequence > session.highestSequence - session.sequences.length)
                {
                    out.putLong(at, sequence, ORDER);
                    out.putInt(at + 8, session.responseLengths[slot], ORDER);
                    if (session.responseLengths[slot] > 0)
                    {
                        out.putBytes(at + 12, session.responses[slot], 0, session.responseLengths[slot]);
                    }
                    at += 12 + session.responseLengths[slot];
                    kept++;
                }
            }
            out.putInt(countAt, kept, ORDER);
        }
        return at - offset;
    }

    /** Replaces the table with one written by {@link #encode}; throws {@link IllegalStateException} if it does not parse. */
    void decode(final DirectBuffer in, final int offset, final int length)
    {
        sessions.clear();
        sessionByNonce.clear();
        ended.clear();
        if (length < 4 || in.getInt(offset, ORDER) != FORMAT_VERSION)
        {
            throw new IllegalStateException("client session table of format " + (length < 4 ? "(none)" : in.getInt(offset, ORDER)) +
                "; this build reads format " + FORMAT_VERSION + " (written by Synod with the shared session facility). " +
                "A snapshot of an older build cannot be restored: start the member empty so that it fetches a current snapshot from the leader");
        }
        if (length < 32)
        {
            throw new IllegalStateException("session table too short: " + length);
        }
        final int end = offset + length;
        logTimeNs = in.getLong(offset + 4, ORDER);
        nextSweepNs = in.getLong(offset + 12, ORDER);
        renewedTerm = in.getLong(offset + 20, ORDER);
        final int count = in.getInt(offset + 28, ORDER);
        int at = offset + 32;
        for (int i = 0; i < count; i++)
        {
            if (end - at < 48)
            {
                throw new IllegalStateException("session table truncated at session " + i);
            }
            final int window = in.getInt(at + 40, ORDER);
            if (window < 1 || window > MAX_WINDOW)
            {
                throw new IllegalStateException("session table: bad window " + window);
            }
            final Session session = new Session(in.getLong(at, ORDER), in.getLong(at + 8, ORDER), in.getLong(at + 16, ORDER),
                in.getLong(at + 24, ORDER), window);
            session.highestSequence = in.getLong(at + 32, ORDER);
            final int kept = in.getInt(at + 44, ORDER);
            at += 48;
            for (int k = 0; k < kept; k++)
            {
                if (end - at < 12)
                {
                    throw new IllegalStateException("session table truncated in session " + session.id);
                }
                final long sequence = in.getLong(at, ORDER);
                final int responseLength = in.getInt(at + 8, ORDER);
                if (sequence <= 0 || responseLength < 0 || responseLength > end - at - 12)
                {
                    throw new IllegalStateException("session table: bad outcome in session " + session.id);
                }
                session.sequences[session.slot(sequence)] = sequence;
                store(session, session.slot(sequence), in, at + 12, responseLength);
                at += 12 + responseLength;
            }
            sessions.put(session.id, session);
            if (session.nonce != 0)
            {
                sessionByNonce.put(session.nonce, session.id);
            }
        }
        if (at != end)
        {
            throw new IllegalStateException("session table: " + (end - at) + " trailing bytes");
        }
    }
}
