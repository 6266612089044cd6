package io.synod.transport.aeron;

import io.synod.raft.Membership;
import io.synod.raft.ProposalHandler;
import io.synod.raft.ProposalRejectedException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Joins a learner to a group: a process that is not a voter but keeps a replica of the group's state — a lock
 * client that hosts its own replica of the lock service, a read-only follower. The steps, which
 * {@link #join} performs for members in this JVM:
 * <ol>
 *   <li>Build the learner's node with {@code RaftConfig.joining(true)} and the endpoints of the members and its
 *   own ({@code memberId} distinct from every member's); it starts with an empty configuration and waits.</li>
 *   <li>On every running member, {@link AeronRaftNode#addEndpoint addEndpoint(learnerId, endpoint)}, so that
 *   whichever of them leads, now or later, can replicate to it. Members in other processes do this through
 *   whatever control path the application has (the members' own configuration, an admin command).</li>
 *   <li>On the leader, {@code changeMembership(Membership.ADD_LEARNER, learnerId)} on the group; a leader
 *   that has not committed an entry of its term yet answers {@code NOT_READY}, a change in flight
 *   {@code CHANGE_IN_PROGRESS}, a lost leadership {@code NOT_LEADER}: retry.</li>
 *   <li>The learner is in once that entry commits; it catches up by AppendEntries or InstallSnapshot and
 *   applies everything from then on. It never votes and is never promoted unless someone proposes
 *   {@code PROMOTE}.</li>
 * </ol>
 *
 * <p><b>Threading.</b> {@link #join} blocks the calling host thread (never the agent's).
 */
public final class Learners
{
    private static final long RETRY_PAUSE_MS = 20;

    private Learners()
    {
    }

    /**
     * Performs the steps above for {@code learner} on group {@code groupId}, with every member in this JVM.
     *
     * @param learner  a running node built with {@code RaftConfig.joining(true)}.
     * @param endpoint the learner's UDP endpoint {@code host:port}; ignored (may be null) with IPC.
     * @param members  every running member of the group.
     * @param timeout  how long to keep trying.
     * @return the index at which the learner was added.
     * @throws IllegalStateException if it did not commit within {@code timeout}, or a member refused it for a
     *                               reason a retry cannot fix ({@code ALREADY_MEMBER}, ...).
     */
    public static long join(
        final AeronRaftNode learner, final int groupId, final String endpoint, final List<AeronRaftNode> members,
        final Duration timeout)
    {
        final int learnerId = learner.memberId();
        for (final AeronRaftNode member : members)
        {
            if (!member.addEndpoint(learnerId, endpoint))
            {
                throw new IllegalStateException("member " + member.memberId() + ": endpoint queue full");
            }
        }
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        ProposalRejectedException last = null;
        while (System.nanoTime() < deadlineNs)
        {
            final AeronRaftNode leader = leaderOf(members, groupId, deadlineNs);
            try
            {
                return leader.group(groupId).changeMembership(Membership.ADD_LEARNER, learnerId)
                    .get(Math.max(1, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS).index();
            }
            catch (final java.util.concurrent.ExecutionException | CompletionException ex)
            {
                if (!(ex.getCause() instanceof ProposalRejectedException))
                {
                    throw new IllegalStateException("adding learner " + learnerId, ex.getCause());
                }
                last = (ProposalRejectedException)ex.getCause();
                final int reason = last.reason();
                if (reason != ProposalHandler.NOT_READY && reason != ProposalHandler.CHANGE_IN_PROGRESS &&
                    reason != ProposalHandler.NOT_LEADER && reason != ProposalHandler.BACK_PRESSURE &&
                    reason != ProposalHandler.LEADERSHIP_LOST && reason != ProposalHandler.TRANSFER_IN_PROGRESS)
                {
                    throw new IllegalStateException("learner " + learnerId + " refused: " + last.getMessage(), last);
                }
            }
            catch (final java.util.concurrent.TimeoutException ex)
            {
                break;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while adding learner " + learnerId, ex);
            }
            pause();
        }
        throw new IllegalStateException("learner " + learnerId + " not added within " + timeout +
            (last != null ? " (last answer: " + last.getMessage() + ")" : ""), last);
    }

    private static AeronRaftNode leaderOf(final List<AeronRaftNode> members, final int groupId, final long deadlineNs)
    {
        while (System.nanoTime() < deadlineNs)
        {
            for (final AeronRaftNode member : members)
            {
                if (member.state() == AeronRaftNode.State.RUNNING && member.group(groupId).isLeader())
                {
                    return member;
                }
            }
            pause();
        }
        throw new IllegalStateException("no leader of group " + groupId + " among the members");
    }

    private static void pause()
    {
        try
        {
            Thread.sleep(RETRY_PAUSE_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }
}
