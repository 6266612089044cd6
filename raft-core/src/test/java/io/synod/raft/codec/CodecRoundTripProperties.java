package io.synod.raft.codec;

import io.synod.raft.EntryType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every codec reads back exactly what it wrote, at any offset, and a well-formed AppendEntries body
 * always validates.
 */
class CodecRoundTripProperties
{
    /** One entry of an AppendEntries body. */
    record Entry(long term, int type, byte[] payload)
    {
    }

    /** A well-formed AppendEntries: entry terms non-decreasing, at least prevLogTerm, at most the message term. */
    record Append(long messageTerm, long prevLogIndex, long prevLogTerm, long leaderCommit, List<Entry> entries)
    {
        int bodyLength()
        {
            int length = AppendRequest.FIXED_LENGTH;
            for (final Entry entry : entries)
            {
                length += AppendRequest.ENTRY_HEADER_LENGTH + entry.payload().length;
            }
            return length;
        }
    }

    @Property(tries = 1000)
    void shouldRoundTripMessageHeader(
        @ForAll @IntRange(min = 1, max = 255) final int type,
        @ForAll @IntRange(min = 0, max = 0xFFFF) final int flags,
        @ForAll final int clusterId,
        @ForAll final int groupId,
        @ForAll final int from,
        @ForAll final int to,
        @ForAll final long term,
        @ForAll final int bodyLength,
        @ForAll @IntRange(min = 1, max = 100) final int offset)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + MessageHeader.LENGTH + 8]);
        final int bodyOffset = new MessageHeader().wrap(buffer, offset)
            .encode(type, flags, clusterId, groupId, from, to, term, bodyLength);

        final MessageHeader decoded = new MessageHeader().wrap(buffer, offset);
        assertEquals(offset + MessageHeader.LENGTH, bodyOffset);
        assertEquals(offset + MessageHeader.LENGTH, decoded.bodyOffset());
        assertEquals(offset, decoded.offset());
        assertEquals(MessageHeader.VERSION, decoded.version());
        assertEquals(type, decoded.type());
        assertEquals(flags, decoded.flags());
        assertEquals(clusterId, decoded.clusterId());
        assertEquals(groupId, decoded.groupId());
        assertEquals(from, decoded.from());
        assertEquals(to, decoded.to());
        assertEquals(term, decoded.term());
        assertEquals(bodyLength, decoded.bodyLength());
        for (int i = 0; i < offset; i++)
        {
            assertEquals(0, buffer.getByte(i), "header wrote before its offset");
        }
    }

    @Property(tries = 200)
    void shouldCarryPreVoteFlagIndependentlyOfOtherFlags(@ForAll @IntRange(min = 0, max = 0xFFFF) final int flags)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final MessageHeader header = new MessageHeader().wrap(buffer, 3);
        header.encode(MessageType.VOTE_REQUEST, flags | MessageHeader.FLAG_PRE_VOTE, 1, 1, 1, 2, 1, VoteRequest.LENGTH);
        assertEquals(MessageHeader.FLAG_PRE_VOTE, header.flags() & MessageHeader.FLAG_PRE_VOTE);
        header.flags(flags & ~MessageHeader.FLAG_PRE_VOTE);
        assertEquals(0, header.flags() & MessageHeader.FLAG_PRE_VOTE);
        assertEquals(MessageType.VOTE_REQUEST, header.type());
        assertEquals(MessageHeader.VERSION, header.version());
    }

    @Property(tries = 500)
    void shouldRoundTripVoteRequest(
        @ForAll final long lastLogIndex, @ForAll final long lastLogTerm, @ForAll @IntRange(min = 1, max = 64) final int offset)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + VoteRequest.LENGTH]);
        new VoteRequest().wrap(buffer, offset).lastLogIndex(lastLogIndex).lastLogTerm(lastLogTerm);

        final VoteRequest decoded = new VoteRequest().wrap(buffer, offset);
        assertEquals(lastLogIndex, decoded.lastLogIndex());
        assertEquals(lastLogTerm, decoded.lastLogTerm());
    }

    @Property(tries = 100)
    void shouldRoundTripVoteResponse(@ForAll final boolean granted, @ForAll @IntRange(min = 1, max = 64) final int offset)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + VoteResponse.LENGTH]);
        buffer.setMemory(0, buffer.capacity(), (byte)0x5A);
        new VoteResponse().wrap(buffer, offset).granted(granted);

        assertEquals(granted, new VoteResponse().wrap(buffer, offset).granted());
        assertEquals(0, buffer.getInt(offset + 4), "reserved bytes are zeroed");
    }

    @Property(tries = 500)
    void shouldRoundTripAppendResponse(
        @ForAll final boolean success,
        @ForAll final long index,
        @ForAll final long conflictTerm,
        @ForAll final long conflictIndex,
        @ForAll final long lastLogIndex,
        @ForAll @IntRange(min = 1, max = 64) final int offset)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + AppendResponse.LENGTH]);
        buffer.setMemory(0, buffer.capacity(), (byte)0x5A);
        new AppendResponse().wrap(buffer, offset)
            .success(success).index(index).conflictTerm(conflictTerm).conflictIndex(conflictIndex).lastLogIndex(lastLogIndex);

        final AppendResponse decoded = new AppendResponse().wrap(buffer, offset);
        assertEquals(success, decoded.success());
        assertEquals(index, decoded.index());
        assertEquals(conflictTerm, decoded.conflictTerm());
        assertEquals(conflictIndex, decoded.conflictIndex());
        assertEquals(lastLogIndex, decoded.lastLogIndex());
    }

    @Property(tries = 1000)
    void shouldRoundTripAppendRequestAndValidateIt(
        @ForAll("appends") final Append append, @ForAll @IntRange(min = 1, max = 64) final int offset)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + append.bodyLength() + 16]);
        final int end = encode(buffer, offset, append);
        assertEquals(offset + append.bodyLength(), end);

        final AppendRequest decoded = new AppendRequest().wrap(buffer, offset);
        assertEquals(FrameCheck.OK, decoded.validate(append.bodyLength(), append.messageTerm(), EntryType.MAX));
        assertEquals(append.prevLogIndex(), decoded.prevLogIndex());
        assertEquals(append.prevLogTerm(), decoded.prevLogTerm());
        assertEquals(append.leaderCommit(), decoded.leaderCommit());
        assertEquals(append.entries().size(), decoded.entryCount());
        assertEquals(offset + AppendRequest.FIXED_LENGTH, decoded.firstEntryOffset());
        int entryOffset = decoded.firstEntryOffset();
        for (final Entry entry : append.entries())
        {
            assertEquals(entry.term(), decoded.entryTerm(entryOffset));
            assertEquals(entry.type(), decoded.entryType(entryOffset));
            assertEquals(entry.payload().length, decoded.entryLength(entryOffset));
            final byte[] payload = new byte[decoded.entryLength(entryOffset)];
            decoded.buffer().getBytes(AppendRequest.entryPayloadOffset(entryOffset), payload);
            assertArrayEquals(entry.payload(), payload);
            entryOffset = decoded.nextEntryOffset(entryOffset);
        }
        assertEquals(end, entryOffset);
    }

    @Property(tries = 500)
    void shouldRejectAppendRequestWhoseEntryTermExceedsMessageTerm(
        @ForAll("appends") final Append append, @ForAll @LongRange(min = 1, max = 1000) final long excess)
    {
        if (append.entries().isEmpty())
        {
            return;
        }
        final List<Entry> entries = new ArrayList<>(append.entries());
        final Entry last = entries.get(entries.size() - 1);
        entries.set(entries.size() - 1, new Entry(append.messageTerm() + excess, last.type(), last.payload()));
        final Append bad = new Append(append.messageTerm(), append.prevLogIndex(), append.prevLogTerm(), append.leaderCommit(), entries);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8 + bad.bodyLength()]);
        encode(buffer, 8, bad);

        assertEquals(FrameCheck.BAD_FIELD, new AppendRequest().wrap(buffer, 8).validate(bad.bodyLength(), bad.messageTerm(), EntryType.MAX));
    }

    @Property(tries = 500)
    void shouldRejectAppendRequestWhoseBodyLengthDisagreesWithEntries(
        @ForAll("appends") final Append append, @ForAll @IntRange(min = -40, max = 40) final int delta)
    {
        if (delta == 0)
        {
            return;
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8 + append.bodyLength() + 64]);
        encode(buffer, 8, append);
        final int claimed = append.bodyLength() + delta;

        final int check = new AppendRequest().wrap(buffer, 8).validate(claimed, append.messageTerm(), EntryType.MAX);
        assertEquals(FrameCheck.BAD_LENGTH, check, "claimed body length " + claimed + " for " + append.bodyLength());
    }

    static int encode(final UnsafeBuffer buffer, final int offset, final Append append)
    {
        final AppendRequest request = new AppendRequest().wrap(buffer, offset)
            .prevLogIndex(append.prevLogIndex())
            .prevLogTerm(append.prevLogTerm())
            .leaderCommit(append.leaderCommit())
            .entryCount(append.entries().size());
        int entryOffset = request.firstEntryOffset();
        for (final Entry entry : append.entries())
        {
            final UnsafeBuffer payload = new UnsafeBuffer(entry.payload());
            entryOffset = AppendRequest.putEntry(
                buffer, entryOffset, entry.term(), entry.type(), payload, 0, entry.payload().length);
        }
        return entryOffset;
    }

    @Provide
    Arbitrary<Append> appends()
    {
        return appendArbitrary();
    }

    static Arbitrary<Append> appendArbitrary()
    {
        // Dependent fields are derived in as() rather than by flatMap, which keeps a thousand tries fast.
        final Arbitrary<Long> natural = Arbitraries.longs().greaterOrEqual(0);
        final Arbitrary<Entry> rawEntry = Combinators.combine(
                natural, Arbitraries.integers().between(0, EntryType.MAX), Arbitraries.bytes().array(byte[].class).ofMaxSize(48))
            .as(Entry::new);
        return Combinators.combine(natural, natural, natural, natural, rawEntry.list().ofMaxSize(8))
            .as((messageTerm, prevLogIndex, rawPrevLogTerm, leaderCommit, raw) ->
            {
                final long prevLogTerm = Frames.bounded(rawPrevLogTerm, 0, messageTerm);
                final long[] terms = raw.stream().mapToLong(e -> Frames.bounded(e.term(), prevLogTerm, messageTerm)).sorted().toArray();
                final List<Entry> entries = new ArrayList<>(raw.size());
                for (int i = 0; i < raw.size(); i++)
                {
                    entries.add(new Entry(terms[i], raw.get(i).type(), raw.get(i).payload()));
                }
                return new Append(messageTerm, prevLogIndex, prevLogTerm, leaderCommit, entries);
            });
    }
}
