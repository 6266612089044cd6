package io.synod.raft.codec;

import io.synod.raft.EntryType;
import io.synod.raft.Gen;
import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever arrives, {@link FrameCheck#checkHeader} and {@link AppendRequest#validate} answer with a
 * reason code and never throw; what they pass is safe to read. The fuzz cases draw everything from their
 * seed ({@link Gen}); a failure names the seed and the command that replays it.
 */
@ExtendWith(ReplaySeed.class)
class FrameCheckFuzzProperties
{
    private static final int PAD = 7;

    private final MessageHeader header = new MessageHeader();
    private final AppendRequest appendRequest = new AppendRequest();

    static LongStream seeds1000()
    {
        return Seeds.upTo(1000);
    }

    static LongStream seeds2000()
    {
        return Seeds.upTo(2000);
    }

    static LongStream seeds3000()
    {
        return Seeds.upTo(3000);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds3000")
    void shouldNeverThrowOnRandomBytes(final long seed)
    {
        checkWithoutThrowing(new Gen(seed).bytes(160));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds3000")
    void shouldNeverThrowOnMutatedValidFrames(final long seed)
    {
        final Gen gen = new Gen(seed);
        final Frames.Spec spec = validFrame(gen);
        final List<Frames.Mutation> mutations = Frames.mutations(gen, 1, 3);
        checkWithoutThrowing(Frames.mutate(spec.bytes(), mutations));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds1000")
    void shouldAcceptEveryValidFrame(final long seed)
    {
        final Frames.Spec spec = validFrame(new Gen(seed));
        final byte[] frame = spec.bytes();
        final UnsafeBuffer buffer = padded(frame);
        assertEquals(FrameCheck.OK, FrameCheck.checkHeader(header, buffer, PAD, frame.length), spec::toString);
        if (spec.type() == MessageType.APPEND_REQUEST)
        {
            assertEquals(FrameCheck.OK,
                appendRequest.wrap(buffer, header.bodyOffset()).validate(header.bodyLength(), header.term(), EntryType.MAX));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds2000")
    void shouldReturnBadLengthForAnyOffsetAndLengthOutsideTheBuffer(final long seed)
    {
        final Gen gen = new Gen(seed);
        final int offset = gen.anyInt();
        final int length = gen.anyInt();
        final int capacity = gen.intBetween(0, 256);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[capacity]);
        final boolean inside = offset >= 0 && length >= 0 && (long)offset + length <= capacity;
        final int check = FrameCheck.checkHeader(header, buffer, offset, length);
        if (!inside || length < MessageHeader.LENGTH)
        {
            assertEquals(FrameCheck.BAD_LENGTH, check, () -> "offset=" + offset + " length=" + length + " capacity=" + capacity);
        }
    }

    @Test
    void shouldDropFrameWhoseOffsetPlusLengthOverflows()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        assertEquals(FrameCheck.BAD_LENGTH, FrameCheck.checkHeader(header, buffer, Integer.MAX_VALUE - 8, 64));
        assertEquals(FrameCheck.BAD_LENGTH, FrameCheck.checkHeader(header, buffer, 16, Integer.MAX_VALUE));
    }

    @Test
    void shouldDropFrameShorterThanHeader()
    {
        final byte[] frame = Frames.frame(MessageType.VOTE_RESPONSE, 0, 1, 1, 2, 1, 1, Frames.voteResponseBody(true));
        assertEquals(FrameCheck.BAD_LENGTH, FrameCheck.checkHeader(header, padded(frame), PAD, MessageHeader.LENGTH - 1));
    }

    @Test
    void shouldDropFrameWithBadVersion()
    {
        final byte[] frame = Frames.frame(MessageType.VOTE_RESPONSE, 0, 1, 1, 2, 1, 1, Frames.voteResponseBody(true));
        frame[0] = (byte)(MessageHeader.VERSION + 1);
        assertEquals(FrameCheck.BAD_VERSION, FrameCheck.checkHeader(header, padded(frame), PAD, frame.length));
    }

    @Test
    void shouldDropFrameWithUnknownType()
    {
        for (final int type : new int[]{ 0, MessageType.MAX + 1, 255 })
        {
            final byte[] frame = Frames.frame(type, 0, 1, 1, 2, 1, 1, new byte[8]);
            assertEquals(FrameCheck.BAD_TYPE, FrameCheck.checkHeader(header, padded(frame), PAD, frame.length), "type " + type);
        }
    }

    @Test
    void shouldDropFrameWithBodyLengthMismatch()
    {
        final byte[] frame = Frames.frame(MessageType.VOTE_RESPONSE, 0, 1, 1, 2, 1, 1, Frames.voteResponseBody(true));
        new MessageHeader().wrap(new UnsafeBuffer(frame), 0).bodyLength(VoteResponse.LENGTH + 1);
        assertEquals(FrameCheck.BAD_LENGTH, FrameCheck.checkHeader(header, padded(frame), PAD, frame.length));
    }

    @Test
    void shouldDropFixedLengthMessageWithWrongBodyLength()
    {
        final byte[] frame = Frames.frame(MessageType.VOTE_REQUEST, 0, 1, 1, 2, 1, 1, new byte[VoteRequest.LENGTH + 8]);
        assertEquals(FrameCheck.BAD_LENGTH, FrameCheck.checkHeader(header, padded(frame), PAD, frame.length));
    }

    @Test
    void shouldDropFrameWithNegativeTerm()
    {
        final byte[] frame = Frames.frame(MessageType.VOTE_RESPONSE, 0, 1, 1, 2, 1, -1, Frames.voteResponseBody(true));
        assertEquals(FrameCheck.BAD_FIELD, FrameCheck.checkHeader(header, padded(frame), PAD, frame.length));
    }

    @Test
    void shouldRejectAppendRequestWithEntryOverflowingTheBody()
    {
        final byte[] body = Frames.appendRequestBody(0, 0, 0, new long[]{ 1, EntryType.COMMAND, 8 });
        // Claim a payload one byte longer than what follows the entry header.
        new UnsafeBuffer(body).putInt(AppendRequest.FIXED_LENGTH + 12, 9, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(FrameCheck.BAD_LENGTH, appendRequest.wrap(new UnsafeBuffer(body), 0).validate(body.length, 1, EntryType.MAX));
    }

    @Test
    void shouldRejectAppendRequestWithDecreasingEntryTermsOrUnknownType()
    {
        final byte[] decreasing = Frames.appendRequestBody(0, 0, 0, new long[]{ 2, EntryType.COMMAND, 1 }, new long[]{ 1, EntryType.COMMAND, 1 });
        assertEquals(FrameCheck.BAD_FIELD,
            appendRequest.wrap(new UnsafeBuffer(decreasing), 0).validate(decreasing.length, 2, EntryType.MAX));
        final byte[] badType = Frames.appendRequestBody(0, 0, 0, new long[]{ 1, EntryType.MAX + 1, 1 });
        assertEquals(FrameCheck.BAD_FIELD, appendRequest.wrap(new UnsafeBuffer(badType), 0).validate(badType.length, 1, EntryType.MAX));
        final byte[] belowPrev = Frames.appendRequestBody(3, 2, 0, new long[]{ 1, EntryType.COMMAND, 1 });
        assertEquals(FrameCheck.BAD_FIELD, appendRequest.wrap(new UnsafeBuffer(belowPrev), 0).validate(belowPrev.length, 2, EntryType.MAX));
    }

    @Test
    void shouldRejectAppendRequestWithNegativeCountOrAbsurdCount()
    {
        final byte[] body = Frames.appendRequestBody(0, 0, 0);
        final UnsafeBuffer buffer = new UnsafeBuffer(body);
        appendRequest.wrap(buffer, 0).entryCount(-1);
        assertEquals(FrameCheck.BAD_LENGTH, appendRequest.validate(body.length, 1, EntryType.MAX));
        appendRequest.entryCount(Integer.MAX_VALUE);
        assertEquals(FrameCheck.BAD_LENGTH, appendRequest.validate(body.length, 1, EntryType.MAX));
    }

    private void checkWithoutThrowing(final byte[] frame)
    {
        final UnsafeBuffer buffer = padded(frame);
        final int check = FrameCheck.checkHeader(header, buffer, PAD, frame.length);
        assertTrue(check >= FrameCheck.OK && check < FrameCheck.REASON_COUNT, () -> "reason " + check);
        if (check != FrameCheck.OK)
        {
            return;
        }
        assertEquals(frame.length - MessageHeader.LENGTH, header.bodyLength());
        assertTrue(header.term() >= 0);
        if (header.type() == MessageType.APPEND_REQUEST)
        {
            final int result = appendRequest.wrap(buffer, header.bodyOffset()).validate(header.bodyLength(), header.term(), EntryType.MAX);
            assertTrue(result == FrameCheck.OK || result == FrameCheck.BAD_LENGTH || result == FrameCheck.BAD_FIELD, () -> "reason " + result);
            if (result == FrameCheck.OK)
            {
                walkEntries(header.bodyOffset() + header.bodyLength(), header.term());
            }
        }
    }

    /** What validate passes can be walked entry by entry without leaving the body. */
    private void walkEntries(final int end, final long messageTerm)
    {
        int entryOffset = appendRequest.firstEntryOffset();
        for (int i = 0; i < appendRequest.entryCount(); i++)
        {
            assertTrue(appendRequest.entryTerm(entryOffset) <= messageTerm);
            assertTrue(appendRequest.entryLength(entryOffset) >= 0);
            entryOffset = appendRequest.nextEntryOffset(entryOffset);
            assertTrue(entryOffset <= end);
        }
        assertEquals(end, entryOffset);
    }

    /** The frame at offset {@link #PAD} of a larger buffer, as a transport would deliver it. */
    private static UnsafeBuffer padded(final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[PAD + frame.length + 5]);
        buffer.setMemory(0, buffer.capacity(), (byte)0xEE);
        buffer.putBytes(PAD, frame);
        return buffer;
    }

    private static Frames.Spec validFrame(final Gen gen)
    {
        return Frames.validFrame(gen, List.of(1), List.of(1), List.of(1, 2, 3));
    }
}
