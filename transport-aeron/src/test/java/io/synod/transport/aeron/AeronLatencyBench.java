package io.synod.transport.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Closed-loop commit latency of a 3-node {@link AeronRaftNode} cluster in one JVM (one command in flight),
 * against the raw Aeron UDP round trip measured in the same run with the same driver set-up
 * ({@link AeronRuntime#embedded}: one embedded driver per side, shared threading mode, yielding idle
 * strategy) and the same idle strategy on the agent and the waiting thread ({@link YieldingIdleStrategy}).
 *
 * <p>A commit is at least one round trip leader to follower (AppendEntries out, reply back) plus the
 * proposal hand-off from the caller's thread to the leader's agent and the apply on the way back, so the
 * ratio commit / raw RTT says what Raft and the node add on top of the network.
 *
 * <p>Not in the default run (about 20 s): {@code mvn -pl transport-aeron test -Dtest=AeronLatencyBench
 * -Dsynod.latency=true}, or run {@link #main} on the test classpath. {@code -Dsynod.latency.samples=N}
 * sets the samples per measurement (default 20,000, after as many warm-up round trips).
 */
class AeronLatencyBench
{
    static final int MESSAGE_BYTES = AeronAllocationTest.COMMAND_BYTES;
    static final int STREAM_ID = 9100;

    @Test
    @EnabledIfSystemProperty(named = "synod.latency", matches = "true")
    void shouldMeasureCommitLatencyAgainstRawAeronRoundTrip() throws Exception
    {
        main(new String[0]);
    }

    public static void main(final String[] args) throws Exception
    {
        final int samples = Integer.getInteger("synod.latency.samples", 20_000);
        final Path dir = Files.createTempDirectory("synod-latency-");
        try
        {
            final long[] raw = rawRoundTripNs(dir.resolve("raw"), samples, samples);
            final long[] inMemory = commitLatencyNs(dir.resolve("in-memory"), false, samples, samples);
            final long[] chronicle = commitLatencyNs(dir.resolve("chronicle"), true, samples, samples);
            System.out.printf("latency (%,d samples each after %,d warm-up, one in flight, yielding idle strategy, %d-byte messages):%n",
                samples, samples, MESSAGE_BYTES);
            print("raw Aeron UDP round trip", raw, raw);
            print("3-node commit, in-memory log", inMemory, raw);
            print("3-node commit, Chronicle PAGE_CACHE", chronicle, raw);
        }
        finally
        {
            org.agrona.IoUtil.delete(dir.toFile(), true);
        }
    }

    private static void print(final String label, final long[] sortedNs, final long[] rawSortedNs)
    {
        final long p50 = percentile(sortedNs, 50);
        final long p99 = percentile(sortedNs, 99);
        System.out.printf("  %-36s p50 %7.1f µs  p99 %8.1f µs  (x%.1f / x%.1f raw)%n", label, p50 / 1e3, p99 / 1e3,
            (double)p50 / percentile(rawSortedNs, 50), (double)p99 / percentile(rawSortedNs, 99));
    }

    static long percentile(final long[] sorted, final double percentile)
    {
        return sorted[Math.min(sorted.length - 1, (int)(sorted.length * percentile / 100.0))];
    }

    /** One command in flight: propose, wait (yielding) until it is committed and applied on the leader. */
    static long[] commitLatencyNs(final Path dir, final boolean chronicle, final int warmUp, final int samples)
    {
        final AeronAllocationTest.Outcomes outcomes = new AeronAllocationTest.Outcomes();
        final AeronRaftNode[] nodes = new AeronRaftNode[AeronAllocationTest.MEMBERS + 1];
        try
        {
            AeronAllocationTest.startCluster(dir, chronicle, outcomes, nodes);
            final AeronRaftNode leader = AeronAllocationTest.awaitLeader(nodes);
            final UnsafeBuffer command = new UnsafeBuffer(new byte[MESSAGE_BYTES]);
            final long[] latencyNs = new long[samples];
            long correlationId = 1;
            for (int i = -warmUp; i < samples; i++)
            {
                final long committed = outcomes.committed;
                command.putLong(0, correlationId);
                final long startNs = System.nanoTime();
                while (!leader.propose(correlationId, command, 0, MESSAGE_BYTES))
                {
                    Thread.yield();
                }
                while (outcomes.committed == committed)
                {
                    if (outcomes.rejected != 0 || leader.failure() != null)
                    {
                        throw new AssertionError("rejected or failed (an election under load?) failure=" + leader.failure());
                    }
                    Thread.yield();
                }
                final long endNs = System.nanoTime();
                if (i >= 0)
                {
                    latencyNs[i] = endNs - startNs;
                }
                correlationId++;
            }
            assertEquals(0, outcomes.rejected);
            Arrays.sort(latencyNs);
            return latencyNs;
        }
        finally
        {
            for (final AeronRaftNode node : nodes)
            {
                CloseHelper.quietClose(node);
            }
        }
    }

    /**
     * Ping on this thread, pong echoed by an agent on its own {@link AgentRunner}, each side with its own
     * embedded driver on loopback UDP: the same set-up as two members talking.
     */
    static long[] rawRoundTripNs(final Path dir, final int warmUp, final int samples)
    {
        final String pingEndpoint = TestSupport.freeEndpoint();
        final String pongEndpoint = TestSupport.freeEndpoint();
        AeronRuntime pingRuntime = null;
        AeronRuntime pongRuntime = null;
        AgentRunner pongRunner = null;
        try
        {
            pingRuntime = AeronRuntime.embedded(dir.resolve("ping"), new YieldingIdleStrategy());
            pongRuntime = AeronRuntime.embedded(dir.resolve("pong"), new YieldingIdleStrategy());
            final Aeron ping = pingRuntime.aeron();
            final Aeron pong = pongRuntime.aeron();
            final ExclusivePublication pingPublication = ping.addExclusivePublication("aeron:udp?endpoint=" + pongEndpoint, STREAM_ID);
            final Subscription pingSubscription = ping.addSubscription("aeron:udp?endpoint=" + pingEndpoint, STREAM_ID);
            final ExclusivePublication pongPublication = pong.addExclusivePublication("aeron:udp?endpoint=" + pingEndpoint, STREAM_ID);
            final Subscription pongSubscription = pong.addSubscription("aeron:udp?endpoint=" + pongEndpoint, STREAM_ID);
            TestSupport.await(TestCluster.TIMEOUT, () -> "ping/pong connected", () ->
                pingPublication.isConnected() && pongPublication.isConnected() &&
                pingSubscription.isConnected() && pongSubscription.isConnected());

            pongRunner = new AgentRunner(new YieldingIdleStrategy(), Throwable::printStackTrace, null,
                new Echo(pongSubscription, pongPublication));
            AgentRunner.startOnThread(pongRunner);

            final UnsafeBuffer message = new UnsafeBuffer(new byte[MESSAGE_BYTES]);
            final long[] received = new long[1];
            final FragmentHandler onPong = (buffer, offset, length, header) -> received[0]++;
            final IdleStrategy idle = new YieldingIdleStrategy();
            final long[] rttNs = new long[samples];
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (int i = -warmUp; i < samples; i++)
            {
                final long expected = received[0] + 1;
                message.putLong(0, i);
                final long startNs = System.nanoTime();
                while (pingPublication.offer(message, 0, MESSAGE_BYTES) < 0)
                {
                    idle.idle();
                }
                while (received[0] < expected)
                {
                    idle.idle(pingSubscription.poll(onPong, 1));
                }
                final long endNs = System.nanoTime();
                if (i >= 0)
                {
                    rttNs[i] = endNs - startNs;
                }
                if (endNs - deadlineNs > 0)
                {
                    throw new AssertionError("raw round trips did not finish in time");
                }
            }
            Arrays.sort(rttNs);
            return rttNs;
        }
        finally
        {
            CloseHelper.quietCloseAll(pongRunner, pingRuntime, pongRuntime);
        }
    }

    /** Echoes every message back; the pong side of {@link #rawRoundTripNs}. */
    private static final class Echo implements Agent
    {
        private final Subscription subscription;
        private final Publication publication;
        private final FragmentHandler handler;

        Echo(final Subscription subscription, final Publication publication)
        {
            this.subscription = subscription;
            this.publication = publication;
            this.handler = (buffer, offset, length, header) ->
            {
                while (this.publication.offer(buffer, offset, length) < 0)
                {
                    Thread.yield();
                }
            };
        }

        @Override
        public int doWork()
        {
            return subscription.poll(handler, 16);
        }

        @Override
        public String roleName()
        {
            return "pong";
        }
    }
}
