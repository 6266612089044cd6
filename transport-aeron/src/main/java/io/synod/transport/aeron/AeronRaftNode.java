package io.synod.transport.aeron;

import io.synod.raft.HardState;
import io.synod.raft.Membership;
import io.synod.raft.ProposalFutures;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftLog;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import io.synod.raft.ReadMode;
import io.synod.raft.SnapshotStore;
import io.synod.raft.StateMachine;
import io.synod.raft.StoreFactory;
import io.synod.raft.StoreIdentity;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
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
 * node.awaitLeader(Duration.ofSeconds(10));                          // an election takes an election timeout or two
 * if (node.isLeader()) node.propose("hello".getBytes()).join();       // futures complete on the agent thread
 * long count = node.read(ReadMode.LINEARIZABLE, counter::value).join(); // runs at the read point, on the agent thread
 * node.close();
 * }</pre>
 *
 * <p><b>Several groups.</b> The builder's own state machine, log and hard state are its default group
 * ({@link Builder#groupId}, 0 unless set); {@link Builder#group(GroupSpec)} adds more (the lock service beside
 * the application's state machine, say), all on this node's one agent thread, transport and media driver.
 * {@link #group(int)} gives a group's proposals, reads and status; this class's methods of the same names act on
 * the default group.
 *
 * <p><b>Handlers.</b> Outcomes reach a {@link ProposalFutures} on the agent thread, which completes the futures
 * of {@link #propose(byte[])}, {@link #read(ReadMode)} and {@link #changeMembership} and passes every callback for
 * other correlation ids (your zero-allocation proposals and reads) to the handler of
 * {@link Builder#proposalHandler}, so both styles work on one node.
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
 * stops the agent: Raft must not go on after a failed persist. {@link #state()} is then {@code FAILED},
 * {@link #failure()} returns the cause, pending futures fail with {@code CLOSED}, and {@link #role()} reports
 * {@code FOLLOWER} ({@link #isLeader()} false): a stopped member leads nothing, whatever its last role was.
 * <p><b>JVM flags.</b> {@link Builder#build()} checks the {@code --add-exports} Agrona needs and throws one
 * {@link IllegalStateException} naming what is missing ({@link AeronJvmFlags}).
 * <p><b>Byte order.</b> Agrona buffers, and so every buffer a {@code StateMachine} is handed, are
 * little-endian; encode commands with Agrona's {@code UnsafeBuffer} or a little-endian {@code ByteBuffer}.
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
        private StoreFactory<? extends RaftLog> logFactory;
        private StoreFactory<? extends HardState> hardStateFactory;
        private StoreFactory<? extends SnapshotStore> snapshotStoreFactory;
        private StateMachine stateMachine;
        private ProposalHandler proposalHandler;
        private IdleStrategy idleStrategy;
        private AeronRuntime runtime;
        private Path driverParentDir;
        private FrameMac mac;
        private UnaryOperator<Transport> transportDecorator = UnaryOperator.identity();
        private boolean coalesceFrames;
        private long randomSeed = System.nanoTime();
        private NanoClock clock = SystemNanoClock.INSTANCE;
        private int proposalRingCapacity = Configuration.PROPOSAL_RING_CAPACITY_DEFAULT;
        private int streamId = AeronTransport.Configuration.STREAM_ID_DEFAULT;
        private String channelParams = "";
        private final java.util.List<Object[]> services = new java.util.ArrayList<>();
        private final List<GroupSpec> extraGroups = new ArrayList<>();

        private Builder()
        {
        }

        /** Cluster id carried in every frame. */
        public Builder clusterId(final int clusterId)
        {
            this.clusterId = clusterId;
            return this;
        }

        /** Group id of the builder's own (default) group: its log, hard state and state machine (default 0). */
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

        /** The log; owned and closed by the node. Prefer {@link #log(StoreFactory)}: the ids are then given once. */
        public Builder log(final RaftLog log)
        {
            this.log = log;
            this.logFactory = null;
            return this;
        }

        /**
         * The log, opened by {@link #build()} with this builder's cluster and member ids (given once, here), for
         * example {@code ChronicleStores.log(dir.resolve("log"), Durability.SYNC)}; owned and closed by the node.
         */
        public Builder log(final StoreFactory<? extends RaftLog> factory)
        {
            this.logFactory = factory;
            this.log = null;
            return this;
        }

        /** Term and vote; owned and closed by the node. Prefer {@link #hardState(StoreFactory)}. */
        public Builder hardState(final HardState hardState)
        {
            this.hardState = hardState;
            this.hardStateFactory = null;
            return this;
        }

        /** Term and vote, opened by {@link #build()} with this builder's ids; owned and closed by the node. */
        public Builder hardState(final StoreFactory<? extends HardState> factory)
        {
            this.hardStateFactory = factory;
            this.hardState = null;
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
            this.snapshotStoreFactory = null;
            return this;
        }

        /** Snapshots (see {@link #snapshotStore(SnapshotStore)}), opened by {@link #build()} with this builder's ids. */
        public Builder snapshotStore(final StoreFactory<? extends SnapshotStore> factory)
        {
            this.snapshotStoreFactory = factory;
            this.snapshotStore = null;
            return this;
        }

        /** The application's state machine. */
        public Builder stateMachine(final StateMachine stateMachine)
        {
            this.stateMachine = stateMachine;
            return this;
        }

        /**
         * Receives, on the agent thread and for every group, the outcomes of proposals and reads made with your
         * own correlation ids (the zero-allocation {@code propose(correlationId, ...)} and {@code read(correlationId,
         * mode)}). The node's futures keep working beside it: a {@link ProposalFutures} takes every callback first
         * and passes on those it did not issue. Keep your ids non-negative
         * ({@link ProposalFutures#CORRELATION_ID_BASE}). Default: none.
         */
        public Builder proposalHandler(final ProposalHandler proposalHandler)
        {
            this.proposalHandler = proposalHandler;
            return this;
        }

        /** Idle strategy of the agent thread, and its kind for an embedded driver of the node's own (default yielding). */
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

        /**
         * Frame coalescing: sends through an {@link io.synod.raft.FrameBatcher} in front of the transport (and its
         * {@link #transportDecorator}), so the small frames a duty cycle sends one member (heartbeats, answers,
         * votes of every group) go as one. Off by default: measured with 100 and 1,000 idle groups per member it
         * sends 2% of the frames, but CPU did not move beyond run-to-run noise, and every member must unpack
         * batches before any turns it on ({@code bench/README.md}, "Multi-raft cost"). Turn it on with many groups.
         */
        public Builder coalesceFrames(final boolean coalesceFrames)
        {
            this.coalesceFrames = coalesceFrames;
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
         * Adds another Raft group to the node (see {@link GroupSpec}): its own state machine and stores, the
         * node's agent, transport and driver. Its group id must differ from {@link #groupId} and the others'.
         */
        public Builder group(final GroupSpec group)
        {
            extraGroups.add(java.util.Objects.requireNonNull(group, "group"));
            return this;
        }

        /**
         * Validates, creates the transport, the Raft nodes and the agent, and starts the agent thread.
         *
         * @return the running node.
         * @throws IllegalArgumentException for a missing or bad setting, a duplicate group id, or a log, hard state
         *                                  or snapshot store that records another cluster or member id
         *                                  ({@link StoreIdentity}).
         * @throws IllegalStateException    if the JVM lacks the flags Agrona needs ({@link AeronJvmFlags}).
         */
        public AeronRaftNode build()
        {
            AeronJvmFlags.check();
            final List<AutoCloseable> opened = new ArrayList<>();
            try
            {
                openStores(opened);
                return buildWithStores();
            }
            catch (final RuntimeException ex)
            {
                // What build() opened from factories is closed again; stores given as instances stay the caller's.
                CloseHelper.quietCloseAll(opened);
                throw ex;
            }
        }

        private void openStores(final List<AutoCloseable> opened)
        {
            log = GroupSpec.open(logFactory, log, clusterId, memberId, opened);
            hardState = GroupSpec.open(hardStateFactory, hardState, clusterId, memberId, opened);
            snapshotStore = GroupSpec.open(snapshotStoreFactory, snapshotStore, clusterId, memberId, opened);
            for (final GroupSpec group : extraGroups)
            {
                group.openStores(clusterId, memberId, opened);
            }
        }

        private AeronRaftNode buildWithStores()
        {
            if (log == null || hardState == null || stateMachine == null)
            {
                throw new IllegalArgumentException("log, hardState and stateMachine are required");
            }
            checkIdentity(groupId, log, hardState, snapshotStore);
            final org.agrona.collections.IntHashSet groupIds = new org.agrona.collections.IntHashSet();
            groupIds.add(groupId);
            for (final GroupSpec group : extraGroups)
            {
                if (group.log == null || group.hardState == null || group.stateMachine == null)
                {
                    throw new IllegalArgumentException("group " + group.groupId + ": log, hardState and stateMachine are required");
                }
                if (!groupIds.add(group.groupId))
                {
                    throw new IllegalArgumentException("duplicate group id " + group.groupId);
                }
                checkIdentity(group.groupId, group.log, group.hardState, group.snapshotStore);
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
            for (final GroupSpec group : extraGroups)
            {
                group.config.clusterId(clusterId).groupId(group.groupId).memberId(memberId).members(transportCtx.members())
                    .conclude();
            }

            final boolean ownsRuntime = runtime == null;
            final AeronRuntime aeronRuntime = ownsRuntime ?
                AeronRuntime.embedded(driverParentDir, AeronRuntime.sameKind(idleStrategy)) : runtime;
            AeronTransport transport = null;
            final NodeCounters[] counters = new NodeCounters[1 + extraGroups.size()];
            try
            {
                transport = new AeronTransport(aeronRuntime.aeron(), transportCtx);
                final Int2ObjectHashMap<String> initialEndpoints = new Int2ObjectHashMap<>();
                for (final int member : transportCtx.members())
                {
                    initialEndpoints.put(member, ipcMembers != null ? AeronTransport.Configuration.IPC_CHANNEL : endpoints.get(member));
                }
                final PeerDirectory peerDirectory = new PeerDirectory(transport, initialEndpoints);
                final ProposalFutures futures = new ProposalFutures(proposalHandler);
                final Transport decorated = transportDecorator.apply(transport);
                final Transport nodeTransport = coalesceFrames ? new io.synod.raft.FrameBatcher(decorated, clusterId, memberId) : decorated;
                final RaftNode[] raftNodes = new RaftNode[1 + extraGroups.size()];
                raftNodes[0] = new RaftNode(
                    config, log, hardState, snapshotStore, stateMachine, nodeTransport, new SplittableRandom(randomSeed), futures);
                counters[0] = new NodeCounters(aeronRuntime.aeron(), clusterId, groupId, memberId);
                for (int i = 0; i < extraGroups.size(); i++)
                {
                    final GroupSpec group = extraGroups.get(i);
                    raftNodes[i + 1] = new RaftNode(group.config, group.log, group.hardState, group.snapshotStore,
                        group.stateMachine, nodeTransport,
                        new SplittableRandom(randomSeed ^ (0x9E3779B97F4A7C15L * (group.groupId + 1))), futures);
                    counters[i + 1] = new NodeCounters(aeronRuntime.aeron(), clusterId, group.groupId, memberId);
                }
                final RaftAgent raftAgent = new RaftAgent(clock, nodeTransport, proposalRingCapacity, raftNodes);
                for (final Object[] service : services)
                {
                    raftAgent.registerService((Integer)service[0], (io.synod.raft.ServiceHandler)service[1], (Integer)service[2]);
                }
                return new AeronRaftNode(
                    this, aeronRuntime, ownsRuntime, transport, nodeTransport, counters, raftNodes, raftAgent, futures,
                    peerDirectory);
            }
            catch (final RuntimeException ex)
            {
                CloseHelper.quietCloseAll(counters);
                CloseHelper.quietClose(transport);
                if (ownsRuntime)
                {
                    CloseHelper.quietClose(aeronRuntime);
                }
                throw ex;
            }
        }

        private void checkIdentity(final int group, final RaftLog log, final HardState hardState, final SnapshotStore snapshots)
        {
            try
            {
                StoreIdentity.check("log of group " + group, log, clusterId, memberId);
                StoreIdentity.check("hard state of group " + group, hardState, clusterId, memberId);
                StoreIdentity.check("snapshot store of group " + group, snapshots, clusterId, memberId);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("member " + memberId + ": " + ex.getMessage(), ex);
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
                if (runtime.aeron().isClosed())
                {
                    throw new IllegalStateException("the Aeron client was closed under this node (its memory is unmapped)");
                }
                int work = raftAgent.doWork() + peerDirectory.doWork(membership.current());
                for (int i = 0; i < raftNodes.length; i++)
                {
                    counters[i].update(raftNodes[i], raftAgent, i == 0);
                    work += groups[i].doWork();
                }
                return work;
            }
            catch (final AgentTerminationException ex)
            {
                throw ex;
            }
            catch (final Throwable ex)
            {
                failure = ex;
                state = State.FAILED;
                throw new AgentTerminationException(ex);
            }
        }

        @Override
        public void onClose()
        {
            if (state == State.RUNNING)
            {
                state = failure != null ? State.FAILED : State.CLOSED;
            }
            try
            {
                raftAgent.onClose();
            }
            finally
            {
                // Nothing the host waits on may hang once the agent is gone.
                futures.rejectAll(ProposalHandler.CLOSED);
                for (final AeronRaftGroup group : groups)
                {
                    group.failLeaderWaiters();
                }
                // Counters live in the driver's memory, unmapped once the client closed: writing them would crash the JVM.
                if (!runtime.aeron().isClosed())
                {
                    for (final NodeCounters groupCounters : counters)
                    {
                        groupCounters.role().setRelease(RaftRole.FOLLOWER.ordinal());
                        groupCounters.leaderId().setRelease(0);
                    }
                }
                CloseHelper.quietCloseAll(nodeTransport, transport);
                CloseHelper.quietCloseAll(counters);
            }
        }

        @Override
        public String roleName()
        {
            return raftAgent.roleName();
        }
    }

    /** Whether the node runs; see {@link #state()}. */
    public enum State
    {
        /** The agent thread runs the duty cycle. */
        RUNNING,
        /** The duty cycle threw (a failed persist, a throwing state machine); {@link #failure()} is the cause. */
        FAILED,
        /** {@link #close()} stopped the node. */
        CLOSED
    }

    private static final System.Logger LOGGER = System.getLogger("io.synod.transport.aeron");

    private final AeronRuntime runtime;
    private final boolean ownsRuntime;
    private final AeronTransport transport;
    private final Transport nodeTransport;
    private final NodeCounters[] counters;
    /** The groups; index 0 is the default group. */
    private final RaftNode[] raftNodes;
    private final AeronRaftGroup[] groups;
    private final RaftNode raftNode;
    private final AeronRaftGroup defaultGroup;
    private final RaftAgent raftAgent;
    private final ProposalFutures futures;
    private final List<AutoCloseable> stores = new ArrayList<>();
    private final boolean ipc;
    private final PeerDirectory peerDirectory;
    private final AgentRunner runner;
    private final MembershipUnion membership;
    private volatile Throwable failure;
    private volatile State state = State.RUNNING;
    private boolean closed;

    private AeronRaftNode(
        final Builder builder,
        final AeronRuntime runtime,
        final boolean ownsRuntime,
        final AeronTransport transport,
        final Transport nodeTransport,
        final NodeCounters[] counters,
        final RaftNode[] raftNodes,
        final RaftAgent raftAgent,
        final ProposalFutures futures,
        final PeerDirectory peerDirectory)
    {
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.transport = transport;
        this.nodeTransport = nodeTransport;
        this.counters = counters;
        this.raftNodes = raftNodes;
        this.raftNode = raftNodes[0];
        this.raftAgent = raftAgent;
        this.futures = futures;
        this.groups = new AeronRaftGroup[raftNodes.length];
        for (int i = 0; i < raftNodes.length; i++)
        {
            groups[i] = new AeronRaftGroup(this, raftNodes[i], raftAgent, futures);
        }
        this.defaultGroup = groups[0];
        this.membership = new MembershipUnion(raftNodes);
        stores.addAll(java.util.Arrays.asList(builder.log, builder.hardState, builder.snapshotStore));
        for (final GroupSpec group : builder.extraGroups)
        {
            stores.addAll(java.util.Arrays.asList(group.log, group.hardState, group.snapshotStore));
        }
        this.ipc = builder.ipcMembers != null;
        this.peerDirectory = peerDirectory;
        final IdleStrategy idleStrategy = builder.idleStrategy != null ? builder.idleStrategy : new YieldingIdleStrategy();
        this.runner = new AgentRunner(idleStrategy, this::onError, null, new NodeAgent());
        AgentRunner.startOnThread(runner);
    }

    /**
     * @return a builder.
     * @throws IllegalStateException if the JVM lacks the flags Agrona needs ({@link AeronJvmFlags}): checked here,
     *                               before the stores a builder is usually given touch an Agrona buffer, and again
     *                               in {@link Builder#build()}.
     */
    public static Builder builder()
    {
        AeronJvmFlags.check();
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
     * Passes a command to the default group's leader from any thread, at most once and with no outcome (see
     * {@link RaftAgent#forward}): for members that do not lead, learners included, and commands whose
     * effect the caller learns from the applied state and retries until then. Allocation-free.
     *
     * @return false on back-pressure (the proposal ring is full).
     */
    public boolean forward(final DirectBuffer command, final int offset, final int length)
    {
        return defaultGroup.forward(command, offset, length);
    }

    /**
     * Runs {@code duty} on this node's agent thread at the end of every duty cycle, with the cycle's
     * {@code nowNs} (see {@link RaftAgent#addDuty}): lock clients, anything that reads the state machine on
     * its own thread. From one host thread at a time.
     */
    public AeronRaftNode addDuty(final RaftAgent.Duty duty)
    {
        raftAgent.addDuty(duty);
        return this;
    }

    /** @return the default group (the builder's own state machine and stores). */
    public AeronRaftGroup group()
    {
        return defaultGroup;
    }

    /**
     * @return the group with this id.
     * @throws IllegalArgumentException if the node has no such group.
     */
    public AeronRaftGroup group(final int groupId)
    {
        for (final AeronRaftGroup group : groups)
        {
            if (group.groupId() == groupId)
            {
                return group;
            }
        }
        throw new IllegalArgumentException("member " + memberId() + " has no group " + groupId);
    }

    /**
     * Proposes a command to the default group without allocating; the outcome goes to the node's
     * {@link ProposalHandler}. Any thread. See {@link AeronRaftGroup#propose(long, DirectBuffer, int, int)}.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean propose(final long correlationId, final DirectBuffer command, final int offset, final int length)
    {
        return defaultGroup.propose(correlationId, command, offset, length);
    }

    /**
     * Proposes a command to the default group and returns a future of its commit; this member must lead.
     * Allocates (see {@link ProposalFutures}). Works beside a custom {@link Builder#proposalHandler}. Any thread.
     * See {@link AeronRaftGroup#propose(byte[])} (byte order: little-endian).
     *
     * @return completed with the commit index and response, or exceptionally with
     * {@code ProposalRejectedException}.
     */
    public CompletableFuture<ProposalFutures.Committed> propose(final byte[] command)
    {
        return defaultGroup.propose(command);
    }

    /**
     * A read point of the default group in {@code mode}, completed on the agent thread with the read index.
     * See {@link AeronRaftGroup#read(ReadMode)}. Allocates. Any thread.
     */
    public CompletableFuture<Long> read(final ReadMode mode)
    {
        return defaultGroup.read(mode);
    }

    /**
     * Runs {@code atReadPoint} against the default group's state machine at a read point in {@code mode}, on
     * the agent thread, and completes with its result: {@code node.read(ReadMode.LINEARIZABLE, counter::value)}.
     * See {@link AeronRaftGroup#read(ReadMode, Supplier)}. Allocates. Any thread.
     */
    public <T> CompletableFuture<T> read(final ReadMode mode, final Supplier<T> atReadPoint)
    {
        return defaultGroup.read(mode, atReadPoint);
    }

    /**
     * The zero-allocation read of the default group: the node's {@link ProposalHandler#onReadReady} is called on
     * the agent thread with {@code correlationId}. Any thread.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean read(final long correlationId, final ReadMode mode)
    {
        return defaultGroup.read(correlationId, mode);
    }

    /**
     * Proposes a single-server membership change of the default group at this member (it must lead) and returns
     * a future of its outcome. See {@link AeronRaftGroup#changeMembership}. Allocates. Any thread.
     */
    public CompletableFuture<ProposalFutures.Committed> changeMembership(final int change, final int member)
    {
        return defaultGroup.changeMembership(change, member);
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
        return defaultGroup.proposeMembershipChange(correlationId, change, member);
    }

    /**
     * Asks this member, the leader, to hand leadership to {@code target}; the outcome goes to the node's
     * {@link ProposalHandler}. Any thread.
     *
     * @return false if the proposal ring is full (retry later).
     */
    public boolean transferLeadership(final long correlationId, final int target)
    {
        return defaultGroup.transferLeadership(correlationId, target);
    }

    /**
     * A future of the default group's leader; see {@link AeronRaftGroup#leader()}. Any thread.
     */
    public CompletableFuture<Integer> leader()
    {
        return defaultGroup.leader();
    }

    /**
     * Blocks until the default group has a leader that can take proposals, for at most {@code timeout}; see
     * {@link AeronRaftGroup#awaitLeader}. Any thread but the agent's.
     *
     * @return the leader's member id.
     * @throws IllegalStateException on timeout, or if the node stopped.
     */
    public int awaitLeader(final Duration timeout)
    {
        return defaultGroup.awaitLeader(timeout);
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

    /** @return whether the node runs, failed ({@link #failure()} has the cause) or was closed; any thread. */
    public State state()
    {
        return state;
    }

    /** @return the default group's role; {@code FOLLOWER} once the node stopped ({@link #state()}); any thread. */
    public RaftRole role()
    {
        return defaultGroup.role();
    }

    /** @return true if this member leads the default group and the node runs; any thread. */
    public boolean isLeader()
    {
        return defaultGroup.isLeader();
    }

    /** @return the default group's current term; any thread. */
    public long term()
    {
        return raftNode.term();
    }

    /** @return the known leader of the default group, 0 if none or once the node stopped; any thread. */
    public int leaderId()
    {
        return defaultGroup.leaderId();
    }

    /** @return the default group's commit index; any thread. */
    public long commitIndex()
    {
        return raftNode.commitIndex();
    }

    /** @return the default group's last applied index; any thread. */
    public long lastApplied()
    {
        return raftNode.lastApplied();
    }

    /** @return the exception that stopped the agent, or null while it runs normally (or was closed cleanly). */
    public Throwable failure()
    {
        return failure;
    }

    /** @return the exception futures and waiters fail with once the node stopped. */
    IllegalStateException stoppedException()
    {
        final Throwable cause = failure;
        return new IllegalStateException("member " + memberId() + " is " + state +
            (cause != null ? ": " + cause : ""), cause);
    }

    /** @return the transport (its counters may be read from any thread). */
    public AeronTransport transport()
    {
        return transport;
    }

    /** @return the Aeron counters of the default group. */
    public NodeCounters counters()
    {
        return counters[0];
    }

    /** @return the default group's Raft node; its non-status methods belong to the agent thread. */
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
     * Stops the agent thread (pending proposals and reads are rejected with {@code CLOSED}), closes the
     * transport and counters, every group's log, hard state and snapshot store, and the runtime when the node
     * owns it. {@link #state()} is then {@code CLOSED}, or stays {@code FAILED}. Idempotent; one host thread.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (state == State.RUNNING)
        {
            state = State.CLOSED;
        }
        try
        {
            CloseHelper.close(runner);
        }
        finally
        {
            CloseHelper.quietCloseAll(stores);
            if (ownsRuntime)
            {
                CloseHelper.quietClose(runtime);
            }
        }
    }
}
