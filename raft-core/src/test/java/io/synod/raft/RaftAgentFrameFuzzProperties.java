package io.synod.raft;

import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.Frames;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@link RaftAgent} driving a follower of a three-member group swallows any byte sequence the
 * network delivers: {@code doWork()} never throws, every invalid frame is counted as dropped under
 * the reason an independent oracle predicts, and every valid one is counted as received. Each case draws
 * its frames from its seed ({@link Gen}); a failure names the seed and the command that replays it.
 */
@ExtendWith(ReplaySeed.class)
class RaftAgentFrameFuzzProperties
{
    private static final int MEMBER_ID = 1;
    private static final int COUNTING_CASES = 2000;
    /** Verdicts the oracle gave over the cases of {@link #shouldCountEveryFrameAsDroppedOrReceivedAndNeverThrow}. */
    private static final Map<Expected, Integer> VERDICTS = new ConcurrentHashMap<>();
    private static final AtomicInteger COUNTING_CASES_PASSED = new AtomicInteger();

    static LongStream seeds1000()
    {
        return Seeds.upTo(1000);
    }

    static LongStream seeds2000()
    {
        return Seeds.upTo(COUNTING_CASES);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds2000")
    void shouldCountEveryFrameAsDroppedOrReceivedAndNeverThrow(final long seed)
    {
        final List<byte[]> frames = frameSequence(new Gen(seed));
        final AgentHarness harness = AgentHarness.follower();
        harness.doWork();
        for (final byte[] frame : frames)
        {
            final Expected expected = expect(frame, harness.node.log().lastIndex(), harness.node.log().lastTerm());
            if (expected == null)
            {
                // A batch of several inner frames (a mutated type byte): each inner frame is counted on its own, so
                // one delivery may count several times; only "never throws" is checked for it.
                harness.deliver(frame);
                harness.doWork();
                continue;
            }
            VERDICTS.merge(expected, 1, Integer::sum);
            final long agentDroppedBefore = harness.agent.framesDropped(expected.reason);
            final long nodeDroppedBefore = harness.node.counters().framesDropped(expected.reason);
            final long droppedBefore = harness.dropped();
            final long receivedBefore = harness.received();

            harness.deliver(frame);
            harness.doWork();

            final String context = expected + " frame of " + frame.length + "B";
            if (expected.reason == FrameCheck.OK)
            {
                assertEquals(receivedBefore + 1, harness.received(), context);
                assertEquals(droppedBefore, harness.dropped(), context);
            }
            else
            {
                assertEquals(receivedBefore, harness.received(), context);
                assertEquals(droppedBefore + 1, harness.dropped(), context);
                if (expected.byAgent)
                {
                    assertEquals(agentDroppedBefore + 1, harness.agent.framesDropped(expected.reason), context);
                }
                else
                {
                    assertEquals(nodeDroppedBefore + 1, harness.node.counters().framesDropped(expected.reason), context);
                }
            }
        }
        assertEquals(RaftRole.FOLLOWER, harness.node.role(), "the clock never moved, so no election can start");
        COUNTING_CASES_PASSED.incrementAndGet();
    }

    /**
     * The generators must reach every verdict over the cases of a full run, or the test proves less than it
     * says. Checked once every case has run and passed (not when one seed is replayed).
     */
    @AfterAll
    static void shouldHaveReachedEveryVerdict()
    {
        if (COUNTING_CASES_PASSED.get() < COUNTING_CASES)
        {
            return;
        }
        for (final Expected verdict : List.of(
            new Expected(FrameCheck.OK, false),
            new Expected(FrameCheck.BAD_LENGTH, true),
            new Expected(FrameCheck.BAD_VERSION, true),
            new Expected(FrameCheck.BAD_TYPE, true),
            new Expected(FrameCheck.UNKNOWN_GROUP, true),
            new Expected(FrameCheck.WRONG_CLUSTER, false),
            new Expected(FrameCheck.UNKNOWN_MEMBER, false),
            new Expected(FrameCheck.BAD_FIELD, false)))
        {
            assertTrue(VERDICTS.getOrDefault(verdict, 0) >= 1,
                () -> "no frame of " + COUNTING_CASES + " cases was " + verdict + "; verdicts reached: " + VERDICTS);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds1000")
    void shouldNeverThrowWhileLeading(final long seed)
    {
        final List<byte[]> frames = frameSequence(new Gen(seed));
        final AgentHarness harness = AgentHarness.follower();
        RaftNodeMalformedFrameTest.electSelf(harness);
        for (final byte[] frame : frames)
        {
            final long before = harness.dropped() + harness.received();
            harness.deliver(frame);
            harness.run(1, 10_000_000L);
            assertTrue(harness.dropped() + harness.received() > before, "every frame is counted");
        }
    }

    /** The oracle's verdict: dropped for {@code reason} by the agent or the node, or received ({@code OK}). */
    record Expected(int reason, boolean byAgent)
    {
        @Override
        public String toString()
        {
            return (reason == FrameCheck.OK ? "received" : "dropped " + FrameCheck.reason(reason) + (byAgent ? " by agent" : " by node"));
        }
    }

    /**
     * A batch: refused whole (wrong cluster, empty, first inner frame malformed, nested or from another member), or
     * exactly one inner frame judged as if alone; null for several inner frames (not modelled).
     */
    private static Expected expectBatch(
        final byte[] frame, final int clusterId, final int from, final long ourLastIndex, final long ourLastTerm)
    {
        if (clusterId != AgentHarness.CLUSTER_ID)
        {
            return new Expected(FrameCheck.WRONG_CLUSTER, true);
        }
        final int room = frame.length - MessageHeader.LENGTH;
        if (room == 0 || room < MessageHeader.LENGTH)
        {
            return new Expected(FrameCheck.BAD_LENGTH, true);
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final int innerBody = buffer.getInt(MessageHeader.LENGTH + 28, java.nio.ByteOrder.LITTLE_ENDIAN);
        if (innerBody < 0 || innerBody > room - MessageHeader.LENGTH || (frame[MessageHeader.LENGTH + 1] & 0xFF) == MessageType.BATCH)
        {
            return new Expected(FrameCheck.BAD_LENGTH, true);
        }
        if (buffer.getInt(MessageHeader.LENGTH + 12, java.nio.ByteOrder.LITTLE_ENDIAN) != from)
        {
            return new Expected(FrameCheck.UNKNOWN_MEMBER, true);
        }
        if (MessageHeader.LENGTH + innerBody != room)
        {
            return null;
        }
        return expect(java.util.Arrays.copyOfRange(frame, MessageHeader.LENGTH, frame.length), ourLastIndex, ourLastTerm);
    }

    /** Decodes the frame independently of the codecs (byte offsets from the layout in MessageHeader's javadoc). */
    static Expected expect(final byte[] frame, final long ourLastIndex, final long ourLastTerm)
    {
        if (frame.length < MessageHeader.LENGTH)
        {
            return new Expected(FrameCheck.BAD_LENGTH, true);
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final java.nio.ByteOrder le = java.nio.ByteOrder.LITTLE_ENDIAN;
        final int version = frame[0] & 0xFF;
        final int type = frame[1] & 0xFF;
        final int clusterId = buffer.getInt(4, le);
        final int groupId = buffer.getInt(8, le);
        final int from = buffer.getInt(12, le);
        final int to = buffer.getInt(16, le);
        final long term = buffer.getLong(20, le);
        final int bodyLength = buffer.getInt(28, le);
        if (version != MessageHeader.VERSION)
        {
            return new Expected(FrameCheck.BAD_VERSION, true);
        }
        final int fixed;
        switch (type)
        {
            case MessageType.VOTE_REQUEST -> fixed = 16;
            case MessageType.VOTE_RESPONSE -> fixed = 8;
            case MessageType.APPEND_REQUEST -> fixed = 32;
            case MessageType.APPEND_RESPONSE -> fixed = 40;
            case MessageType.INSTALL_SNAPSHOT -> fixed = 48;
            case MessageType.SNAPSHOT_RESPONSE -> fixed = 24;
            case MessageType.READ_INDEX_REQUEST, MessageType.READ_INDEX_RESPONSE -> fixed = 24;
            case MessageType.TIMEOUT_NOW -> fixed = 8;
            case MessageType.FORWARD, MessageType.MESSAGE, MessageType.CLIENT_HELLO, MessageType.BATCH -> fixed = 0;
            default ->
            {
                return new Expected(FrameCheck.BAD_TYPE, true);
            }
        }
        if (bodyLength != frame.length - MessageHeader.LENGTH ||
            (type == MessageType.APPEND_REQUEST || type == MessageType.INSTALL_SNAPSHOT || type == MessageType.FORWARD ||
            type == MessageType.MESSAGE || type == MessageType.CLIENT_HELLO || type == MessageType.BATCH ? bodyLength < fixed :
            bodyLength != fixed) ||
            (type == MessageType.CLIENT_HELLO && bodyLength > MessageType.CLIENT_ENDPOINT_MAX))
        {
            return new Expected(FrameCheck.BAD_LENGTH, true);
        }
        if (term < 0)
        {
            return new Expected(FrameCheck.BAD_FIELD, true);
        }
        if (type == MessageType.CLIENT_HELLO)
        {
            return new Expected(FrameCheck.BAD_TYPE, true);
        }
        if (type == MessageType.BATCH)
        {
            return expectBatch(frame, clusterId, from, ourLastIndex, ourLastTerm);
        }
        if (type == MessageType.MESSAGE)
        {
            // The application-message path, checked by the agent: cluster, addressing, then the service (none here).
            final boolean fromClient = from == 0 && term > 0;
            final boolean fromMember = from > 0 && from != MEMBER_ID && term == 0;
            return new Expected(clusterId != AgentHarness.CLUSTER_ID ? FrameCheck.WRONG_CLUSTER :
                to != MEMBER_ID || !(fromClient || fromMember) ? FrameCheck.UNKNOWN_MEMBER : FrameCheck.UNKNOWN_GROUP, true);
        }
        if (groupId != AgentHarness.GROUP_ID)
        {
            return new Expected(FrameCheck.UNKNOWN_GROUP, true);
        }
        if (clusterId != AgentHarness.CLUSTER_ID)
        {
            return new Expected(FrameCheck.WRONG_CLUSTER, false);
        }
        // A leader may be a member this one's configuration does not list yet; other messages need a known sender.
        final boolean leaderMessage = type == MessageType.APPEND_REQUEST || type == MessageType.INSTALL_SNAPSHOT ||
            type == MessageType.TIMEOUT_NOW;
        // So may a candidate whose log is at least as up to date as ours (our configuration may lag behind its).
        final boolean upToDateCandidate = type == MessageType.VOTE_REQUEST &&
            (buffer.getLong(MessageHeader.LENGTH + 8, le) > ourLastTerm ||
            (buffer.getLong(MessageHeader.LENGTH + 8, le) == ourLastTerm && buffer.getLong(MessageHeader.LENGTH, le) >= ourLastIndex));
        if (to != MEMBER_ID || from == MEMBER_ID || from <= 0 || (!leaderMessage && !upToDateCandidate && from != 2 && from != 3))
        {
            return new Expected(FrameCheck.UNKNOWN_MEMBER, false);
        }
        if (type == MessageType.APPEND_REQUEST && !appendBodyIsWellFormed(buffer, bodyLength, term))
        {
            return new Expected(FrameCheck.BAD_FIELD, false);
        }
        if (type == MessageType.INSTALL_SNAPSHOT)
        {
            // The harness member keeps no snapshots, so every InstallSnapshot is dropped as a bad field.
            return new Expected(FrameCheck.BAD_FIELD, false);
        }
        return new Expected(FrameCheck.OK, false);
    }

    /** An independent reading of AppendRequest's rules, in longs so nothing can overflow. */
    private static boolean appendBodyIsWellFormed(final UnsafeBuffer buffer, final int bodyLength, final long term)
    {
        final java.nio.ByteOrder le = java.nio.ByteOrder.LITTLE_ENDIAN;
        final int body = MessageHeader.LENGTH;
        final long prevLogIndex = buffer.getLong(body, le);
        final long prevLogTerm = buffer.getLong(body + 8, le);
        final long leaderCommit = buffer.getLong(body + 16, le);
        final long count = buffer.getInt(body + 24, le);
        if (prevLogIndex < 0 || prevLogTerm < 0 || leaderCommit < 0 || prevLogTerm > term || count < 0)
        {
            return false;
        }
        final long end = (long)body + bodyLength;
        long at = body + AppendRequest.FIXED_LENGTH;
        long lastTerm = prevLogTerm;
        for (long i = 0; i < count; i++)
        {
            if (at + 16 > end)
            {
                return false;
            }
            final long entryTerm = buffer.getLong((int)at, le);
            final int entryType = buffer.getInt((int)at + 8, le);
            final long length = buffer.getInt((int)at + 12, le);
            if (length < 0 || at + 16 + length > end || entryTerm < lastTerm || entryTerm > term ||
                entryType < 0 || entryType > EntryType.MAX ||
                (entryType == EntryType.CONFIGURATION && io.synod.raft.Membership.decode(buffer, (int)at + 16, (int)length) == null))
            {
                return false;
            }
            lastTerm = entryTerm;
            at += 16 + length;
        }
        return at == end;
    }

    /** One to six frames: random bytes, valid frames (some misaddressed), damaged ones, retyped ones. */
    static List<byte[]> frameSequence(final Gen gen)
    {
        return gen.list(1, 6, RaftAgentFrameFuzzProperties::frame);
    }

    private static byte[] frame(final Gen gen)
    {
        switch (gen.weighted(2, 4, 4, 2, 1))
        {
            case 0:
                return gen.bytes(120);
            case 1:
                return validBytes(gen);
            case 2:
                return Frames.mutate(validBytes(gen), Frames.mutations(gen, 1, 2));
            case 3:
            {
                // Well-addressed AppendEntries with one body field overwritten: reaches the node's body checks.
                final byte[] bytes = Frames.validAppendRequest(gen,
                    g -> AgentHarness.CLUSTER_ID, g -> AgentHarness.GROUP_ID, g -> g.ofInts(2, 3), g -> MEMBER_ID).bytes();
                final int position = gen.intBetween(MessageHeader.LENGTH, 400);
                final long value = gen.bool() ? gen.longBetween(-2, 40) : gen.anyLong();
                final int at = MessageHeader.LENGTH + (Math.floorMod(position, bytes.length - MessageHeader.LENGTH - 3) & ~3);
                new UnsafeBuffer(bytes).putInt(at, (int)value, java.nio.ByteOrder.LITTLE_ENDIAN);
                return bytes;
            }
            default:
            {
                // A valid frame with its type byte replaced.
                final byte[] bytes = validBytes(gen);
                bytes[1] = (byte)gen.intBetween(0, 255);
                return bytes;
            }
        }
    }

    /** A valid frame, mostly but not always addressed to this member of this group and cluster. */
    private static byte[] validBytes(final Gen gen)
    {
        return Frames.validFrame(gen,
            g -> g.frequency(new int[]{9, AgentHarness.CLUSTER_ID}, new int[]{1, AgentHarness.CLUSTER_ID + 1}),
            g -> g.frequency(new int[]{9, AgentHarness.GROUP_ID}, new int[]{1, AgentHarness.GROUP_ID + 1}),
            g -> g.frequency(new int[]{8, 2}, new int[]{8, 3}, new int[]{1, MEMBER_ID}, new int[]{1, 4}, new int[]{1, 0}),
            g -> g.frequency(new int[]{12, MEMBER_ID}, new int[]{1, 2}, new int[]{1, 9})).bytes();
    }
}
