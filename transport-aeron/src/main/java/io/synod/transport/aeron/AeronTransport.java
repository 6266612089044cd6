package io.synod.transport.aeron;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.synod.raft.Transport;
import io.synod.raft.codec.FrameCheck;
import io.synod.raft.codec.MessageHeader;
import io.synod.raft.codec.MessageType;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.Arrays;

/**
 * The {@link Transport} port over Aeron: one {@link ExclusivePublication} per peer and one
 * {@link Subscription} for this member, on UDP unicast endpoints or, for members in one process,
 * on IPC. Member {@code m} listens on stream {@code streamId + m} of its own channel.
 *
 * <p><b>Outbound.</b> A frame that fits one Aeron fragment is written with {@code tryClaim}: copied
 * once into the term buffer, signed there when a {@link FrameMac} is configured, and committed. A
 * larger frame is offered (Aeron fragments it; the receiver reassembles it). A back-pressured send
 * is retried up to {@link Context#sendRetriesMax()} times, then reported as {@code false}; nothing is
 * thrown. A publication the driver closed is re-added asynchronously, so a restarted peer or driver
 * is reconnected without blocking the duty cycle.
 *
 * <p><b>Inbound.</b> {@link #poll} reads at most {@code fragmentLimit} fragments through a
 * {@link FragmentAssembler}. Each frame is checked before the handler sees it: the MAC (when
 * configured), then {@link FrameCheck#checkHeader}, the cluster id, a sender that is a peer and a
 * receiver that is this member. A failing frame is dropped and counted by reason
 * ({@link #droppedFrames(int)}) and in the {@link SynodCounters#DROPPED_FRAMES_TYPE_ID} counter.
 * The handler receives the frame without its MAC trailer.
 *
 * <p><b>Clients.</b> A process that is not a member ({@link AeronServiceClient}) reaches the services on
 * the application-message path: its {@link io.synod.raft.codec.MessageType#CLIENT_HELLO} names the endpoint
 * it listens on, and this transport keeps a publication there (at most {@link Context#clientsMax()}
 * clients, the least recently heard forgotten first) and answers the hello; its messages then pass to
 * the handler, and {@link #sendToClient} replies. A client's frame is checked like a member's (MAC, header,
 * cluster id) and must carry its connection id; a message from a client that has not said hello is dropped
 * ({@link FrameCheck#UNKNOWN_MEMBER}), and so is a hello whose endpoint is not a plain {@code host:port}
 * ({@link FrameCheck#BAD_FIELD}).
 *
 * <p><b>Peers at run time.</b> The peers given at construction may be extended and shrunk while the
 * transport runs: {@link #addPeer} starts adding a publication to a new member (or to a member's new
 * endpoint) without waiting for the driver, and {@link #removePeer} closes one. Until the publication
 * is ready, sends to that member return false and are counted as failures; a send to a member that is
 * not a peer at all is counted again in {@link #sendsToUnknownMember()}. Frames from a sender that is
 * not a peer are dropped ({@link FrameCheck#UNKNOWN_MEMBER}). {@link AeronRaftNode} keeps the peers in
 * line with the node's configuration.
 *
 * <p><b>Threading.</b> {@link #send}, {@link #poll}, {@link #addPeer}, {@link #removePeer} and
 * {@link #close} on the agent's thread only.
 * The Aeron counters may be read from any thread or process.
 * <p><b>Allocation.</b> None in steady state; adding a peer or re-adding a closed publication allocates, and so does the
 * first frame above one MTU from each peer session (its reassembly buffer, {@link Context#assemblyBufferLength}).
 * <p><b>Exceptions.</b> {@link #send} never throws. {@link #poll} propagates what the frame handler
 * throws (a failure of the node is fatal and must not be hidden).
 */
