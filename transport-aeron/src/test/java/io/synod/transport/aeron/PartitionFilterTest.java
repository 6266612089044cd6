package io.synod.transport.aeron;

import io.synod.raft.Transport;
import io.synod.raft.codec.MessageHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionFilterTest
{
    /** A transport whose inbound frames come from the listed senders (0: a client), and which records what it sends. */
    private static final class Recording implements Transport
    {
        final List<Integer> sentTo = new ArrayList<>();
        final List<Long> sentToClients = new ArrayList<>();
        int[] inboundFrom = {};

        @Override
        public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
        {
            sentTo.add(memberId);
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            for (final int from : inboundFrom)
            {
                final UnsafeBuffer frame = new UnsafeBuffer(new byte[MessageHeader.LENGTH]);
                new MessageHeader().wrap(frame, 0).version(MessageHeader.VERSION).from(from).to(1);
                handler.onFrame(frame, 0, MessageHeader.LENGTH);
            }
            return inboundFrom.length;
        }

        @Override
        public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
        {
            sentToClients.add(clientId);
            return true;
        }
    }

    private static List<Integer> delivered(final PartitionFilter filter)
    {
        final List<Integer> from = new ArrayList<>();
        final MessageHeader header = new MessageHeader();
        filter.poll((buffer, offset, length) -> from.add(header.wrap(buffer, offset).from()), 10);
        return from;
    }

    @Test
    void shouldPassEverythingUntilCut()
    {
        final Recording network = new Recording();
        network.inboundFrom = new int[] {2, 3, 0};
        final PartitionFilter filter = new PartitionFilter(network);
        assertTrue(filter.send(2, new UnsafeBuffer(new byte[8]), 0, 8));
        assertEquals(List.of(2), network.sentTo);
        assertEquals(List.of(2, 3, 0), delivered(filter));
        assertEquals(0, filter.droppedFrames());
    }

    @Test
    void shouldDropFramesToAndFromCutPeersButNeverClients()
    {
        final Recording network = new Recording();
        network.inboundFrom = new int[] {2, 3, 0, 3};
        final PartitionFilter filter = new PartitionFilter(network);
        filter.cut(3);
        assertArrayEquals(new int[] {3}, filter.cutMembers());
        assertTrue(filter.send(3, new UnsafeBuffer(new byte[8]), 0, 8), "a dropped frame looks sent, as a packet lost on the wire");
        assertTrue(filter.send(2, new UnsafeBuffer(new byte[8]), 0, 8));
        assertEquals(List.of(2), network.sentTo);
        assertEquals(List.of(2, 0), delivered(filter), "frames of member 3 dropped; member 2 and the client pass");
        assertTrue(filter.sendToClient(42, new UnsafeBuffer(new byte[8]), 0, 8));
        assertEquals(List.of(42L), network.sentToClients);
        assertEquals(3, filter.droppedFrames());

        filter.cut();
        assertEquals(List.of(2, 3, 0, 3), delivered(filter), "healed");
        assertEquals(0, filter.cutMembers().length);
    }

    @Test
    void shouldRefuseIdsItCannotCut()
    {
        final PartitionFilter filter = new PartitionFilter(new Recording());
        assertThrows(IllegalArgumentException.class, () -> filter.cut(0));
        assertThrows(IllegalArgumentException.class, () -> filter.cut(PartitionFilter.MEMBER_ID_MAX + 1));
    }
}
