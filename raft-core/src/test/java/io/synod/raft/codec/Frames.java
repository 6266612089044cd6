package io.synod.raft.codec;

import io.synod.raft.EntryType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.List;

/**
 * Test support: whole frames as byte arrays, jqwik generators of well-formed frames and of the ways a
 * frame gets damaged on the wire.
 */
public final class Frames
{
    private Frames()
    {
    }

    /** A frame's header fields and its raw body. */
    public record Spec(int type, int flags, int clusterId, int groupId, int from, int to, long term, byte[] body)
    {
        Spec with(final int type, final byte[] body)
        {
            return new Spec(type, flags, clusterId, groupId, from, to, term, body);
        }

        public byte[] bytes()
        {
            return frame(type, flags, clusterId, groupId, from, to, term, body);
        }

        @Override
        public String toString()
        {
            return "Spec{" + MessageType.name(type) + " flags=" + flags + " cluster=" + clusterId + " group=" + groupId +
                " from=" + from + " to=" + to + " term=" + term + " body=" + body.length + "B}";
        }
    }

    /** One way of damaging a frame. */
    public enum MutationKind
    {
        TRUNCATE, FLIP_BYTE, PUT_INT, PUT_LONG, APPEND_BYTES
    }

    public record Mutation(MutationKind kind, int position, long value)
    {
        public byte[] apply(final byte[] frame)
        {
            switch (kind)
            {
                case TRUNCATE:
                    return Arrays.copyOf(frame, frame.length == 0 ? 0 : Math.floorMod(position, frame.length));
                case APPEND_BYTES:
                {
                    final byte[] longer = Arrays.copyOf(frame, frame.length + 1 + Math.floorMod(position, 40));
                    Arrays.fill(longer, frame.length, longer.length, (byte)value);
                    return longer;
                }
                case FLIP_BYTE:
                {
                    if (frame.length == 0)
                    {
                        return frame;
                    }
                    final byte[] copy = frame.clone();
                    final int at = Math.floorMod(position, copy.length);
                    copy[at] = (byte)(copy[at] ^ (value == 0 ? 1 : value));
                    return copy;
                }
                case PUT_INT:
                case PUT_LONG:
                {
                    final int width = kind == MutationKind.PUT_INT ? 4 : 8;
                    if (frame.length < width)
                    {
                        return frame;
                    }
                    final byte[] copy = frame.clone();
                    final UnsafeBuffer buffer = new UnsafeBuffer(copy);
                    // Field-aligned positions hit whole header and body fields (lengths, counts, terms).
                    final int at = Math.floorMod(position, copy.length - width + 1) & ~3;
                    if (width == 4)
                    {
                        buffer.putInt(at, (int)value, java.nio.ByteOrder.LITTLE_ENDIAN);
                    }
                    else
                    {
                        buffer.putLong(at, value, java.nio.ByteOrder.LITTLE_ENDIAN);
                    }
                    return copy;
                }
                default:
                    throw new IllegalStateException(kind.toString());
            }
        }
    }

    public static byte[] frame(
        final int type, final int flags, final int clusterId, final int groupId, final int from, final int to, final long term,
        final byte[] body)
    {
        final byte[] frame = new byte[MessageHeader.LENGTH + body.length];
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final int bodyOffset = new MessageHeader().wrap(buffer, 0).encode(type, flags, clusterId, groupId, from, to, term, body.length);
        buffer.putBytes(bodyOffset, body);
        return frame;
    }

