package io.synod.quorum;

import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32;

/**
 * Ring membership as a replicated state machine: who is in the quorum store and which tokens each owns. Run
 * it as a Raft group on every member's {@code RaftAgent} (every member of the store is a voter or learner of
 * that group); every member then holds the same ring at the same applied index, and {@link QuorumNode}s built
 * on it place keys by the ring their member applied.
 *
 * <p>Commands ({@link RingCodec}): BOOTSTRAP sets the first ring; ADD and REMOVE start a <em>ring change</em>,
 * one at a time, that goes through the phases of {@link RingState} — WRITE_BOTH, STREAMING, READ_NEW — and ends
 * with the new ring in force. The quorum nodes move it along: each participant (every member of the old or the
 * new ring) proposes ACK for the version it has finished, and the machine takes the next step once every
 * participant acknowledged; each step adds one to the ring version. A command that cannot apply is refused
 * with a status and changes nothing: malformed ({@link RingCodec#BAD_COMMAND}), another change in progress
 * ({@link RingCodec#BUSY}), a member already there or absent, a token already owned, a ring that would fall below
 * {@code membersMin} or above {@link HashRing#MEMBERS_MAX}; an ACK for another version is ignored
 * ({@link RingCodec#STALE_ACK}). The response is {@code status, version} ({@link RingCodec#RESPONSE_LENGTH}).
 *
 * <p>A change waits for every participant: while one of them is down, the change stays in its phase (reads and
 * writes go on, with the larger write sets of that phase). Removing a member that will not come back needs it
 * to acknowledge too; a forced removal is not offered yet.
 *
 * <p><b>Snapshots.</b> The whole state with a format version ({@link #SNAPSHOT_VERSION}) and a CRC32; restore
 * refuses another format, a bad checksum or inconsistent contents with {@link IllegalStateException}.
 *
 * <p><b>Threading.</b> The ring group's node thread (the agent thread); {@link #state()} is meant to be read
 * on that thread too (the quorum nodes are duties of the same agent). <b>Allocation.</b> Per applied ring
 * command (rare); an ACK that changes nothing allocates nothing.
 */
public final class RingStateMachine implements StateMachine
{
    /** "RING" little-endian: the first int of a snapshot. */
    public static final int SNAPSHOT_MAGIC = 0x474E4952;
    /** The snapshot format this class writes and restores. */
    public static final int SNAPSHOT_VERSION = 1;
    private static final int SNAPSHOT_LENGTH_MAX = 4 * (HashRing.MEMBERS_MAX + 2) * (8 + RingCodec.TOKENS_MAX * 8) + 1024;

    private final int membersMin;
    /** Invariant: the ring in force; empty until BOOTSTRAP. */
    private final TreeMap<Integer, long[]> members = new TreeMap<>();
    /** Invariant: 0 when {@link #phase} is STABLE, else ADD or REMOVE. */
    private int changeKind;
    private int changeMember;
    private long[] changeTokens = new long[0];
    private int phase = RingState.STABLE;
    private long version;
    private final TreeSet<Integer> acked = new TreeSet<>();
    private long appliedIndex;
    private long refused;
    private RingState state = RingState.EMPTY;
    private final ExpandableArrayBuffer snapshotBytes = new ExpandableArrayBuffer(256);

    /**
     * @param membersMin the fewest members the ring may hold after BOOTSTRAP (at least 1): the largest {@code n}
     *                   of the keyspaces placed on it, so every preference list has {@code n} distinct members.
     */
    public RingStateMachine(final int membersMin)
    {
        if (membersMin < 1 || membersMin > HashRing.MEMBERS_MAX)
        {
            throw new IllegalArgumentException("membersMin must be in [1, " + HashRing.MEMBERS_MAX + "]: " + membersMin);
        }
        this.membersMin = membersMin;
    }

    /** @return the fewest members the ring keeps (BOOTSTRAP and REMOVE are refused below it). */
    public int membersMin()
    {
        return membersMin;
    }

    /** @return the ring as of the last applied command (the empty state before BOOTSTRAP). */
    public RingState state()
    {
        return state;
    }

    /** @return the index of the last command applied (or restored). */
    public long appliedIndex()
    {
        return appliedIndex;
    }

