package io.synod.raft.codec;

import io.synod.raft.EntryType;
import io.synod.raft.Gen;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Test support: whole frames as byte arrays, seeded generators ({@link Gen}) of well-formed frames and of
 * the ways a frame gets damaged on the wire.
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
     * A well-formed frame whose routing fields are drawn from the given values (so that some address
     * the node under test and some do not).
     */
    public static Spec validFrame(
        final Gen gen, final List<Integer> clusterIds, final List<Integer> groupIds, final List<Integer> memberIds)
    {
        return validFrame(gen, g -> g.of(clusterIds), g -> g.of(groupIds), g -> g.of(memberIds), g -> g.of(memberIds));
    }

    /** A well-formed frame, one of the four types with equal chance, routing fields drawn by the given functions. */
    public static Spec validFrame(
        final Gen gen, final ToIntFunction<Gen> clusterIds, final ToIntFunction<Gen> groupIds, final ToIntFunction<Gen> froms,
        final ToIntFunction<Gen> tos)
    {
        final Spec r = routing(gen, clusterIds, groupIds, froms, tos);
        switch (gen.random().nextInt(4))
        {
            case 0:
                return r.with(MessageType.VOTE_REQUEST,
                    voteRequestBody(gen.longBetween(0, 8), bounded(gen.natural(), 0, r.term())));
            case 1:
                return r.with(MessageType.VOTE_RESPONSE, voteResponseBody(gen.bool()));
            case 2:
                return appendRequest(gen, r);
            default:
                return r.with(MessageType.APPEND_RESPONSE, appendResponseBody(
                    gen.bool(), gen.longBetween(0, 8), bounded(gen.natural(), -1, r.term()), gen.longBetween(0, 8), gen.longBetween(0, 8)));
        }
    }

    /** A well-formed AppendEntries frame, routing fields drawn by the given functions. */
    public static Spec validAppendRequest(
        final Gen gen, final ToIntFunction<Gen> clusterIds, final ToIntFunction<Gen> groupIds, final ToIntFunction<Gen> froms,
        final ToIntFunction<Gen> tos)
    {
        return appendRequest(gen, routing(gen, clusterIds, groupIds, froms, tos));
    }

    private static Spec routing(
        final Gen gen, final ToIntFunction<Gen> clusterIds, final ToIntFunction<Gen> groupIds, final ToIntFunction<Gen> froms,
        final ToIntFunction<Gen> tos)
    {
        return new Spec(0, gen.ofInts(0, MessageHeader.FLAG_PRE_VOTE), clusterIds.applyAsInt(gen), groupIds.applyAsInt(gen),
            froms.applyAsInt(gen), tos.applyAsInt(gen), gen.longBetween(0, 6), new byte[0]);
    }

    /** Up to four entries, terms between prevLogTerm and the message term, non-decreasing. */
    private static Spec appendRequest(final Gen gen, final Spec r)
    {
        final long prevLogIndex = gen.longBetween(0, 8);
        final long prevLogTerm = bounded(gen.natural(), 0, r.term());
        final long leaderCommit = gen.longBetween(0, 8);
        final List<long[]> raw = gen.list(0, 4, g -> new long[]{ g.natural(), g.intBetween(0, EntryType.MAX), g.intBetween(0, 24) });
        final long[][] entries = new long[raw.size()][];
        for (int i = 0; i < entries.length; i++)
        {
            entries[i] = new long[]{ bounded(raw.get(i)[0], prevLogTerm, r.term()), raw.get(i)[1], raw.get(i)[2] };
        }
        Arrays.sort(entries, (a, b) -> Long.compare(a[0], b[0]));
        return r.with(MessageType.APPEND_REQUEST, appendRequestBody(prevLogIndex, prevLogTerm, leaderCommit, entries));
    }

    /** Maps {@code raw >= 0} into {@code [min, max]} for {@code min <= max}, without overflow. */
    public static long bounded(final long raw, final long min, final long max)
    {
        final long span = max - min;
        return span < 0 || span == Long.MAX_VALUE ? min + raw : min + Math.floorMod(raw, span + 1);
    }

    /** One damage: any kind, any position, a value that is any long, a small one or an extreme. */
    public static Mutation mutation(final Gen gen)
    {
        final MutationKind kind = gen.of(MutationKind.values());
        final int position = gen.intBetween(0, 4096);
        final long value = switch (gen.random().nextInt(3))
        {
            case 0 -> gen.anyLong();
            case 1 -> gen.longBetween(-2, 300);
            default -> gen.pick(0L, 1L, -1L, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE);
        };
        return new Mutation(kind, position, value);
    }

    /** {@code min} to {@code max} damages. */
    public static List<Mutation> mutations(final Gen gen, final int min, final int max)
    {
        return gen.list(min, max, Frames::mutation);
    }

    /** The frame with every mutation applied in turn. */
    public static byte[] mutate(final byte[] frame, final List<Mutation> mutations)
    {
        byte[] result = frame;
        for (final Mutation mutation : mutations)
        {
            result = mutation.apply(result);
        }
        return result;
    }
}