    public static byte[] voteRequestBody(final long lastLogIndex, final long lastLogTerm)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[VoteRequest.LENGTH]);
        new VoteRequest().wrap(buffer, 0).lastLogIndex(lastLogIndex).lastLogTerm(lastLogTerm);
        return buffer.byteArray();
    }

    public static byte[] voteResponseBody(final boolean granted)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[VoteResponse.LENGTH]);
        new VoteResponse().wrap(buffer, 0).granted(granted);
        return buffer.byteArray();
    }

    public static byte[] appendResponseBody(
        final boolean success, final long index, final long conflictTerm, final long conflictIndex, final long lastLogIndex)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[AppendResponse.LENGTH]);
        new AppendResponse().wrap(buffer, 0)
            .success(success).index(index).conflictTerm(conflictTerm).conflictIndex(conflictIndex).lastLogIndex(lastLogIndex);
        return buffer.byteArray();
    }

    /**
     * AppendEntries body; {@code entries} holds {@code (term, type, payloadLength)} triples, payload bytes
     * are the entry's ordinal.
     */
    public static byte[] appendRequestBody(
        final long prevLogIndex, final long prevLogTerm, final long leaderCommit, final long[]... entries)
    {
        int length = AppendRequest.FIXED_LENGTH;
        for (final long[] entry : entries)
        {
            length += AppendRequest.ENTRY_HEADER_LENGTH + (int)entry[2];
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        final AppendRequest request = new AppendRequest().wrap(buffer, 0)
            .prevLogIndex(prevLogIndex).prevLogTerm(prevLogTerm).leaderCommit(leaderCommit).entryCount(entries.length);
        int offset = request.firstEntryOffset();
        for (int i = 0; i < entries.length; i++)
        {
            final byte[] payload = new byte[(int)entries[i][2]];
            Arrays.fill(payload, (byte)i);
            offset = AppendRequest.putEntry(buffer, offset, entries[i][0], (int)entries[i][1], new UnsafeBuffer(payload), 0, payload.length);
        }
        return buffer.byteArray();
    }

    /**
     * Well-formed frames whose routing fields are drawn from the given values (so that some address
     * the node under test and some do not).
     */
    public static Arbitrary<Spec> validFrames(final List<Integer> clusterIds, final List<Integer> groupIds, final List<Integer> memberIds)
    {
        return validFrames(
            Arbitraries.of(clusterIds), Arbitraries.of(groupIds), Arbitraries.of(memberIds), Arbitraries.of(memberIds));
    }

    /** Well-formed frames with routing fields from the given generators. */
    public static Arbitrary<Spec> validFrames(
        final Arbitrary<Integer> clusterIds, final Arbitrary<Integer> groupIds, final Arbitrary<Integer> froms, final Arbitrary<Integer> tos)
    {
        // No flatMap: dependent fields (terms bounded by the message term) are derived in as(), which keeps
        // generation and shrinking cheap enough for thousands of tries.
        final Arbitrary<Spec> routing = Combinators.combine(
                Arbitraries.of(0, MessageHeader.FLAG_PRE_VOTE), clusterIds, groupIds, froms, tos, Arbitraries.longs().between(0, 6))
            .as((flags, cluster, group, from, to, term) -> new Spec(0, flags, cluster, group, from, to, term, new byte[0]));
        final Arbitrary<Long> small = Arbitraries.longs().between(0, 8);
        final Arbitrary<Long> natural = Arbitraries.longs().greaterOrEqual(0);

        final Arbitrary<Spec> voteRequests = Combinators.combine(routing, small, natural)
            .as((r, lastLogIndex, rawTerm) -> r.with(MessageType.VOTE_REQUEST, voteRequestBody(lastLogIndex, bounded(rawTerm, 0, r.term()))));
        final Arbitrary<Spec> voteResponses = Combinators.combine(routing, Arbitraries.of(true, false))
            .as((r, granted) -> r.with(MessageType.VOTE_RESPONSE, voteResponseBody(granted)));
        final Arbitrary<Spec> appendResponses = Combinators.combine(routing, Arbitraries.of(true, false), small, natural, small, small)
            .as((r, success, index, rawTerm, conflictIndex, lastLogIndex) -> r.with(MessageType.APPEND_RESPONSE,
                appendResponseBody(success, index, bounded(rawTerm, -1, r.term()), conflictIndex, lastLogIndex)));
        final Arbitrary<long[]> rawEntry = Combinators.combine(natural, Arbitraries.integers().between(0, EntryType.MAX), Arbitraries.integers().between(0, 24))
            .as((rawTerm, type, length) -> new long[]{ rawTerm, type, length });
        final Arbitrary<Spec> appendRequests = Combinators.combine(routing, small, natural, small, rawEntry.list().ofMaxSize(4))
            .as((r, prevLogIndex, rawPrevTerm, leaderCommit, raw) ->
            {
                final long prevLogTerm = bounded(rawPrevTerm, 0, r.term());
                final long[][] entries = new long[raw.size()][];
                for (int i = 0; i < entries.length; i++)
                {
                    entries[i] = new long[]{ bounded(raw.get(i)[0], prevLogTerm, r.term()), raw.get(i)[1], raw.get(i)[2] };
                }
                Arrays.sort(entries, (a, b) -> Long.compare(a[0], b[0]));
                return r.with(MessageType.APPEND_REQUEST, appendRequestBody(prevLogIndex, prevLogTerm, leaderCommit, entries));
            });
        return Arbitraries.oneOf(voteRequests, voteResponses, appendRequests, appendResponses);
    }

    /** Maps {@code raw >= 0} into {@code [min, max]} for {@code min <= max}, without overflow. */
    public static long bounded(final long raw, final long min, final long max)
    {
        final long span = max - min;
        return span < 0 || span == Long.MAX_VALUE ? min + raw : min + Math.floorMod(raw, span + 1);
    }

    public static Arbitrary<Mutation> mutations()
    {
        return Combinators.combine(
                Arbitraries.of(MutationKind.class),
                Arbitraries.integers().between(0, 4096),
                Arbitraries.oneOf(
                    Arbitraries.longs(),
                    Arbitraries.longs().between(-2, 300),
                    Arbitraries.of(0L, 1L, -1L, (long)Integer.MAX_VALUE, (long)Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE)))
            .as(Mutation::new);
    }
}
