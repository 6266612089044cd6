package io.synod.transport.aeron;

import io.synod.raft.Transport;
import org.agrona.DirectBuffer;

/**
 * Test decorator that can cut a node off: while cut, sends are dropped (reported as failed) and
 * inbound frames are read and discarded, exactly as a network partition looks to the node.
 */
final class CuttableTransport implements Transport
{
    private final Transport delegate;
    private long discarded;
    private final FrameHandler discard = (buffer, offset, length) -> discarded++;
    private volatile boolean cut;

    CuttableTransport(final Transport delegate)
    {
        this.delegate = delegate;
    }

    void cut(final boolean cut)
    {
        this.cut = cut;
    }

    @Override
    public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        return !cut && delegate.send(memberId, buffer, offset, length);
    }

    @Override
    public int poll(final FrameHandler handler, final int fragmentLimit)
    {
        return delegate.poll(cut ? discard : handler, fragmentLimit);
    }

    @Override
    public void close()
    {
        delegate.close();
    }
}
