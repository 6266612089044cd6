package io.synod.transport.aeron;

import io.synod.raft.Transport;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.DirectBuffer;

/**
 * Test decorator that counts the frames handed to the network and, among them, the {@link MessageType#BATCH}
 * frames a frame batcher in front of it made. Written by the agent thread, read by the test.
 */
final class BatchCountingTransport implements Transport
{
    private final Transport delegate;
    private final MessageHeader header = new MessageHeader();
    private volatile long frames;
    private volatile long batches;

    BatchCountingTransport(final Transport delegate)
    {
        this.delegate = delegate;
    }

    long frames()
    {
        return frames;
    }

    long batches()
    {
        return batches;
    }

    @Override
    public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        frames = frames + 1;
        if (length >= MessageHeader.LENGTH && header.wrap(buffer, offset).type() == MessageType.BATCH)
        {
            batches = batches + 1;
        }
        return delegate.send(memberId, buffer, offset, length);
    }

    @Override
    public int poll(final FrameHandler handler, final int fragmentLimit)
    {
        return delegate.poll(handler, fragmentLimit);
    }

    @Override
    public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
    {
        return delegate.sendToClient(clientId, buffer, offset, length);
    }

    @Override
    public void close()
    {
        delegate.close();
    }
}
