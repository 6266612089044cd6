package io.synod.txn;

import io.synod.raft.RaftAgent;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.util.function.LongConsumer;

/**
 * Drives two-phase commit from one process, as a duty on its {@link RaftAgent} (multi-raft: this process
 * hosts a replica of the coordinator group and of every shard group). Nothing here is state of its own
 * that matters for safety: every fact it acts on is applied state of a local replica, and everything it
 * does is a command forwarded into a group's log through {@link RaftAgent#forward} (which reaches that
 * group's leader). So a crash of this process loses nothing but time, and the next leader does the same.
 *
 * <h2>Why forward and local replicas, not the application-message path</h2>
 * Each fact the protocol needs is already replicated by the group that owns it: a participant's vote is
 * its PREPARE applied in the shard's log, its acknowledgement is its COMMIT or ABORT applied there. The
 * coordinator's leader reads them from its own replicas of the shard groups once applied, and needs no
 * message of its own, no reply matching and no retransmission state: a lost forward is simply sent
 * again on a later scan, and every command is idempotent. The cost is one extra hop when this process's
 * replica lags (the leader waits for it to catch up) and the requirement that every process hosts every
 * group; the application-message path is for participants that are not Raft groups here (the external
 * SPI, later).
 *
 * <h2>Each scan (every {@code scanIntervalNs})</h2>
 * <b>While this process leads the coordinator group</b>, for every unfinished transaction, oldest first:
 * <ul>
 *   <li>undecided and past its deadline: DECIDE abort (the recovery rule: a new leader aborts every
 *   undecided transaction past its deadline);</li>
 *   <li>undecided: a participant whose local replica shows the transaction aborted (it voted NO) decides
 *   abort; one that shows nothing gets its PREPARE (again); once every one shows PREPARED, DECIDE commit;</li>
 *   <li>decided: every participant whose replica does not yet show the outcome gets COMMIT or ABORT
 *   (again); once all do, FINISH (the recovery rule: a new leader re-drives every decided, unacknowledged
 *   transaction).</li>
 * </ul>
 * <b>For every shard group this process leads</b>: a transaction prepared there and still in doubt
 * {@code inDoubtGraceNs} past its deadline asks the coordinator group: the decision in the local replica
 * is forwarded to the shard; with none, ABORT_IF_EXPIRED goes to the coordinator group, whose log decides
 * (the first decision applied wins, so this can never contradict a commit).
 * Each (transaction, group) is sent to at most once per {@code resendIntervalNs}, backing off to
 * {@link #BACKOFF_MAX} times that while nothing changes.
 *
 * <p><b>Clocks.</b> Deadlines are the client's clock, compared with this process's: skew moves when an
 * abort happens, never what is decided (a decision is the first DECIDE in the coordinator's log).
 * <p><b>Threading.</b> The agent's thread only. <b>Allocation.</b> A scan that has work allocates
 * (iterators over the records); an idle scan does not.
 */
public final class TxnDriver implements RaftAgent.Duty
{
    /** Resends back off up to this many times {@code resendIntervalNs}. */
    public static final int BACKOFF_MAX = 8;

    /** What the driver just offered; for tests that crash the process at each step of the protocol. */
    public interface Observer
    {
        /** A PREPARE was forwarded to a participant. */
        int PREPARE = 1;
        /** A DECIDE commit was forwarded to the coordinator group. */
        int DECIDE_COMMIT = 2;
        /** A DECIDE abort was forwarded to the coordinator group. */
        int DECIDE_ABORT = 3;
        /** A decision (COMMIT or ABORT) was forwarded to a participant. */
        int OUTCOME = 4;
        /** A FINISH was forwarded to the coordinator group. */
        int FINISH = 5;
        /** A participant in doubt asked the coordinator group (ABORT_IF_EXPIRED) or forwarded its outcome. */
        int IN_DOUBT = 6;

        /** Called on the agent thread right after the forward was offered. May throw to simulate a crash. */
        void onAction(int action, long txnId, int groupId);
    }

