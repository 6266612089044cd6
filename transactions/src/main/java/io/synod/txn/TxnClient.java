package io.synod.txn;

import io.synod.raft.RaftAgent;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;

/**
 * Submits cross-shard transactions from a process that hosts a replica of the coordinator group, and
 * reports each one's outcome exactly once: {@link #COMMITTED}, {@link #ABORTED} (with the reason the
 * record gives) or {@link #UNKNOWN} (it stopped waiting: the transaction may still commit, or may already
 * have). It sends the BEGIN through {@link RaftAgent#forward} to the coordinator group's leader, learns the
 * outcome from the local replica's applied record, and resends the same BEGIN while the record does not
 * exist yet: the transaction id is the idempotency key, so a resend never starts a second transaction.
 *
 * <p><b>Threading.</b> A duty on the agent ({@link RaftAgent#addDuty}); {@link #submit} on the agent thread
 * too (from another duty, say). <b>Allocation.</b> Per transaction (its encoded BEGIN, its entry); an idle
 * duty cycle allocates nothing.
 */
public final class TxnClient implements RaftAgent.Duty
{
    /** Outcome: every participant will apply the writes. */
    public static final int COMMITTED = 1;
    /** Outcome: nothing was or will be applied ({@link CoordinatorCodec} REASON_* says why). */
    public static final int ABORTED = 2;
    /** Outcome: the client stopped waiting before it saw a decision; the transaction may have committed. */
    public static final int UNKNOWN = 3;

    /** Hears outcomes, on the agent thread. */
    @FunctionalInterface
    public interface Listener
    {
        /**
         * @param outcome {@link #COMMITTED}, {@link #ABORTED} or {@link #UNKNOWN}.
         * @param reason  for ABORTED, the record's reason ({@link CoordinatorCodec#REASON_VOTE_NO}, ...); else 0.
         */
        void onOutcome(long txnId, int outcome, int reason);
    }

    private static final class Pending
    {
        final long txnId;
        final byte[] begin;
        final long giveUpNs;
        long lastSentNs;

        Pending(final long txnId, final byte[] begin, final long giveUpNs)
        {
            this.txnId = txnId;
            this.begin = begin;
            this.giveUpNs = giveUpNs;
        }
    }

    private final RaftAgent agent;
    private final int coordinatorGroup;
    private final CoordinatorStateMachine coordinator;
    private final int inflightMax;
    private final long resendIntervalNs;
    private final long patienceNs;
    private final Listener listener;
    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    private final ArrayList<Pending> order = new ArrayList<>();
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
    private final org.agrona.concurrent.UnsafeBuffer view = new org.agrona.concurrent.UnsafeBuffer(0, 0);
    private long resends;

    /**
     * @param coordinator      this process's replica of the coordinator group.
     * @param inflightMax      transactions waiting for an outcome at once; {@link #submit} refuses more.
     * @param resendIntervalNs how long to wait for the record before resending the BEGIN.
     * @param patienceNs       how long past its deadline to wait for the decision before reporting UNKNOWN.
     */
    public TxnClient(
        final RaftAgent agent, final int coordinatorGroup, final CoordinatorStateMachine coordinator, final int inflightMax,
        final long resendIntervalNs, final long patienceNs, final Listener listener)
    {
        if (inflightMax < 1 || resendIntervalNs <= 0 || patienceNs < 0)
        {
            throw new IllegalArgumentException("inflightMax and resendIntervalNs must be positive, patienceNs not negative");
        }
        this.agent = agent;
        this.coordinatorGroup = coordinatorGroup;
        this.coordinator = coordinator;
        this.inflightMax = inflightMax;
        this.resendIntervalNs = resendIntervalNs;
        this.patienceNs = patienceNs;
        this.listener = listener;
    }

    /**
     * Sends a transaction. Its outcome reaches the listener exactly once, from a later duty cycle.
     *
     * @param deadlineNs the transaction's deadline (as given to its {@link Transaction}).
     * @return false, sending nothing, if {@code inflightMax} transactions are waiting or this id is already
     * waiting (back-pressure: try later).
     * @throws IllegalStateException if the transaction cannot be encoded (nothing named, too many keys).
     */
    public boolean submit(final Transaction txn, final long deadlineNs, final long nowNs)
    {
        if (pending.size() >= inflightMax || pending.containsKey(txn.txnId()))
        {
            return false;
        }
        final int length = txn.encodeBegin(buffer, 0);
        final byte[] begin = new byte[length];
        buffer.getBytes(0, begin);
        final Pending entry = new Pending(txn.txnId(), begin, deadlineNs + patienceNs);
        pending.put(txn.txnId(), entry);
        order.add(entry);
        send(entry, nowNs);
        return true;
    }

    /** @return BEGINs sent again so far (same transaction ids). */
    public long resends()
    {
        return resends;
    }

    /** @return transactions waiting for an outcome. */
    public int inflight()
    {
        return pending.size();
    }

    @Override
    public int doWork(final long nowNs)
    {
        if (order.isEmpty())
        {
            return 0;
        }
        int work = 0;
        for (int i = order.size() - 1; i >= 0; i--)
        {
            final Pending entry = order.get(i);
            final int state = coordinator.state(entry.txnId);
            final int outcome = state == CoordinatorStateMachine.COMMITTED ? COMMITTED :
                state == CoordinatorStateMachine.ABORTED ? ABORTED : nowNs > entry.giveUpNs ? UNKNOWN : 0;
            if (outcome != 0)
            {
                order.remove(i);
                pending.remove(entry.txnId);
                listener.onOutcome(entry.txnId, outcome, outcome == ABORTED ? coordinator.reason(entry.txnId) : 0);
                work++;
            }
            else if (state == CoordinatorStateMachine.NONE && nowNs - entry.lastSentNs >= resendIntervalNs)
            {
                send(entry, nowNs); // the same transaction id: the coordinator never begins it twice
                resends++;
                work++;
            }
        }
        return work;
    }

    private void send(final Pending entry, final long nowNs)
    {
        entry.lastSentNs = nowNs;
        view.wrap(entry.begin);
        agent.forward(coordinatorGroup, view, 0, entry.begin.length);
    }
}