    /** @return commands refused (malformed or not applicable), STALE_ACK included. */
    public long refused()
    {
        return refused;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer command, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        appliedIndex = index;
        int status = RingCodec.check(command, offset, length);
        if (status == RingCodec.OK)
        {
            final int member = command.getInt(offset + RingCodec.MEMBER_OFFSET);
            status = switch (RingCodec.type(command, offset))
            {
                case RingCodec.BOOTSTRAP -> bootstrap(command, offset, member);
                case RingCodec.ADD -> add(member, tokens(command, offset + RingCodec.TOKENS_OFFSET,
                    command.getInt(offset + RingCodec.TOKEN_COUNT_OFFSET)));
                case RingCodec.REMOVE -> remove(member);
                case RingCodec.ACK -> ack(member, command.getLong(offset + RingCodec.ACK_VERSION_OFFSET));
                default -> throw new IllegalStateException("checked command of type " + RingCodec.type(command, offset));
            };
        }
        refused += status == RingCodec.OK ? 0 : 1;
        response.putInt(0, status);
        response.putLong(4, version);
        return RingCodec.RESPONSE_LENGTH;
    }

    private static long[] tokens(final DirectBuffer buffer, final int at, final int count)
    {
        final long[] tokens = new long[count];
        for (int i = 0; i < count; i++)
        {
            tokens[i] = buffer.getLong(at + i * 8);
        }
        return tokens;
    }

