package io.synod.raft.testkit;

import io.synod.raft.RaftLog;

import java.util.random.RandomGenerator;

/**
 * A member's log storage as the simulator sees it: the {@link RaftLog} the node uses, and the faults
 * the simulator can inject. {@link CrashableLog} is the in-memory one; a real log (Chronicle Queue in a
 * temporary directory, say) plugs in through {@link Factory} so the same seeds exercise it.
 */
public interface SimulatedDisk
{
    /** Makes one disk per member; {@code observer} must see every append (Log Matching is checked through it). */
    @FunctionalInterface
    interface Factory
    {
        SimulatedDisk create(int memberId, CrashableLog.AppendObserver observer);
    }

    /** @return the log as the node should use it now (it may change after {@link #crash}). */
    RaftLog log();

    /** The process died: lose what a crash would lose and make {@link #log()} what a restart would open. */
    void crash(RandomGenerator random);

    /** Arms a crash inside the next flush, which then throws {@link SimulatedCrash}. */
    void crashOnNextFlush(RandomGenerator random);

    /** Cancels an armed crash. */
    void disarm();
}
