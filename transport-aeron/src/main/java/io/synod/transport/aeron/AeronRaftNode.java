package io.synod.transport.aeron;

import io.synod.raft.HardState;
import io.synod.raft.ProposalFutures;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftLog;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import io.synod.raft.SnapshotStore;
import io.synod.raft.StateMachine;
import io.synod.raft.Transport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * One running Raft member over Aeron: a {@link RaftNode} driven by a {@link RaftAgent} on its own
 * {@link AgentRunner} thread, talking through an {@link AeronTransport}, with its status published as
 * Aeron counters ({@link NodeCounters}). Built by {@link #builder()}:
 *
 * <pre>{@code
 * AeronRaftNode node = AeronRaftNode.builder()
 *     .clusterId(7).memberId(1)
 *     .endpoint(1, "127.0.0.1:20001").endpoint(2, "127.0.0.1:20002").endpoint(3, "127.0.0.1:20003")
 *     .log(log).hardState(hardState).stateMachine(stateMachine)
 *     .build();                       // started: the agent thread runs
 * node.propose("hello".getBytes()).join();
 * node.close();
 * }</pre>
 *
 * <p><b>Membership at run time.</b> The transport follows the node's configuration
 * ({@link RaftNode#membership()}): members the configuration drops are forgotten (publication closed), members
 * it gains are connected. Their addresses come from the host, which adds a new member's endpoint on every
 * running member with {@link #addEndpoint} before proposing {@code ADD_LEARNER} with
 * {@link #proposeMembershipChange}. The new member itself is built with {@code RaftConfig.joining(true)} and the
 * endpoints of the running members (and its own); it waits for the leader's configuration. Adding member 4:
 *
 * <pre>{@code
 * AeronRaftNode four = AeronRaftNode.builder().memberId(4)
 *     .endpoint(1, e1).endpoint(2, e2).endpoint(3, e3).endpoint(4, e4)
 *     .raftConfig(new RaftConfig().joining(true)) ... .build();
 * for (AeronRaftNode member : running) member.addEndpoint(4, e4);
 * leader.proposeMembershipChange(corr, Membership.ADD_LEARNER, 4);   // then PROMOTE once caught up
 * }</pre>
 *
 * <p><b>Idle strategy.</b> {@link YieldingIdleStrategy} by default, chosen by measurement on a 2-core
 * machine: 13 µs p50 UDP round trip yielding against 140 µs with a backoff that parks up to 100 µs;
 * busy spinning starved the media driver and the other nodes. Use a busy-spin strategy on dedicated
 * cores, a backoff or sleeping strategy on shared machines.
 *
 * <p><b>Threading.</b> The status accessors ({@link #role()}, {@link #term()}, ...) and the propose
 * methods may be called from any thread. {@link #close()} from one host thread.
 * <p><b>Ownership.</b> The node owns and closes the log, the hard state, the snapshot store, the
 * transport, its counters and the {@link AeronRuntime} when it created it (embedded by default); a
 * runtime passed in with {@link Builder#runtime(AeronRuntime)} is left open.
 * <p><b>Failure.</b> An exception out of the duty cycle (a failed flush, a throwing state machine)
 * stops the agent: Raft must not go on after a failed persist. {@link #failure()} then returns it.
 */
public final class AeronRaftNode implements AutoCloseable
{
    /** Defaults. */
    public static final class Configuration
    {
        /** Bytes of the proposal ring buffer between host threads and the agent. */
        public static final int PROPOSAL_RING_CAPACITY_DEFAULT = 1024 * 1024;

        private Configuration()
        {
        }
    }

    /**
     * Wires one node: ports, endpoints, Aeron, idle strategy. {@link #build()} validates and starts it.
     */
    public static final class Builder
    {
        private int clusterId;
        private int groupId;
        private int memberId;
        private final Int2ObjectHashMap<String> endpoints = new Int2ObjectHashMap<>();
        private int[] ipcMembers;
        private RaftConfig config = new RaftConfig();
        private RaftLog log;
        private HardState hardState;
        private SnapshotStore snapshotStore;
        private StateMachine stateMachine;
        private ProposalHandler proposalHandler;
        private IdleStrategy idleStrategy;
        private AeronRuntime runtime;
        private Path driverParentDir;
        private FrameMac mac;
        private UnaryOperator<Transport> transportDecorator = UnaryOperator.identity();
        private long randomSeed = System.nanoTime();
        private NanoClock clock = SystemNanoClock.INSTANCE;
        private int proposalRingCapacity = Configuration.PROPOSAL_RING_CAPACITY_DEFAULT;
        private int streamId = AeronTransport.Configuration.STREAM_ID_DEFAULT;
        private String channelParams = "";
        private final java.util.List<Object[]> services = new java.util.ArrayList<>();

        private Builder()
        {
        }

        /** Cluster id carried in every frame. */
        public Builder clusterId(final int clusterId)
        {
            this.clusterId = clusterId;
            return this;
        }

        /** Raft group id (default 0). */
        public Builder groupId(final int groupId)
        {
            this.groupId = groupId;
            return this;
        }

        /** This member's id. */
        public Builder memberId(final int memberId)
        {
            this.memberId = memberId;
            return this;
        }

        /** UDP endpoint {@code host:port} of each member, this one included. */
        public Builder endpoint(final int memberId, final String hostAndPort)
        {
            endpoints.put(memberId, hostAndPort);
            return this;
        }

        /** Use IPC among these members instead of UDP; they must share one media driver ({@link #runtime}). */
        public Builder ipc(final int... members)
        {
            ipcMembers = members.clone();
            return this;
        }

        /**
         * Raft settings (timeouts, windows, snapshot thresholds, observer). Cluster, group, member and
         * members are set by this builder.
         */
        public Builder raftConfig(final RaftConfig config)
        {
            this.config = config;
            return this;
        }

        /** The log; owned and closed by the node. */
        public Builder log(final RaftLog log)
        {
            this.log = log;
            return this;
        }

        /** Term and vote; owned and closed by the node. */
        public Builder hardState(final HardState hardState)
        {
            this.hardState = hardState;
            return this;
        }

        /**
         * Where this member keeps its snapshots; owned and closed by the node. Default: none, so snapshots
         * are off (the log is never compacted). When the thresholds of {@link #raftConfig} are reached the
         * node snapshots the state machine into it, compacts the log behind it, sends it to followers
         * behind the compacted prefix (InstallSnapshot) and restores from it on start-up.
         */
        public Builder snapshotStore(final SnapshotStore snapshotStore)
        {
            this.snapshotStore = snapshotStore;
            return this;
        }

        /** The application's state machine. */
        public Builder stateMachine(final StateMachine stateMachine)
        {
            this.stateMachine = stateMachine;
            return this;
        }

        /**
         * Receives proposal outcomes on the agent thread. Default: a {@link ProposalFutures}, which
         * {@link AeronRaftNode#propose(byte[])} needs.
         */
        public Builder proposalHandler(final ProposalHandler proposalHandler)
        {
            this.proposalHandler = proposalHandler;
            return this;
        }

        /** Idle strategy of the agent thread (default {@link YieldingIdleStrategy}). */
        public Builder idleStrategy(final IdleStrategy idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /** Use this Aeron client and driver (not closed by the node). Default: an embedded driver of its own. */
        public Builder runtime(final AeronRuntime runtime)
        {
            this.runtime = runtime;
            return this;
        }

        /** Parent directory of the embedded driver's directory (default: a fresh temporary directory). */
        public Builder driverParentDir(final Path driverParentDir)
        {
            this.driverParentDir = driverParentDir;
            return this;
        }

        /** Authenticate every frame with this MAC; all members must use the same secret. */
        public Builder mac(final FrameMac mac)
        {
            this.mac = mac;
            return this;
        }

        /** Wraps the transport the node uses, e.g. to inject faults in tests. Identity by default. */
        public Builder transportDecorator(final UnaryOperator<Transport> transportDecorator)
        {
            this.transportDecorator = transportDecorator;
            return this;
        }

        /** Seed of the election-timeout generator (default: the clock). */
        public Builder randomSeed(final long randomSeed)
        {
            this.randomSeed = randomSeed;
            return this;
        }

        /** Clock read once per duty cycle (default {@link SystemNanoClock}). */
        public Builder clock(final NanoClock clock)
        {
            this.clock = clock;
            return this;
        }

        /** Bytes of the proposal ring buffer, a power of two (default 1 MiB). */
        public Builder proposalRingCapacity(final int proposalRingCapacity)
        {
            this.proposalRingCapacity = proposalRingCapacity;
            return this;
        }

        /** Base Aeron stream id (default {@value AeronTransport.Configuration#STREAM_ID_DEFAULT}). */
        public Builder streamId(final int streamId)
        {
            this.streamId = streamId;
            return this;
        }

        /** Extra Aeron channel parameters, e.g. {@code "term-length=1m"}. */
        public Builder channelParams(final String channelParams)
        {
            this.channelParams = channelParams;
            return this;
        }

        /**
         * Registers a service on the application-message path ({@link RaftAgent#registerService}) before the agent
         * thread starts; its channel is then {@code node.agent().service(serviceId)}.
         */
        public Builder service(final int serviceId, final io.synod.raft.ServiceHandler handler, final int maxMessageLength)
        {
            services.add(new Object[] {serviceId, handler, maxMessageLength});
            return this;
        }

        /**
         * Validates, creates the transport, the Raft node and the agent, and starts the agent thread.
         *
         * @return the running node.
         * @throws IllegalArgumentException for a missing or bad setting.
         */
        public AeronRaftNode build()
        {
            if (log == null || hardState == null || stateMachine == null)
            {
                throw new IllegalArgumentException("log, hardState and stateMachine are required");
            }
            if (ipcMembers == null && endpoints.isEmpty())
            {
                throw new IllegalArgumentException("set endpoint(...) for every member, or ipc(...)");
            }
            if (ipcMembers != null && runtime == null)
            {
                throw new IllegalArgumentException("ipc needs a shared runtime(...)");
            }

            final AeronTransport.Context transportCtx = new AeronTransport.Context()
                .clusterId(clusterId).memberId(memberId).streamId(streamId).channelParams(channelParams).mac(mac);
            if (ipcMembers != null)
            {
                transportCtx.ipc(true).members(ipcMembers);
            }
            else
            {
                endpoints.forEach(transportCtx::endpoint);
            }
            transportCtx.conclude();
            config.clusterId(clusterId).groupId(groupId).memberId(memberId).members(transportCtx.members()).conclude();

            final boolean ownsRuntime = runtime == null;
            final AeronRuntime aeronRuntime = ownsRuntime ?
                AeronRuntime.embedded(driverParentDir, new YieldingIdleStrategy()) : runtime;
            AeronTransport transport = null;
            NodeCounters counters = null;
            try
            {
                transport = new AeronTransport(aeronRuntime.aeron(), transportCtx);
                final Int2ObjectHashMap<String> initialEndpoints = new Int2ObjectHashMap<>();
                for (final int member : transportCtx.members())
                {
                    initialEndpoints.put(member, ipcMembers != null ? AeronTransport.Configuration.IPC_CHANNEL : endpoints.get(member));
                }
                final PeerDirectory peerDirectory = new PeerDirectory(transport, initialEndpoints);
                counters = new NodeCounters(aeronRuntime.aeron(), clusterId, groupId, memberId);
                final ProposalHandler handler = proposalHandler != null ? proposalHandler : new ProposalFutures();
                final Transport nodeTransport = transportDecorator.apply(transport);
                final RaftNode raftNode = new RaftNode(
                    config, log, hardState, snapshotStore, stateMachine, nodeTransport, new SplittableRandom(randomSeed),
                    handler);
                final RaftAgent raftAgent = new RaftAgent(clock, nodeTransport, proposalRingCapacity, raftNode);
                for (final Object[] service : services)
                {
                    raftAgent.registerService((Integer)service[0], (io.synod.raft.ServiceHandler)service[1], (Integer)service[2]);
                }
                return new AeronRaftNode(
                    this, aeronRuntime, ownsRuntime, transport, nodeTransport, counters, raftNode, raftAgent, handler,
                    peerDirectory);
            }
            catch (final RuntimeException ex)
            {
                CloseHelper.quietCloseAll(counters, transport);
                if (ownsRuntime)
                {
                    CloseHelper.quietClose(aeronRuntime);
                }
                throw ex;
            }
        }
    }

    /** Runs the Raft agent, then publishes the counters; stops the runner on a failure. */
    private final class NodeAgent implements Agent
    {
        @Override
        public int doWork()
        {
            try
            {
                final int work = raftAgent.doWork() + peerDirectory.doWork(raftNode.membership());
                counters.update(raftNode, raftAgent, true);
                return work;
            }
            catch (final AgentTerminationException ex)
            {
                throw ex;
            }
            catch (final Throwable ex)
            {
                failure = ex;
                throw new AgentTerminationException(ex);
            }
        }

        @Override
        public void onClose()
        {
            try
            {
                raftAgent.onClose();
            }
            finally
            {
                CloseHelper.quietCloseAll(nodeTransport, transport, counters);
            }
        }

        @Override
        public String roleName()
        {
            return raftAgent.roleName();
        }
    }

    private static final System.Logger LOGGER = System.getLogger("io.synod.transport.aeron");

    private final AeronRuntime runtime;
    private final boolean ownsRuntime;
    private final AeronTransport transport;
    private final Transport nodeTransport;
    private final NodeCounters counters;
    private final RaftNode raftNode;
    private final RaftAgent raftAgent;
    private final ProposalHandler handler;
    private final RaftLog log;
    private final HardState hardState;
    private final SnapshotStore snapshotStore;
    private final int groupId;
    private final boolean ipc;
    private final PeerDirectory peerDirectory;
    private final AgentRunner runner;
    private volatile Throwable failure;
    private boolean closed;

    private AeronRaftNode(
        final Builder builder,
        final AeronRuntime runtime,
        final boolean ownsRuntime,
        final AeronTransport transport,
        final Transport nodeTransport,
        final NodeCounters counters,
        final RaftNode raftNode,
        final RaftAgent raftAgent,
        final ProposalHandler handler,
        final PeerDirectory peerDirectory)
    {
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.transport = transport;
        this.nodeTransport = nodeTransport;
        this.counters = counters;
        this.raftNode = raftNode;
        this.raftAgent = raftAgent;
        this.handler = handler;
        this.log = builder.log;
        this.hardState = builder.hardState;
        this.snapshotStore = builder.snapshotStore;
        this.groupId = builder.groupId;
        this.ipc = builder.ipcMembers != null;
        this.peerDirectory = peerDirectory;
        final IdleStrategy idleStrategy = builder.idleStrategy != null ? builder.idleStrategy : new YieldingIdleStrategy();
        this.runner = new AgentRunner(idleStrategy, this::onError, null, new NodeAgent());
        AgentRunner.startOnThread(runner);
    }

    /** @return a builder. */
    public static Builder builder()
    {
        return new Builder();
    }

    private void onError(final Throwable ex)
    {
        if (failure == null)
        {
            failure = ex;
        }
        LOGGER.log(System.Logger.Level.ERROR, "member " + raftNode.memberId() + " stopped: " + ex, ex);
    }

    /**
     * Passes a command to the group's leader from any thread, at most once and with no outcome (see
     * {@link RaftAgent#forward}): for members that do not lead, learners included, and commands whose
     * effect the caller learns from the applied state and retries until then. Allocation-free.
     *
     * @return false on back-pressure (the proposal ring is full).
     */
    public boolean forward(final DirectBuffer command, final int offset, final int length)
    {
        return raftAgent.forward(groupId, command, offset, length);
    }

    /**
     * Runs {@code duty} on this node's agent thread at the end of every duty cycle, with the cycle's
     * {@code nowNs} (see {@link RaftAgent#addDuty}): lock clients, lock tickers, anything that reads the
     * state machine on its own thread. From one host thread at a time.
     */
    public AeronRaftNode addDuty(final RaftAgent.Duty duty)
    {
        raftAgent.addDuty(duty);
        return this;
    }

    /**
     * Proposes a command without allocating; the outcome goes to the node's {@link ProposalHandler}.
     * Any thread.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean propose(final long correlationId, final DirectBuffer command, final int offset, final int length)
    {
        return raftAgent.propose(groupId, correlationId, command, offset, length);
    }

    /**
     * Proposes a command and returns a future of its commit. Allocates (see {@link ProposalFutures}).
     * Requires the default proposal handler. Any thread.
     *
     * @return completed with the commit index and response, or exceptionally with
     * {@code ProposalRejectedException}.
     * @throws IllegalStateException if a custom proposal handler was configured.
     */
    public CompletableFuture<ProposalFutures.Committed> propose(final byte[] command)
    {
        if (!(handler instanceof ProposalFutures))
        {
            throw new IllegalStateException("propose(byte[]) needs the default ProposalFutures handler");
        }
        return ((ProposalFutures)handler).propose(raftAgent, groupId, command);
    }

    /**
     * Proposes a single-server membership change at this member (it must lead); the outcome goes to the node's
     * {@link ProposalHandler}. Add the new member's endpoint first ({@link #addEndpoint}). Any thread.
     *
     * @param change {@code Membership.ADD_LEARNER}, {@code PROMOTE} or {@code REMOVE}.
     * @return false if the proposal ring is full (retry later).
     */
    public boolean proposeMembershipChange(final long correlationId, final int change, final int member)
    {
        return raftAgent.proposeMembershipChange(groupId, correlationId, change, member);
    }

    /**
     * Asks this member, the leader, to hand leadership to {@code target}; the outcome goes to the node's
     * {@link ProposalHandler}. Any thread.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean transferLeadership(final long correlationId, final int target)
    {
        return raftAgent.transferLeadership(groupId, correlationId, target);
    }

    /**
     * Makes {@code memberId} reachable at {@code hostAndPort} (a new member, or a member's new address): the agent
     * thread starts adding a publication to it on its next duty cycle, without blocking on the driver. Call it on
     * every running member before proposing {@code ADD_LEARNER} for a new member. Members the configuration drops
     * are forgotten automatically; their address is kept (bounded) in case a reverted configuration needs it.
     * Any thread; lock-free; allocates one small object (see {@link PeerDirectory} for the handoff).
     *
     * @param hostAndPort the UDP endpoint the member listens on; ignored, and may be null, with IPC.
     * @return false if too many endpoint changes are queued (retry later).
     * @throws IllegalArgumentException for this member's id, a non-positive id or, with UDP, a missing endpoint.
     */
    public boolean addEndpoint(final int memberId, final String hostAndPort)
    {
        if (memberId <= 0 || memberId == raftNode.memberId() ||
            (!ipc && (null == hostAndPort || hostAndPort.indexOf(':') <= 0)))
        {
            throw new IllegalArgumentException("bad endpoint for member " + memberId + ": " + hostAndPort);
        }
        return peerDirectory.offer(memberId, ipc ? AeronTransport.Configuration.IPC_CHANNEL : hostAndPort);
    }

    /** @return endpoints refused because the endpoint book was full; any thread. */
    public long endpointsRefused()
    {
        return peerDirectory.endpointsRefused();
    }

    /** @return this member's id. */
    public int memberId()
    {
        return raftNode.memberId();
    }

    /** @return the current role; any thread. */
    public RaftRole role()
    {
        return raftNode.role();
    }

    /** @return true if this member is the leader; any thread. */
    public boolean isLeader()
    {
        return raftNode.role() == RaftRole.LEADER;
    }

    /** @return the current term; any thread. */
    public long term()
    {
        return raftNode.term();
    }

    /** @return the known leader, 0 if none; any thread. */
    public int leaderId()
    {
        return raftNode.leaderId();
    }

    /** @return the commit index; any thread. */
    public long commitIndex()
    {
        return raftNode.commitIndex();
    }

    /** @return the last applied index; any thread. */
    public long lastApplied()
    {
        return raftNode.lastApplied();
    }

    /** @return the exception that stopped the agent, or null while it runs normally. */
    public Throwable failure()
    {
        return failure;
    }

    /** @return the transport (its counters may be read from any thread). */
    public AeronTransport transport()
    {
        return transport;
    }

    /** @return the Aeron counters of this member. */
    public NodeCounters counters()
    {
        return counters;
    }

    /** @return the Raft node; its non-status methods belong to the agent thread. */
    public RaftNode raftNode()
    {
        return raftNode;
    }

    /** @return the agent, for {@link RaftAgent#propose} with another group id. */
    public RaftAgent agent()
    {
        return raftAgent;
    }

    /** @return the agent thread (for allocation measurements), or null before it started. */
    public Thread agentThread()
    {
        return runner.thread();
    }

    /** @return the Aeron runtime (its directory is what AeronStat needs). */
    public AeronRuntime runtime()
    {
        return runtime;
    }

    /**
     * Stops the agent thread (pending proposals are rejected with {@code CLOSED}), closes the
     * transport and counters, the log, hard state and snapshot store, and the runtime when the node owns it.
     * Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            CloseHelper.close(runner);
        }
        finally
        {
            CloseHelper.quietCloseAll(log, hardState, snapshotStore);
            if (ownsRuntime)
            {
                CloseHelper.quietClose(runtime);
            }
        }
    }
}
