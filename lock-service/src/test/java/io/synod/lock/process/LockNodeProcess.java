package io.synod.lock.process;

import io.synod.lock.FencedLock;
import io.synod.lock.FencedLocks;
import io.synod.lock.LockException;
import io.synod.lock.LockStateMachine;
import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.raft.Membership;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.transport.aeron.AeronRaftNode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.OffsetEpochNanoClock;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One member of the lock cluster in its own JVM, for {@link LockMultiProcessTest}. Arguments:
 * {@code server|client memberId dir endpoint1 endpoint2 endpoint3 [ownEndpoint] seed}.
 *
 * <p>A <b>server</b> is a voter: Chronicle log and hard state under {@code dir/member-N}, a
 * {@link LockStateMachine}, and the node's session TICKs carry log time while it leads. Stdin:
 * {@code ADD id endpoint} (connect, and propose ADD_LEARNER if leading; answers {@code NOTLEADER} or
 * {@code CHANGE reason}, 0 = committed), {@code STATUS}.
 *
 * <p>A <b>client</b> is a learner (joins empty, added by the leader) with its own replica of the lock
 * state and one lock-service session ({@link FencedLocks}) whose commands are forwarded to the leader.
 * Two worker threads contend for the lock {@code resource}; each hold writes three times to the
 * {@link FencedFile} with its fence. Stdout: {@code G fence worker}, {@code W fence worker seq A|R},
 * {@code REL fence worker}, {@code RELFAIL fence worker status}, {@code LOST fence}, {@code ERR ...}.
 * Stdin: {@code STOP} (workers finish their hold and exit; answers {@code STOPPED} once every worker has exited, after
 * which this process starts no acquire or write; else {@code STOPPED but still running: <workers>}), {@code STATUS}.
 */
