package io.synod.raft.testkit;

import io.synod.raft.EntryType;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.random.RandomGenerator;

/**
 * The clients of a {@link Simulation}: draws each command from the run's seeded random and is told what
 * became of it. The simulator decides when a command is sent and to which member (the leader it last
 * heard of, else a random live one); a fifth of the commands go through {@code RaftAgent#forward}
 * (at most once, no outcome reported), the rest through {@code RaftAgent#propose}. The liveness phase's
 * own probes are commands too (drawn here, with negative correlation ids), since they reach the user's
 * state machine.
 *
 * <p><b>Outcomes.</b> Each command offered gets exactly one of: {@link #onCommitted} (applied at that
 * index, with the state machine's response), {@link #onRejected} (definitely not applied: not leader,
 * back-pressure, leadership lost, ...), or {@link #onUnknown} (it may or may not be applied, now or
 * later: it was forwarded, its member crashed before answering, it was rejected with
 * {@code OUTCOME_UNKNOWN} or {@code CLOSED}, or the run ended first). A client of a real cluster sees the
 * same three.
 *
 * <p><b>Threading and determinism.</b> Called on the simulation's thread, outcomes from inside a
 * member's duty cycle. Draw only from the {@code random} given, and keep no other source of
 * nondeterminism, or a seed no longer replays its run.
 */
public interface SimulationWorkload
{
    /**
     * Chooses the group the next command goes to. The default picks one at random (and draws nothing
     * when there is one group).
     *
     * @param groupCount groups per member, at least 1.
     * @return a group id in {@code [0, groupCount)}.
     */
    default int group(final RandomGenerator random, final int groupCount)
    {
        return groupCount == 1 ? 0 : random.nextInt(groupCount);
    }

    /**
     * Writes the next command for {@code groupId} into {@code command} from offset 0.
     *
     * @param correlationId unique in the run; the outcome carries it.
     * @param command       scratch buffer that grows as written; valid only during the call.
     * @return the command's length, at most the agent's {@code maxProposalLength()} (a few KiB).
     */
    int command(int groupId, long correlationId, RandomGenerator random, MutableDirectBuffer command);

    /** The command committed and was applied at {@code index}; the response buffer is valid only during the call. */
    /**
     * What the command written last is: {@link EntryType#COMMAND} (the default), or a client-session
     * operation ({@link EntryType#SESSION_OPEN}, {@link EntryType#SESSION_COMMAND},
     * {@link EntryType#SESSION_KEEPALIVE}, {@link EntryType#SESSION_CLOSE}) proposed with
     * {@link #sessionId()} and {@link #sessionArgument()} as {@code RaftAgent#proposeSession} takes them,
     * the written bytes being the session command (empty for the others). Asked right after {@link #command}.
     */
    default int entryType()
    {
        return EntryType.COMMAND;
    }

    /** @return the session id (OPEN: its nonce) of the session operation written last. */
    default long sessionId()
    {
        return 0;
    }

    /** @return the argument (OPEN: TTL ns; COMMAND: sequence; KEEPALIVE: a token) of the session operation written last. */
    default long sessionArgument()
    {
        return 0;
    }

    default void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
    }

    /** The command was not, and will not be, applied, for {@code reason} (a {@code ProposalHandler} constant). */
    default void onRejected(final int groupId, final long correlationId, final int reason)
    {
    }

    /** The command may or may not be applied; the simulator will say nothing more about it. */
    default void onUnknown(final int groupId, final long correlationId)
    {
    }
}
