package io.synod.raft.testkit;

import io.synod.raft.RaftLog;
import org.agrona.DirectBuffer;

/**
 * Wraps a {@link RaftLog} so that every append is reported to an {@link CrashableLog.AppendObserver}
 * (the invariant checker's view of Log Matching), for simulations on real logs.
 */
public final class ObservedLog implements RaftLog
{
    private final int memberId;
    private final RaftLog delegate;
    private final CrashableLog.AppendObserver observer;
    private final Runnable beforeFlush;

    public ObservedLog(final int memberId, final RaftLog delegate, final CrashableLog.AppendObserver observer)
    {
        this(memberId, delegate, observer, () -> {});
    }

    /** @param beforeFlush runs before each flush (a simulated disk uses it to inject a crash there). */
    public ObservedLog(
        final int memberId, final RaftLog delegate, final CrashableLog.AppendObserver observer, final Runnable beforeFlush)
    {
        this.memberId = memberId;
        this.delegate = delegate;
        this.observer = observer;
        this.beforeFlush = beforeFlush;
    }

    public RaftLog delegate()
    {
        return delegate;
    }

    @Override
    public long firstIndex()
    {
        return delegate.firstIndex();
    }

    @Override
    public long lastIndex()
    {
        return delegate.lastIndex();
    }

    @Override
    public long lastTerm()
    {
        return delegate.lastTerm();
    }

    @Override
    public long snapshotIndex()
    {
        return delegate.snapshotIndex();
    }

    @Override
    public long snapshotTerm()
    {
        return delegate.snapshotTerm();
    }

    @Override
    public long termAt(final long index)
    {
        return delegate.termAt(index);
    }

    @Override
    public void append(final long index, final long term, final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        final long prevTerm = delegate.termAt(index - 1);
        delegate.append(index, term, type, buffer, offset, length);
        observer.onAppend(memberId, index, term, prevTerm, Hashing.hash(type, buffer, offset, length));
    }

    @Override
    public void truncateSuffix(final long fromIndex)
    {
        delegate.truncateSuffix(fromIndex);
    }

    @Override
    public void commitIndex(final long commitIndex)
    {
        delegate.commitIndex(commitIndex);
    }

    @Override
    public int read(final long fromIndex, final long toIndex, final EntryReader reader)
    {
        return delegate.read(fromIndex, toIndex, reader);
    }

    @Override
    public void compactPrefix(final long upToIndex, final long upToTerm)
    {
        delegate.compactPrefix(upToIndex, upToTerm);
    }

    @Override
    public void resetTo(final long snapshotIndex, final long snapshotTerm)
    {
        delegate.resetTo(snapshotIndex, snapshotTerm);
    }

    @Override
    public void flush()
    {
        beforeFlush.run();
        delegate.flush();
    }

    @Override
    public void close()
    {
        delegate.close();
    }
}
