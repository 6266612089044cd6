package io.synod.examples.embedded;

// snippet: member-imports
import io.synod.lock.LockReplica;
import io.synod.log.chronicle.ChronicleStores;
import io.synod.log.chronicle.Durability;
import io.synod.transport.aeron.AeronRaftNode;
import io.synod.transport.aeron.AeronRuntime;
import io.synod.transport.aeron.GroupSpec;
import org.agrona.concurrent.OffsetEpochNanoClock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
// end snippet

import java.io.IOException;
import java.nio.file.Files;

/**
 * One member of the example cluster: the application's {@link Counter} as Raft group 0 and the lock service
 * as group 1, on one node (one agent thread, one transport), each group with its own log directory.
 */
public final class EmbeddedMember implements AutoCloseable
{
    static final int CLUSTER_ID = 7;
    static final int APP_GROUP = 0;
    static final int LOCK_GROUP = 1;

    final Counter counter;
    final LockReplica locks;
    final AeronRaftNode node;

    private EmbeddedMember(final Counter counter, final LockReplica locks, final AeronRaftNode node)
    {
        this.counter = counter;
        this.locks = locks;
        this.node = node;
    }

    /**
     * @param memberId  this member (1..3).
     * @param endpoints every member's UDP endpoint, this one's included.
     * @param dir       this member's own directory.
     * @param runtime   the media driver to use: shared by the members of this one JVM; null for one of its own.
     */
    static EmbeddedMember start(final int memberId, final Map<Integer, String> endpoints, final Path dir, final AeronRuntime runtime)
        throws IOException
    {
        Files.createDirectories(dir.resolve("app"));
        Files.createDirectories(dir.resolve("locks"));
        // snippet: member
        Counter counter = new Counter();
        LockReplica locks = LockReplica.builder()
            .ttl(Duration.ofSeconds(10))              // servers expire a silent client's session after this
            .clientTimeout(Duration.ofSeconds(6))     // the client gives its locks up first: <= ttl - 2 ticks - drift
            .build();
        AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(CLUSTER_ID).memberId(memberId)
            // group 0: the application's state machine, its log and hard state in their own directory; the
            // stores are opened by build() with the ids above (given once), and refuse another member's files
            .log(ChronicleStores.log(dir.resolve("app/log"), Durability.SYNC))
            .hardState(ChronicleStores.hardState(dir.resolve("app/hard-state")))
            .stateMachine(counter)
            // group 1: the lock service beside it, on the same node (one thread, one transport)
            .group(new GroupSpec(LOCK_GROUP)
                .log(ChronicleStores.log(dir.resolve("locks/log"), Durability.SYNC))
                .hardState(ChronicleStores.hardState(dir.resolve("locks/hard-state")))
                .stateMachine(locks.stateMachine()))
            .clock(new OffsetEpochNanoClock()::nanoTime);   // epoch time: lock log time carries across leaders
        endpoints.forEach(builder::endpoint);               // member id -> "host:port", this member's included
        if (runtime != null)
        {
            builder.runtime(runtime);                       // several members in one JVM share one media driver
        }
        AeronRaftNode node = builder.build();               // started; fails fast on missing JVM flags
        locks.start(node.agent(), LOCK_GROUP);              // this process's lock client, on the agent thread
        // end snippet
        return new EmbeddedMember(counter, locks, node);
    }

    @Override
    public void close()
    {
        node.close();
    }
}
