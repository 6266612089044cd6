package io.synod.bench;

import io.synod.raft.EntryType;
import io.synod.raft.codec.AppendRequest;
import io.synod.raft.codec.AppendResponse;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.InstallSnapshot;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import io.synod.raft.codec.ReadIndexMessage;
import io.synod.raft.codec.SnapshotResponse;
import io.synod.raft.codec.VoteRequest;
import io.synod.raft.codec.VoteResponse;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Wire codecs, one message type per parameter: {@code encode} writes header and body into a frame buffer
 * with the flyweights (AppendRequest: 4 entries of 64 B; InstallSnapshot: one 1 KiB chunk);
 * {@code decode} runs what the node runs on receipt — {@link FrameCheck#checkHeader}, the body's
 * {@code validate} where the type has one, and a read of every field — and returns a sum of them.
 * Expected: a few ns and 0 B/op ({@code -prof gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CodecBenchmark extends SynodBenchmark
{
    static final int APPEND_ENTRIES = 4;
    static final int ENTRY_BYTES = 64;
    static final int CHUNK_BYTES = 1024;

    @Param({ "VOTE_REQUEST", "VOTE_RESPONSE", "APPEND_REQUEST", "APPEND_RESPONSE", "INSTALL_SNAPSHOT",
        "SNAPSHOT_RESPONSE", "READ_INDEX_REQUEST", "READ_INDEX_RESPONSE" })
    public String type;

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[CHUNK_BYTES]);
    private final MessageHeader header = new MessageHeader();
    private final VoteRequest voteRequest = new VoteRequest();
    private final VoteResponse voteResponse = new VoteResponse();
    private final AppendRequest appendRequest = new AppendRequest();
    private final AppendResponse appendResponse = new AppendResponse();
    private final InstallSnapshot installSnapshot = new InstallSnapshot();
    private final SnapshotResponse snapshotResponse = new SnapshotResponse();
    private final ReadIndexMessage readIndex = new ReadIndexMessage();
    private int messageType;
    private int frameLength;
    private long term = 5;

    @Setup
    public void setUp()
    {
        messageType = switch (type)
        {
            case "VOTE_REQUEST" -> MessageType.VOTE_REQUEST;
            case "VOTE_RESPONSE" -> MessageType.VOTE_RESPONSE;
            case "APPEND_REQUEST" -> MessageType.APPEND_REQUEST;
            case "APPEND_RESPONSE" -> MessageType.APPEND_RESPONSE;
            case "INSTALL_SNAPSHOT" -> MessageType.INSTALL_SNAPSHOT;
            case "SNAPSHOT_RESPONSE" -> MessageType.SNAPSHOT_RESPONSE;
            case "READ_INDEX_REQUEST" -> MessageType.READ_INDEX_REQUEST;
            case "READ_INDEX_RESPONSE" -> MessageType.READ_INDEX_RESPONSE;
            default -> throw new IllegalArgumentException(type);
        };
        for (int i = 0; i < CHUNK_BYTES; i++)
        {
            payload.putByte(i, (byte)i);
        }
        frameLength = encode();
        final int check = FrameCheck.checkHeader(header, frame, 0, frameLength);
        if (check != FrameCheck.OK || decode() == Long.MIN_VALUE)
        {
            throw new IllegalStateException(type + " does not round-trip: " + FrameCheck.reason(check));
        }
    }

    @Benchmark
    public int encode()
    {
        final int body = MessageHeader.LENGTH;
        final int bodyLength;
        switch (messageType)
        {
            case MessageType.VOTE_REQUEST ->
            {
                voteRequest.wrap(frame, body).lastLogIndex(1_000_000).lastLogTerm(term);
                bodyLength = VoteRequest.LENGTH;
            }
            case MessageType.VOTE_RESPONSE ->
            {
                voteResponse.wrap(frame, body).granted(true);
                bodyLength = VoteResponse.LENGTH;
            }
            case MessageType.APPEND_REQUEST ->
            {
                appendRequest.wrap(frame, body).prevLogIndex(1_000_000).prevLogTerm(term).leaderCommit(999_999)
                    .entryCount(APPEND_ENTRIES).round(7);
                int entry = appendRequest.firstEntryOffset();
                for (int i = 0; i < APPEND_ENTRIES; i++)
                {
                    entry = AppendRequest.putEntry(frame, entry, term, EntryType.COMMAND, payload, 0, ENTRY_BYTES);
                }
                bodyLength = entry - body;
            }
            case MessageType.APPEND_RESPONSE ->
            {
                appendResponse.wrap(frame, body).success(true).round(7).index(1_000_004).conflictTerm(0).conflictIndex(0)
                    .lastLogIndex(1_000_004);
                bodyLength = AppendResponse.LENGTH;
            }
            case MessageType.INSTALL_SNAPSHOT ->
            {
                installSnapshot.wrap(frame, body).snapshotIndex(1_000_000).snapshotTerm(term).totalLength(1L << 20)
                    .chunkOffset(4096).checksum(0x1234_5678L).chunkLength(CHUNK_BYTES);
                frame.putBytes(installSnapshot.chunkOffsetInBuffer(), payload, 0, CHUNK_BYTES);
                bodyLength = InstallSnapshot.FIXED_LENGTH + CHUNK_BYTES;
            }
            case MessageType.SNAPSHOT_RESPONSE ->
            {
                snapshotResponse.wrap(frame, body).snapshotIndex(1_000_000).received(4096 + CHUNK_BYTES)
                    .status(SnapshotResponse.CONTINUE);
                bodyLength = SnapshotResponse.LENGTH;
            }
            default ->
            {
                readIndex.wrap(frame, body).readId(42).readIndex(1_000_000).status(ReadIndexMessage.OK);
                bodyLength = ReadIndexMessage.LENGTH;
            }
        }
        header.wrap(frame, 0).encode(messageType, 0, 7, 0, 1, 2, term, bodyLength);
        return MessageHeader.LENGTH + bodyLength;
    }

    @Benchmark
    public long decode()
    {
        if (FrameCheck.checkHeader(header, frame, 0, frameLength) != FrameCheck.OK)
        {
            return Long.MIN_VALUE;
        }
        final int body = header.bodyOffset();
        final int bodyLength = header.bodyLength();
        final long messageTerm = header.term();
        long sum = header.clusterId() + header.groupId() + header.from() + header.to() + messageTerm + header.flags();
        switch (header.type())
        {
            case MessageType.VOTE_REQUEST ->
                sum += voteRequest.wrap(frame, body).lastLogIndex() + voteRequest.lastLogTerm();
            case MessageType.VOTE_RESPONSE -> sum += voteResponse.wrap(frame, body).granted() ? 1 : 0;
            case MessageType.APPEND_REQUEST ->
            {
                if (appendRequest.wrap(frame, body).validate(bodyLength, messageTerm, EntryType.MAX) != FrameCheck.OK)
                {
                    return Long.MIN_VALUE;
                }
                sum += appendRequest.prevLogIndex() + appendRequest.prevLogTerm() + appendRequest.leaderCommit() +
                    appendRequest.round();
                int entry = appendRequest.firstEntryOffset();
                for (int i = 0, n = appendRequest.entryCount(); i < n; i++)
                {
                    sum += appendRequest.entryTerm(entry) + appendRequest.entryType(entry) + appendRequest.entryLength(entry);
                    entry = appendRequest.nextEntryOffset(entry);
                }
            }
            case MessageType.APPEND_RESPONSE ->
                sum += (appendResponse.wrap(frame, body).success() ? 1 : 0) + appendResponse.round() + appendResponse.index() +
                    appendResponse.conflictTerm() + appendResponse.conflictIndex() + appendResponse.lastLogIndex();
            case MessageType.INSTALL_SNAPSHOT ->
            {
                if (installSnapshot.wrap(frame, body).validate(bodyLength, messageTerm) != FrameCheck.OK)
                {
                    return Long.MIN_VALUE;
                }
                sum += installSnapshot.snapshotIndex() + installSnapshot.snapshotTerm() + installSnapshot.totalLength() +
                    installSnapshot.chunkOffset() + installSnapshot.checksum() + installSnapshot.chunkLength();
            }
            case MessageType.SNAPSHOT_RESPONSE ->
                sum += snapshotResponse.wrap(frame, body).snapshotIndex() + snapshotResponse.received() +
                    snapshotResponse.status();
            default -> sum += readIndex.wrap(frame, body).readId() + readIndex.readIndex() + readIndex.status();
        }
        return sum;
    }
}