    private final RaftAgent agent;
    private final int coordinatorGroup;
    private final CoordinatorStateMachine coordinator;
    private final ShardStateMachine[] shards;
    private final long scanIntervalNs;
    private final long resendIntervalNs;
    private final long inDoubtGraceNs;
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(1024);
    private final Long2LongHashMap nextSendNs = new Long2LongHashMap(Long.MIN_VALUE);
    private final Long2LongHashMap backoffNs = new Long2LongHashMap(0);
    private final LongConsumer coordinateOne = this::coordinate;
    private final LongConsumer resolveOne = this::resolveInDoubt;
    private Observer observer = (action, txnId, groupId) -> { };
    private long nextScanNs;
    private long nowNs;
    private int work;
    private ShardStateMachine scanning;
    private long forwards;

    /**
     * @param agent            this process's agent, hosting every group named here.
     * @param coordinatorGroup the coordinator group's id.
     * @param coordinator      this process's replica of the coordinator group's state machine.
     * @param shards           this process's shard replicas, indexed by group id (null where none).
     * @param scanIntervalNs   how often to look for work.
     * @param resendIntervalNs least time between two sends for one (transaction, group).
     * @param inDoubtGraceNs   how long past its deadline a prepared participant waits before asking.
     */
    public TxnDriver(
        final RaftAgent agent, final int coordinatorGroup, final CoordinatorStateMachine coordinator, final ShardStateMachine[] shards,
        final long scanIntervalNs, final long resendIntervalNs, final long inDoubtGraceNs)
    {
        if (scanIntervalNs <= 0 || resendIntervalNs <= 0 || inDoubtGraceNs < 0)
        {
            throw new IllegalArgumentException("intervals must be positive");
        }
        this.agent = agent;
        this.coordinatorGroup = coordinatorGroup;
        this.coordinator = coordinator;
        this.shards = shards.clone();
        this.scanIntervalNs = scanIntervalNs;
        this.resendIntervalNs = resendIntervalNs;
        this.inDoubtGraceNs = inDoubtGraceNs;
    }

    /** Sets the observer (tests). */
    public TxnDriver observer(final Observer observer)
    {
        this.observer = observer;
        return this;
    }

    /** @return commands forwarded so far. */
    public long forwards()
    {
        return forwards;
    }

    @Override
    public int doWork(final long nowNs)
    {
        if (nowNs < nextScanNs)
        {
            return 0;
        }
        nextScanNs = nowNs + scanIntervalNs;
        this.nowNs = nowNs;
        work = 0;
        final RaftNode coordinatorNode = agent.group(coordinatorGroup);
        if (coordinatorNode.role() == RaftRole.LEADER && coordinator.unfinishedCount() > 0)
        {
            coordinator.forEachUnfinished(coordinateOne);
        }
        for (final ShardStateMachine shard : shards)
        {
            if (shard != null && shard.preparedCount() > 0 && agent.group(shard.groupId()).role() == RaftRole.LEADER)
            {
                scanning = shard;
                shard.forEachPrepared(resolveOne);
            }
        }
        if (nextSendNs.size() > 4 * CoordinatorStateMachine.ACTIVE_MAX)
        {
            nextSendNs.clear(); // forgets only rate limits, of transactions long finished for the most part
            backoffNs.clear();
        }
        return work;
    }

