package io.synod.transport.aeron;

import io.synod.raft.testkit.ChildJvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.synod.transport.aeron.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three JVMs on loopback UDP, each with its own embedded media driver. The leader is SIGKILLed while
 * it commits commands; the other two elect a leader and go on; the killed member restarts and
 * catches up; every command any process acknowledged is in all three logs, in the same order.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class MultiProcessTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(40);

    private final Child[] children = new Child[4];
    /** Command id to the log index it was acknowledged at, from every child's {@code ACK <id> <index>}. */
    private final Map<Long, Long> acked = new ConcurrentHashMap<>();

    private final Path dir = newDir();
    private boolean passed;

    private static Path newDir()
    {
        try
        {
            return Files.createDirectories(Path.of("target", "multi-process", Long.toString(System.currentTimeMillis())));
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private final class Child
    {
        final int member;
        final ChildJvm jvm;

        Child(final int member, final long idBase, final String[] endpoints) throws IOException
        {
            this.member = member;
            jvm = new ChildJvm("member-" + member, NodeProcess.class, "256m",
                dir.resolve("member-" + member + "-" + idBase + ".err"), this::onLine,
                Integer.toString(member), Long.toString(idBase), endpoints[1], endpoints[2], endpoints[3],
                dir.toAbsolutePath().toString());
        }

        /** @return true for an event (ACK, ROLE), false for a reply. */
        private boolean onLine(final String line)
        {
            final String[] words = line.split(" ");
            if (!"ACK".equals(words[0]))
            {
                System.err.println(System.currentTimeMillis() % 100_000 + " member " + member + ": " + line);
            }
            switch (words[0])
            {
                case "ACK" ->
                {
                    acked.put(Long.parseLong(words[1]), Long.parseLong(words[2]));
                    return true;
                }
                case "ROLE" ->
                {
                    return true;
                }
                default ->
                {
                    return false;
                }
            }
        }

        String ask(final String request) throws InterruptedException
        {
            return jvm.ask(request, TIMEOUT);
        }

        String ready() throws InterruptedException
        {
            return jvm.nextReply(TIMEOUT);
        }

        boolean isAlive()
        {
            return jvm.isAlive();
        }
    }

    @AfterEach
    void killAll() throws InterruptedException
    {
        for (final Child child : children)
        {
            if (child != null)
            {
                child.jvm.kill();
            }
        }
        // Killed processes leave their media driver directories behind. Kept when the test failed: the
        // children's stderr is the only trace of a rare failure.
        if (passed)
        {
            org.agrona.IoUtil.delete(dir.toFile(), true);
        }
        else
        {
            System.err.println("kept " + dir.toAbsolutePath() + " (children's stderr) for diagnosis");
        }
    }

    /** @return the only live child that says it leads, in a term at least {@code minTerm}; null if none or several. */
    private Child leader(final long minTerm)
    {
        Child leader = null;
        for (int m = 1; m <= 3; m++)
        {
            final Child child = children[m];
            if (child != null && child.isAlive() && "LEADER".equals(child.jvm.role()))
            {
                if (leader != null || child.jvm.term() < minTerm)
                {
                    return null;
                }
                leader = child;
            }
        }
        return leader;
    }

    private String describe()
    {
        final StringBuilder sb = new StringBuilder("acked=" + acked.size());
        for (int m = 1; m <= 3; m++)
        {
            final Child c = children[m];
            sb.append(" [").append(m).append(' ').append(c == null ? "-" : c.jvm.role() + " " + c.jvm.term() + " alive=" + c.isAlive())
                .append(']');
        }
        return sb.toString();
    }

    @Test
    void shouldKeepEveryAcknowledgedCommandWhenTheLeaderIsKilled() throws Exception
    {
        final String[] endpoints = new String[4];
        for (int m = 1; m <= 3; m++)
        {
            endpoints[m] = TestSupport.freeEndpoint();
        }
        for (int m = 1; m <= 3; m++)
        {
            children[m] = new Child(m, m * 1_000_000_000L, endpoints);
        }
        for (int m = 1; m <= 3; m++)
        {
            assertEquals("READY", children[m].ready(), describe());
            children[m].jvm.send("PROPOSE");
        }

        await(TIMEOUT, this::describe, () -> leader(1) != null);
        final Child first = leader(1);
        await(TIMEOUT, this::describe, () -> acked.size() >= 500 && leader(1) == first);

        first.jvm.kill();
        final long ackedAtKill = acked.size();
        await(TIMEOUT, this::describe, () -> leader(first.jvm.term() + 1) != null);
        await(TIMEOUT, this::describe, () -> acked.size() >= ackedAtKill + 500);

        final int killed = first.member;
        children[killed] = new Child(killed, killed * 1_000_000_000L + 500_000_000L, endpoints);
        assertEquals("READY", children[killed].ready(), describe());
        final Child restarted = children[killed];
        final int newLeader = leader(first.jvm.term() + 1).member;
        await(TIMEOUT, this::describe, () ->
        {
            try
            {
                final String[] status = restarted.ask("STATUS").split(" ");
                return Long.parseLong(status[4]) > 0 && Integer.parseInt(status[5]) == newLeader;
            }
            catch (final InterruptedException ex)
            {
                throw new IllegalStateException(ex);
            }
        });

        for (int m = 1; m <= 3; m++)
        {
            if (m != killed)
            {
                assertEquals("STOPPED 0", children[m].ask("STOP"), "every proposal of member " + m + " has its outcome");
            }
        }
        final Child leader = leader(first.jvm.term() + 1);
        assertNotNull(leader, describe());
        final long commit = Long.parseLong(leader.ask("STATUS").split(" ")[3]);

        final List<String> dumps = new ArrayList<>();
        for (int m = 1; m <= 3; m++)
        {
            final Path file = dir.resolve("dump-" + m);
            final String reply = children[m].ask("DUMP " + file + " " + commit);
            assertTrue(reply.startsWith("DUMPED"), reply);
            assertTrue(Long.parseLong(reply.split(" ")[1]) >= commit, "member " + m + " caught up: " + reply);
            dumps.add(Files.readString(file));
        }
        assertEquals(dumps.get(0), dumps.get(1), "members 1 and 2 applied the same commands at the same indexes");
        assertEquals(dumps.get(0), dumps.get(2), "members 1 and 3 applied the same commands at the same indexes");

        final Map<Long, Long> idAtIndex = new HashMap<>();
        for (final String line : dumps.get(0).split("\n"))
        {
            if (!line.isEmpty())
            {
                final String[] words = line.split(" ");
                idAtIndex.put(Long.parseLong(words[0]), Long.parseLong(words[1]));
            }
        }
        final Set<Long> applied = new HashSet<>(idAtIndex.values());
        // Every proposer stopped (STOPPED 0) before the commit index was read, so every ACK is at or below
        // it: one beyond it is a proposal made after STOPPED, not a lost command.
        final Map<Long, Long> acknowledged = Map.copyOf(acked);
        for (final Map.Entry<Long, Long> ack : acknowledged.entrySet())
        {
            final long id = ack.getKey();
            final long index = ack.getValue();
            assertTrue(index <= commit, "ack of command " + id + " at index " + index + " beyond dumped index " + commit +
                ": harness bug");
            assertTrue(applied.contains(id), "acknowledged command " + id + " (index " + index + ") lost");
            assertEquals(Long.valueOf(id), idAtIndex.get(index), "command acknowledged at index " + index);
        }
        assertTrue(acknowledged.size() >= 1_000, describe());
        passed = true;
    }
}