public final class AeronTransport implements Transport
{
    /** Defaults. */
    public static final class Configuration
    {
        /** Base stream id; member {@code m} listens on {@code streamId + m}. */
        public static final int STREAM_ID_DEFAULT = 7000;
        /** Retries of a back-pressured send before it is reported as failed. */
        public static final int SEND_RETRIES_MAX_DEFAULT = 3;
        /** The IPC channel. */
        public static final String IPC_CHANNEL = "aeron:ipc";
        /**
         * Initial bytes of the reassembly buffer of each sending peer: one AppendEntries or InstallSnapshot
         * frame of {@code RaftConfig}'s default {@code appendBytesMax} (64 KiB) plus its headers and MAC fits,
         * so the buffer is allocated once per peer session and never grows. Aeron's default (4 KiB, growing
         * by half each time a larger frame arrives) allocated ~200 KB per follower while batches grew.
         */
        public static final int ASSEMBLY_BUFFER_LENGTH_DEFAULT = 128 * 1024;
        /** Clients a member remembers where to reply to (see {@link AeronServiceClient}). */
        public static final int CLIENTS_MAX_DEFAULT = 1024;

        private Configuration()
        {
        }
    }

    /**
     * Configuration of one transport, validated by {@link #conclude()}.
     */
    public static final class Context
    {
        private int clusterId;
        private int memberId;
        private final Int2ObjectHashMap<String> endpoints = new Int2ObjectHashMap<>();
        private boolean ipc;
        private int streamId = Configuration.STREAM_ID_DEFAULT;
        private int sendRetriesMax = Configuration.SEND_RETRIES_MAX_DEFAULT;
        private String channelParams = "";
        private FrameMac mac;
        private boolean validateHeaders = true;
        private int assemblyBufferLength = Configuration.ASSEMBLY_BUFFER_LENGTH_DEFAULT;
        private int clientsMax = Configuration.CLIENTS_MAX_DEFAULT;
        private int[] members;

        /**
         * Validates the context.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first bad setting.
         */
        public Context conclude()
        {
            require(memberId > 0, "memberId must be positive: " + memberId);
            require(ipc || endpoints.size() > 1, "UDP needs an endpoint for every member (at least two), or ipc(true)");
            require(members != null && members.length > 0, "members must be set (endpoint(...) or members(...))");
            require(Arrays.stream(members).anyMatch((m) -> m == memberId), "memberId not in members");
            require(Arrays.stream(members).allMatch((m) -> m > 0), "member ids must be positive");
            require(ipc || Arrays.stream(members).allMatch(endpoints::containsKey), "every member needs an endpoint");
            require(sendRetriesMax >= 0, "sendRetriesMax must be >= 0");
            require(streamId > 0, "streamId must be positive");
            require(assemblyBufferLength > 0, "assemblyBufferLength must be positive: " + assemblyBufferLength);
            require(clientsMax >= 0, "clientsMax must be >= 0: " + clientsMax);
            return this;
        }

        private static void require(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }

        /** Cluster id; frames carrying another are dropped. */
        public Context clusterId(final int clusterId)
        {
            this.clusterId = clusterId;
            return this;
        }

        public int clusterId()
        {
            return clusterId;
        }

        /** This member's id. */
        public Context memberId(final int memberId)
        {
            this.memberId = memberId;
            return this;
        }

        public int memberId()
        {
            return memberId;
        }

        /**
         * The UDP endpoint {@code host:port} of a member (this one included: it is where this member
         * listens). Adds the member to {@link #members()}.
         */
        public Context endpoint(final int memberId, final String hostAndPort)
        {
            endpoints.put(memberId, hostAndPort);
            final int[] keys = new int[endpoints.size()];
            int i = 0;
            for (final Int2ObjectHashMap<String>.KeyIterator it = endpoints.keySet().iterator(); it.hasNext(); )
            {
                keys[i++] = it.nextInt();
            }
            Arrays.sort(keys);
            members = keys;
            return this;
        }

        /** @return the endpoint of a member, or null. */
        public String endpoint(final int memberId)
        {
            return endpoints.get(memberId);
        }

