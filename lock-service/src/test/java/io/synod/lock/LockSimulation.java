package io.synod.lock;

import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One seed drives a lock-service cluster on virtual time: many clients contend for a few mutexes
 * while members are partitioned and crashed and clients pause (stop heart-beating), then everything
 * heals. Checked every step: at most one client may act on each lock (a valid lease and a hold),
 * replicated state keeps capacity and holds only live sessions; after the run: every replica reported
 * the same events at the same index, fences strictly increase per lock, FIFO among waiters that stayed
 * alive, no grant to an expired session, and a fenced resource that rejects stale fences accepted
 * every write from a valid holder and never one out of fence order. A drain phase then stops new
 * requests: every client must come to rest and every replica must end with no holds and no waits (a
 * client whose home replica skipped its grant by installing a snapshot, and never reconciled, would
 * hold a lock for ever). With snapshots on, members that fall behind install snapshots and restarted
 * members restore their own: clients homed there reconcile through {@link LockEvents#onRestored}.
 */
final class LockSimulation
{
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long TTL_NS = 1000 * MS;
    static final long CLIENT_TIMEOUT_NS = 700 * MS;
    static final long TICK_INTERVAL_NS = 50 * MS;
    static final long RETRY_NS = 150 * MS;

    record Ev(long index, String type, long session, long requestId, String name, long fence, int count)
    {
    }

    /** Records events of one replica incarnation and forwards them to the clients whose home it is. */
    final class Recorder implements LockEvents
    {
        final int memberId;
        final List<Ev> events = new ArrayList<>();

        Recorder(final int memberId)
        {
            this.memberId = memberId;
        }

        private String str(final DirectBuffer name, final int length)
        {
            return name.getStringWithoutLengthAscii(0, length);
        }

        @Override
        public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
        {
            events.add(new Ev(index, "OPENED", sessionId, nonce, "", 0, 0));
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onSessionOpened(index, sessionId, nonce, ttlNs));
            }
        }

        @Override
        public void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
        {
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onKeepAlive(index, sessionId, sentAtNs));
            }
        }

        @Override
        public void onSessionClosed(final long index, final long sessionId, final boolean expired)
        {
            events.add(new Ev(index, expired ? "EXPIRED" : "CLOSED", sessionId, 0, "", 0, 0));
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onSessionClosed(index, sessionId, expired));
            }
        }

        @Override
        public void onGranted(
            final long index, final long sessionId, final long requestId, final long thread,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            final String lock = str(name, nameLength);
            events.add(new Ev(index, "GRANTED", sessionId, requestId, lock, fence, holdCount));
            final UnsafeBuffer copy = new UnsafeBuffer(lock.getBytes(StandardCharsets.US_ASCII));
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onGranted(index, sessionId, requestId, thread, copy, nameLength, fence, holdCount));
            }
        }

        @Override
        public void onQueued(
            final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
        {
            final String lock = str(name, nameLength);
            events.add(new Ev(index, "QUEUED", sessionId, requestId, lock, 0, position));
            final UnsafeBuffer copy = new UnsafeBuffer(lock.getBytes(StandardCharsets.US_ASCII));
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onQueued(index, sessionId, requestId, copy, nameLength, position));
            }
        }

        @Override
        public void onFailed(final long index, final long sessionId, final long requestId, final int status)
        {
            events.add(new Ev(index, "FAILED", sessionId, requestId, LockStatus.name(status), 0, status));
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onFailed(index, sessionId, requestId, status));
            }
        }

        @Override
        public void onReleased(
            final long index, final long sessionId, final long requestId,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            final String lock = str(name, nameLength);
            events.add(new Ev(index, "RELEASED", sessionId, requestId, lock, fence, holdCount));
            final UnsafeBuffer copy = new UnsafeBuffer(lock.getBytes(StandardCharsets.US_ASCII));
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onReleased(index, sessionId, requestId, copy, nameLength, fence, holdCount));
            }
        }

        @Override
        public void onLost(final long index, final long sessionId, final DirectBuffer name, final int nameLength, final long fence)
        {
            events.add(new Ev(index, "LOST", sessionId, 0, str(name, nameLength), fence, 0));
        }

        @Override
        public void onRestored(final LockStateMachine replica, final long index)
        {
            // Not an event of an entry (other replicas applied those entries one by one): counted, not recorded.
            restores++;
            for (final SimClient client : homed(memberId))
            {
                client.deliver(c -> c.onRestored(replica, index));
            }
        }
    }

    /** The resource the locks protect: accepts a write only with a fence at least the largest seen. */
    static final class FencedResource
    {
        long maxFence = -1;
        long accepted;
        long rejected;
        long lastAcceptedFence = -1;

        boolean write(final long fence)
        {
            if (fence < maxFence)
            {
                rejected++;
                return false;
            }
            if (fence < lastAcceptedFence)
            {
                throw new AssertionError("accepted a write out of fence order: " + fence + " after " + lastAcceptedFence);
            }
            maxFence = fence;
            lastAcceptedFence = fence;
            accepted++;
            return true;
        }
    }

    record PendingWrite(long atNs, String lock, long fence, boolean fromValidHolder)
    {
    }

    final class SimClient implements LockClient.Handler
    {
        static final int IDLE = 0;
        static final int WAITING = 1;
        static final int HOLDING = 2;
        static final int RELEASING = 3;

        final int id;
        final int home;
        final LockClient client;
        final ArrayDeque<java.util.function.Consumer<LockClient>> buffered = new ArrayDeque<>();
        int state = IDLE;
        long correlationId;
        String lock;
        UnsafeBuffer lockName;
        long nextActionNs;
        long holdUntilNs;
        long nextWriteNs;
        long pausedUntilNs;
        long grants;
        long lost;
        long waitStartedNs;

        SimClient(final int id, final int home)
        {
            this.id = id;
            this.home = home;
            this.client = new LockClient(LockSimulation.this::send, this, random.nextLong(), TTL_NS, CLIENT_TIMEOUT_NS, RETRY_NS);
        }

        boolean paused()
        {
            return now() < pausedUntilNs;
        }

        void deliver(final java.util.function.Consumer<LockClient> event)
        {
            if (paused())
            {
                buffered.addLast(event);
            }
            else
            {
                event.accept(client);
            }
        }

        void step(final long nowNs)
        {
            if (paused())
            {
                return;
            }
            while (!buffered.isEmpty())
            {
                buffered.pollFirst().accept(client);
            }
            client.doWork(nowNs);
            switch (state)
            {
                case IDLE:
                    if (nowNs >= nextActionNs && !draining)
                    {
                        lock = LOCKS[random.nextInt(LOCKS.length)];
                        lockName = new UnsafeBuffer(lock.getBytes(StandardCharsets.US_ASCII));
                        final long wait = random.nextInt(10) < 7 ? -1 : random.nextLong(0, 400) * MS;
                        correlationId = ++correlationIds;
                        state = WAITING;
                        waitStartedNs = nowNs;
                        if (!client.acquire(correlationId, lockName, 0, lockName.capacity(), LockCommand.MUTEX, 1, 1, 1, wait,
                            lockName, 0, 0))
                        {
                            state = IDLE;
                        }
                    }
                    break;
                case HOLDING:
                    if (nowNs >= nextWriteNs)
                    {
                        nextWriteNs = nowNs + 10 * MS;
                        final long fence = client.validFence(lockName, 0, lockName.capacity(), 1, nowNs);
                        if (fence >= 0)
                        {
                            final long delay = random.nextInt(50) == 0 ? random.nextLong(1, 2 * TTL_NS) : 0;
                            writes.add(new PendingWrite(nowNs + delay, lock, fence, delay == 0));
                        }
                    }
                    if (nowNs >= holdUntilNs)
                    {
                        correlationId = ++correlationIds;
                        state = RELEASING;
                        if (!client.release(correlationId, lockName, 0, lockName.capacity(), LockCommand.MUTEX, 1, 1))
                        {
                            state = HOLDING;
                        }
                    }
                    break;
                default:
                    break;
            }
        }

        @Override
        public void onGranted(final long correlationId, final long fence, final int holdCount)
        {
            if (correlationId == this.correlationId && state == WAITING)
            {
                state = HOLDING;
                grants++;
                holdUntilNs = now() + random.nextLong(5, 150) * MS;
                nextWriteNs = now();
            }
        }

        @Override
        public void onFailed(final long correlationId, final int status)
        {
            if (correlationId == this.correlationId)
            {
                state = IDLE;
                nextActionNs = now() + random.nextLong(1, 50) * MS;
            }
        }

        @Override
        public void onReleased(final long correlationId, final long fence, final int holdCount)
        {
            if (correlationId == this.correlationId)
            {
                state = IDLE;
                nextActionNs = now() + random.nextLong(1, 50) * MS;
            }
        }

        @Override
        public void onLockLost(final DirectBuffer name, final int nameLength, final long fence)
        {
            lost++;
            if (state == HOLDING)
            {
                state = IDLE;
            }
        }
    }

    static final String[] LOCKS = {"alpha", "beta", "gamma"};

    final long seed;
    final SplittableRandom random;
    final LoopbackCluster cluster;
    final int size;
    final List<Recorder> recordings = new ArrayList<>();
    final Recorder[] current;
    final List<SimClient> clients = new ArrayList<>();
    final List<PendingWrite> writes = new ArrayList<>();
    final Map<String, FencedResource> resources = new HashMap<>();
    long correlationIds;
    long sendCorrelation = 1L << 40;
    boolean draining;
    long restores;
    /**
     * Adds a fault: a follower is cut off for 150-500 ms, shorter than a client's lease, and healed on
     * schedule. With snapshots right behind the log it catches up by InstallSnapshot while its homed
     * clients still hold valid sessions with requests in flight: what {@link LockClient#onRestored} is for.
     */
    boolean briefIsolations;
    long briefIsolationHealNs;
    long briefIsolationCount;
    long beliefChecks;
    long validWritesRejected;
    long maxConcurrentBelievers;

    LockSimulation(final long seed, final int clientCount)
    {
        this(seed, clientCount, config -> {});
    }

    LockSimulation(final long seed, final int clientCount, final java.util.function.Consumer<io.synod.raft.RaftConfig> configurer)
    {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.size = random.nextBoolean() ? 3 : 5;
        this.current = new Recorder[size + 1];
        for (final String lock : LOCKS)
        {
            resources.put(lock, new FencedResource());
        }
        this.cluster = new LoopbackCluster(size, seed, true, memberId ->
        {
            final Recorder recorder = new Recorder(memberId);
            recordings.add(recorder);
            current[memberId] = recorder;
            return new LockStateMachine(recorder);
        }, config ->
        {
            config.sessionTickIntervalNs(TICK_INTERVAL_NS);
            configurer.accept(config);
        });
        for (int i = 0; i < clientCount; i++)
        {
            clients.add(new SimClient(i, 1 + i % size));
        }
    }

    long now()
    {
        return cluster.clock().nanoTime();
    }

    List<SimClient> homed(final int memberId)
    {
        final List<SimClient> result = new ArrayList<>();
        for (final SimClient client : clients)
        {
            if (client.home == memberId)
            {
                result.add(client);
            }
        }
        return result;
    }

    /** Clients reach the leader as a remote client would: whoever leads now, else the command is lost. */
    boolean send(final int type, final long sessionId, final long argument, final DirectBuffer buffer, final int offset, final int length)
    {
        final int leader = cluster.leader();
        if (leader != 0)
        {
            cluster.agent(leader).proposeSession(LoopbackCluster.GROUP_ID, sendCorrelation++, type, sessionId, argument, buffer,
                offset, length);
        }
        return true;
    }

    void step()
    {
        cluster.tick();
        final long nowNs = now();
        if (briefIsolationHealNs != 0 && nowNs >= briefIsolationHealNs)
        {
            briefIsolationHealNs = 0;
            cluster.heal();
        }
        for (final SimClient client : clients)
        {
            client.step(nowNs);
        }
        deliverWrites(nowNs);
        checkBeliefs(nowNs);
        checkReplicas();
    }

    private void deliverWrites(final long nowNs)
    {
        for (int i = 0; i < writes.size(); i++)
        {
            final PendingWrite write = writes.get(i);
            if (write.atNs <= nowNs)
            {
                final boolean accepted = resources.get(write.lock).write(write.fence);
                if (!accepted && write.fromValidHolder)
                {
                    validWritesRejected++;
                }
                writes.remove(i--);
            }
        }
    }

    private void checkBeliefs(final long nowNs)
    {
        for (final String lock : LOCKS)
        {
            final UnsafeBuffer name = new UnsafeBuffer(lock.getBytes(StandardCharsets.US_ASCII));
            int believers = 0;
            for (final SimClient client : clients)
            {
                if (client.client.validFence(name, 0, name.capacity(), 1, nowNs) >= 0)
                {
                    believers++;
                }
            }
            beliefChecks++;
            maxConcurrentBelievers = Math.max(maxConcurrentBelievers, believers);
            if (believers > 1)
            {
                throw new AssertionError(fail("two clients may act on " + lock + " at " + nowNs));
            }
        }
    }

    private void checkReplicas()
    {
        for (int m = 1; m <= size; m++)
        {
            if (!cluster.isAlive(m))
            {
                continue;
            }
            final LockStateMachine machine = (LockStateMachine)cluster.stateMachine(m);
            final int member = m;
            machine.forEachResource((name, nameLength, kind, capacity, used, holders, waiters) ->
            {
                if (used > capacity || (kind == LockCommand.MUTEX && holders > 1))
                {
                    throw new AssertionError(fail("member " + member + ": " + holders + " holders, used " + used));
                }
                machine.forEachHolder(name, 0, nameLength, (sessionId, thread, fence, permits, count, value, valueLength) ->
                {
                    if (!machine.hasSession(sessionId))
                    {
                        throw new AssertionError(fail("member " + member + " holds for dead session " + sessionId));
                    }
                });
            });
        }
    }

    String fail(final String message)
    {
        return message + " (seed " + seed + ")" + cluster.describe();
    }

    /** Safety phase with faults, then a liveness phase healed. */
    void run(final long safetyNs, final long livenessNs)
    {
        cluster.awaitLeader(2000 * MS);
        final long safetyEnd = now() + safetyNs;
        long nextFaultNs = now() + 200 * MS;
        while (now() < safetyEnd)
        {
            step();
            if (now() >= nextFaultNs)
            {
                nextFaultNs = now() + random.nextLong(100, 600) * MS;
                injectFault();
            }
        }
        cluster.heal();
        briefIsolationHealNs = 0;
        for (int m = 1; m <= size; m++)
        {
            if (!cluster.isAlive(m))
            {
                cluster.restart(m);
            }
        }
        for (final SimClient client : clients)
        {
            client.pausedUntilNs = 0;
        }
        final long grantsBefore = totalGrants();
        final long livenessEnd = now() + livenessNs;
        while (now() < livenessEnd)
        {
            step();
        }
        final long grantsAfter = totalGrants();
        if (grantsAfter - grantsBefore < clients.size())
        {
            throw new AssertionError(fail("no progress after healing: " + (grantsAfter - grantsBefore) + " grants"));
        }
        drain(3 * TTL_NS + 2000 * MS);
        checkHistory();
    }

    /** No new requests: every client comes to rest, and every replica ends with no holds and no waits. */
    private void drain(final long maxNs)
    {
        draining = true;
        final long end = now() + maxNs;
        while (!drained())
        {
            if (now() > end)
            {
                final StringBuilder stuck = new StringBuilder();
                for (final SimClient client : clients)
                {
                    if (client.state != SimClient.IDLE)
                    {
                        stuck.append("\n  client ").append(client.id).append(" (home ").append(client.home).append(") state ")
                            .append(client.state).append(" on ").append(client.lock).append(" session ")
                            .append(client.client.sessionId()).append(" restores reconciled ").append(client.client.restoresReconciled());
                    }
                }
                throw new AssertionError(fail("not drained within " + maxNs / MS + " ms:" + stuck + "\n  replicas:" + replicaState()));
            }
            step();
        }
    }

    private boolean drained()
    {
        for (final SimClient client : clients)
        {
            if (client.state != SimClient.IDLE)
            {
                return false;
            }
        }
        final int leader = cluster.leader();
        if (leader == 0)
        {
            return false;
        }
        final long applied = cluster.node(leader).lastApplied();
        for (int m = 1; m <= size; m++)
        {
            if (cluster.node(m).lastApplied() < applied)
            {
                return false;
            }
            final int[] busy = {0};
            ((LockStateMachine)cluster.stateMachine(m)).forEachResource(
                (name, nameLength, kind, capacity, used, holders, waiters) -> busy[0] += holders + waiters);
            if (busy[0] > 0)
            {
                return false;
            }
        }
        return true;
    }

    private String replicaState()
    {
        final StringBuilder out = new StringBuilder();
        for (int m = 1; m <= size; m++)
        {
            final LockStateMachine machine = (LockStateMachine)cluster.stateMachine(m);
            out.append("\n    member ").append(m).append(" applied ").append(machine.lastAppliedIndex());
            machine.forEachResource((name, nameLength, kind, capacity, used, holders, waiters) ->
            {
                out.append(' ').append(name.getStringWithoutLengthAscii(0, nameLength)).append('=').append(holders).append('/').append(waiters);
                machine.forEachHolder(name, 0, nameLength, (sessionId, thread, fence, permits, count, value, valueLength) ->
                    out.append("[session ").append(sessionId).append(" fence ").append(fence).append(']'));
            });
        }
        return out.toString();
    }

    long restoresReconciled()
    {
        long total = 0;
        for (final SimClient client : clients)
        {
            total += client.client.restoresReconciled();
        }
        return total;
    }

    long totalGrants()
    {
        long total = 0;
        for (final SimClient client : clients)
        {
            total += client.grants;
        }
        return total;
    }

    private void injectFault()
    {
        if (briefIsolations && random.nextInt(3) == 0)
        {
            final int leader = cluster.leader();
            final int member = 1 + random.nextInt(size);
            if (leader != 0 && member != leader && cluster.isAlive(member) && briefIsolationHealNs == 0)
            {
                cluster.heal();
                cluster.isolate(member);
                briefIsolationHealNs = now() + random.nextLong(150, 500) * MS;
                briefIsolationCount++;
            }
            return;
        }
        final int dice = random.nextInt(10);
        final int member = 1 + random.nextInt(size);
        int alive = 0;
        for (int m = 1; m <= size; m++)
        {
            alive += cluster.isAlive(m) ? 1 : 0;
        }
        switch (dice)
        {
            case 0:
            case 1:
                cluster.heal();
                break;
            case 2:
                cluster.isolate(cluster.leader() == 0 ? member : cluster.leader());
                break;
            case 3:
                cluster.partition(member, 1 + member % size);
                break;
            case 4:
                if (cluster.isAlive(member) && alive > size / 2 + 1)
                {
                    cluster.crash(member);
                }
                break;
            case 5:
                if (!cluster.isAlive(member))
                {
                    cluster.restart(member);
                }
                break;
            default:
                final SimClient client = clients.get(random.nextInt(clients.size()));
                client.pausedUntilNs = now() + random.nextLong(TTL_NS / 4, 3 * TTL_NS);
                break;
        }
    }

    /** Checks over the recorded events of all replicas. */
    void checkHistory()
    {
        final TreeMap<Long, List<Ev>> canonical = new TreeMap<>();
        for (final Recorder recorder : recordings)
        {
            final TreeMap<Long, List<Ev>> byIndex = new TreeMap<>();
            for (final Ev ev : recorder.events)
            {
                byIndex.computeIfAbsent(ev.index(), k -> new ArrayList<>()).add(ev);
            }
            for (final Map.Entry<Long, List<Ev>> entry : byIndex.entrySet())
            {
                final List<Ev> existing = canonical.putIfAbsent(entry.getKey(), entry.getValue());
                if (existing != null && !existing.equals(entry.getValue()))
                {
                    throw new AssertionError(fail("replicas disagree at " + entry.getKey() + ": " + existing + " vs " + entry.getValue()));
                }
            }
        }
        final Map<String, Long> lastFence = new HashMap<>();
        final Map<String, List<String>> queues = new HashMap<>();
        final Map<String, String> queuedOn = new HashMap<>();
        final java.util.Set<Long> ended = new java.util.HashSet<>();
        for (final List<Ev> events : canonical.values())
        {
            for (final Ev ev : events)
            {
                final String key = ev.session() + "/" + ev.requestId();
                switch (ev.type())
                {
                    case "GRANTED":
                        if (ended.contains(ev.session()))
                        {
                            throw new AssertionError(fail("grant to ended session: " + ev));
                        }
                        if (ev.count() == 1)
                        {
                            final Long previous = lastFence.put(ev.name(), ev.fence());
                            if (previous != null && previous >= ev.fence())
                            {
                                throw new AssertionError(fail("fence did not increase: " + previous + " then " + ev));
                            }
                        }
                        final List<String> queue = queues.get(ev.name());
                        if (queue != null && queue.contains(key))
                        {
                            if (!queue.get(0).equals(key))
                            {
                                throw new AssertionError(fail("FIFO violated: " + key + " granted before " + queue.get(0)));
                            }
                            queue.remove(0);
                            fifoGrants++;
                        }
                        break;
                    case "QUEUED":
                        queues.computeIfAbsent(ev.name(), k -> new ArrayList<>()).add(key);
                        queuedOn.put(key, ev.name());
                        break;
                    case "FAILED":
                        final String on = queuedOn.remove(key);
                        if (on != null)
                        {
                            queues.get(on).remove(key);
                        }
                        break;
                    case "EXPIRED":
                        expiredSessions++;
                        ended.add(ev.session());
                        break;
                    case "CLOSED":
                        ended.add(ev.session());
                        break;
                    case "LOST":
                        locksLostToExpiry++;
                        break;
                    default:
                        break;
                }
            }
        }
        for (final Map.Entry<String, List<String>> entry : queues.entrySet())
        {
            for (final String key : entry.getValue())
            {
                final long session = Long.parseLong(key.substring(0, key.indexOf('/')));
                if (ended.contains(session))
                {
                    throw new AssertionError(fail("wait of ended session left queued: " + key));
                }
            }
        }
        grantsChecked = lastFence.size();
        for (final List<Ev> events : canonical.values())
        {
            for (final Ev ev : events)
            {
                if (ev.type().equals("GRANTED"))
                {
                    totalGrantEvents++;
                }
            }
        }
    }

    long fifoGrants;
    long expiredSessions;
    long locksLostToExpiry;
    long grantsChecked;
    long totalGrantEvents;

    long acceptedWrites()
    {
        long total = 0;
        for (final FencedResource resource : resources.values())
        {
            total += resource.accepted;
        }
        return total;
    }

    long rejectedWrites()
    {
        long total = 0;
        for (final FencedResource resource : resources.values())
        {
            total += resource.rejected;
        }
        return total;
    }

    String summary()
    {
        return "seed=" + seed + " members=" + size + " clients=" + clients.size() + " grants=" + totalGrantEvents +
            " fifoGrants=" + fifoGrants + " expiredSessions=" + expiredSessions + " locksLost=" + locksLostToExpiry +
            " writesAccepted=" + acceptedWrites() + " staleWritesRejected=" + rejectedWrites() +
            " beliefChecks=" + beliefChecks + " restores=" + restores + " reconciled=" + restoresReconciled() +
            (briefIsolations ? " briefIsolations=" + briefIsolationCount : "");
    }
}
