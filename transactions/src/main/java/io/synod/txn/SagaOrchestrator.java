package io.synod.txn;

import io.synod.raft.RaftAgent;
import io.synod.raft.RaftRole;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;

/**
 * Runs orchestrated sagas whose log is the coordinator group's {@link SagaLog}: a duty on the process's
 * {@link RaftAgent} (which hosts a replica of the coordinator group) that, while this process leads the
 * group, runs each unfinished saga's next step or compensation on the host's {@code workers} (never on
 * the agent thread: a step may block) and records every outcome in the log through
 * {@link RaftAgent#forward}. It keeps no state that matters for safety: what it acts on is the local
 * replica's applied log, so a new leader resumes the sagas of the old one where the log says they are,
 * and a step marked EXECUTING whose outcome nobody recorded is run again with its idempotency key (the
 * unknown outcome is resolved) before anything is compensated.
 *
 * <h2>Per saga, each scan (leader only; one call in flight per saga)</h2>
 * <ul>
 *   <li>RUNNING at step k, not marked: record EXECUTING(k), then (once applied here) call
 *   {@link SagaStep#execute}. It returns: record EXECUTED(k) with the result; it throws
 *   {@link SagaStepFailedException}: record FAILED(k); anything else: the outcome is unknown, call again
 *   (same key) after a backoff doubling from {@code retryBackoffNs}; after {@code executeAttemptsMax}
 *   calls, record UNRESOLVED(k) (compensated as if it took effect).</li>
 *   <li>COMPENSATING at step j: call {@link SagaStep#compensate}; it returns: record COMPENSATED(j); it
 *   throws: again after the backoff; after {@code compensateAttemptsMax} calls, record PARK(j): the saga
 *   waits for an operator ({@link #resume}, {@link #skip}), visible in {@link SagaLog#parked()}.</li>
 * </ul>
 * A recorded event not yet applied here is sent again every {@code resendIntervalNs} (every event names
 * its step, so repeats change nothing).
 *
 * <h2>Threading, allocation</h2>
 * {@link #doWork} and {@link #start} on the agent thread; {@link #cancel}, {@link #resume}, {@link #skip}
 * from any thread. Steps run on {@code workers}, results come back through a concurrent queue. Allocates per
 * step call (not a hot path); an idle scan allocates nothing but the list of unfinished sagas when there are some.
 *
 * <p><b>Operators.</b> {@link #cancel}, {@link #resume} and {@link #skip} are sent at most once, with no
 * outcome: read {@link SagaLog#status} and call again if it did not change. They are the API a daemon's
 * {@code synod saga cancel|resume|skip} and its HTTP gateway call (not wired in the daemon yet).
 */
public final class SagaOrchestrator implements RaftAgent.Duty
{
    /** What the orchestrator just did; for tests that crash the process at each phase of a saga. */
    public interface Observer
    {
        /** EXECUTING(k) was sent to the log. */
        int EXECUTING = SagaCodec.EXECUTING;
        /** EXECUTED(k) was sent. */
        int EXECUTED = SagaCodec.EXECUTED;
        /** FAILED(k) was sent. */
        int FAILED = SagaCodec.FAILED;
        /** UNRESOLVED(k) was sent. */
        int UNRESOLVED = SagaCodec.UNRESOLVED;
        /** COMPENSATED(k) was sent. */
        int COMPENSATED = SagaCodec.COMPENSATED;
        /** PARK(k) was sent. */
        int PARK = SagaCodec.PARK;
        /** A step's call returned on a worker and is about to be reported (its effect is done, unrecorded). */
        int RETURNED = 7;

        /** Called on the agent thread. May throw to simulate a crash. */
        void onAction(int action, long sagaId, int step);
    }

    private static final int EXECUTE = 1;
    private static final int COMPENSATE = 2;
    private static final int BACKOFF_SHIFT_MAX = 6;

    /** A worker's answer. */
    private static final class Completion
    {
        final long sagaId;
        final int phase;
        final int step;
        final int event; // EXECUTED, FAILED, COMPENSATED; 0: failed with an unknown outcome (retry)
        final byte[] payload;

