package io.synod.transport.aeron;

import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftObserver;
import io.synod.raft.RaftRole;
import io.synod.transport.aeron.load.ChecksumStateMachine;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One member in its own JVM, for {@link MultiProcessTest}. Arguments:
 * {@code memberId idBase endpoint1 endpoint2 endpoint3 driverParentDir}.
 *
 * <p>Writes to stdout: {@code ROLE <role> <term>} on every role change, {@code ACK <id> <index>} for every
 * committed command it proposed (the log index it was applied at), {@code STATUS <role> <term> <commit> <applied> <leaderId>},
 * {@code DUMPED}. Reads commands on stdin: {@code PROPOSE} (start the proposer: propose while leader), {@code STOP} (stop
 * the proposer and wait for it to exit, then wait for the outcome of every proposal it made; answer
 * {@code STOPPED <proposals without an outcome>}, after which this process proposes nothing), {@code STATUS},
 * {@code DUMP <file> <maxIndex>} (write {@code index id} lines of applied commands up to maxIndex).
 */
public final class NodeProcess
{
    private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.US_ASCII);

    private NodeProcess()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int memberId = Integer.parseInt(args[0]);
        final long idBase = Long.parseLong(args[1]);
        final java.util.Set<Long> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final AtomicLong lastAckNs = new AtomicLong(System.nanoTime());
        final ProposalHandler handler = new ProposalHandler()
        {
            public void onCommitted(
                final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset,
                final int length)
            {
                OUT.println("ACK " + correlationId + " " + index);
                inFlight.remove(correlationId);
                lastAckNs.set(System.nanoTime());
            }

            public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
            {
                inFlight.remove(correlationId);
            }
        };
        final ChecksumStateMachine stateMachine = new ChecksumStateMachine(true, 100_000);
        final AeronRaftNode.Builder builder = AeronRaftNode.builder()
            .clusterId(TestCluster.CLUSTER_ID)
            .memberId(memberId)
            .raftConfig(TestCluster.raftConfig().electionTimeoutNs(1_000_000_000L).observer(new RaftObserver()
            {
                public void onRoleChange(
                    final int groupId, final int member, final RaftRole from, final RaftRole to, final long term, final String reason)
                {
                    OUT.println("ROLE " + to + " " + term);
                }
            }))
            .log(io.synod.log.chronicle.ChronicleRaftLog.open(
                Path.of(args[5], "member-" + memberId, "log"), io.synod.log.chronicle.Durability.PAGE_CACHE, TestCluster.CLUSTER_ID,
                memberId))
            .hardState(io.synod.log.chronicle.FileHardState.open(
                java.nio.file.Files.createDirectories(Path.of(args[5], "member-" + memberId)).resolve("hard-state"),
                TestCluster.CLUSTER_ID, memberId))
            .stateMachine(stateMachine)
            .proposalHandler(handler)
            .randomSeed(idBase)
            .driverParentDir(Path.of(args[5]));
        for (int m = 1; m <= 3; m++)
        {
            builder.endpoint(m, args[1 + m]);
        }

        try (AeronRaftNode node = builder.build())
        {
            final Thread proposer = new Thread(() -> propose(node, idBase, inFlight, lastAckNs), "proposer");
            proposer.setDaemon(true);
            OUT.println("READY");
            OUT.println("ROLE " + node.role() + " " + node.term());
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null)
            {
                final String[] words = line.trim().split(" ");
                switch (words[0])
                {
                    case "PROPOSE" -> proposer.start();
                    case "STOP" ->
                    {
                        // The proposer may be past its check of `proposing` (parked just before inFlight.add):
                        // wait for it to exit, so no proposal can start after the drain below and STOPPED.
                        proposing = false;
                        proposer.join(10_000);
                        if (proposer.isAlive())
                        {
                            OUT.println("STOPPED proposer still running");
                        }
                        else
                        {
                            final long deadlineNs = System.nanoTime() + 10_000_000_000L;
                            while (!inFlight.isEmpty() && System.nanoTime() < deadlineNs)
                            {
                                Thread.yield();
                            }
                            OUT.println("STOPPED " + inFlight.size());
                        }
                    }
                    case "STATUS" -> OUT.println("STATUS " + node.role() + " " + node.term() + " " + node.commitIndex() + " " +
                        node.lastApplied() + " " + node.leaderId());
                    case "DUMP" -> dump(node, stateMachine, Path.of(words[1]), Long.parseLong(words[2]));
                    case "EXIT" ->
                    {
                        return;
                    }
                    default -> OUT.println("UNKNOWN " + line);
                }
            }
        }
    }

    private static volatile boolean proposing = true;

    private static void propose(
        final AeronRaftNode node, final long idBase, final java.util.Set<Long> inFlight, final AtomicLong lastAckNs)
    {
        final UnsafeBuffer command = new UnsafeBuffer(new byte[16]);
        long next = idBase;
        while (proposing)
        {
            if (!node.isLeader() || inFlight.size() >= 8)
            {
                Thread.yield();
                continue;
            }
            // About 2,000 commands a second: enough to be killed mid-stream, little enough to leave
            // the CPU to six agent and driver threads on a small machine.
            java.util.concurrent.locks.LockSupport.parkNanos(500_000);
            command.putLong(0, next, ByteOrder.LITTLE_ENDIAN);
            inFlight.add(next);
            if (node.propose(next, command, 0, command.capacity()))
            {
                next++;
            }
            else
            {
                inFlight.remove(next);
            }
        }
    }

    private static void dump(final AeronRaftNode node, final ChecksumStateMachine stateMachine, final Path file, final long maxIndex)
        throws Exception
    {
        final long deadlineNs = System.nanoTime() + 30_000_000_000L;
        while (node.lastApplied() < maxIndex && System.nanoTime() < deadlineNs)
        {
            Thread.yield();
        }
        final long[] recorded = stateMachine.copyRecorded(maxIndex);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < recorded.length; i += 2)
        {
            sb.append(recorded[i]).append(' ').append(recorded[i + 1]).append('\n');
        }
        Files.writeString(file, sb.toString());
        OUT.println("DUMPED " + node.lastApplied());
    }
}
