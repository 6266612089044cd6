package io.synod.quorum;

import io.synod.raft.RaftAgent;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The embedded Java API of a keyspace in its default (DVV) mode, for host threads: {@code get} returns the
 * siblings and a causal context, {@code put} and {@code delete} take the context they read, and a resolver
 * turns siblings into one value. Requests travel to the member's agent thread through a lock-free queue and
 * run on its {@link QuorumNode}; futures complete on the agent thread (use the {@code *Async} methods of the
 * future to move off it).
 *
 * <pre>{@code
 * QuorumStore store = QuorumStore.attach(config, agent, memberId, ring, replicaStore);
 * QuorumStore.Siblings read = store.get(key, Consistency.QUORUM).join();
 * byte[] merged = read.resolve(values -> union(values));           // or read.values() to see them all
 * store.put(key, read.context(), merged, Consistency.QUORUM).join(); // supersedes exactly what was read
 * }</pre>
 *
 * <p><b>Threading.</b> {@link #get}, {@link #put} and {@link #delete} from any thread. <b>Allocation.</b> These
 * convenience calls allocate (futures, arrays); the zero-allocation path is {@link QuorumNode} on the agent thread.
 * <b>Failure.</b> A refused or failed request completes its future exceptionally with a {@link QuorumException}
 * carrying the {@link QuorumStatus}; a TIMEOUT of a write means unknown, not failed.
 * <b>Bound.</b> At most {@code requestsMax} requests in flight on the node; more are refused with
 * BACK_PRESSURE; {@link #REQUESTS_PER_CYCLE} are taken from the queue per duty cycle.
 */
public final class QuorumStore implements RaftAgent.Duty, QuorumListener
{
    /** Requests moved from host threads to the node per duty cycle. */
    public static final int REQUESTS_PER_CYCLE = 64;

    /** The opaque causal context of a read, to pass to the next write of the key. Empty: a blind write. */
    public record Context(byte[] bytes)
    {
        public static final Context EMPTY = new Context(new byte[0]);
    }

    /** What a read found: the siblings (empty if absent or deleted), the context, whether W + R > N held. */
    public record Siblings(List<byte[]> values, Context context, boolean overlaps)
    {
        /** @return one value: the only one, or the resolver's pick or merge of the siblings; null if there are none. */
        public byte[] resolve(final ConflictResolver resolver)
        {
            return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : resolver.resolve(values);
        }
    }

    /** The outcome of a write: whether every acknowledgement came from the preference list, and W + R > N. */
    public record Written(boolean strict, boolean overlaps)
    {
    }

    /** Turns concurrent values into one (a merge such as a set union, or a pick). Called on the caller's thread. */
    @FunctionalInterface
    public interface ConflictResolver
    {
        byte[] resolve(List<byte[]> siblings);
    }

    private static final int GET = 0;
    private static final int PUT = 1;
    private static final int DELETE = 2;

    private record Request(int kind, byte[] key, byte[] context, byte[] value, int level, CompletableFuture<?> future)
    {
    }

    private final QuorumNode node;
    private final int keyspaceId;
    private final ManyToOneConcurrentLinkedQueue<Request> requests = new ManyToOneConcurrentLinkedQueue<>();
    private final Long2ObjectHashMap<CompletableFuture<?>> inFlight = new Long2ObjectHashMap<>();
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer contextView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer contextOut;
    private long nextCorrelationId = 1;

    private QuorumStore(final QuorumConfig config, final RaftAgent agent, final int memberId, final HashRing ring, final ReplicaStore store)
    {
        this.node = new QuorumNode(config, agent, memberId, ring, store, this);
        this.keyspaceId = config.keyspaceId();
        this.contextOut = new UnsafeBuffer(new byte[config.contextLengthMax()]);
    }

    /**
     * Builds the keyspace's node on {@code agent} (registering its service) and adds the store as a duty
     * (which also runs the node's). Call before the agent runs.
     */
    public static QuorumStore attach(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final HashRing ring, final ReplicaStore store)
    {
        final QuorumStore quorumStore = new QuorumStore(config, agent, memberId, ring, store);
        agent.addDuty(quorumStore);
        return quorumStore;
    }

    /** Reads {@code key} from {@code r} replicas ({@link Consistency} level or count; 0 for the keyspace default). */
    public CompletableFuture<Siblings> get(final byte[] key, final int r)
    {
        final CompletableFuture<Siblings> future = new CompletableFuture<>();
        requests.offer(new Request(GET, key.clone(), null, null, r, future));
        return future;
    }

    /** Writes {@code value}, superseding what {@code context} saw, once {@code w} replicas hold it durably. */
    public CompletableFuture<Written> put(final byte[] key, final Context context, final byte[] value, final int w)
    {
        final CompletableFuture<Written> future = new CompletableFuture<>();
        requests.offer(new Request(PUT, key.clone(), context.bytes().clone(), value.clone(), w, future));
        return future;
    }

    /** Deletes {@code key}: a tombstone superseding what {@code context} saw; later reads find no value. */
    public CompletableFuture<Written> delete(final byte[] key, final Context context, final int w)
    {
        final CompletableFuture<Written> future = new CompletableFuture<>();
        requests.offer(new Request(DELETE, key.clone(), context.bytes().clone(), null, w, future));
        return future;
    }

    /** @return the node underneath (agent thread only): counters, the zero-allocation API. */
    public QuorumNode node()
    {
        return node;
    }

    @Override
    public int doWork(final long nowNs)
    {
        int work = 0;
        for (int i = 0; i < REQUESTS_PER_CYCLE; i++)
        {
            final Request request = requests.poll();
            if (request == null)
            {
                break;
            }
            start(nowNs, request);
            work++;
        }
        return work + node.doWork(nowNs);
    }

    private void start(final long nowNs, final Request request)
    {
        final long correlationId = nextCorrelationId++;
        keyView.wrap(request.key());
        inFlight.put(correlationId, request.future());
        final int status;
        switch (request.kind())
        {
            case GET:
                status = node.get(nowNs, correlationId, keyView, 0, request.key().length, request.level(), 0);
                break;
            case PUT:
                contextView.wrap(request.context());
                valueView.wrap(request.value());
                status = node.put(nowNs, correlationId, keyView, 0, request.key().length, contextView, 0, request.context().length,
                    valueView, 0, request.value().length, request.level(), 0);
                break;
            default:
                contextView.wrap(request.context());
                status = node.delete(nowNs, correlationId, keyView, 0, request.key().length, contextView, 0,
                    request.context().length, request.level(), 0);
                break;
        }
        if (status != QuorumStatus.OK)
        {
            inFlight.remove(correlationId);
            request.future().completeExceptionally(new QuorumException(status, "refused"));
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onPutComplete(final long correlationId, final int status, final boolean overlaps, final boolean strict)
    {
        final CompletableFuture<Written> future = (CompletableFuture<Written>)inFlight.remove(correlationId);
        if (future == null)
        {
            return;
        }
        if (status == QuorumStatus.OK)
        {
            future.complete(new Written(strict, overlaps));
        }
        else
        {
            future.completeExceptionally(new QuorumException(status, status == QuorumStatus.TIMEOUT ?
                "the write may or may not have been applied" : "write failed"));
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onGetComplete(final long correlationId, final int status, final DvvSet siblings, final boolean overlaps)
    {
        final CompletableFuture<Siblings> future = (CompletableFuture<Siblings>)inFlight.remove(correlationId);
        if (future == null)
        {
            return;
        }
        if (status != QuorumStatus.OK && status != QuorumStatus.NOT_FOUND)
        {
            future.completeExceptionally(new QuorumException(status, "read failed"));
            return;
        }
        final List<byte[]> values = new ArrayList<>(siblings.valueCount());
        for (int i = 0; i < siblings.valueCount(); i++)
        {
            if ((siblings.valueFlags(i) & DvvSet.TOMBSTONE) == 0)
            {
                final byte[] value = new byte[siblings.valueLength(i)];
                siblings.valueBuffer().getBytes(siblings.valueOffset(i), value);
                values.add(value);
            }
        }
        final byte[] context = new byte[siblings.encodeContext(keyspaceId, contextOut, 0)];
        contextOut.getBytes(0, context);
        future.complete(new Siblings(Collections.unmodifiableList(values), new Context(context), overlaps));
    }
}