        Completion(final long sagaId, final int phase, final int step, final int event, final byte[] payload)
        {
            this.sagaId = sagaId;
            this.phase = phase;
            this.step = step;
            this.event = event;
            this.payload = payload;
        }
    }

    /** Local, unreplicated progress of one saga's current (phase, step): lost with the process, harmlessly. */
    private static final class Work
    {
        final int phase;
        final int step;
        int attempts;
        long nextAttemptNs;
        boolean inFlight;
        byte[] event;
        int eventType;
        long lastSendNs;
        String message = "";

        Work(final int phase, final int step)
        {
            this.phase = phase;
            this.step = step;
        }
    }

    private final RaftAgent agent;
    private final int coordinatorGroup;
    private final SagaLog log;
    private final Executor workers;
    private final long scanIntervalNs;
    private final long resendIntervalNs;
    private final long retryBackoffNs;
    private final int executeAttemptsMax;
    private final int compensateAttemptsMax;
    private final Map<String, SagaDefinition> definitions = new HashMap<>();
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final Long2ObjectHashMap<Work> work = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<byte[]> begins = new Long2ObjectHashMap<>();
    private final ExpandableArrayBuffer command = new ExpandableArrayBuffer(256);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final LongConsumer driveOne = this::drive;
    private Observer observer = (action, sagaId, step) -> { };
    private long nowNs;
    private long nextScanNs;
    private long lastBeginResendNs;
    private long stepCalls;
    private long undefined;

    /**
     * @param agent                 this process's agent, hosting a replica of the coordinator group.
     * @param coordinatorGroup      the coordinator group's id.
     * @param coordinator           this process's replica of the coordinator group's state machine.
     * @param workers               runs step calls off the agent thread (a thread pool; a step may block it).
     * @param scanIntervalNs        how often to look for work.
     * @param resendIntervalNs      least time between two sends of one log event.
     * @param retryBackoffNs        first wait before calling a failed step or compensation again (doubles).
     * @param executeAttemptsMax    execute calls with an unknown outcome before the step is UNRESOLVED.
     * @param compensateAttemptsMax failed compensate calls before the saga is PARKED.
     */
    public SagaOrchestrator(
        final RaftAgent agent, final int coordinatorGroup, final CoordinatorStateMachine coordinator, final Executor workers,
        final long scanIntervalNs, final long resendIntervalNs, final long retryBackoffNs, final int executeAttemptsMax,
        final int compensateAttemptsMax)
    {
        if (scanIntervalNs <= 0 || resendIntervalNs <= 0 || retryBackoffNs <= 0 || executeAttemptsMax < 1 || compensateAttemptsMax < 1)
        {
            throw new IllegalArgumentException("intervals and attempts must be positive");
        }
        this.agent = agent;
        this.coordinatorGroup = coordinatorGroup;
        this.log = coordinator.sagas();
        this.workers = workers;
        this.scanIntervalNs = scanIntervalNs;
        this.resendIntervalNs = resendIntervalNs;
        this.retryBackoffNs = retryBackoffNs;
        this.executeAttemptsMax = executeAttemptsMax;
        this.compensateAttemptsMax = compensateAttemptsMax;
    }

    /** Registers a saga definition (before the agent runs; the same on every member). */
    public SagaOrchestrator register(final SagaDefinition definition)
    {
        if (definitions.putIfAbsent(definition.name(), definition) != null)
        {
            throw new IllegalArgumentException("saga '" + definition.name() + "' registered twice");
        }
        return this;
    }

    /** Sets the observer (tests). */
    public SagaOrchestrator observer(final Observer observer)
    {
        this.observer = observer;
        return this;
    }

    /** @return this replica's saga log: the status API ({@link SagaLog#status}, {@link SagaLog#parked()}). */
    public SagaLog log()
    {
        return log;
    }

    /** @return step calls (execute and compensate) handed to the workers so far. */
    public long stepCalls()
    {
        return stepCalls;
    }

    /** @return scans that found a saga whose definition is not registered here (a configuration error). */
    public long undefined()
    {
        return undefined;
    }

