package io.synod.transport.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A process that is not a member talking to the services on members (the application-message path):
 * it listens on an endpoint of its own, introduces itself to a member with a
 * {@link MessageType#CLIENT_HELLO} naming that endpoint, and once the member answered, exchanges
 * {@link MessageType#MESSAGE} frames with the member's services ({@code RaftAgent#registerService}).
 * The member replies over the connection the hello opened; this client's connection id travels in
 * every frame. This is the transport only: request ids, retries and timeouts are the protocol's.
 *
 * <p><b>Connecting.</b> {@link #hello(int)} is not acknowledged at once (the member adds a publication
 * to this client's endpoint first): repeat it until {@link #isConnected(int)}. A member that forgets this
 * client (restart, or its client table was full) stops answering; say hello again.
 * <p><b>Inbound.</b> {@link #poll} checks each frame like a member does (MAC, header, cluster id,
 * addressed to this client, from a member it knows); others are dropped and counted
 * ({@link #droppedFrames(int)}).
 * <p><b>Threading.</b> One thread for everything but construction and {@link #close()}.
 * <b>Allocation.</b> None per message.
 */
public final class AeronServiceClient implements AutoCloseable
{
    /** Receives the messages of members' services. The buffer is valid only during the call. */
    @FunctionalInterface
    public interface MessageHandler
    {
        void onMessage(int from, int serviceId, int flags, DirectBuffer buffer, int offset, int length);
    }

    /** Configuration, validated by {@link #conclude()}. */
    public static final class Context
    {
        private int clusterId;
        private long clientId;
        private String endpoint;
        private final Int2ObjectHashMap<String> members = new Int2ObjectHashMap<>();
        private int streamId = AeronTransport.Configuration.STREAM_ID_DEFAULT;
        private int sendRetriesMax = AeronTransport.Configuration.SEND_RETRIES_MAX_DEFAULT;
        private String channelParams = "";
        private FrameMac mac;

        /** @throws IllegalArgumentException naming the first bad setting. */
        public Context conclude()
        {
            require(clientId > 0, "clientId must be positive: " + clientId);
            require(endpoint != null && endpoint.getBytes(StandardCharsets.US_ASCII).length <= MessageType.CLIENT_ENDPOINT_MAX,
                "endpoint (where this client listens, host:port) must be set and at most " + MessageType.CLIENT_ENDPOINT_MAX + " bytes");
            require(!members.isEmpty(), "at least one member endpoint");
            require(streamId > 0, "streamId must be positive");
            return this;
        }

        private static void require(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }

        /** The members' cluster id; frames carrying another are dropped. */
        public Context clusterId(final int clusterId)
        {
            this.clusterId = clusterId;
            return this;
        }

        /**
         * This client's connection id, positive and unique among the clients of a member: a member that
         * hears a known id from a new endpoint moves the connection there. Pick it at random per process
         * start (a restarted client is a new connection).
         */
        public Context clientId(final long clientId)
        {
            this.clientId = clientId;
            return this;
        }

        /** The UDP endpoint {@code host:port} this client listens on; members reply there. */
        public Context endpoint(final String hostAndPort)
        {
            this.endpoint = hostAndPort;
            return this;
        }

        /** A member's endpoint, as in the members' {@link AeronTransport.Context#endpoint}. */
        public Context member(final int memberId, final String hostAndPort)
        {
            require(memberId > 0, "member ids are positive: " + memberId);
            members.put(memberId, hostAndPort);
            return this;
        }

        /** The members' base stream id (default {@value AeronTransport.Configuration#STREAM_ID_DEFAULT}). */
        public Context streamId(final int streamId)
        {
            this.streamId = streamId;
            return this;
        }

        /** Retries of a back-pressured send. */
        public Context sendRetriesMax(final int sendRetriesMax)
        {
            this.sendRetriesMax = sendRetriesMax;
            return this;
        }

        /** Extra Aeron channel parameters, as the members use. */
        public Context channelParams(final String channelParams)
        {
            this.channelParams = channelParams;
            return this;
        }

        /** The members' frame MAC (null for none). */
        public Context mac(final FrameMac mac)
        {
            this.mac = mac;
            return this;
        }

        String channelAt(final String hostAndPort)
        {
            final String base = "aeron:udp?endpoint=" + hostAndPort;
            return channelParams == null || channelParams.isEmpty() ? base : base + "|" + channelParams;
        }
    }

    private final Aeron aeron;
    private final Context ctx;
    private final int clusterId;
    private final long clientId;
    private final FrameWriter writer;
    private final FrameMac mac;
    private final Subscription subscription;
    private final Int2ObjectHashMap<ExclusivePublication> publications = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<Boolean> connected = new Int2ObjectHashMap<>();
    private final UnsafeBuffer frame;
    private final UnsafeBuffer helloFrame;
    private final MessageHeader header = new MessageHeader();
    private final MessageHeader inbound = new MessageHeader();
    private final FragmentAssembler assembler;
    private final long[] droppedByReason = new long[FrameCheck.REASON_COUNT];
    private MessageHandler handler;

    /**
     * Adds this client's subscription and a publication to every member (waiting for the driver).
     *
     * @param aeron connected Aeron client; not closed by this one.
     * @param maxMessageLength the largest body {@link #send} frames.
     */
    public AeronServiceClient(final Aeron aeron, final Context ctx, final int maxMessageLength)
    {
        ctx.conclude();
        this.aeron = aeron;
        this.ctx = ctx;
        this.clusterId = ctx.clusterId;
        this.clientId = ctx.clientId;
        this.mac = ctx.mac;
        this.writer = new FrameWriter(ctx.mac, ctx.sendRetriesMax);
        this.frame = new UnsafeBuffer(new byte[MessageHeader.LENGTH + maxMessageLength]);
        final byte[] endpoint = ctx.endpoint.getBytes(StandardCharsets.US_ASCII);
        this.helloFrame = new UnsafeBuffer(new byte[MessageHeader.LENGTH + endpoint.length]);
        this.helloFrame.putBytes(MessageHeader.LENGTH, endpoint);
        this.assembler = new FragmentAssembler(this::onFragment, AeronTransport.Configuration.ASSEMBLY_BUFFER_LENGTH_DEFAULT);
        this.subscription = aeron.addSubscription(ctx.channelAt(ctx.endpoint), ctx.streamId);
        final int[] ids = ctx.members.keySet().stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(ids);
        for (final int member : ids)
        {
            publications.put(member, aeron.addExclusivePublication(ctx.channelAt(ctx.members.get(member)), ctx.streamId + member));
            connected.put(member, Boolean.FALSE);
        }
    }

    /**
     * Introduces this client to {@code memberId} (repeat until {@link #isConnected}).
     *
     * @return true if the hello went out.
     */
    public boolean hello(final int memberId)
    {
        final ExclusivePublication publication = publications.get(memberId);
        if (null == publication)
        {
            return false;
        }
        header.wrap(helloFrame, 0).encode(MessageType.CLIENT_HELLO, 0, clusterId, 0, 0, memberId, clientId,
            helloFrame.capacity() - MessageHeader.LENGTH);
        return writer.write(publication, helloFrame, 0, helloFrame.capacity()) > 0;
    }

    /** @return true once {@code memberId} answered a hello: its services can reply to this client. */
    public boolean isConnected(final int memberId)
    {
        return Boolean.TRUE.equals(connected.get(memberId));
    }

    /**
     * Sends a message to a service on a member.
     *
     * @return true if the frame went out (not that it arrived: the protocol retries).
     */
    public boolean send(final int memberId, final int serviceId, final int flags, final DirectBuffer body, final int offset, final int length)
    {
        final ExclusivePublication publication = publications.get(memberId);
        if (null == publication || serviceId <= 0 || length < 0 || length > frame.capacity() - MessageHeader.LENGTH)
        {
            return false;
        }
        header.wrap(frame, 0).encode(MessageType.MESSAGE, flags, clusterId, serviceId, 0, memberId, clientId, length);
        frame.putBytes(MessageHeader.LENGTH, body, offset, length);
        return writer.write(publication, frame, 0, MessageHeader.LENGTH + length) > 0;
    }

    /**
     * Delivers up to {@code fragmentLimit} fragments: services' messages to the handler, hello answers to
     * {@link #isConnected}.
     *
     * @return fragments read.
     */
    public int poll(final MessageHandler handler, final int fragmentLimit)
    {
        this.handler = handler;
        return subscription.poll(assembler, fragmentLimit);
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int signedLength, final Header aeronHeader)
    {
        int length = signedLength;
        if (null != mac)
        {
            if (!mac.verify(buffer, offset, signedLength))
            {
                droppedByReason[FrameCheck.BAD_MAC]++;
                return;
            }
            length -= FrameMac.TAG_LENGTH;
        }
        final int check = FrameCheck.checkHeader(inbound, buffer, offset, length);
        if (check != FrameCheck.OK)
        {
            droppedByReason[check]++;
            return;
        }
        if (inbound.clusterId() != clusterId)
        {
            droppedByReason[FrameCheck.WRONG_CLUSTER]++;
            return;
        }
        final int from = inbound.from();
        if (inbound.to() != 0 || inbound.term() != clientId || !publications.containsKey(from))
        {
            droppedByReason[FrameCheck.UNKNOWN_MEMBER]++;
            return;
        }
        final int type = inbound.type();
        if (type == MessageType.CLIENT_HELLO)
        {
            connected.put(from, Boolean.TRUE);
        }
        else if (type == MessageType.MESSAGE)
        {
            handler.onMessage(from, inbound.groupId(), inbound.flags(), buffer, inbound.bodyOffset(), inbound.bodyLength());
        }
        else
        {
            droppedByReason[FrameCheck.BAD_TYPE]++;
        }
    }

    /** @return frames dropped for {@code reason} (a {@link FrameCheck} code). */
    public long droppedFrames(final int reason)
    {
        return droppedByReason[reason];
    }

    /** @return this client's connection id. */
    public long clientId()
    {
        return clientId;
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(subscription);
        for (final ExclusivePublication publication : publications.values())
        {
            CloseHelper.quietClose(publication);
        }
    }
}