        /** Members, for IPC (with UDP, {@link #endpoint(int, String)} sets them). */
        public Context members(final int... members)
        {
            this.members = members.clone();
            Arrays.sort(this.members);
            return this;
        }

        public int[] members()
        {
            return members == null ? null : members.clone();
        }

        /** Use IPC instead of UDP: every member must use the same media driver. */
        public Context ipc(final boolean ipc)
        {
            this.ipc = ipc;
            return this;
        }

        public boolean ipc()
        {
            return ipc;
        }

        /** Base stream id (default {@value Configuration#STREAM_ID_DEFAULT}). */
        public Context streamId(final int streamId)
        {
            this.streamId = streamId;
            return this;
        }

        public int streamId()
        {
            return streamId;
        }

        /** Retries of a back-pressured send (default {@value Configuration#SEND_RETRIES_MAX_DEFAULT}). */
        public Context sendRetriesMax(final int sendRetriesMax)
        {
            this.sendRetriesMax = sendRetriesMax;
            return this;
        }

        public int sendRetriesMax()
        {
            return sendRetriesMax;
        }

        /**
         * Extra Aeron channel parameters appended to every channel, e.g. {@code "term-length=1m"} or
         * {@code "mtu=8k|term-length=4m"}. Empty by default.
         */
        public Context channelParams(final String channelParams)
        {
            this.channelParams = channelParams;
            return this;
        }

        public String channelParams()
        {
            return channelParams;
        }

        /** Authenticate frames with a MAC over each (null, the default, for none). All members must agree. */
        public Context mac(final FrameMac mac)
        {
            this.mac = mac;
            return this;
        }

        public FrameMac mac()
        {
            return mac;
        }

        /**
         * Check header, cluster and members before delivering (default true). The node checks the
         * same again; turning this off only saves a few loads per frame.
         */
        public Context validateHeaders(final boolean validateHeaders)
        {
            this.validateHeaders = validateHeaders;
            return this;
        }

        public boolean validateHeaders()
        {
            return validateHeaders;
        }

        /**
         * Initial length of the buffer that reassembles a frame above one MTU, per sending peer (default
         * {@value Configuration#ASSEMBLY_BUFFER_LENGTH_DEFAULT}). Set it to the largest frame the node sends
         * (above {@code RaftConfig#appendBytesMax} plus headers and MAC) so that reassembly never grows it.
         */
        public Context assemblyBufferLength(final int assemblyBufferLength)
        {
            this.assemblyBufferLength = assemblyBufferLength;
            return this;
        }

        public int assemblyBufferLength()
        {
            return assemblyBufferLength;
        }

        /**
         * Clients this member remembers where to reply to (default {@value Configuration#CLIENTS_MAX_DEFAULT});
         * when full, a new client's hello makes the member forget the one heard from least recently. 0 turns
         * clients off: their hellos and messages are dropped.
         */
        public Context clientsMax(final int clientsMax)
        {
            this.clientsMax = clientsMax;
            return this;
        }

        public int clientsMax()
        {
            return clientsMax;
        }

        /** @return the stream on which a client listens at its own endpoint (the base stream id). */
        public int clientStreamId()
        {
            return streamId;
        }

        /** @return the channel on which {@code memberId} listens. */
        public String channel(final int memberId)
        {
            return channelAt(endpoints.get(memberId));
        }

        /**
         * @param hostAndPort a UDP endpoint; ignored with IPC.
         * @return the channel of a member listening at {@code hostAndPort}, with {@link #channelParams()}.
         */
        public String channelAt(final String hostAndPort)
        {
            final String base = ipc ? Configuration.IPC_CHANNEL : "aeron:udp?endpoint=" + hostAndPort;
            if (channelParams == null || channelParams.isEmpty())
            {
                return base;
            }
            return base + (ipc ? "?" : "|") + channelParams;
        }