    /**
     * Starts a saga: sends its BEGIN, and again every {@code resendIntervalNs} until the local replica has its
     * record. The saga id is the idempotency key: a BEGIN for an id already recorded changes nothing.
     * Agent thread.
     *
     * @throws IllegalArgumentException if no definition has that name, or the input is over
     *                                  {@link SagaCodec#INPUT_MAX} bytes, or the id is 0.
     */
    public void start(final long sagaId, final String name, final byte[] input)
    {
        final SagaDefinition definition = definitions.get(name);
        if (definition == null)
        {
            throw new IllegalArgumentException("no saga '" + name + "' registered");
        }
        final int length = SagaCodec.encodeBegin(command, 0, sagaId, name, definition.steps().size(), input);
        final byte[] begin = new byte[length];
        command.getBytes(0, begin);
        begins.put(sagaId, begin);
        send(begin);
    }

    /**
     * Cancels a running saga: compensations run (a step running now is resolved first and compensated too).
     * No effect on a saga that is already compensating, parked or finished. Any thread; sent at most once.
     *
     * @return false if the agent's queue was full (nothing sent).
     */
    public boolean cancel(final long sagaId)
    {
        return operator(sagaId, SagaCodec.CANCEL, 0);
    }

    /**
     * Retries a parked saga's compensation (after the operator fixed its cause).
     *
     * @param parks the {@link SagaStatus#parks()} read with the saga parked: a resend of this request
     *              cannot resume a later park.
     * @return false if the agent's queue was full (nothing sent).
     */
    public boolean resume(final long sagaId, final int parks)
    {
        return operator(sagaId, SagaCodec.RESUME, parks);
    }

    /**
     * Takes a parked step's compensation as done (the operator undid the step by hand) and goes on with the
     * steps before it; the skip is recorded ({@link SagaStatus#skippedSteps()}).
     *
     * @param parks as for {@link #resume}.
     * @return false if the agent's queue was full (nothing sent).
     */
    public boolean skip(final long sagaId, final int parks)
    {
        return operator(sagaId, SagaCodec.SKIP, parks);
    }