    private void coordinate(final long txnId)
    {
        final int state = coordinator.state(txnId);
        final int[] participants = coordinator.participants(txnId);
        if (state == CoordinatorStateMachine.PENDING)
        {
            if (nowNs > coordinator.deadlineNs(txnId))
            {
                decide(txnId, CoordinatorCodec.ABORT, CoordinatorCodec.REASON_TIMEOUT);
                return;
            }
            boolean allPrepared = true;
            for (int i = 0; i < participants.length; i++)
            {
                final int group = participants[i];
                final int vote = shardState(group, txnId);
                if (vote == ShardStateMachine.TXN_ABORTED)
                {
                    decide(txnId, CoordinatorCodec.ABORT, CoordinatorCodec.REASON_VOTE_NO);
                    return;
                }
                if (vote != ShardStateMachine.TXN_PREPARED)
                {
                    allPrepared = false;
                    if (maySend(txnId, group))
                    {
                        final byte[] body = coordinator.prepareBody(txnId, i);
                        final int length = ShardCodec.header(command, 0, ShardCodec.PREPARE, coordinator.shardMap().version(), txnId);
                        command.putBytes(length, body);
                        forward(group, length + body.length);
                        observer.onAction(Observer.PREPARE, txnId, group);
                    }
                }
            }
            if (allPrepared)
            {
                decide(txnId, CoordinatorCodec.COMMIT, 0);
            }
            return;
        }
        final boolean commit = state == CoordinatorStateMachine.COMMITTED;
        final int outcome = commit ? ShardStateMachine.TXN_COMMITTED : ShardStateMachine.TXN_ABORTED;
        boolean allApplied = true;
        for (final int group : participants)
        {
            if (shardState(group, txnId) != outcome)
            {
                allApplied = false;
                if (maySend(txnId, group))
                {
                    forward(group, ShardCodec.encodeDecision(command, 0, commit, txnId));
                    observer.onAction(Observer.OUTCOME, txnId, group);
                }
            }
        }
        if (allApplied && maySend(txnId, coordinatorGroup))
        {
            forward(coordinatorGroup, CoordinatorCodec.encodeFinish(command, 0, txnId));
            observer.onAction(Observer.FINISH, txnId, coordinatorGroup);
        }
    }

    private void decide(final long txnId, final int decision, final int reason)
    {
        if (maySend(txnId, coordinatorGroup))
        {
            forward(coordinatorGroup, CoordinatorCodec.encodeDecide(command, 0, txnId, decision, reason));
            observer.onAction(decision == CoordinatorCodec.COMMIT ? Observer.DECIDE_COMMIT : Observer.DECIDE_ABORT, txnId,
                coordinatorGroup);
        }
    }

    private void resolveInDoubt(final long txnId)
    {
        final ShardStateMachine shard = scanning;
        if (nowNs <= shard.deadlineNs(txnId) + inDoubtGraceNs || !maySend(txnId, shard.groupId()))
        {
            return;
        }
        final int state = coordinator.state(txnId);
        if (state == CoordinatorStateMachine.COMMITTED || state == CoordinatorStateMachine.ABORTED)
        {
            forward(shard.groupId(), ShardCodec.encodeDecision(command, 0, state == CoordinatorStateMachine.COMMITTED, txnId));
        }
        else
        {
            forward(coordinatorGroup, CoordinatorCodec.encodeAbortIfExpired(command, 0, txnId, nowNs));
        }
        observer.onAction(Observer.IN_DOUBT, txnId, shard.groupId());
    }

    private int shardState(final int group, final long txnId)
    {
        final ShardStateMachine shard = group >= 0 && group < shards.length ? shards[group] : null;
        if (shard == null)
        {
            throw new IllegalStateException("no local replica of shard group " + group + " (every process hosts every group)");
        }
        return shard.txnState(txnId);
    }

    /**
     * @return whether (txn, group) may be sent to now; if so, notes the send and doubles the wait before the
     * next one (from {@code resendIntervalNs} up to {@link #BACKOFF_MAX} times it). Backing off matters: each
     * resend is a log entry in the target group, and a steady stream of them while a replica is still
     * catching up (by snapshot, say) only makes it fall further behind.
     */
    private boolean maySend(final long txnId, final int group)
    {
        final long key = txnId * 31 + group;
        if (nowNs < nextSendNs.get(key))
        {
            return false;
        }
        final long wait = backoffNs.get(key) == 0 ? resendIntervalNs : Math.min(2 * backoffNs.get(key), BACKOFF_MAX * resendIntervalNs);
        backoffNs.put(key, wait);
        nextSendNs.put(key, nowNs + wait);
        return true;
    }

    private void forward(final int group, final int length)
    {
        if (agent.forward(group, command, 0, length))
        {
            forwards++;
            work++;
        }
    }
}