    private int bootstrap(final DirectBuffer command, final int offset, final int count)
    {
        if (!members.isEmpty())
        {
            return RingCodec.NOT_EMPTY;
        }
        if (count < membersMin)
        {
            return RingCodec.TOO_FEW_MEMBERS;
        }
        final TreeMap<Integer, long[]> ring = new TreeMap<>();
        int at = offset + RingCodec.HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            final int member = command.getInt(at);
            final int tokenCount = command.getInt(at + 4);
            final long[] tokens = tokens(command, at + 8, tokenCount);
            at += 8 + tokenCount * 8;
            if (ring.containsKey(member))
            {
                return RingCodec.ALREADY_MEMBER;
            }
            if (takenIn(ring, tokens))
            {
                return RingCodec.TOKEN_TAKEN;
            }
            ring.put(member, tokens);
        }
        members.putAll(ring);
        version = 1;
        publish();
        return RingCodec.OK;
    }

    private int add(final int member, final long[] tokens)
    {
        final int status = members.isEmpty() ? RingCodec.NO_RING : phase != RingState.STABLE ? RingCodec.BUSY :
            members.containsKey(member) ? RingCodec.ALREADY_MEMBER : members.size() == HashRing.MEMBERS_MAX ?
            RingCodec.TOO_MANY_MEMBERS : takenIn(members, tokens) ? RingCodec.TOKEN_TAKEN : RingCodec.OK;
        if (status == RingCodec.OK)
        {
            startChange(RingCodec.ADD, member, tokens);
        }
        return status;
    }

    private int remove(final int member)
    {
        final int status = members.isEmpty() ? RingCodec.NO_RING : phase != RingState.STABLE ? RingCodec.BUSY :
            !members.containsKey(member) ? RingCodec.NOT_MEMBER : members.size() - 1 < membersMin ? RingCodec.TOO_FEW_MEMBERS :
            RingCodec.OK;
        if (status == RingCodec.OK)
        {
            startChange(RingCodec.REMOVE, member, new long[0]);
        }
        return status;
    }

    /** @return whether any of {@code tokens} is owned in {@code ring} or repeated among themselves. */
    private static boolean takenIn(final TreeMap<Integer, long[]> ring, final long[] tokens)
    {
        final TreeSet<Long> seen = new TreeSet<>();
        for (final long[] owned : ring.values())
        {
            for (final long token : owned)
            {
                seen.add(token);
            }
        }
        for (final long token : tokens)
        {
            if (!seen.add(token))
            {
                return true;
            }
        }
        return false;
    }

    private void startChange(final int kind, final int member, final long[] tokens)
    {
        changeKind = kind;
        changeMember = member;
        changeTokens = tokens;
        step(RingState.WRITE_BOTH);
    }

    private int ack(final int member, final long ackedVersion)
    {
        if (phase == RingState.STABLE || ackedVersion != version || !state.isParticipant(member))
        {
            return RingCodec.STALE_ACK;
        }
        if (!acked.add(member))
        {
            return RingCodec.OK; // a retried ACK: already counted
        }
        for (final int participant : state.participants())
        {
            if (!acked.contains(participant))
            {
                publish();
                return RingCodec.OK;
            }
        }
        if (phase == RingState.READ_NEW)
        {
            if (changeKind == RingCodec.ADD)
            {
                members.put(changeMember, changeTokens);
            }
            else
            {
                members.remove(changeMember);
            }
            changeKind = 0;
            changeMember = 0;
            changeTokens = new long[0];
            step(RingState.STABLE);
        }
        else
        {
            step(phase + 1);
        }
        return RingCodec.OK;
    }

    /** The next phase: a new version, nobody has acknowledged it yet. */
    private void step(final int nextPhase)
    {
        phase = nextPhase;
        version++;
        acked.clear();
        publish();
    }

    private void publish()
    {
        if (members.isEmpty())
        {
            state = RingState.EMPTY;
            return;
        }
        final HashRing current = ring(members);
        HashRing next = null;
        int[] participants = new int[0];
        if (phase != RingState.STABLE)
        {
            final TreeMap<Integer, long[]> after = new TreeMap<>(members);
            if (changeKind == RingCodec.ADD)
            {
                after.put(changeMember, changeTokens);
            }
            else
            {
                after.remove(changeMember);
            }
            next = ring(after);
            final TreeSet<Integer> union = new TreeSet<>(members.keySet());
            union.addAll(after.keySet());
            participants = union.stream().mapToInt(Integer::intValue).toArray();
        }
        state = new RingState(version, phase, current, next, participants, acked.stream().mapToInt(Integer::intValue).toArray());
    }

    private static HashRing ring(final TreeMap<Integer, long[]> members)
    {
        final int[] ids = new int[members.size()];
        final long[][] tokens = new long[members.size()][];
        int i = 0;
        for (final Map.Entry<Integer, long[]> entry : members.entrySet())
        {
            ids[i] = entry.getKey();
            tokens[i++] = entry.getValue();
        }
        return new HashRing(ids, tokens);
    }

    // ---- snapshots ----

    /**
     * Format {@link #SNAPSHOT_VERSION}, little-endian:
     * <pre>
     * magic:int version:int appliedIndex:long ringVersion:long refused:long phase:int
     * changeKind:int changeMember:int changeTokenCount:int changeTokens:long*
     * ackedCount:int acked:int*  memberCount:int { member:int tokenCount:int tokens:long* }*  crc32:int
     * </pre>
     */
    @Override
    public SnapshotSource snapshot()
    {
        final ExpandableArrayBuffer out = snapshotBytes;
        int p = 0;
        out.putInt(p, SNAPSHOT_MAGIC); p += 4;
        out.putInt(p, SNAPSHOT_VERSION); p += 4;
        out.putLong(p, appliedIndex); p += 8;
        out.putLong(p, version); p += 8;
        out.putLong(p, refused); p += 8;
        out.putInt(p, phase); p += 4;
        out.putInt(p, changeKind); p += 4;
        out.putInt(p, changeMember); p += 4;
        p = putTokens(out, p, changeTokens);
        out.putInt(p, acked.size()); p += 4;
        for (final int member : acked)
        {
            out.putInt(p, member); p += 4;
        }
        out.putInt(p, members.size()); p += 4;
        for (final Map.Entry<Integer, long[]> entry : members.entrySet())
        {
            out.putInt(p, entry.getKey()); p += 4;
            p = putTokens(out, p, entry.getValue());
        }
        final CRC32 crc = new CRC32();
        crc.update(out.byteArray(), 0, p);
        out.putInt(p, (int)crc.getValue()); p += 4;
        final int total = p;
        final int[] sent = {0};
        return (buffer, offset, maxBytes) ->
        {
            if (sent[0] == total)
            {
                return -1;
            }
            final int chunk = Math.min(maxBytes, total - sent[0]);
            buffer.putBytes(offset, out, sent[0], chunk);
            sent[0] += chunk;
            return chunk;
        };
    }

    private static int putTokens(final ExpandableArrayBuffer out, final int at, final long[] tokens)
    {
        int p = at;
        out.putInt(p, tokens.length); p += 4;
        for (final long token : tokens)
        {
            out.putLong(p, token); p += 8;
        }
        return p;
    }

    @Override
    public void restore(final SnapshotReader reader)
    {
        final long length = reader.length();
        if (length < 8 || length > SNAPSHOT_LENGTH_MAX)
        {
            throw new IllegalStateException("ring snapshot of " + length + " bytes: not a ring snapshot (or corrupt)");
        }
        final UnsafeBuffer in = new UnsafeBuffer(new byte[(int)length]);
        reader.readFully(in, 0, (int)length);
        if (in.getInt(0) != SNAPSHOT_MAGIC)
        {
            throw new IllegalStateException("not a ring snapshot: magic " + Integer.toHexString(in.getInt(0)));
        }
        if (in.getInt(4) != SNAPSHOT_VERSION)
        {
            throw new IllegalStateException("ring snapshot format " + in.getInt(4) + " is not the supported " + SNAPSHOT_VERSION);
        }
        final CRC32 crc = new CRC32();
        crc.update(in.byteArray(), 0, (int)length - 4);
        if ((int)crc.getValue() != in.getInt((int)length - 4))
        {
            throw new IllegalStateException("ring snapshot checksum mismatch: corrupt");
        }
        final SnapshotCursor c = new SnapshotCursor(in, (int)length - 4);
        final long restoredIndex = c.getLong();
        final long restoredVersion = c.getLong();
        final long restoredRefused = c.getLong();
        final int restoredPhase = c.getInt(RingState.STABLE, RingState.READ_NEW);
        final int kind = c.getInt(0, RingCodec.REMOVE);
        final int member = c.getInt(0, Integer.MAX_VALUE);
        final long[] tokens = c.getTokens(0);
        final TreeSet<Integer> restoredAcked = new TreeSet<>();
        for (int i = 0, count = c.getInt(0, HashRing.MEMBERS_MAX + 1); i < count; i++)
        {
            restoredAcked.add(c.getInt(1, Integer.MAX_VALUE));
        }
        final TreeMap<Integer, long[]> restoredMembers = new TreeMap<>();
        for (int i = 0, count = c.getInt(0, HashRing.MEMBERS_MAX); i < count; i++)
        {
            restoredMembers.put(c.getInt(1, Integer.MAX_VALUE), c.getTokens(1));
        }
        if (c.at != (int)length - 4 || (restoredPhase == RingState.STABLE) != (kind == 0) ||
            (restoredMembers.isEmpty() && restoredVersion != 0) || (kind == RingCodec.ADD && tokens.length == 0))
        {
            throw new IllegalStateException("ring snapshot inconsistent: phase " + restoredPhase + ", change " + kind + ", " +
                restoredMembers.size() + " members, " + (length - 4 - c.at) + " bytes left over");
        }
        members.clear();
        members.putAll(restoredMembers);
        acked.clear();
        acked.addAll(restoredAcked);
        appliedIndex = restoredIndex;
        version = restoredVersion;
        refused = restoredRefused;
        phase = restoredPhase;
        changeKind = kind;
        changeMember = member;
        changeTokens = tokens;
        try
        {
            publish();
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalStateException("ring snapshot holds an invalid ring: " + e.getMessage(), e);
        }
    }

    /** Reads a snapshot's fields, each checked to lie inside it and in range. */
    private static final class SnapshotCursor
    {
        private final UnsafeBuffer in;
        private final int end;
        private int at = 8;

        SnapshotCursor(final UnsafeBuffer in, final int end)
        {
            this.in = in;
            this.end = end;
        }

        long getLong()
        {
            need(8);
            final long value = in.getLong(at);
            at += 8;
            return value;
        }

        int getInt(final int min, final int max)
        {
            need(4);
            final int value = in.getInt(at);
            at += 4;
            if (value < min || value > max)
            {
                throw new IllegalStateException("ring snapshot field at byte " + (at - 4) + " is " + value + ", outside [" +
                    min + ", " + max + "]");
            }
            return value;
        }

        long[] getTokens(final int min)
        {
            final int count = getInt(min, RingCodec.TOKENS_MAX);
            need(count * 8L);
            final long[] tokens = new long[count];
            for (int i = 0; i < count; i++)
            {
                tokens[i] = in.getLong(at);
                at += 8;
            }
            return tokens;
        }

        private void need(final long bytes)
        {
            if (end - at < bytes)
            {
                throw new IllegalStateException("ring snapshot ends early at byte " + at);
            }
        }
    }
}
