package io.synod.raft.testkit;

import io.synod.raft.RaftLog;
import io.synod.raft.log.InMemoryRaftLog;

/**
 * The {@link RaftLogContract} against {@link InMemoryRaftLog}, with small initial capacities so that growth and
 * the reuse of compacted space are exercised. It cannot be reopened, so the restart tests are skipped.
 */
class InMemoryRaftLogContractTest extends RaftLogContract
{
    @Override
    protected RaftLog newLog()
    {
        return new InMemoryRaftLog(4, 64);
    }
}
