package io.synod.lock;

import io.synod.lock.LockStateMachine.Hold;
import io.synod.lock.LockStateMachine.Resource;
import io.synod.lock.LockStateMachine.Wait;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.zip.CRC32;


/**
 * The lock state's snapshot format, both ways. Little-endian, followed by a CRC32 of everything
 * before it:
 * <pre>
 * magic:int version:int (3) lastAppliedIndex:long malformedCommands:long
 * resourceCount:int { hash:long kind:int capacity:int used:int nameLength:int name:bytes
 *   holdCount:int { sessionId thread fence : long, permits count valueLength : int, value:bytes }*
 *   waitCount:int { sessionId thread requestId deadlineNs : long, permits valueLength : int, value:bytes }* }*
 * crc:int
 * </pre>
 * Sessions, their kept outcomes and log time are the node's (its session table travels in the same
 * snapshot); format 2 and older carried their own and are refused with a clear error. Resources are
 * written in creation order and waits in queue order, so two
 * replicas with the same state write the same bytes. Decoding checks every count, reference and bound
 * against the machine's limits and throws {@link IllegalStateException} on anything inconsistent.
 */
final class LockSnapshotCodec
{
    static final int SNAPSHOT_MAGIC = 0x4B434F4C; // "LOCK"
    static final int SNAPSHOT_VERSION = 3;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private LockSnapshotCodec()
    {
    }

    /** Writes the whole state of {@code m} into {@code out}. @return the snapshot's length. */
    static int encode(final LockStateMachine m, final ExpandableArrayBuffer out)
    {
        int p = 0;
        out.putInt(p, SNAPSHOT_MAGIC, ORDER); p += 4;
        out.putInt(p, SNAPSHOT_VERSION, ORDER); p += 4;
        out.putLong(p, m.lastAppliedIndex, ORDER); p += 8;
        out.putLong(p, m.malformedCommands, ORDER); p += 8;
        out.putInt(p, m.resourceList.size(), ORDER); p += 4;
        for (int r = 0, count = m.resourceList.size(); r < count; r++)
        {
            final Resource resource = m.resourceList.get(r);
            out.putLong(p, LockNames.hash(resource.nameBuffer, 0, resource.name.length), ORDER); p += 8;
            out.putInt(p, resource.kind, ORDER); p += 4;
            out.putInt(p, resource.capacity, ORDER); p += 4;
            out.putInt(p, resource.used, ORDER); p += 4;
            out.putInt(p, resource.name.length, ORDER); p += 4;
            out.putBytes(p, resource.name); p += resource.name.length;
            out.putInt(p, resource.holds.size(), ORDER); p += 4;
            for (int i = 0, size = resource.holds.size(); i < size; i++)
            {
                final Hold hold = resource.holds.get(i);
                out.putLong(p, hold.sessionId, ORDER); p += 8;
                out.putLong(p, hold.thread, ORDER); p += 8;
                out.putLong(p, hold.fence, ORDER); p += 8;
                out.putInt(p, hold.permits, ORDER); p += 4;
                out.putInt(p, hold.count, ORDER); p += 4;
                out.putInt(p, hold.valueLength, ORDER); p += 4;
                out.putBytes(p, hold.value, 0, hold.valueLength); p += hold.valueLength;
            }
            out.putInt(p, resource.waits.size(), ORDER); p += 4;
            for (final Wait wait : resource.waits)
            {
                out.putLong(p, wait.sessionId, ORDER); p += 8;
                out.putLong(p, wait.thread, ORDER); p += 8;
                out.putLong(p, wait.requestId, ORDER); p += 8;
                out.putLong(p, wait.deadlineNs, ORDER); p += 8;
                out.putInt(p, wait.permits, ORDER); p += 4;
                out.putInt(p, wait.valueLength, ORDER); p += 4;
                out.putBytes(p, wait.value, 0, wait.valueLength); p += wait.valueLength;
            }
        }
        out.putInt(p, crc(out, p), ORDER); p += 4;
        return p;
    }

    private static int crc(final DirectBuffer buffer, final int length)
    {
        final CRC32 crc = new CRC32();
        crc.update(buffer.byteArray(), 0, length);
        return (int)crc.getValue();
    }

    /** Reads a whole snapshot stream written by {@link #encode} into {@code m}, which must be empty. */
    static void decode(final LockStateMachine m, final SnapshotReader reader)
    {
        final ExpandableArrayBuffer in = new ExpandableArrayBuffer(
            (int)Math.max(64, Math.min(reader.length() - reader.position(), 1 << 20)));
        int length = 0;
        while (true)
        {
            if (in.capacity() - length < 4096)
            {
                in.checkLimit(length + 4096);
            }
            final int read = reader.read(in, length, in.capacity() - length);
            if (read < 0)
            {
                break;
            }
            length += read;
        }
        decode(m, in, length);
    }

