package io.synod.lock.process;

import io.synod.lock.CommandSender;
import io.synod.lock.LockClient;
import io.synod.lock.LockCommand;
import io.synod.lock.LockStateMachine;
import io.synod.log.chronicle.ChronicleRaftLog;
import io.synod.log.chronicle.Durability;
import io.synod.log.chronicle.FileHardState;
import io.synod.raft.RaftAgent;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.transport.aeron.AeronRaftNode;
import io.synod.transport.aeron.AeronRuntime;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uncontended lock + unlock round trips over Aeron UDP (loopback, one JVM, one shared embedded media
 * driver, Chronicle logs with PAGE_CACHE), with the zero-allocation {@link LockClient} embedded on a
 * member: first on the leader (commands appended directly), then on a follower (commands forwarded to
 * the leader, outcomes applied on the follower's replica). Each round trip is acquire → granted →
 * release → released, timed with the wall clock from the acquire call to the released callback.
 *
 * <p>Prints p50/p90/p99/max and the bytes allocated per round trip by the home member's agent thread.
 * {@code -Dsynod.lock.roundTrips=N} sets the measured round trips per placement (default 300, after as
 * many warm-up round trips).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class AeronLockLatencyTest
{
    private static final long MS = 1_000_000L;
    private static final int CLUSTER_ID = 41;
    private static final int ROUND_TRIPS = Integer.getInteger("synod.lock.roundTrips", 300);

    private final Path dir = Path.of("target", "aeron-lock-latency", Long.toString(System.nanoTime()));
    private final AeronRaftNode[] nodes = new AeronRaftNode[4];
    private AeronRuntime runtime;
    private final CountDownLatch elected = new CountDownLatch(1);

    /** Drives one client through acquire/release round trips on its home member's agent thread. */
    private static final class RoundTrips implements LockClient.Handler, RaftAgent.Duty
    {
        private static final int IDLE = 0;
        private static final int ACQUIRING = 1;
        private static final int GRANTED = 2;
        private static final int RELEASING = 3;

        final long[] latencies;
        final int warmUp;
        final UnsafeBuffer name = new UnsafeBuffer("latency".getBytes(StandardCharsets.US_ASCII));
        LockClient client;
        volatile int completed;
        volatile long failures;
        volatile long allocatedAtStart = -1;
        volatile long allocatedAtEnd = -1;
        /** Counted down by the agent thread once every round trip is done and measured. */
        final CountDownLatch finished = new CountDownLatch(1);
        private int state = IDLE;
        private long startNs;
        private long correlationId;

        RoundTrips(final int warmUp, final int measured)
        {
            this.warmUp = warmUp;
            this.latencies = new long[measured];
        }

        @Override
        public int doWork(final long nowNs)
        {
            int work = client.doWork(nowNs);
            final int done = completed;
            if (state == IDLE && done < warmUp + latencies.length)
            {
                if (done == warmUp && allocatedAtStart < 0)
                {
                    allocatedAtStart = allocatedBytes();
                }
                startNs = System.nanoTime();
                if (client.acquire(++correlationId, name, 0, name.capacity(), LockCommand.MUTEX, 1, 1, 1, -1, name, 0, 0))
                {
                    state = ACQUIRING;
                }
                work++;
            }
            else if (state == GRANTED)
            {
                if (client.release(++correlationId, name, 0, name.capacity(), LockCommand.MUTEX, 1, 1))
                {
                    state = RELEASING;
                }
                work++;
            }
            else if (state == IDLE && allocatedAtEnd < 0)
            {
                allocatedAtEnd = allocatedBytes();
                finished.countDown();
            }
            return work;
        }

        @Override
        public void onGranted(final long correlationId, final long fence, final int holdCount)
        {
            state = GRANTED;
        }

        @Override
        public void onFailed(final long correlationId, final int status)
        {
            failures++;
            state = IDLE;
        }

        @Override
        public void onReleased(final long correlationId, final long fence, final int holdCount)
        {
            final int done = completed;
            if (done >= warmUp)
            {
                latencies[done - warmUp] = System.nanoTime() - startNs;
            }
            completed = done + 1;
            state = IDLE;
        }

        private static long allocatedBytes()
        {
            return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
        }
    }

    @AfterEach
    void close()
    {
        for (final AeronRaftNode node : nodes)
        {
            if (node != null)
            {
                node.close();
            }
        }
        if (runtime != null)
        {
            runtime.close();
        }
        IoUtil.delete(dir.toFile(), true);
    }

    @Test
    void shouldMeasureLockAndUnlockRoundTripsOnTheLeaderAndOnAFollower() throws Exception
    {
        final RoundTrips[] loops = new RoundTrips[4];
        final String[] endpoints = new String[4];
        for (int m = 1; m <= 3; m++)
        {
            endpoints[m] = "127.0.0.1:" + freeUdpPort();
            loops[m] = new RoundTrips(ROUND_TRIPS, ROUND_TRIPS);
        }
        runtime = AeronRuntime.embedded(Files.createDirectories(dir), new YieldingIdleStrategy());
        final OffsetEpochNanoClock epoch = new OffsetEpochNanoClock();
        for (int m = 1; m <= 3; m++)
        {
            final int member = m;
            final Path memberDir = Files.createDirectories(dir.resolve("member-" + m));
            final CommandSender sender = (type, sessionId, argument, buffer, offset, length) ->
                nodes[member].agent().forwardSession(0, type, sessionId, argument, buffer, offset, length);
            loops[m].client = new LockClient(sender, loops[m], 1_000 + m, 4_000 * MS, 2_500 * MS, 250 * MS);
            final AeronRaftNode.Builder builder = AeronRaftNode.builder()
                .clusterId(CLUSTER_ID)
                .memberId(m)
                .raftConfig(new RaftConfig().electionTimeoutNs(500 * MS).heartbeatIntervalNs(50 * MS).sessionTickIntervalNs(100 * MS).observer(new RaftObserver()
                {
                    public void onRoleChange(
                        final int groupId, final int member, final RaftRole from, final RaftRole to, final long term, final String reason)
                    {
                        if (to == RaftRole.LEADER)
                        {
                            elected.countDown();
                        }
                    }
                }))
                .log(ChronicleRaftLog.open(memberDir.resolve("log"), Durability.PAGE_CACHE, CLUSTER_ID, m))
                .hardState(FileHardState.open(memberDir.resolve("hard-state"), CLUSTER_ID, m))
                .stateMachine(new LockStateMachine(loops[m].client))
                .randomSeed(m)
                .clock(epoch::nanoTime)
                .runtime(runtime);
            for (int e = 1; e <= 3; e++)
            {
                builder.endpoint(e, endpoints[e]);
            }
            nodes[m] = builder.build();
        }
        assertTrue(elected.await(30, TimeUnit.SECONDS), "no leader");
        int leader = 0;
        for (int m = 1; m <= 3; m++)
        {
            leader = nodes[m].isLeader() ? m : leader;
        }
        assertTrue(leader != 0, "the elected leader stepped down before the measurement");
        final int follower = leader % 3 + 1;

        final String onLeader = run(nodes[leader], loops[leader], "on the leader");
        final String onFollower = run(nodes[follower], loops[follower], "on a follower");
        System.out.println("lock+unlock over Aeron UDP, Chronicle PAGE_CACHE, " + ROUND_TRIPS + " round trips each:\n  " +
            onLeader + "\n  " + onFollower);
    }

    private static String run(final AeronRaftNode home, final RoundTrips loop, final String where) throws InterruptedException
    {
        home.addDuty(loop);
        loop.finished.await(150, TimeUnit.SECONDS);
        assertEquals(loop.warmUp + loop.latencies.length, loop.completed, where + ": round trips completed");
        assertEquals(0, loop.failures, where + ": failures");
        final long[] sorted = loop.latencies.clone();
        Arrays.sort(sorted);
        final double bytesPerRoundTrip = (double)(loop.allocatedAtEnd - loop.allocatedAtStart) / sorted.length;
        return String.format("%-14s p50 %8.1f us  p90 %8.1f us  p99 %8.1f us  max %8.1f us  %.1f round trips/s  %.2f B/op (agent thread)",
            where, sorted[sorted.length / 2] / 1e3, sorted[(int)(sorted.length * 0.9)] / 1e3, sorted[(int)(sorted.length * 0.99)] / 1e3,
            sorted[sorted.length - 1] / 1e3, 1e9 * sorted.length / Arrays.stream(sorted).sum(), bytesPerRoundTrip);
    }

    private static int freeUdpPort() throws java.io.IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
