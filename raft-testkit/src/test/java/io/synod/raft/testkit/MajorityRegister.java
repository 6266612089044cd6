package io.synod.raft.testkit;

import io.synod.raft.Transport;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * A small leaderless protocol for the simulator's tests (not Raft): one register replicated on every
 * member. A client write at any member takes a timestamp above what that member holds ({@code counter
 * << 8 | memberId}, so unique), stores it, and sends it to every other member; it is acknowledged once a
 * majority (the writer included) holds it or a later write. Members also gossip what they hold to a random
 * peer, and keep the highest timestamp they hear of, so all converge once the network heals.
 *
 * <pre>
 * frame (21 bytes): [type u8: WRITE=1, ACK=2, GOSSIP=3][from i32][timestamp i64][value i64]
 * </pre>
 *
 * <p>A member keeps its register on a {@link Disk} that outlives crashes; a crash loses an unflushed
 * write (or not, at random). The correct member flushes before it acknowledges; with
 * {@code flushBeforeAck} off it flushes lazily and acknowledges at once, which a crash punishes.
 */
final class MajorityRegister implements SimulatedProtocol, Transport.FrameHandler
{
    static final int FRAME_LENGTH = 21;
    private static final byte WRITE = 1;
    private static final byte ACK = 2;
    private static final byte GOSSIP = 3;
    private static final int FRAGMENT_LIMIT = 16;
    private static final long RETRY_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long GIVE_UP_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long GOSSIP_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long LAZY_FLUSH_NS = TimeUnit.MILLISECONDS.toNanos(40);

    /** A member's register on disk: what was flushed survives a crash; an unflushed write may not. */
    static final class Disk
    {
        long timestamp;
        long value;
        private long pendingTimestamp;
        private long pendingValue;
        private boolean dirty;
        private long dirtySinceNs;

        /** @return the timestamp the member holds now (unflushed included). */
        long currentTimestamp()
        {
            return dirty ? pendingTimestamp : timestamp;
        }

        long currentValue()
        {
            return dirty ? pendingValue : value;
        }

        void write(final long timestamp, final long value, final long nowNs)
        {
            if (!dirty)
            {
                dirtySinceNs = nowNs;
            }
            pendingTimestamp = timestamp;
            pendingValue = value;
            dirty = true;
        }

        void flush()
        {
            if (dirty)
            {
                timestamp = pendingTimestamp;
                value = pendingValue;
                dirty = false;
            }
        }

        /** The process died: an unflushed write reached the disk, or not. */
        void crash(final RandomGenerator random)
        {
            if (dirty && random.nextBoolean())
            {
                flush();
            }
            dirty = false;
        }
    }

    /** What the clients saw: every value written with its timestamp, and the highest acknowledged timestamp. */
    static final class History
    {
        final Long2LongHashMap written = new Long2LongHashMap(0);
        long acknowledged;
        long maxAcknowledgedTimestamp;
        long abandoned;

        void onWritten(final long timestamp, final long value)
        {
            if (written.put(timestamp, value) != 0)
            {
                throw new AssertionError("timestamp " + timestamp + " written twice");
            }
        }

        void onAcknowledged(final long timestamp)
        {
            acknowledged++;
            maxAcknowledgedTimestamp = Math.max(maxAcknowledgedTimestamp, timestamp);
        }
    }

    private final int memberId;
    private final int[] members;
    private final int majority;
    private final Transport transport;
    private final SimulatedProtocol.Context context;
    private final Disk disk;
    private final History history;
    private final boolean flushBeforeAck;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[FRAME_LENGTH]);
    private long nowNs;
    /** The write in flight from this member: its timestamp (0: none), value, who holds it, since when. */
    private long writeTimestamp;
    private long writeValue;
    private long holders;
    private long writeStartedNs;
    private long writeSentNs;
    private long gossipSentNs;

    MajorityRegister(final SimulatedProtocol.Context context, final Disk disk, final History history, final boolean flushBeforeAck)
    {
        this.context = context;
        this.memberId = context.memberId();
        this.members = context.members();
        this.majority = members.length / 2 + 1;
        this.transport = context.transport();
        this.disk = disk;
        this.history = history;
        this.flushBeforeAck = flushBeforeAck;
        this.nowNs = context.clock().nanoTime();
        this.gossipSentNs = nowNs;
    }

    @Override
    public int doWork(final long nowNs)
    {
        this.nowNs = nowNs;
        int work = transport.poll(this, FRAGMENT_LIMIT);
        if (!flushBeforeAck && disk.dirty && nowNs - disk.dirtySinceNs >= LAZY_FLUSH_NS)
        {
            disk.flush();
            work++;
        }
        if (writeTimestamp != 0)
        {
            if (nowNs - writeStartedNs > GIVE_UP_NS)
            {
                history.abandoned++; // the outcome stays unknown: it may yet spread
                writeTimestamp = 0;
            }
            else if (nowNs - writeSentNs >= RETRY_NS)
            {
                sendWrite();
                work++;
            }
        }
        if (nowNs - gossipSentNs >= GOSSIP_NS && disk.currentTimestamp() != 0)
        {
            gossipSentNs = nowNs;
            final int peer = members[context.random().nextInt(members.length)];
            if (peer != memberId)
            {
                send(peer, GOSSIP, disk.currentTimestamp(), disk.currentValue());
            }
            work++;
        }
        return work;
    }

    @Override
    public void onClientRequest(final RandomGenerator random)
    {
        if (writeTimestamp != 0)
        {
            return; // one write at a time
        }
        nowNs = context.clock().nanoTime();
        writeValue = random.nextLong();
        writeTimestamp = (((disk.currentTimestamp() >>> 8) + 1) << 8) | memberId;
        history.onWritten(writeTimestamp, writeValue);
        store(writeTimestamp, writeValue);
        holders = 1L << memberId;
        writeStartedNs = nowNs;
        sendWrite();
    }

    @Override
    public void onCrash(final RandomGenerator random)
    {
        disk.crash(random);
    }

    @Override
    public void onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length != FRAME_LENGTH)
        {
            return;
        }
        final byte type = buffer.getByte(offset);
        final int from = buffer.getInt(offset + 1);
        final long timestamp = buffer.getLong(offset + 5);
        final long value = buffer.getLong(offset + 13);
        switch (type)
        {
            case WRITE:
                store(timestamp, value);
                if (disk.currentTimestamp() >= timestamp)
                {
                    send(from, ACK, timestamp, 0);
                }
                break;
            case ACK:
                if (timestamp == writeTimestamp)
                {
                    holders |= 1L << from;
                    if (Long.bitCount(holders) >= majority)
                    {
                        history.onAcknowledged(timestamp);
                        writeTimestamp = 0;
                    }
                }
                break;
            case GOSSIP:
                store(timestamp, value);
                break;
            default:
                break;
        }
    }

    private void store(final long timestamp, final long value)
    {
        if (timestamp > disk.currentTimestamp())
        {
            disk.write(timestamp, value, nowNs);
            if (flushBeforeAck)
            {
                disk.flush();
            }
        }
    }

    private void sendWrite()
    {
        writeSentNs = nowNs;
        for (final int peer : members)
        {
            if ((holders & (1L << peer)) == 0)
            {
                send(peer, WRITE, writeTimestamp, writeValue);
            }
        }
    }

    private void send(final int to, final byte type, final long timestamp, final long value)
    {
        frame.putByte(0, type);
        frame.putInt(1, memberId);
        frame.putLong(5, timestamp);
        frame.putLong(13, value);
        transport.send(to, frame, 0, FRAME_LENGTH);
    }
}
