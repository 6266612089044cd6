package io.synod.bench;

import io.synod.lock.CommandSender;
import io.synod.lock.LockClient;
import io.synod.lock.LockCommand;
import io.synod.lock.LockEvents;
import io.synod.lock.LockStateMachine;
import io.synod.raft.testkit.LoopbackCluster;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Lock + unlock round trips through {@link LockClient}s on a 3-member {@link LoopbackCluster} (virtual time,
 * one thread, pre-sized in-memory logs, zero-allocation transport). {@code clients} clients, all homed on
 * member 1, loop acquire (wait forever) → granted → release → released on one mutex; {@code clients = 1} is
 * uncontended, more is contended (waiters queue FIFO in the replicated state). One operation is one
 * completed lock + unlock by any client. The figure is the CPU time of the whole simulated cluster
 * (three replicas' Raft duty cycles, state machines, keep-alives and session ticks, the clients) per
 * operation, NOT network latency: virtual time advances 1 ms per tick and is not measured here.
 * The lock state machine does not snapshot, so the logs grow: they are sized for about 1.5M operations
 * (some 40 s at these rates); longer runs need larger logs. Built once per trial so -prof gc counts no set-up.
 */
@State(Scope.Thread)
@BenchmarkMode({ Mode.AverageTime, Mode.SampleTime })
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class LockBenchmark extends SynodBenchmark
{
    static final long MS = 1_000_000L;
    static final int LOG_ENTRIES = 4 * 1024 * 1024;
    static final int LOG_BYTES = LOG_ENTRIES * 96;

    static final int IDLE = 0;
    static final int WAITING = 1;
    static final int HOLDING = 2;
    static final int RELEASING = 3;

    @Param({ "1", "4" })
    public int clients;

    private final UnsafeBuffer name = new UnsafeBuffer("lock".getBytes(StandardCharsets.US_ASCII));
    private LoopbackCluster cluster;
    private LockClient[] lockClients;
    private int[] states;
    private CommandSender sender;
    private long correlationId;
    private long completed;

    @Setup(Level.Trial)
    public void setUp()
    {
        sender = (type, sessionId, argument, buffer, offset, length) ->
        {
            final int leader = cluster.leader();
            return leader != 0 && cluster.agent(leader).proposeSession(
                LoopbackCluster.GROUP_ID, correlationId++, type, sessionId, argument, buffer, offset, length);
        };
        lockClients = new LockClient[clients];
        states = new int[clients];
        for (int i = 0; i < clients; i++)
        {
            final int client = i;
            lockClients[i] = new LockClient(sender, new LockClient.Handler()
            {
                @Override
                public void onGranted(final long correlationId, final long fence, final int holdCount)
                {
                    states[client] = HOLDING;
                }

                @Override
                public void onFailed(final long correlationId, final int status)
                {
                    throw new IllegalStateException("lock request failed: " + status);
                }

                @Override
                public void onReleased(final long correlationId, final long fence, final int holdCount)
                {
                    states[client] = IDLE;
                    completed++;
                }
            }, 1000 + i, 1000 * MS, 700 * MS, 150 * MS);
        }
        final LockEvents fanOut = new FanOut(lockClients);
        cluster = new LoopbackCluster(3, 42, false,
            member -> member == 1 ? new LockStateMachine(fanOut) : new LockStateMachine(),
            config -> config.sessionTickIntervalNs(50 * MS),
            LOG_ENTRIES, LOG_BYTES);
        if (cluster.awaitLeader(5_000 * MS) == 0)
        {
            throw new IllegalStateException("no leader");
        }
        final long now = cluster.clock().nanoTime();
        for (final LockClient client : lockClients)
        {
            client.doWork(now);
        }
        completed = 0;
    }

    @Benchmark
    public long lockUnlock()
    {
        final long target = completed + 1;
        for (int steps = 0; completed < target; steps++)
        {
            if (steps > 100_000)
            {
                throw new IllegalStateException("stuck: " + cluster.describe());
            }
            step();
        }
        return completed;
    }

    private void step()
    {
        for (int i = 0; i < clients; i++)
        {
            if (states[i] == IDLE)
            {
                states[i] = WAITING;
                lockClients[i].acquire(correlationId, name, 0, 4, LockCommand.MUTEX, 1, 1, 1, -1, name, 0, 0);
            }
            else if (states[i] == HOLDING)
            {
                states[i] = RELEASING;
                lockClients[i].release(correlationId, name, 0, 4, LockCommand.MUTEX, 1, 1);
            }
        }
        cluster.tick();
        final long now = cluster.clock().nanoTime();
        for (int i = 0; i < clients; i++)
        {
            lockClients[i].doWork(now);
        }
    }

    /** Forwards member 1's events to every client (each matches its own session). */
    static final class FanOut implements LockEvents
    {
        private final LockClient[] clients;

        FanOut(final LockClient[] clients)
        {
            this.clients = clients;
        }

        @Override
        public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
        {
            for (final LockClient c : clients)
            {
                c.onSessionOpened(index, sessionId, nonce, ttlNs);
            }
        }

        @Override
        public void onKeepAlive(final long index, final long sessionId, final long sentAtNs)
        {
            for (final LockClient c : clients)
            {
                c.onKeepAlive(index, sessionId, sentAtNs);
            }
        }

        @Override
        public void onSessionClosed(final long index, final long sessionId, final boolean expired)
        {
            for (final LockClient c : clients)
            {
                c.onSessionClosed(index, sessionId, expired);
            }
        }

        @Override
        public void onGranted(
            final long index, final long sessionId, final long requestId, final long thread,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            for (final LockClient c : clients)
            {
                c.onGranted(index, sessionId, requestId, thread, name, nameLength, fence, holdCount);
            }
        }

        @Override
        public void onQueued(
            final long index, final long sessionId, final long requestId, final DirectBuffer name, final int nameLength, final int position)
        {
            for (final LockClient c : clients)
            {
                c.onQueued(index, sessionId, requestId, name, nameLength, position);
            }
        }

        @Override
        public void onFailed(final long index, final long sessionId, final long requestId, final int status)
        {
            for (final LockClient c : clients)
            {
                c.onFailed(index, sessionId, requestId, status);
            }
        }

        @Override
        public void onReleased(
            final long index, final long sessionId, final long requestId,
            final DirectBuffer name, final int nameLength, final long fence, final int holdCount)
        {
            for (final LockClient c : clients)
            {
                c.onReleased(index, sessionId, requestId, name, nameLength, fence, holdCount);
            }
        }
    }
}
