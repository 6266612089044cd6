package io.synod.kv.sim;

import io.synod.raft.EntryType;
import io.synod.raft.ProposalHandler;
import io.synod.raft.ReadMode;
import io.synod.raft.testkit.LoopbackCluster;
import io.synod.raft.testkit.linearizability.HistoryRecorder;
import io.synod.raft.testkit.linearizability.KvInput;
import io.synod.raft.testkit.linearizability.KvOutput;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One simulated client of the key-value store, on virtual time. It has at most one operation
 * outstanding and records each in the {@link HistoryRecorder}: invoked just before its first attempt is
 * offered, completed when a reply to any of its attempts is seen.
 *
 * <p>An operation is tried for {@link #OPERATION_TIMEOUTS} attempt timeouts (at most {@link #MAX_ATTEMPTS}
 * attempts). An attempt ends when it is rejected (then the client retries, after a short pause, at the
 * leader the member names, or elsewhere) or after {@code attemptTimeoutNs} with no answer (then it
 * retries at another member). Writes go through the client's session with one
 * sequence per operation, reused by every attempt, so a write applies at most once and a retry is
 * answered with the first application's response. When the operation's time is spent the outcome is
 * recorded as unknown and the client moves on to a new sequence.
 *
 * <p>Operations: put, delete and compare-and-set by version (the expected version is usually the last
 * one this client saw) through the session; get either as a ReadIndex read (served in
 * {@code onReadReady} from the member's state machine) or as a plain proposal answered in log order.
 */
final class SimulatedKvClient
{
    /** Attempts per operation at most; an answer to any of them completes it. */
    static final int MAX_ATTEMPTS = 64;
    /** Attempt timeouts an operation may span before its outcome is given up as unknown. */
    static final int OPERATION_TIMEOUTS = 3;
    /** Session time-to-live: far beyond any run, so a session never expires by log time. */
    static final long SESSION_TTL_NS = TimeUnit.HOURS.toNanos(1);
    private static final long MIN_THINK_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long MAX_THINK_NS = TimeUnit.MILLISECONDS.toNanos(40);
    private static final long MAX_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Back-off when the member knows no leader: about half an election timeout. */
    private static final long MAX_ELECTION_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private enum Kind
    {
        OPEN_SESSION, SESSION_WRITE, LOG_GET, INDEX_READ
    }

    private final int clientId;
    private final KvClusterSimulation simulation;
    private final LoopbackCluster cluster;
    private final HistoryRecorder<KvInput<String, String>, KvOutput<String>> recorder;
    private final SplittableRandom random;
    private final String[] keys;
    private final long attemptTimeoutNs;
    private final HashMap<String, Long> lastVersions = new HashMap<>();
    private final long[] attempts = new long[MAX_ATTEMPTS];

    private long sessionId;
    private long lastSequence;
    private int target;
    private boolean stopped;
    private long nextOperationNs;

    private Kind kind;
    private KvInput<String, String> input;
    private byte[] command;
    private long opId = -1;
    private long sequence;
    private int attemptCount;
    private long giveUpNs;
    private boolean attemptInFlight;
    private long attemptDeadlineNs;
    private long nextAttemptNs;

    private int completed;
    private int unknown;
    private int retries;
    private int completedSinceMark;

    SimulatedKvClient(
        final int clientId,
        final KvClusterSimulation simulation,
        final HistoryRecorder<KvInput<String, String>, KvOutput<String>> recorder,
        final SplittableRandom random,
        final String[] keys,
        final long attemptTimeoutNs)
    {
        this.clientId = clientId;
        this.simulation = simulation;
        this.cluster = simulation.cluster();
        this.recorder = recorder;
        this.random = random;
        this.keys = keys;
        this.attemptTimeoutNs = attemptTimeoutNs;
        this.target = 1 + random.nextInt(cluster.size());
    }

    /**
     * Runs the client once, before the cluster's next tick: notices replies, rejections and timeouts,
     * retries, and starts the next operation.
     */
    void onTick(final long nowNs)
    {
        if (null == kind)
        {
            if (0 == sessionId)
            {
                begin(Kind.OPEN_SESSION, null, nowNs);
            }
            else if (!stopped && nowNs >= nextOperationNs)
            {
                beginRandomOperation(nowNs);
            }
            else
            {
                return;
            }
        }
        if (maybeComplete(nowNs))
        {
            return;
        }
        if (attemptInFlight)
        {
            final int reason = Kind.INDEX_READ == kind ?
                cluster.readRejectedReason(attempts[attemptCount - 1]) : cluster.rejectedReason(attempts[attemptCount - 1]);
            if (0 != reason)
            {
                onRejected(reason, nowNs);
            }
            else if (nowNs >= attemptDeadlineNs)
            {
                attemptInFlight = false;
                target = otherMember();
                nextAttemptNs = nowNs;
            }
        }
        if (!attemptInFlight && nowNs >= nextAttemptNs)
        {
            if (MAX_ATTEMPTS == attemptCount || nowNs >= giveUpNs)
            {
                giveUp();
            }
            else
            {
                offerAttempt(nowNs);
            }
        }
    }

    /** Starts no new operation after the one in progress. */
    void stop()
    {
        stopped = true;
    }

    /** Starts counting completions again, for the liveness phase. */
    void markLiveness()
    {
        completedSinceMark = 0;
    }

    boolean idle()
    {
        return null == kind;
    }

    int completed()
    {
        return completed;
    }

    int unknown()
    {
        return unknown;
    }

    /** @return attempts after an operation's first. */
    int retries()
    {
        return retries;
    }

    int completedSinceMark()
    {
        return completedSinceMark;
    }

    int clientId()
    {
        return clientId;
    }

    private void beginRandomOperation(final long nowNs)
    {
        final String key = keys[random.nextInt(keys.length)];
        final int roll = random.nextInt(100);
        if (roll < 25)
        {
            begin(Kind.INDEX_READ, KvInput.get(key), nowNs);
        }
        else if (roll < 35)
        {
            begin(Kind.LOG_GET, KvInput.get(key), nowNs);
        }
        else if (roll < 65)
        {
            begin(Kind.SESSION_WRITE, KvInput.put(key, value()), nowNs);
        }
        else if (roll < 75)
        {
            begin(Kind.SESSION_WRITE, KvInput.delete(key), nowNs);
        }
        else
        {
            final long expected = random.nextInt(4) == 0 ? random.nextInt(4) : lastVersions.getOrDefault(key, 0L);
            begin(Kind.SESSION_WRITE, KvInput.casVersion(key, expected, value()), nowNs);
        }
    }

    private String value()
    {
        return "c" + clientId + "." + (recorder.size() + 1);
    }

    private void begin(final Kind kind, final KvInput<String, String> input, final long nowNs)
    {
        this.kind = kind;
        this.input = input;
        this.attemptCount = 0;
        this.attemptInFlight = false;
        this.nextAttemptNs = nowNs;
        this.giveUpNs = nowNs + OPERATION_TIMEOUTS * attemptTimeoutNs;
        this.command = null == input ? new byte[0] : KvOutcomes.command(input);
        this.sequence = Kind.SESSION_WRITE == kind ? ++lastSequence : 0;
        this.opId = null == input ? -1 : recorder.invoke(clientId, input, nowNs);
    }

    private void offerAttempt(final long nowNs)
    {
        final long correlationId = simulation.nextCorrelationId();
        attempts[attemptCount++] = correlationId;
        retries += attemptCount > 1 && Kind.OPEN_SESSION != kind ? 1 : 0;
        attemptInFlight = true;
        attemptDeadlineNs = nowNs + attemptTimeoutNs;
        final boolean offered;
        if (!cluster.isAlive(target))
        {
            offered = false;
        }
        else
        {
            switch (kind)
            {
                case OPEN_SESSION:
                    offered = cluster.proposeSession(target, correlationId, EntryType.SESSION_OPEN, 0, SESSION_TTL_NS, command);
                    break;
                case SESSION_WRITE:
                    offered = cluster.proposeSession(
                        target, correlationId, EntryType.SESSION_COMMAND, sessionId, sequence, command);
                    break;
                case LOG_GET:
                    offered = cluster.propose(target, correlationId, command);
                    break;
                default:
                    final ReadMode mode = simulation.readMode();
                    if (ReadMode.STALE == mode)
                    {
                        // The deliberately broken read path: served at once by whichever member is asked.
                        target = 1 + random.nextInt(cluster.size());
                        offered = cluster.isAlive(target) && simulation.expectRead(target, correlationId, input.key(), mode);
                    }
                    else
                    {
                        offered = simulation.expectRead(target, correlationId, input.key(), mode);
                    }
                    break;
            }
        }
        if (!offered)
        {
            // A member that is down (or a full ring buffer) drops the request: the client sees only silence.
            attemptDeadlineNs = nowNs + attemptTimeoutNs;
        }
    }

    private boolean maybeComplete(final long nowNs)
    {
        for (int i = 0; i < attemptCount; i++)
        {
            final long correlationId = attempts[i];
            if (Kind.INDEX_READ == kind)
            {
                final KvOutput<String> read = simulation.servedRead(correlationId);
                if (null != read)
                {
                    complete(read, nowNs);
                    return true;
                }
            }
            else
            {
                final byte[] response = cluster.response(correlationId);
                if (null != response)
                {
                    if (Kind.OPEN_SESSION == kind)
                    {
                        sessionId = new UnsafeBuffer(response).getLong(0, ByteOrder.LITTLE_ENDIAN);
                        kind = null;
                        return true;
                    }
                    complete(KvOutcomes.output(input, new UnsafeBuffer(response), 0, response.length), nowNs);
                    return true;
                }
            }
        }
        return false;
    }

    private void complete(final KvOutput<String> output, final long nowNs)
    {
        recorder.complete(opId, output, nowNs);
        if (output instanceof KvOutput.Written<String> written)
        {
            lastVersions.put(input.key(), written.version());
        }
        else if (output instanceof KvOutput.Read<String> read)
        {
            lastVersions.put(input.key(), read.version());
        }
        else if (output instanceof KvOutput.CasResult<String> cas)
        {
            lastVersions.put(input.key(), cas.version());
        }
        else
        {
            lastVersions.put(input.key(), 0L);
        }
        completed++;
        completedSinceMark++;
        kind = null;
        nextOperationNs = nowNs + MIN_THINK_NS + random.nextLong(MAX_THINK_NS - MIN_THINK_NS);
    }

    private void onRejected(final int reason, final long nowNs)
    {
        long backoffNs = MAX_BACKOFF_NS;
        switch (reason)
        {
            case ProposalHandler.SESSION_EXPIRED:
            case ProposalHandler.SESSION_STALE:
            case ProposalHandler.TOO_LARGE:
                throw new IllegalStateException("client " + clientId + " session " + sessionId + " sequence " + sequence +
                    ": " + input + " rejected with " + ProposalHandler.reason(reason) + ", which no attempt can cause here");
            case ProposalHandler.NOT_LEADER:
                final int hint = cluster.isAlive(target) ? cluster.node(target).leaderId() : 0;
                target = 0 != hint && hint != target ? hint : otherMember();
                backoffNs = 0 == hint ? MAX_ELECTION_BACKOFF_NS : MAX_BACKOFF_NS;
                break;
            default:
                // LEADERSHIP_LOST, OUTCOME_UNKNOWN, TIMEOUT, BACK_PRESSURE, CLOSED: try elsewhere after a pause.
                target = otherMember();
                break;
        }
        attemptInFlight = false;
        nextAttemptNs = nowNs + 1 + random.nextLong(backoffNs);
    }

    private void giveUp()
    {
        if (Kind.OPEN_SESSION != kind)
        {
            recorder.unknown(opId);
            unknown++;
        }
        kind = null;
    }

    private int otherMember()
    {
        return (target + random.nextInt(cluster.size() - 1)) % cluster.size() + 1;
    }
}
