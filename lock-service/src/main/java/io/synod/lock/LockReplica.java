package io.synod.lock;

import io.synod.raft.RaftAgent;
import io.synod.raft.RaftNode;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything one process needs to host the lock service on a Raft group it is a member of (voter or
 * learner), in three lines:
 *
 * <pre>{@code
 * LockReplica locks = LockReplica.builder().build();                  // the defaults below
 * AeronRaftNode node = AeronRaftNode.builder() ...                     // the lock group, e.g. group 1 beside the app's 0
 *     .group(new GroupSpec(1).log(lockLog).hardState(lockHardState).stateMachine(locks.stateMachine()))
 *     .clock(new OffsetEpochNanoClock()::nanoTime)                    // epoch-based and allocation-free, see below
 *     .build();
 * locks.start(node.agent(), 1);                                        // before the first lock
 * long fence = locks.locks().lock("orders").lockAndFence();
 * }</pre>
 *
 * <p><b>What {@link #start} installs</b> on the node's agent thread, once per duty cycle: the
 * {@link FencedLocks} client of this process, whose requests go to the group's leader as client-session
 * operations ({@link CommandSender#of}) and whose outcomes it learns from this replica's applied events.
 * Log time — the only time the lock state machine knows, so session expiry and {@code tryLock(timeout)}
 * advance with it — is the node's: while sessions exist its leader writes a TICK every
 * {@code RaftConfig.sessionTickIntervalNs} of the lock group; nothing else is needed on any member.
 *
 * <p><b>Settings</b> (all in the builder, checked by {@link Builder#build()}):
 * <ul>
 *   <li>{@code ttl} (default 10 s): how long the servers keep a session whose client stopped sending
 *   keep-alives; its locks are then released and reported lost.</li>
 *   <li>{@code clientTimeout} (default 6 s): the client's own lease. It gives up its locks on its own
 *   once this passes without an acknowledged keep-alive, which must happen before any replica can expire
 *   the session: the tick rule {@code clientTimeout <= ttl - 2 * tickInterval - clockDrift}. A keep-alive
 *   applied at log time t may have reached the leader up to one tick interval earlier, and a new leader's
 *   first tick may land one more interval later; the builder enforces it with {@code clockDriftMargin}.</li>
 *   <li>{@code tickInterval} (default 100 ms): the lock group's {@code RaftConfig.sessionTickIntervalNs}, how
 *   often its leader writes log time while sessions exist; the granularity of expiry and of wait timeouts.
 *   Set the same value on both ({@link #start} checks).</li>
 *   <li>{@code retryInterval} (default 250 ms): how long the client waits to see a request applied before
 *   it sends it again (the node applies a (session, request id) once); about a few round trips plus an
 *   election blip.</li>
 *   <li>{@code nonceSeed} (default random): distinguishes this process's sessions from every other
 *   client's. A session OPEN is matched to its client by a nonce derived from it, so two clients with the
 *   same seed could take each other's session: leave the random default unless a test needs
 *   reproducibility, and then give each process its own.</li>
 * </ul>
 *
 * <p><b>Clock.</b> Log time is the leader's clock reading written into TICK entries; with a monotonic
 * clock per process ({@code System.nanoTime}) a new leader's readings are unrelated to the old one's.
 * Give every member the same epoch-based clock ({@code AeronRaftNode.Builder.clock}); a leader whose clock
 * is behind only delays expiry, since log time never goes back.
 *
 * <p><b>Threading.</b> Build and start on one host thread; {@link #locks()} is thread-safe. What
 * {@code start} installs runs on the agent thread. <b>Allocation:</b> as {@link FencedLocks} (per request).
 */
public final class LockReplica
{
    /** Defaults; {@link #TICK_INTERVAL_DEFAULT} is {@code RaftConfig}'s default session tick interval. */
    public static final Duration TTL_DEFAULT = Duration.ofSeconds(10);
    public static final Duration CLIENT_TIMEOUT_DEFAULT = Duration.ofSeconds(6);
    public static final Duration TICK_INTERVAL_DEFAULT = Duration.ofMillis(100);
    public static final Duration RETRY_INTERVAL_DEFAULT = Duration.ofMillis(250);
    public static final Duration CLOCK_DRIFT_MARGIN_DEFAULT = Duration.ofMillis(500);

    /** Settings of a replica; see the class javadoc. */
    public static final class Builder
    {
        private long nonceSeed = ThreadLocalRandom.current().nextLong();
        private Duration ttl = TTL_DEFAULT;
        private Duration clientTimeout = CLIENT_TIMEOUT_DEFAULT;
        private Duration tickInterval = TICK_INTERVAL_DEFAULT;
        private Duration retryInterval = RETRY_INTERVAL_DEFAULT;
        private Duration clockDriftMargin = CLOCK_DRIFT_MARGIN_DEFAULT;

        private Builder()
        {
        }

        /** Distinguishes this client's sessions (default random; distinct per process if you set it). */
        public Builder nonceSeed(final long nonceSeed)
        {
            this.nonceSeed = nonceSeed;
            return this;
        }

        /** Session TTL the servers enforce (default 10 s). */
        public Builder ttl(final Duration ttl)
        {
            this.ttl = ttl;
            return this;
        }

        /** The client's own lease (default 6 s); see the tick rule. */
        public Builder clientTimeout(final Duration clientTimeout)
        {
            this.clientTimeout = clientTimeout;
            return this;
        }

        /**
         * The lock group's {@code RaftConfig.sessionTickIntervalNs}: how often its leader writes log time (default
         * 100 ms, RaftConfig's default). Used by the tick rule; {@link LockReplica#start} checks it matches the group.
         */
        public Builder tickInterval(final Duration tickInterval)
        {
            this.tickInterval = tickInterval;
            return this;
        }

        /** How long before an unapplied command is sent again (default 250 ms). */
        public Builder retryInterval(final Duration retryInterval)
        {
            this.retryInterval = retryInterval;
            return this;
        }

        /** Clock drift allowed between members over one TTL, in the tick rule (default 500 ms). */
        public Builder clockDriftMargin(final Duration clockDriftMargin)
        {
            this.clockDriftMargin = clockDriftMargin;
            return this;
        }

        /**
         * @return the replica, not started.
         * @throws IllegalArgumentException if a duration is not positive, or the tick rule
         *                                  {@code clientTimeout <= ttl - 2 * tickInterval - clockDriftMargin} fails.
         */
        public LockReplica build()
        {
            final long ttlNs = ttl.toNanos();
            final long clientTimeoutNs = clientTimeout.toNanos();
            final long tickIntervalNs = tickInterval.toNanos();
            final long retryIntervalNs = retryInterval.toNanos();
            final long driftNs = clockDriftMargin.toNanos();
            if (ttlNs <= 0 || clientTimeoutNs <= 0 || tickIntervalNs <= 0 || retryIntervalNs <= 0 || driftNs < 0)
            {
                throw new IllegalArgumentException("durations must be positive (drift margin not negative): ttl=" + ttl +
                    " clientTimeout=" + clientTimeout + " tickInterval=" + tickInterval + " retryInterval=" + retryInterval +
                    " clockDriftMargin=" + clockDriftMargin);
            }
            if (clientTimeoutNs > ttlNs - 2 * tickIntervalNs - driftNs)
            {
                throw new IllegalArgumentException("tick rule: clientTimeout (" + clientTimeout + ") must be at most ttl (" + ttl +
                    ") - 2 x tickInterval (" + tickInterval + ") - clockDriftMargin (" + clockDriftMargin +
                    "), so that a client gives up its locks before any replica can expire its session");
            }
            return new LockReplica(this, ttlNs, clientTimeoutNs, tickIntervalNs, retryIntervalNs);
        }
    }

    private final long tickIntervalNs;
    private final FencedLocks locks;
    private final LockStateMachine stateMachine;
    /** Set once by {@link #start}; read by the client's sender on the agent thread. */
    private volatile CommandSender sender;
    private RaftAgent agent;

    private LockReplica(
        final Builder builder, final long ttlNs, final long clientTimeoutNs, final long tickIntervalNs, final long retryIntervalNs)
    {
        this.tickIntervalNs = tickIntervalNs;
        // The client exists before the node (its state machine needs it as events); requests it makes before
        // start() are refused as back-pressure and retried by the client.
        this.locks = new FencedLocks(this::offer, builder.nonceSeed, ttlNs, clientTimeoutNs, retryIntervalNs);
        this.stateMachine = new LockStateMachine(locks);
    }

    /** @return a builder with the defaults of the class javadoc. */
    public static Builder builder()
    {
        return new Builder();
    }

    private boolean offer(
        final int type, final long sessionId, final long argument, final org.agrona.DirectBuffer buffer, final int offset,
        final int length)
    {
        final CommandSender target = sender;
        return target != null && target.offer(type, sessionId, argument, buffer, offset, length);
    }

    /** @return the replicated state machine to give the lock group (its events go to {@link #locks()}). */
    public LockStateMachine stateMachine()
    {
        return stateMachine;
    }

    /** @return this process's client: {@link FencedLocks#lock} and friends, from any thread (after {@link #start}). */
    public FencedLocks locks()
    {
        return locks;
    }

    /**
     * Starts the replica on a running node: the client runs on {@code agent}'s thread from its next duty cycle,
     * requests go to the leader of {@code groupId}. Call once, from a host thread.
     *
     * @param agent   the agent driving the lock group (e.g. {@code AeronRaftNode.agent()}).
     * @param groupId the lock group's id on that agent.
     * @throws IllegalStateException    if already started.
     * @throws IllegalArgumentException if the agent has no such group, or the group's session tick interval is not
     *                                  the {@code tickInterval} the tick rule was checked with.
     */
    public LockReplica start(final RaftAgent agent, final int groupId)
    {
        if (this.agent != null)
        {
            throw new IllegalStateException("already started");
        }
        final RaftNode group = agent.group(groupId);
        if (group == null)
        {
            throw new IllegalArgumentException("the agent has no group " + groupId);
        }
        if (group.config().sessionTickIntervalNs() != tickIntervalNs)
        {
            throw new IllegalArgumentException("group " + groupId + " ticks every " + group.config().sessionTickIntervalNs() +
                " ns but the tick rule was checked with tickInterval " + tickIntervalNs + " ns: set the same on both");
        }
        this.agent = agent;
        sender = CommandSender.of(agent, groupId);
        agent.addDuty(locks::doWork);
        return this;
    }
}
