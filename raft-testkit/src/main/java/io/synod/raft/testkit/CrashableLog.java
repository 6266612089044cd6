package io.synod.raft.testkit;

import io.synod.raft.RaftLog;
import io.synod.raft.log.InMemoryRaftLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A {@link RaftLog} over a simulated disk that keeps only what was flushed. Operations since the last
 * {@link #flush()} are held as pending; on a crash a random prefix of them reaches the disk (a write
 * the OS happened to complete) and the rest is lost. A flush can itself be made to crash.
 *
 * <p>Every append is reported to an {@link AppendObserver}, which is how the invariant checker sees
 * Log Matching without scanning logs.
 */
public final class CrashableLog implements RaftLog, SimulatedDisk
{
    /** Sees every entry appended to any simulated log. */
    @FunctionalInterface
    public interface AppendObserver
    {
        void onAppend(int memberId, long index, long term, long prevTerm, long contentHash);
    }

    private static final int APPEND = 0;
    private static final int TRUNCATE = 1;
    private static final int COMPACT = 2;
    private static final int RESET = 3;

    private record Op(int kind, long index, long term, int type, byte[] payload)
    {
    }

    private final int memberId;
    private final InMemoryRaftLog durable;
    private final AppendObserver observer;
    private InMemoryRaftLog live;
    private final List<Op> pending = new ArrayList<>();
    private boolean crashOnNextFlush;
    private RandomGenerator crashRandom;

    public CrashableLog(final int memberId, final AppendObserver observer)
    {
        this.memberId = memberId;
        this.observer = observer;
        this.durable = new InMemoryRaftLog();
        this.live = new InMemoryRaftLog();
    }

    /** Arms a crash: the next flush persists a random prefix of the pending operations and throws {@link SimulatedCrash}. */
    @Override
    public void crashOnNextFlush(final RandomGenerator random)
    {
        crashOnNextFlush = true;
        crashRandom = random;
    }

    /**
     * The process died: a random prefix of unflushed operations survives on disk, the rest is lost,
     * and the in-memory view is rebuilt from disk as a restarted process would see it.
     */
    @Override
    public void crash(final RandomGenerator random)
    {
        final int survivors = pending.isEmpty() ? 0 : random.nextInt(pending.size() + 1);
        for (int i = 0; i < survivors; i++)
        {
            applyTo(durable, pending.get(i));
        }
        pending.clear();
        crashOnNextFlush = false;
        live = copyOf(durable);
    }

    @Override
    public RaftLog log()
    {
        return this;
    }

    /** Cancels an armed crash. */
    @Override
    public void disarm()
    {
        crashOnNextFlush = false;
    }

    /** @return operations not yet flushed. */
    public int pendingOperations()
    {
        return pending.size();
    }

    @Override
    public long firstIndex()
    {
        return live.firstIndex();
    }

    @Override
    public long lastIndex()
    {
        return live.lastIndex();
    }

    @Override
    public long lastTerm()
    {
        return live.lastTerm();
    }

    @Override
    public long snapshotIndex()
    {
        return live.snapshotIndex();
    }

    @Override
    public long snapshotTerm()
    {
        return live.snapshotTerm();
    }

    @Override
    public long termAt(final long index)
    {
        return live.termAt(index);
    }

    @Override
    public void append(final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        final long prevTerm = live.termAt(index - 1);
        live.append(index, term, type, buffer, offset, length);
        final byte[] payload = new byte[length];
        buffer.getBytes(offset, payload);
        pending.add(new Op(APPEND, index, term, type, payload));
        observer.onAppend(memberId, index, term, prevTerm, Hashing.hash(type, buffer, offset, length));
    }

    @Override
    public void commitIndex(final long commitIndex)
    {
        live.commitIndex(commitIndex);
    }

    @Override
    public void truncateSuffix(final long fromIndex)
    {
        live.truncateSuffix(fromIndex);
        pending.add(new Op(TRUNCATE, fromIndex, 0, 0, null));
    }

    @Override
    public int read(final long fromIndex, final long toIndex, final EntryReader reader)
    {
        return live.read(fromIndex, toIndex, reader);
    }

    @Override
    public void compactPrefix(final long upToIndex, final long upToTerm)
    {
        live.compactPrefix(upToIndex, upToTerm);
        pending.add(new Op(COMPACT, upToIndex, upToTerm, 0, null));
    }

    @Override
    public void resetTo(final long snapshotIndex, final long snapshotTerm)
    {
        live.resetTo(snapshotIndex, snapshotTerm);
        pending.add(new Op(RESET, snapshotIndex, snapshotTerm, 0, null));
    }

    @Override
    public void flush()
    {
        if (crashOnNextFlush)
        {
            crash(crashRandom);
            throw new SimulatedCrash("log flush of member " + memberId);
        }
        for (final Op op : pending)
        {
            applyTo(durable, op);
        }
        pending.clear();
    }

    @Override
    public void close()
    {
    }

    private static void applyTo(final InMemoryRaftLog log, final Op op)
    {
        switch (op.kind())
        {
            case TRUNCATE:
                log.truncateSuffix(op.index());
                break;
            case COMPACT:
                log.compactPrefix(op.index(), op.term());
                break;
            case RESET:
                log.resetTo(op.index(), op.term());
                break;
            default:
                log.append(op.index(), op.term(), op.type(), new UnsafeBuffer(op.payload()), 0, op.payload().length);
        }
    }

    private static InMemoryRaftLog copyOf(final InMemoryRaftLog source)
    {
        final InMemoryRaftLog copy = new InMemoryRaftLog();
        copy.resetTo(source.snapshotIndex(), source.snapshotTerm());
        source.read(source.firstIndex(), source.lastIndex(),
            (index, term, type, buffer, offset, length) ->
            {
                copy.append(index, term, type, buffer, offset, length);
                return true;
            });
        return copy;
    }
}