    private boolean operator(final long sagaId, final int action, final int parks)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(32);
        return agent.forward(coordinatorGroup, buffer, 0, SagaCodec.encodeOperator(buffer, 0, sagaId, action, parks));
    }

    @Override
    public int doWork(final long nowNs)
    {
        this.nowNs = nowNs;
        int done = 0;
        Completion completion;
        while ((completion = completions.poll()) != null)
        {
            onCompletion(completion);
            done++;
        }
        if (nowNs < nextScanNs)
        {
            return done;
        }
        nextScanNs = nowNs + scanIntervalNs;
        if (!begins.isEmpty() && nowNs - lastBeginResendNs >= resendIntervalNs)
        {
            lastBeginResendNs = nowNs;
            final Long2ObjectHashMap<byte[]>.EntryIterator entries = begins.entrySet().iterator();
            while (entries.hasNext())
            {
                entries.next();
                if (log.state(entries.getLongKey()) != 0)
                {
                    entries.remove();
                }
                else
                {
                    send(entries.getValue());
                    done++;
                }
            }
        }
        if (agent.group(coordinatorGroup).role() == RaftRole.LEADER && log.unfinishedCount() > 0)
        {
            log.forEachUnfinished(driveOne);
        }
        if (work.size() > 2 * log.unfinishedCount() + 64)
        {
            forgetFinished();
        }
        return done;
    }

    private void drive(final long sagaId)
    {
        final int state = log.state(sagaId);
        if (state != SagaLog.RUNNING && state != SagaLog.COMPENSATING)
        {
            work.remove(sagaId);
            return;
        }
        final int phase = state == SagaLog.RUNNING ? EXECUTE : COMPENSATE;
        final int step = log.step(sagaId);
        Work w = work.get(sagaId);
        if (w == null || w.phase != phase || w.step != step)
        {
            w = new Work(phase, step);
            work.put(sagaId, w);
        }
        if (w.inFlight || nowNs < w.nextAttemptNs)
        {
            return;
        }
        if (w.eventType == SagaCodec.EXECUTING && log.isExecuting(sagaId))
        {
            w.event = null; // marked: the step may run now
            w.eventType = 0;
        }
        if (w.event != null)
        {
            if (nowNs - w.lastSendNs >= resendIntervalNs)
            {
                w.lastSendNs = nowNs;
                send(w.event);
            }
            return;
        }
        final SagaDefinition definition = definitions.get(log.name(sagaId));
        if (definition == null || definition.steps().size() != log.steps(sagaId))
        {
            undefined++;
            return;
        }
        if (phase == EXECUTE && !log.isExecuting(sagaId))
        {
            record(w, sagaId, step, SagaCodec.EXECUTING, new byte[0]); // in the log before the step can take effect
            return;
        }
        if (phase == EXECUTE && w.attempts >= executeAttemptsMax)
        {
            record(w, sagaId, step, SagaCodec.UNRESOLVED, SagaCodec.message("unknown after " + w.attempts + " calls: " + w.message));
            return;
        }
        if (phase == COMPENSATE && w.attempts >= compensateAttemptsMax)
        {
            record(w, sagaId, step, SagaCodec.PARK, SagaCodec.message("compensation failed " + w.attempts + " times: " + w.message));
            return;
        }
        w.inFlight = true;
        w.attempts++;
        stepCalls++;
        final byte[][] results = new byte[log.steps(sagaId)][];
        for (int i = 0; i < results.length; i++)
        {
            results[i] = log.result(sagaId, i);
        }
        final SagaStep action = definition.steps().get(step);
        final SagaStepContext context = new SagaStepContext(sagaId, step, log.input(sagaId), results);
        workers.execute(() -> completions.offer(call(action, context, phase)));
    }

    /** On a worker thread. */
    private static Completion call(final SagaStep action, final SagaStepContext context, final int phase)
    {
        final long sagaId = context.sagaId();
        final int step = context.step();
        try
        {
            if (phase == COMPENSATE)
            {
                action.compensate(context);
                return new Completion(sagaId, phase, step, SagaCodec.COMPENSATED, new byte[0]);
            }
            final byte[] result = action.execute(context);
            if (result == null || result.length > SagaCodec.RESULT_MAX)
            {
                return new Completion(sagaId, phase, step, 0, SagaCodec.message("result null or over " + SagaCodec.RESULT_MAX + " bytes"));
            }
            return new Completion(sagaId, phase, step, SagaCodec.EXECUTED, result);
        }
        catch (final SagaStepFailedException ex)
        {
            return phase == EXECUTE ? new Completion(sagaId, phase, step, SagaCodec.FAILED, SagaCodec.message(ex.getMessage())) :
                new Completion(sagaId, phase, step, 0, SagaCodec.message(ex.getMessage()));
        }
        catch (final Exception ex)
        {
            return new Completion(sagaId, phase, step, 0, SagaCodec.message(String.valueOf(ex)));
        }
    }

    private void onCompletion(final Completion completion)
    {
        observer.onAction(Observer.RETURNED, completion.sagaId, completion.step);
        final Work w = work.get(completion.sagaId);
        if (w == null || w.phase != completion.phase || w.step != completion.step)
        {
            return; // the saga moved on meanwhile (another leader recorded this step)
        }
        w.inFlight = false;
        if (completion.event == 0)
        {
            w.message = new String(completion.payload, java.nio.charset.StandardCharsets.UTF_8);
            w.nextAttemptNs = nowNs + (retryBackoffNs << Math.min(w.attempts - 1, BACKOFF_SHIFT_MAX));
            return;
        }
        record(w, completion.sagaId, completion.step, completion.event, completion.payload);
    }

    private void record(final Work w, final long sagaId, final int step, final int event, final byte[] payload)
    {
        final int length = SagaCodec.encodeStep(command, 0, sagaId, step, event, payload);
        w.event = new byte[length];
        w.eventType = event;
        command.getBytes(0, w.event);
        w.lastSendNs = nowNs;
        send(w.event);
        observer.onAction(event, sagaId, step);
    }

    private void send(final byte[] bytes)
    {
        view.wrap(bytes);
        agent.forward(coordinatorGroup, view, 0, bytes.length);
    }

    private void forgetFinished()
    {
        final Long2ObjectHashMap<Work>.KeyIterator keys = work.keySet().iterator();
        while (keys.hasNext())
        {
            final int state = log.state(keys.nextLong());
            if (state != SagaLog.RUNNING && state != SagaLog.COMPENSATING)
            {
                keys.remove();
            }
        }
    }
}
