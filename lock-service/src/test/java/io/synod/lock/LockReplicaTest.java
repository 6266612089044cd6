package io.synod.lock;

import io.synod.raft.RaftConfig;
import io.synod.raft.RaftObserver;
import io.synod.raft.log.InMemoryHardState;
import io.synod.raft.log.InMemoryRaftLog;
import io.synod.transport.aeron.AeronRaftNode;
import io.synod.transport.aeron.AeronRuntime;
import io.synod.transport.aeron.GroupSpec;
import org.agrona.CloseHelper;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LockReplica}: the lock service as a second group beside an application group, wired in a few lines,
 * with log time advancing (a {@code tryLock(timeout)} on a held lock returns after about its timeout), and the
 * tick rule enforced by the builder.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockReplicaTest
{
    private final List<AeronRaftNode> nodes = new ArrayList<>();
    private AeronRuntime runtime;

    @AfterEach
    void close()
    {
        CloseHelper.quietCloseAll(nodes);
        CloseHelper.quietClose(runtime);
    }

    private static RaftConfig config()
    {
        return new RaftConfig()
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(1_000))
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
            .observer(RaftObserver.NONE);
    }

    @Test
    void shouldGrantFencedLocksAndTimeOutAWaitInLogTime() throws Exception
    {
        runtime = AeronRuntime.embedded();
        final LockReplica[] replicas = new LockReplica[4];
        for (int m = 1; m <= 3; m++)
        {
            replicas[m] = LockReplica.builder().nonceSeed(m).build();
            final AeronRaftNode node = AeronRaftNode.builder()
                .clusterId(5).memberId(m).runtime(runtime).ipc(1, 2, 3).raftConfig(config())
                .log(new InMemoryRaftLog()).hardState(new InMemoryHardState())
                .stateMachine((index, term, command, offset, length, response) -> 0)   // the application's group 0
                .group(new GroupSpec(1).raftConfig(config()).log(new InMemoryRaftLog()).hardState(new InMemoryHardState())
                    .stateMachine(replicas[m].stateMachine()))
                .clock(new OffsetEpochNanoClock()::nanoTime)
                .build();
            replicas[m].start(node.agent(), 1);
            nodes.add(node);
        }
        nodes.get(0).group(1).awaitLeader(Duration.ofSeconds(30));

        final FencedLock first = replicas[1].locks().lock("orders");
        final long fence = first.lockAndFence();
        assertTrue(fence > 0, "the fence is the grant's log index");

        final FencedLock second = replicas[2].locks().lock("orders");
        final long startNs = System.nanoTime();
        assertFalse(second.tryLock(1, TimeUnit.SECONDS), "held by member 1's client");
        final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertTrue(waitedMs < 4_000, "log time advances with the ticker: waited " + waitedMs + " ms for a 1 s tryLock");

        first.unlock();
        assertTrue(second.tryLock(10, TimeUnit.SECONDS));
        assertTrue(second.fence() > fence, "fences increase per lock");
        second.unlock();
    }

    @Test
    void shouldRefuseSettingsThatBreakTheTickRule()
    {
        assertThrows(IllegalArgumentException.class, () -> LockReplica.builder()
            .ttl(Duration.ofSeconds(5)).clientTimeout(Duration.ofSeconds(5)).build());
        assertThrows(IllegalArgumentException.class, () -> LockReplica.builder()
            .ttl(Duration.ofSeconds(5)).tickInterval(Duration.ofSeconds(1)).clientTimeout(Duration.ofMillis(2_600)).build(),
            "5 s - 2 x 1 s - 0.5 s = 2.5 s");
        LockReplica.builder().ttl(Duration.ofSeconds(5)).tickInterval(Duration.ofSeconds(1)).clientTimeout(Duration.ofMillis(2_500)).build();
    }
}
