package io.synod.transport.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The client side of a member's transport: where to reply to each client that said
 * {@link MessageType#CLIENT_HELLO}. Clients are not members; a client names the endpoint it listens on
 * in its hello, and this member adds a publication to it (asynchronously: the first hello of a client
 * usually goes unanswered, and the client repeats it). Once the publication is ready each hello is
 * answered with an empty hello, and services can reply with {@link #send}.
 *
 * <p><b>Bounded.</b> At most {@code clientsMax} connections; a hello from a new client when full
 * forgets the client heard from least recently (counted in {@link #evictions()}): a client that went
 * away is never told, so the table must make room by itself. A forgotten client that is still alive
 * says hello again on its next request that goes unanswered.
 *
 * <p><b>Threading.</b> The transport's (agent) thread. <b>Allocation.</b> A hello allocates (the
 * endpoint's string, a new connection); messages and replies do not.
 */
final class ClientConnections
{
    private static final class Client
    {
        final long id;
        final String endpoint;
        ExclusivePublication publication;
        long pendingRegistrationId = Aeron.NULL_VALUE;
        long lastHeard;

        Client(final long id, final String endpoint)
        {
            this.id = id;
            this.endpoint = endpoint;
        }
    }

    private final Aeron aeron;
    private final AeronTransport.Context ctx;
    private final FrameWriter writer;
    private final int clientsMax;
    private final Long2ObjectHashMap<Client> clients = new Long2ObjectHashMap<>();
    private final UnsafeBuffer answer = new UnsafeBuffer(new byte[MessageHeader.LENGTH]);
    private final MessageHeader header = new MessageHeader();
    /** Logical time: frames heard from clients so far. */
    private long heard;
    private long helloes;
    private long evictions;

    ClientConnections(final Aeron aeron, final AeronTransport.Context ctx, final FrameWriter writer)
    {
        this.aeron = aeron;
        this.ctx = ctx;
        this.writer = writer;
        this.clientsMax = ctx.clientsMax();
    }

    /**
     * A client's hello: remember (or move) its reply endpoint and answer once the publication is ready.
     *
     * @return false if the endpoint is not a {@code host:port} (the frame is then dropped as bad).
     */
    boolean onHello(final long clientId, final DirectBuffer buffer, final int bodyOffset, final int bodyLength)
    {
        final String endpoint = buffer.getStringWithoutLengthAscii(bodyOffset, bodyLength);
        if (!ctx.ipc() && !isHostAndPort(endpoint))
        {
            return false;
        }
        helloes++;
        Client client = clients.get(clientId);
        if (null != client && !client.endpoint.equals(endpoint))
        {
            release(clients.remove(clientId));
            client = null;
        }
        if (null == client)
        {
            if (clients.size() >= clientsMax)
            {
                evictLeastRecentlyHeard();
            }
            client = new Client(clientId, endpoint);
            clients.put(clientId, client);
            register(client);
        }
        client.lastHeard = ++heard;
        final ExclusivePublication publication = publication(client);
        if (null != publication)
        {
            header.wrap(answer, 0).encode(MessageType.CLIENT_HELLO, 0, ctx.clusterId(), 0, ctx.memberId(), 0, clientId, 0);
            writer.write(publication, answer, 0, MessageHeader.LENGTH);
        }
        return true;
    }

    /** @return true if {@code clientId} said hello (and was not forgotten since); notes that it was heard. */
    boolean onMessage(final long clientId)
    {
        final Client client = clients.get(clientId);
        if (null == client)
        {
            return false;
        }
        client.lastHeard = ++heard;
        return true;
    }

    /**
     * @return Aeron's result of writing the frame to the client ({@link FrameWriter#write}), or
     * {@link Publication#NOT_CONNECTED} if the client is unknown or its publication is not ready.
     */
    long send(final long clientId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Client client = clients.get(clientId);
        final ExclusivePublication publication = null == client ? null : publication(client);
        if (null == publication)
        {
            return Publication.NOT_CONNECTED;
        }
        final long result = writer.write(publication, buffer, offset, length);
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            // Forget it: the client's next hello makes a fresh publication.
            release(clients.remove(clientId));
        }
        return result;
    }

    private ExclusivePublication publication(final Client client)
    {
        if (null == client.publication && Aeron.NULL_VALUE != client.pendingRegistrationId)
        {
            try
            {
                final ExclusivePublication added = aeron.getExclusivePublication(client.pendingRegistrationId);
                if (null != added)
                {
                    client.pendingRegistrationId = Aeron.NULL_VALUE;
                    client.publication = added;
                }
            }
            catch (final RuntimeException ex)
            {
                // Registration failed (a bad host, the driver restarting): try again on the next hello.
                client.pendingRegistrationId = Aeron.NULL_VALUE;
            }
        }
        else if (null == client.publication)
        {
            register(client);
        }
        return client.publication;
    }

    private void register(final Client client)
    {
        try
        {
            client.pendingRegistrationId = aeron.asyncAddExclusivePublication(ctx.channelAt(client.endpoint), ctx.clientStreamId());
        }
        catch (final RuntimeException ex)
        {
            client.pendingRegistrationId = Aeron.NULL_VALUE;
        }
    }

    private void evictLeastRecentlyHeard()
    {
        Client oldest = null;
        for (final Client client : clients.values())
        {
            if (null == oldest || client.lastHeard < oldest.lastHeard)
            {
                oldest = client;
            }
        }
        if (null != oldest)
        {
            release(clients.remove(oldest.id));
            evictions++;
        }
    }

    private void release(final Client client)
    {
        if (null == client)
        {
            return;
        }
        CloseHelper.quietClose(client.publication);
        client.publication = null;
        if (Aeron.NULL_VALUE != client.pendingRegistrationId && !aeron.isClosed())
        {
            try
            {
                aeron.asyncRemovePublication(client.pendingRegistrationId);
            }
            catch (final RuntimeException ignore)
            {
                // the driver is gone; nothing to release
            }
        }
        client.pendingRegistrationId = Aeron.NULL_VALUE;
    }

    private static boolean isHostAndPort(final String endpoint)
    {
        final int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || colon == endpoint.length() - 1 || endpoint.length() - colon > 6)
        {
            return false;
        }
        for (int i = colon + 1; i < endpoint.length(); i++)
        {
            if (!Character.isDigit(endpoint.charAt(i)))
            {
                return false;
            }
        }
        for (int i = 0; i < colon; i++)
        {
            final char c = endpoint.charAt(i);
            if (c <= ' ' || c == '|' || c == '?' || c == '=')
            {
                return false;
            }
        }
        return Integer.parseInt(endpoint.substring(colon + 1)) <= 65535;
    }

    /** @return clients connected now. */
    int size()
    {
        return clients.size();
    }

    /** @return hellos accepted. */
    long helloes()
    {
        return helloes;
    }

    /** @return clients forgotten to make room. */
    long evictions()
    {
        return evictions;
    }

    void close()
    {
        for (final Client client : clients.values())
        {
            release(client);
        }
        clients.clear();
    }
}