        /** @return the stream on which {@code memberId} listens. */
        public int memberStreamId(final int memberId)
        {
            return streamId + memberId;
        }
    }

    private static final class Peer
    {
        final int memberId;
        final String channel;
        final int streamId;
        ExclusivePublication publication;
        long pendingRegistrationId = Aeron.NULL_VALUE;

        Peer(final int memberId, final String channel, final int streamId)
        {
            this.memberId = memberId;
            this.channel = channel;
            this.streamId = streamId;
        }
    }

    private final Aeron aeron;
    private final Context ctx;
    private final int clusterId;
    private final int memberId;
    private final int[] members;
    private final int sendRetriesMax;
    private final boolean validateHeaders;
    private final FrameMac mac;
    private final int macLength;
    private final int clientsMax;
    /** Invariant: holds no entry for this member; each value's {@code memberId} is its key. */
    private final Int2ObjectHashMap<Peer> peers = new Int2ObjectHashMap<>();
    private final FrameWriter writer;
    private final ClientConnections clients;
    private final MessageHeader header = new MessageHeader();
    private final FragmentAssembler assembler;
    private final long[] droppedByReason = new long[FrameCheck.REASON_COUNT];
    private final Counter sentFrames;
    private final Counter sentBytes;
    private final Counter receivedFrames;
    private final Counter receivedBytes;
    private final Counter droppedFrames;
    private final Counter sendFailures;
    private Subscription subscription;
    private FrameHandler handler;
    private long sendExceptions;
    private long sendsToUnknownMember;
    private boolean closed;

    /**
     * Creates the transport: adds this member's subscription (waiting for the driver to confirm it)
     * and one publication per peer, and allocates the transport counters.
     *
     * @param aeron connected client; not closed by this transport.
     * @param ctx   the configuration; concluded here.
     */
    public AeronTransport(final Aeron aeron, final Context ctx)
    {
        ctx.conclude();
        this.aeron = aeron;
        this.ctx = ctx;
        this.clusterId = ctx.clusterId();
        this.memberId = ctx.memberId();
        this.members = ctx.members();
        this.sendRetriesMax = ctx.sendRetriesMax();
        this.validateHeaders = ctx.validateHeaders();
        this.mac = ctx.mac();
        this.macLength = mac == null ? 0 : FrameMac.TAG_LENGTH;
        this.writer = new FrameWriter(mac, sendRetriesMax);
        this.clientsMax = ctx.clientsMax();
        this.clients = new ClientConnections(aeron, ctx, writer);
        // One buffer per sending session, created on its first fragmented frame at the full frame size.
        this.assembler = new FragmentAssembler(this::onFragment, ctx.assemblyBufferLength());

        sentFrames = SynodCounters.allocate(aeron, SynodCounters.SENT_FRAMES_TYPE_ID, "sent frames", clusterId, 0, memberId);
        sentBytes = SynodCounters.allocate(aeron, SynodCounters.SENT_BYTES_TYPE_ID, "sent bytes", clusterId, 0, memberId);
        receivedFrames =
            SynodCounters.allocate(aeron, SynodCounters.RECEIVED_FRAMES_TYPE_ID, "received frames", clusterId, 0, memberId);
        receivedBytes =
            SynodCounters.allocate(aeron, SynodCounters.RECEIVED_BYTES_TYPE_ID, "received bytes", clusterId, 0, memberId);
        droppedFrames =
            SynodCounters.allocate(aeron, SynodCounters.DROPPED_FRAMES_TYPE_ID, "dropped frames", clusterId, 0, memberId);
        sendFailures =
            SynodCounters.allocate(aeron, SynodCounters.SEND_FAILURES_TYPE_ID, "send failures", clusterId, 0, memberId);

        subscription = aeron.addSubscription(ctx.channel(memberId), ctx.memberStreamId(memberId));
        for (final int member : members)
        {
            if (member != memberId)
            {
                addPeer(member, ctx.endpoint(member));
            }
        }
    }