    /** Reads a snapshot written by {@link #encode} into {@code m}, which must be empty. */
    static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException("corrupt lock snapshot: " + message);
        }
    }

    private static final class Cursor
    {
        final DirectBuffer buffer;
        final int limit;
        int p;

        Cursor(final DirectBuffer buffer, final int limit)
        {
            this.buffer = buffer;
            this.limit = limit;
        }

        void need(final int n)
        {
            check(n >= 0 && p + (long)n <= limit, "truncated at " + p);
        }

        long getLong()
        {
            need(8);
            final long v = buffer.getLong(p, ORDER);
            p += 8;
            return v;
        }

        int getInt()
        {
            need(4);
            final int v = buffer.getInt(p, ORDER);
            p += 4;
            return v;
        }

        byte[] getBytes(final int n, final byte[] reuse)
        {
            need(n);
            final byte[] bytes = reuse != null && reuse.length >= n ? reuse : new byte[n];
            buffer.getBytes(p, bytes, 0, n);
            p += n;
            return bytes;
        }
    }

    static void decode(final LockStateMachine m, final DirectBuffer in, final int total)
    {
        check(total >= 12, "too short: " + total);
        check(in.getInt(total - 4, ORDER) == crc(in, total - 4), "checksum mismatch");
        final Cursor c = new Cursor(in, total - 4);
        check(c.getInt() == SNAPSHOT_MAGIC, "bad magic");
        final int version = c.getInt();
        if (version != SNAPSHOT_VERSION)
        {
            throw new IllegalStateException("lock snapshot format " + version + " is not readable by this build (format " +
                SNAPSHOT_VERSION + " only; format 2 and older kept sessions inside the lock service, before they moved to " +
                "the node's session facility): restore from a snapshot written by this version, or replay the log");
        }
        m.lastAppliedIndex = c.getLong();
        m.malformedCommands = c.getLong();
        check(m.lastAppliedIndex >= 0 && m.malformedCommands >= 0, "negative header field");
        final int resourceCount = c.getInt();
        check(resourceCount >= 0 && resourceCount <= m.maxResources, "bad resource count " + resourceCount);
        for (int r = 0; r < resourceCount; r++)
        {
            final long hash = c.getLong();
            final int kind = c.getInt();
            final int capacity = c.getInt();
            final int used = c.getInt();
            final int nameLength = c.getInt();
            check(kind == LockCommand.MUTEX || kind == LockCommand.SEMAPHORE || kind == LockCommand.RW_LOCK, "bad kind " + kind);
            check(capacity >= 1 && used >= 0 && used <= capacity, "bad permits " + used + "/" + capacity);
            c.need(nameLength);
            final Resource resource = new Resource(in, c.p, nameLength, kind, capacity);
            c.p += nameLength;
            check(LockNames.hash(resource.nameBuffer, 0, nameLength) == hash, "name hash mismatch");
            check(!m.resources.containsKey(hash), "duplicate resource");
            resource.used = used;
            final int holdCount = c.getInt();
            check(holdCount >= 0 && holdCount <= capacity, "bad hold count " + holdCount);
            int sum = 0;
            for (int i = 0; i < holdCount; i++)
            {
                final Hold hold = m.freeHolds.isEmpty() ? new Hold() : m.freeHolds.pollFirst();
                hold.sessionId = c.getLong();
                hold.thread = c.getLong();
                hold.fence = c.getLong();
                hold.permits = c.getInt();
                hold.count = c.getInt();
                hold.valueLength = c.getInt();
                check(hold.sessionId > 0 && hold.sessionId <= m.lastAppliedIndex, "hold of bad session " + hold.sessionId);
                check(hold.permits >= 1 && hold.permits <= capacity && hold.count >= 1, "bad hold");
                check(hold.fence > 0 && hold.fence <= m.lastAppliedIndex, "bad fence " + hold.fence);
                check(resource.find(hold.sessionId, hold.thread) == null, "duplicate hold");
                hold.value = c.getBytes(hold.valueLength, hold.value);
                sum += hold.permits;
                resource.holds.add(hold);
            }
            check(sum == used, "used " + used + " != held " + sum);
            final int waitCount = c.getInt();
            check(waitCount >= 0 && waitCount <= m.maxWaiters, "bad wait count " + waitCount);
            for (int i = 0; i < waitCount; i++)
            {
                final Wait wait = m.freeWaits.isEmpty() ? new Wait() : m.freeWaits.pollFirst();
                wait.sessionId = c.getLong();
                wait.thread = c.getLong();
                wait.requestId = c.getLong();
                wait.deadlineNs = c.getLong();
                wait.permits = c.getInt();
                wait.valueLength = c.getInt();
                check(wait.sessionId > 0 && wait.sessionId <= m.lastAppliedIndex, "wait of bad session " + wait.sessionId);
                m.nextDeadlineNs = Math.min(m.nextDeadlineNs, wait.deadlineNs);
                check(wait.permits >= 1 && wait.permits <= capacity, "bad wait permits");
                wait.value = c.getBytes(wait.valueLength, wait.value);
                resource.waits.addLast(wait);
            }
            m.resources.put(hash, resource);
            m.resourceList.add(resource);
        }
        check(c.p == c.limit, "trailing bytes: " + (c.limit - c.p));
    }

    static final class Stream implements SnapshotSource
    {
        private final DirectBuffer snapshot;
        private int length;
        private int position;

        Stream(final DirectBuffer snapshot)
        {
            this.snapshot = snapshot;
        }

        Stream reset(final int length)
        {
            this.length = length;
            this.position = 0;
            return this;
        }

        @Override
        public int read(final MutableDirectBuffer buffer, final int offset, final int maxBytes)
        {
            if (position >= length)
            {
                return -1;
            }
            final int n = Math.min(maxBytes, length - position);
            buffer.putBytes(offset, snapshot, position, n);
            position += n;
            return n;
        }
    }
}
