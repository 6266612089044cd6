package io.synod.raft.log;

import io.synod.raft.HardState;

/**
 * A {@link HardState} held on the heap: "durable" for as long as the object lives. The simulator
 * keeps one per node across simulated crashes, which models a store that is durable on return.
 */
public final class InMemoryHardState implements HardState
{
    private long term;
    private int votedFor = NO_VOTE;

    @Override
    public long term()
    {
        return term;
    }

    @Override
    public int votedFor()
    {
        return votedFor;
    }

    @Override
    public void store(final long term, final int votedFor)
    {
        if (term < this.term)
        {
            throw new IllegalStateException("term must not decrease: " + this.term + " -> " + term);
        }
        this.term = term;
        this.votedFor = votedFor;
    }

    @Override
    public void close()
    {
    }
}