    /**
     * Starts adding a publication to {@code memberId} at {@code hostAndPort} without waiting for the driver:
     * sends to it fail (counted) until the driver has created it. A peer already at that endpoint is left
     * as it is; a peer at another endpoint is moved there (its old publication closed). Allocates. Agent
     * thread. Never throws for a driver failure: the registration is retried on a later send.
     *
     * @param memberId    the peer, positive and not this member.
     * @param hostAndPort its UDP endpoint {@code host:port}; ignored (may be null) with IPC.
     * @return true if a publication is being added; false if the peer was already there at that endpoint.
     * @throws IllegalArgumentException for this member's id, a non-positive id or, with UDP, a null endpoint.
     */
    public boolean addPeer(final int memberId, final String hostAndPort)
    {
        if (memberId <= 0 || memberId == this.memberId || (!ctx.ipc() && null == hostAndPort))
        {
            throw new IllegalArgumentException("bad peer " + memberId + " at " + hostAndPort);
        }
        final String channel = ctx.channelAt(hostAndPort);
        final Peer existing = peers.get(memberId);
        if (null != existing)
        {
            if (existing.channel.equals(channel))
            {
                return false;
            }
            removePeer(memberId);
        }
        final Peer peer = new Peer(memberId, channel, ctx.memberStreamId(memberId));
        peers.put(memberId, peer);
        try
        {
            peer.pendingRegistrationId = aeron.asyncAddExclusivePublication(peer.channel, peer.streamId);
        }
        catch (final RuntimeException ex)
        {
            // The driver is unavailable: the first send to this peer registers it again.
            sendExceptions++;
            peer.pendingRegistrationId = Aeron.NULL_VALUE;
        }
        return true;
    }

    /**
     * Forgets a peer: closes its publication (or cancels its registration); later sends to it return false
     * and frames from it are dropped. Agent thread. Never throws.
     *
     * @return true if it was a peer.
     */
    public boolean removePeer(final int memberId)
    {
        final Peer peer = peers.remove(memberId);
        if (null == peer)
        {
            return false;
        }
        release(peer);
        return true;
    }

    /** @return true if {@code memberId} is a peer (its publication may still be pending). Agent thread. */
    public boolean hasPeer(final int memberId)
    {
        return peers.containsKey(memberId);
    }

    /** @return the number of peers. Agent thread. */
    public int peerCount()
    {
        return peers.size();
    }

    private void release(final Peer peer)
    {
        CloseHelper.quietClose(peer.publication);
        peer.publication = null;
        if (Aeron.NULL_VALUE != peer.pendingRegistrationId && !aeron.isClosed())
        {
            try
            {
                aeron.asyncRemovePublication(peer.pendingRegistrationId);
            }
            catch (final RuntimeException ignore)
            {
                // the driver is gone; nothing to release
            }
        }
        peer.pendingRegistrationId = Aeron.NULL_VALUE;
    }

    /**
     * Sends one frame to a peer. Never blocks beyond {@link Context#sendRetriesMax()} immediate
     * retries and never throws.
     *
     * @return true if Aeron accepted the frame; false if the peer is unknown, not connected,
     * back-pressured, the frame is larger than the publication's maximum message, or Aeron failed.
     */
    @Override
    public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Peer peer = peers.get(memberId);
        if (null == peer)
        {
            sendsToUnknownMember++;
            sendFailures.incrementRelease();
            return false;
        }

