package io.synod.raft.codec;

import io.synod.raft.EntryType;
import io.synod.raft.Gen;
import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every codec reads back exactly what it wrote, at any offset, and a well-formed AppendEntries body
 * always validates. Each case draws everything from its seed ({@link Gen}); a failure names the seed and
 * the command that replays it.
 */
@ExtendWith(ReplaySeed.class)
class CodecRoundTripProperties
{
    static LongStream seeds100()
    {
        return Seeds.upTo(100);
    }

    static LongStream seeds200()
    {
        return Seeds.upTo(200);
    }

    static LongStream seeds500()
    {
        return Seeds.upTo(500);
    }

    static LongStream seeds1000()
    {
        return Seeds.upTo(1000);
    }

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

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds1000")
    void shouldRoundTripMessageHeader(final long seed)
    {
        final Gen gen = new Gen(seed);
        final int type = gen.intBetween(1, 255);
        final int flags = gen.intBetween(0, 0xFFFF);
        final int clusterId = gen.anyInt();
        final int groupId = gen.anyInt();
        final int from = gen.anyInt();
        final int to = gen.anyInt();
        final long term = gen.anyLong();
        final int bodyLength = gen.anyInt();
        final int offset = gen.intBetween(1, 100);
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

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds200")
    void shouldCarryPreVoteFlagIndependentlyOfOtherFlags(final long seed)
    {
        final int flags = new Gen(seed).intBetween(0, 0xFFFF);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final MessageHeader header = new MessageHeader().wrap(buffer, 3);
        header.encode(MessageType.VOTE_REQUEST, flags | MessageHeader.FLAG_PRE_VOTE, 1, 1, 1, 2, 1, VoteRequest.LENGTH);
        assertEquals(MessageHeader.FLAG_PRE_VOTE, header.flags() & MessageHeader.FLAG_PRE_VOTE);
        header.flags(flags & ~MessageHeader.FLAG_PRE_VOTE);
        assertEquals(0, header.flags() & MessageHeader.FLAG_PRE_VOTE);
        assertEquals(MessageType.VOTE_REQUEST, header.type());
        assertEquals(MessageHeader.VERSION, header.version());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds500")
    void shouldRoundTripVoteRequest(final long seed)
    {
        final Gen gen = new Gen(seed);
        final long lastLogIndex = gen.anyLong();
        final long lastLogTerm = gen.anyLong();
        final int offset = gen.intBetween(1, 64);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + VoteRequest.LENGTH]);
        new VoteRequest().wrap(buffer, offset).lastLogIndex(lastLogIndex).lastLogTerm(lastLogTerm);

        final VoteRequest decoded = new VoteRequest().wrap(buffer, offset);
        assertEquals(lastLogIndex, decoded.lastLogIndex());
        assertEquals(lastLogTerm, decoded.lastLogTerm());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds100")
    void shouldRoundTripVoteResponse(final long seed)
    {
        final Gen gen = new Gen(seed);
        final boolean granted = gen.bool();
        final int offset = gen.intBetween(1, 64);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + VoteResponse.LENGTH]);
        buffer.setMemory(0, buffer.capacity(), (byte)0x5A);
        new VoteResponse().wrap(buffer, offset).granted(granted);

        assertEquals(granted, new VoteResponse().wrap(buffer, offset).granted());
        assertEquals(0, buffer.getInt(offset + 4), "reserved bytes are zeroed");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds500")
    void shouldRoundTripAppendResponse(final long seed)
    {
        final Gen gen = new Gen(seed);
        final boolean success = gen.bool();
        final long index = gen.anyLong();
        final long conflictTerm = gen.anyLong();
        final long conflictIndex = gen.anyLong();
        final long lastLogIndex = gen.anyLong();
        final int offset = gen.intBetween(1, 64);
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

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds1000")
    void shouldRoundTripAppendRequestAndValidateIt(final long seed)
    {
        final Gen gen = new Gen(seed);
        final Append append = append(gen);
        final int offset = gen.intBetween(1, 64);
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

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds500")
    void shouldRejectAppendRequestWhoseEntryTermExceedsMessageTerm(final long seed)
    {
        final Gen gen = new Gen(seed);
        final Append append = append(gen);
        final long excess = gen.longBetween(1, 1000);
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

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds500")
    void shouldRejectAppendRequestWhoseBodyLengthDisagreesWithEntries(final long seed)
    {
        final Gen gen = new Gen(seed);
        final Append append = append(gen);
        final int delta = gen.intBetween(-40, 40);
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

    /** A well-formed AppendEntries: up to eight entries of up to 48 bytes; dependent terms derived from raw draws. */
    static Append append(final Gen gen)
    {
        final long messageTerm = gen.natural();
        final long prevLogIndex = gen.natural();
        final long rawPrevLogTerm = gen.natural();
        final long leaderCommit = gen.natural();
        final List<Entry> raw = gen.list(0, 8, g -> new Entry(g.natural(), g.intBetween(0, EntryType.MAX), g.bytes(48)));
        final long prevLogTerm = Frames.bounded(rawPrevLogTerm, 0, messageTerm);
        final long[] terms = raw.stream().mapToLong(e -> Frames.bounded(e.term(), prevLogTerm, messageTerm)).sorted().toArray();
        final List<Entry> entries = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++)
        {
            entries.add(new Entry(terms[i], raw.get(i).type(), raw.get(i).payload()));
        }
        return new Append(messageTerm, prevLogIndex, prevLogTerm, leaderCommit, entries);
    }
}