public final class LockNodeProcess
{
    static final int CLUSTER_ID = 31;
    static final long MS = 1_000_000L;
    static final long TTL_NS = 4_000 * MS;
    static final long CLIENT_TIMEOUT_NS = 2_500 * MS;
    static final long RETRY_NS = 250 * MS;
    static final long TICK_NS = 100 * MS;

    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.US_ASCII);

    private static volatile boolean running = true;
    private static volatile CompletableFuture<Integer> change;

    private LockNodeProcess()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final boolean server = "server".equals(args[0]);
        final int memberId = Integer.parseInt(args[1]);
        final Path dir = Path.of(args[2]);
        final long seed = Long.parseLong(args[args.length - 1]);
        final Path memberDir = Files.createDirectories(dir.resolve("member-" + memberId));
        final FencedLocks locks = server ? null : new FencedLocks(
            (type, sessionId, argument, buffer, offset, length) ->
                nodeRef.agent().forwardSession(0, type, sessionId, argument, buffer, offset, length),
            seed, TTL_NS, CLIENT_TIMEOUT_NS, RETRY_NS);

        final OffsetEpochNanoClock epoch = new OffsetEpochNanoClock();
        final AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(CLUSTER_ID)
            .memberId(memberId)
            .raftConfig(new RaftConfig()
                .electionTimeoutNs(1_000 * MS)
                .heartbeatIntervalNs(50 * MS)
                .sessionTickIntervalNs(TICK_NS)
                .joining(!server)
                .observer(new RaftObserver()
                {
                    public void onRoleChange(
                        final int groupId, final int member, final RaftRole from, final RaftRole to, final long term, final String reason)
                    {
                        OUT.println("ROLE " + to + " " + term);
                    }
                }))
            .log(ChronicleRaftLog.open(memberDir.resolve("log"), Durability.PAGE_CACHE, CLUSTER_ID, memberId))
            .hardState(FileHardState.open(memberDir.resolve("hard-state"), CLUSTER_ID, memberId))
            .stateMachine(server ? new LockStateMachine() : new LockStateMachine(locks))
            .proposalHandler(new ChangeHandler())
            .randomSeed(seed)
            // Log time (TICK entries) must carry across leaders in different processes: an epoch clock.
            .clock(epoch::nanoTime)
            .idleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 200_000))
            .driverParentDir(dir);
        for (int m = 1; m <= 3; m++)
        {
            builder.endpoint(m, args[2 + m]);
        }
        if (!server)
        {
            builder.endpoint(memberId, args[6]);
        }

        try (AeronRaftNode node = builder.build())
        {
            nodeRef = node;
            final List<Thread> workers = new ArrayList<>();
            if (!server)
            {
                node.addDuty(locks::doWork);
                locks.addLockLostListener((name, fence) -> OUT.println("LOST " + fence));
                final FencedFile resource = new FencedFile(dir);
                for (int w = 0; w < 2; w++)
                {
                    final String worker = "m" + memberId + "w" + w;
                    final SplittableRandom random = new SplittableRandom(seed + w);
                    final Thread thread = new Thread(() -> contend(locks.lock("resource"), resource, worker, random), worker);
                    thread.start();
                    workers.add(thread);
                }
            }
            OUT.println("READY");
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null)
            {
                final String[] words = line.trim().split(" ");
                switch (words[0])
                {
                    case "ADD" -> OUT.println(add(node, Integer.parseInt(words[1]), words[2]));
                    case "STOP" ->
                    {
                        // Each worker checks `running` only between holds: wait for all of them to exit, so no
                        // acquire or write can start after STOPPED (the test then reads the reports and journal).
                        running = false;
                        final StringBuilder stillRunning = new StringBuilder();
                        for (final Thread worker : workers)
                        {
                            worker.join(30_000);
                            if (worker.isAlive())
                            {
                                stillRunning.append(' ').append(worker.getName());
                            }
                        }
                        OUT.println(stillRunning.length() == 0 ? "STOPPED" : "STOPPED but still running:" + stillRunning);
                    }
                    case "STATUS" -> OUT.println("STATUS " + node.role() + " " + node.term() + " " + node.commitIndex() + " " +
                        node.lastApplied() + " " + node.leaderId());
                    case "EXIT" ->
                    {
                        return;
                    }
                    default -> OUT.println("UNKNOWN " + line);
                }
            }
        }
    }

    private static volatile AeronRaftNode nodeRef;

    private static String add(final AeronRaftNode node, final int member, final String endpoint) throws Exception
    {
        node.addEndpoint(member, endpoint);
        if (!node.isLeader())
        {
            return "NOTLEADER";
        }
        change = new CompletableFuture<>();
        if (!node.proposeMembershipChange(member, Membership.ADD_LEARNER, member))
        {
            return "CHANGE busy";
        }
        return "CHANGE " + change.get(10, TimeUnit.SECONDS);
    }

    /** One worker: acquire, write three times under the fence, release; report everything. */
    private static void contend(final FencedLock lock, final FencedFile resource, final String worker, final SplittableRandom random)
    {
        long sequence = 0;
        while (running)
        {
            final boolean granted;
            try
            {
                granted = lock.tryLock(3, TimeUnit.SECONDS);
            }
            catch (final LockException ex)
            {
                OUT.println("ERR acquire " + worker + " " + ex.getMessage());
                continue;
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            if (!granted)
            {
                continue;
            }
            final long fence = lock.fence();
            OUT.println("G " + fence + " " + worker);
            for (int i = 0; i < 3; i++)
            {
                final boolean accepted = resource.write(fence, worker, ++sequence);
                OUT.println("W " + fence + " " + worker + " " + sequence + (accepted ? " A" : " R"));
                LockSupport.parkNanos(5 * MS + random.nextLong(10 * MS));
            }
            try
            {
                lock.unlock();
                OUT.println("REL " + fence + " " + worker);
            }
            catch (final LockException ex)
            {
                OUT.println("RELFAIL " + fence + " " + worker + " " + ex.status());
            }
            LockSupport.parkNanos(random.nextLong(10 * MS));
        }
    }

    /** Reports the outcome of this member's ADD_LEARNER proposal (correlation id = the member id). */
    private static final class ChangeHandler implements ProposalHandler
    {
        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            complete(0);
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
        {
            complete(reason);
        }

        private static void complete(final int reason)
        {
            final CompletableFuture<Integer> pending = change;
            if (pending != null)
            {
                pending.complete(reason);
            }
        }
    }
}
