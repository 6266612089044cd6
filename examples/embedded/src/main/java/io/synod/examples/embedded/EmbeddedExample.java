package io.synod.examples.embedded;

// snippet: use-imports
import io.synod.lock.FencedLock;
import io.synod.raft.ReadMode;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
// end snippet

import io.synod.transport.aeron.AeronRuntime;

import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The quickstart: three members in this JVM on loopback UDP; propose to the counter, read it linearizably
 * on a follower, take a fenced lock. {@code mvn -f examples/embedded/pom.xml exec:exec} runs it.
 */
public final class EmbeddedExample
{
    /** What a run saw. */
    public record Result(int leaderId, long committedValue, long readOnFollower, long fence, long nextFence)
    {
    }

    private EmbeddedExample()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path dir = Files.createTempDirectory("synod-example-");
        final Result result = run(dir);
        System.out.println("leader " + result.leaderId() + "; counter committed at " + result.committedValue() +
            ", read on a follower " + result.readOnFollower() + "; fences " + result.fence() + " then " + result.nextFence());
    }

    /** Runs the example with its members' directories under {@code dir}. */
    public static Result run(final Path dir) throws Exception
    {
        final Map<Integer, String> endpoints = new TreeMap<>();
        for (int member = 1; member <= 3; member++)
        {
            endpoints.put(member, "127.0.0.1:" + freeUdpPort());
        }
        final List<EmbeddedMember> members = new ArrayList<>();
        try (AeronRuntime runtime = AeronRuntime.embedded())
        {
            try
            {
                for (int member = 1; member <= 3; member++)
                {
                    members.add(EmbeddedMember.start(member, endpoints, dir.resolve("member-" + member), runtime));
                }
                return exercise(members);
            }
            finally
            {
                members.forEach(EmbeddedMember::close);
            }
        }
    }

    private static Result exercise(final List<EmbeddedMember> members) throws Exception
    {
        final EmbeddedMember any = members.get(0);
        // snippet: propose-read
        int leaderId = any.node.awaitLeader(Duration.ofSeconds(30));    // an election takes a timeout or two
        EmbeddedMember leader = members.get(leaderId - 1);
        long value = new UnsafeBuffer(leader.node.propose(Counter.add(5)).join().response()).getLong(0);

        EmbeddedMember follower = members.get(leaderId % 3);           // any other member
        long read = follower.node.read(ReadMode.LINEARIZABLE, follower.counter::value).join();
        // read == value: a linearizable read sees every write acknowledged before it began
        // end snippet
        if (read != value)
        {
            throw new IllegalStateException("linearizable read " + read + " after a commit of " + value);
        }

        any.node.group(EmbeddedMember.LOCK_GROUP).awaitLeader(Duration.ofSeconds(30));
        // snippet: lock
        FencedLock lock = follower.locks.locks().lock("orders");
        long fence = lock.lockAndFence();           // pass the fence to the resource you protect; it refuses older ones
        try
        {
            // ... write to the resource with the fence ...
        }
        finally
        {
            lock.unlock();
        }
        // end snippet
        final FencedLock again = leader.locks.locks().lock("orders");
        final long nextFence = again.lockAndFence();
        again.unlock();
        return new Result(leaderId, value, read, fence, nextFence);
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