        try
        {
            final ExclusivePublication publication = publication(peer);
            if (null == publication)
            {
                sendFailures.incrementRelease();
                return false;
            }

            final long result = writer.write(publication, buffer, offset, length);
            if (result > 0)
            {
                onSent(writer.frameLength(length));
                return true;
            }
            sendFailures.incrementRelease();
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                // The driver closed the publication (client timeout, driver restart) or its position
                // space is spent: replace it. Raft retransmits whatever is lost meanwhile.
                reconnect(peer);
            }
            return false;
        }
        catch (final RuntimeException ex)
        {
            sendExceptions++;
            sendFailures.incrementRelease();
            return false;
        }
    }

    private void onSent(final int frameLength)
    {
        sentFrames.incrementRelease();
        sentBytes.getAndAddRelease(frameLength);
    }

    private void reconnect(final Peer peer)
    {
        final ExclusivePublication old = peer.publication;
        peer.publication = null;
        CloseHelper.quietClose(old);
        if (Aeron.NULL_VALUE == peer.pendingRegistrationId)
        {
            peer.pendingRegistrationId = aeron.asyncAddExclusivePublication(peer.channel, peer.streamId);
        }
    }

    private ExclusivePublication publication(final Peer peer)
    {
        final ExclusivePublication publication = peer.publication;
        if (null != publication)
        {
            if (!publication.isClosed())
            {
                return publication;
            }
            reconnect(peer);
        }

        if (Aeron.NULL_VALUE == peer.pendingRegistrationId)
        {
            // Registration could not even be started (addPeer while the driver was away): start it now.
            peer.pendingRegistrationId = aeron.asyncAddExclusivePublication(peer.channel, peer.streamId);
        }
        else
        {
            try
            {
                final ExclusivePublication added = aeron.getExclusivePublication(peer.pendingRegistrationId);
                if (null != added)
                {
                    peer.pendingRegistrationId = Aeron.NULL_VALUE;
                    peer.publication = added;
                }
            }
            catch (final RuntimeException ex)
            {
                // Registration failed (driver restarting): try again on a later send.
                sendExceptions++;
                peer.pendingRegistrationId = aeron.asyncAddExclusivePublication(peer.channel, peer.streamId);
            }
        }
        return peer.publication;
    }

    /**
     * Delivers up to {@code fragmentLimit} fragments; each complete, valid frame goes to the handler.
     *
     * @return the number of fragments read (dropped frames included: they are work too).
     */
    @Override
    public int poll(final FrameHandler handler, final int fragmentLimit)
    {
        this.handler = handler;
        final Subscription subscription = this.subscription;
        if (subscription.isClosed())
        {
            if (!closed)
            {
                this.subscription = aeron.addSubscription(ctx.channel(memberId), ctx.memberStreamId(memberId));
            }
            return 0;
        }
        return subscription.poll(assembler, fragmentLimit);
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int signedLength, final Header aeronHeader)
    {
        receivedFrames.incrementRelease();
        receivedBytes.getAndAddRelease(signedLength);

        int length = signedLength;
        if (null != mac)
        {
            if (!mac.verify(buffer, offset, signedLength))
            {
                drop(FrameCheck.BAD_MAC);
                return;
            }
            length -= FrameMac.TAG_LENGTH;
        }

        if (validateHeaders)
        {
            final int code = FrameCheck.checkHeader(header, buffer, offset, length);
            if (FrameCheck.OK != code)
            {
                drop(code);
                return;
            }
            if (header.clusterId() != clusterId)
            {
                drop(FrameCheck.WRONG_CLUSTER);
                return;
            }
            if (header.from() == 0)
            {
                onClientFrame(buffer, offset, length);
                return;
            }
            if (header.to() != memberId || !peers.containsKey(header.from()))
            {
                drop(FrameCheck.UNKNOWN_MEMBER);
                return;
            }
        }
        else if (length >= MessageHeader.LENGTH && header.wrap(buffer, offset).from() == 0 &&
            FrameCheck.checkHeader(header, buffer, offset, length) == FrameCheck.OK)
        {
            onClientFrame(buffer, offset, length);
            return;
        }

        handler.onFrame(buffer, offset, length);
    }

    /** A frame from a client (header checked): its hello is the transport's; its messages go on once it said hello. */
    private void onClientFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        final int type = header.type();
        final long clientId = header.term();
        if (clientsMax == 0 || header.to() != memberId || clientId <= 0 ||
            (type != MessageType.CLIENT_HELLO && type != MessageType.MESSAGE))
        {
            drop(FrameCheck.UNKNOWN_MEMBER);
            return;
        }
        if (type == MessageType.CLIENT_HELLO)
        {
            if (!clients.onHello(clientId, buffer, header.bodyOffset(), header.bodyLength()))
            {
                drop(FrameCheck.BAD_FIELD);
            }
            return;
        }
        if (!clients.onMessage(clientId))
        {
            drop(FrameCheck.UNKNOWN_MEMBER);
            return;
        }
        handler.onFrame(buffer, offset, length);
    }

    /**
     * Sends one frame to a client over the connection its hello opened. Never throws.
     *
     * @return false if the client is unknown here (never said hello, or forgotten), its publication is
     * not ready yet, or the frame could not be written.
     */
    @Override
    public boolean sendToClient(final long clientId, final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            final long result = clients.send(clientId, buffer, offset, length);
            if (result > 0)
            {
                onSent(writer.frameLength(length));
                return true;
            }
        }
        catch (final RuntimeException ex)
        {
            sendExceptions++;
        }
        sendFailures.incrementRelease();
        return false;
    }

    /** @return clients this member can reply to now. Agent thread. */
    public int connectedClients()
    {
        return clients.size();
    }

    /** @return clients forgotten to make room for new ones ({@link Context#clientsMax}). Agent thread. */
    public long clientEvictions()
    {
        return clients.evictions();
    }

    private void drop(final int reason)
    {
        droppedByReason[reason]++;
        droppedFrames.incrementRelease();
    }

    /** @return frames dropped by this transport for {@code reason} (a {@link FrameCheck} code). Agent thread. */
    public long droppedFrames(final int reason)
    {
        return droppedByReason[reason];
    }

    /** @return all frames dropped by this transport; readable from any thread. */
    public long droppedFrames()
    {
        return droppedFrames.get();
    }

    /** @return frames handed to Aeron; readable from any thread. */
    public long sentFrames()
    {
        return sentFrames.get();
    }

    /** @return bytes handed to Aeron (MAC included); readable from any thread. */
    public long sentBytes()
    {
        return sentBytes.get();
    }

    /** @return frames received, valid or not; readable from any thread. */
    public long receivedFrames()
    {
        return receivedFrames.get();
    }

    /** @return bytes received; readable from any thread. */
    public long receivedBytes()
    {
        return receivedBytes.get();
    }

    /** @return failed sends; readable from any thread. */
    public long sendFailures()
    {
        return sendFailures.get();
    }

    /** @return sends to a member that is not a peer (no endpoint known, or forgotten). Agent thread. */
    public long sendsToUnknownMember()
    {
        return sendsToUnknownMember;
    }

    /** @return exceptions caught from Aeron while sending. Agent thread. */
    public long sendExceptions()
    {
        return sendExceptions;
    }

    /** @return this member's id. */
    public int memberId()
    {
        return memberId;
    }

    /** @return the dropped-frames counter, so the node can add the frames it drops itself. */
    public Counter droppedFramesCounter()
    {
        return droppedFrames;
    }

    /** @return true if the publication to {@code memberId} is connected to a live subscriber. */
    public boolean isConnected(final int memberId)
    {
        final Peer peer = peers.get(memberId);
        return null != peer && null != peer.publication && peer.publication.isConnected();
    }

    /** @return the configuration. */
    public Context context()
    {
        return ctx;
    }

    /**
     * Closes the subscription, the publications and the counters. Idempotent; agent thread or after
     * the agent stopped.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final Peer peer : peers.values())
        {
            release(peer);
        }
        clients.close();
        CloseHelper.quietCloseAll(subscription, sentFrames, sentBytes, receivedFrames, receivedBytes, droppedFrames, sendFailures);
    }
}
