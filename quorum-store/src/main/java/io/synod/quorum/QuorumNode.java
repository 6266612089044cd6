package io.synod.quorum;

import io.synod.raft.RaftAgent;
import io.synod.raft.ServiceChannel;
import io.synod.raft.ServiceHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One member's part of a keyspace of the leaderless store in its default mode (Dynamo, with dotted
 * version vector sets for conflicts): the coordinator of its local callers' requests and a replica for
 * the keys whose preference list names it. No leader on the data path: any member coordinates.
 *
 * <ul>
 *   <li><b>Put</b> ({@link #put}): at a preference-list member the coordinator makes the write an event of
 *   its own id ({@link DvvSet#update}: the client's context supersedes what the client saw, the rest stay
 *   siblings), persists it, sends the resulting set to the other {@code n - 1} replicas, and answers once
 *   {@code w} replicas (itself included) hold it durably. A member outside the preference list forwards
 *   the put to the list's first member (FORWARD_PUT), which coordinates it and answers back.</li>
 *   <li><b>Replica</b>: on a set it merges ({@link DvvSet#sync}) into its own, persists, then acknowledges.
 *   Merging is idempotent and commutative, so duplicated and reordered messages are harmless.</li>
 *   <li><b>Get</b> ({@link #get}): asks the {@code n} replicas, merges the first {@code r} answers; with read
 *   repair on (the default) it writes the merged set back to the contacted replicas that were stale and
 *   waits for them before answering (blocking read repair: monotonic quorum reads).</li>
 * </ul>
 *
 * <p>Messages: {@link QuorumCodec} types 64–69 over raft-core's application-message path (one service id per
 * keyspace), so they pass the agent's frame checks and share its transport. A malformed message is
 * dropped and counted ({@link #dropped(int)}, {@link #malformedSets()}), never thrown about.
 *
 * <p><b>Threading.</b> Agent thread only: {@link #put}, {@link #get}, {@link #doWork} and the handler. Run
 * it as a duty of the agent ({@link #attach}). <b>Allocation.</b> None per request or message after
 * construction. <b>Durability.</b> A replica (the coordinator included) flushes its store before it
 * acknowledges; a failed flush throws and stops the agent.
 */
public final class QuorumNode implements ServiceHandler, RaftAgent.Duty
{
    static final int KIND_PUT = 1;
    static final int KIND_FORWARDED_PUT = 2;
    static final int KIND_FORWARDING = 3;
    static final int KIND_GET = 4;

    static final int PHASE_READ = 0;
    static final int PHASE_REPAIR = 1;

    private final QuorumConfig config;
    private final int memberId;
    private final int keyspaceId;
    /** Where keys go, by the ring version this member uses. */
    final Placement placement; // package-private: the ring simulation checks it
    /** Null for a fixed ring; else adopts the ring group's versions and moves ring changes along. */
    final RingFollower follower;
    private final ReplicaStore store;
    private final QuorumListener listener;
    private final ServiceChannel channel;
    private final RequestTable requests;
    private final long epoch;

    private final UnsafeBuffer out;
    private final UnsafeBuffer keys;
    private final int[] keyLengths;
    private final int[] preference;
    /** Per GET slot: the merge of the answers so far. */
    private final DvvSet[] results;
    /** Per GET slot and replica index: the summary of what that replica answered. */
    private final long[] answered;
    private DvvSet scratchMerge;
    private final DvvSet scratchLocal;
    private final DvvSet scratchIn;
    private final DvvSet scratchContext;
    private final DvvSet empty;
    private final ForwardedPuts forwarded;
    /** Per put slot: when to hint for silent replicas, whether it did, whether a hint counted toward W. */
    private final long[] hintAtNs;
    private final boolean[] hinted;
    private final boolean[] sloppy;
    private final HintedHandoff handoff;
    private AntiEntropy antiEntropy;
    private final LocalReplica replica;
    private final TombstoneCollector tombstones;
    /** The highest counter of this member's own events in this run (a collected key's next event starts above it). */
    private long counterHigh;
    private final ClientRequests clients;
    /** Per slot: the remote client's connection id, or 0 for a local caller. */
    private final long[] clientIds;
    /** The client of the request being started (0: local); read when its slot is allocated. */
    private long startingFor;

    private final long[] dropped = new long[QuorumCodec.REASON_COUNT];
    private long malformedSets;
    private long wrongKeyspace;
    private long staleReplies;
    private long duplicateReplies;
    private long duplicateForwards;
    private long timeouts;
    private long readRepairs;
    private long clientMessages;
    private long hintsSent;

    /**
     * Builds the node on a fixed ring and registers its service on {@code agent}; add it as a duty of the agent
     * as well (or use {@link #attach}). Allocates all its memory here.
     *
     * @param ring the keyspace's ring; it must hold at least {@code n} members and this one.
     * @throws IllegalArgumentException for a bad configuration or ring.
     */
    public QuorumNode(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final HashRing ring, final ReplicaStore store,
        final QuorumListener listener)
    {
        this(config, agent, memberId, Placement.fixed(config, memberId, ring), null, 0, store, listener);
    }

    /**
     * Builds the node on the ring agreed by a Raft group ({@link RingStateMachine}, run as group
     * {@code ringGroupId} on the same {@code agent}): it places keys by the ring version its member applied, and
     * takes part in ring changes (streaming the moved ranges, acknowledging each phase). Until the group has
     * applied BOOTSTRAP, and while this member is on neither the old nor the new ring, requests are refused with
     * {@link QuorumStatus#NO_RING}; as a replica it serves from the start.
     *
     * @throws IllegalArgumentException for a bad configuration, an unknown group, or a ring group whose
     *                                  {@code membersMin} is below {@code n}.
     */
    public QuorumNode(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final RingStateMachine ring, final int ringGroupId,
        final ReplicaStore store, final QuorumListener listener)
    {
        this(config, agent, memberId, ring.state(), RingFollower.checked(config, agent, ring, ringGroupId), ringGroupId, store, listener);
    }

    private QuorumNode(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final RingState ring, final RingStateMachine ringGroup,
        final int ringGroupId, final ReplicaStore store, final QuorumListener listener)
    {
        this.config = config.conclude();
        this.memberId = memberId;
        this.keyspaceId = config.keyspaceId();
        this.placement = new Placement(config.n(), ring);
        this.store = store;
        this.listener = listener;
        this.epoch = store.startEpoch();
        this.requests = new RequestTable(config.requestsMax(), config.n() + 1, epoch);
        this.out = new UnsafeBuffer(new byte[config.messageLengthMax()]);
        this.keys = new UnsafeBuffer(new byte[config.requestsMax() * config.keyLengthMax()]);
        this.keyLengths = new int[config.requestsMax()];
        this.preference = new int[config.n() + 1];
        this.results = new DvvSet[config.requestsMax()];
        for (int i = 0; i < results.length; i++)
        {
            results[i] = newSet();
        }
        this.answered = new long[config.requestsMax() * config.n()];
        this.scratchMerge = newSet();
        this.scratchLocal = newSet();
        this.scratchIn = newSet();
        this.scratchContext = newSet();
        this.empty = newSet();
        this.forwarded = new ForwardedPuts(config.forwardsRemembered());
        this.hintAtNs = new long[config.requestsMax()];
        this.hinted = new boolean[config.requestsMax()];
        this.sloppy = new boolean[config.requestsMax()];
        this.channel = agent.registerService(config.serviceId(), this, config.messageLengthMax());
        this.handoff = new HintedHandoff(config, placement, store, channel);
        this.replica = new LocalReplica(config, memberId, store);
        this.antiEntropy = replica.antiEntropyFor(ring.readRing(), channel);
        this.tombstones = new TombstoneCollector(config, memberId, placement, store, replica, channel);
        this.follower = ringGroup == null ? null : new RingFollower(config, agent, ringGroupId, memberId, ringGroup, placement, store,
            new RangeStreamer(config, memberId, store, channel));
        this.clients = new ClientRequests(config, channel);
        this.clientIds = new long[config.requestsMax()];
    }

    /** Builds the node, registers its service and adds it as a duty of {@code agent}. */
    public static QuorumNode attach(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final HashRing ring, final ReplicaStore store,
        final QuorumListener listener)
    {
        final QuorumNode node = new QuorumNode(config, agent, memberId, ring, store, listener);
        agent.addDuty(node);
        return node;
    }

    private DvvSet newSet()
    {
        return new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
    }

    // ---- the caller's side ----

    /**
     * Writes {@code value} under {@code key}, superseding what {@code context} (from a read of this keyspace,
     * or empty for a blind write) saw. The outcome arrives at {@link QuorumListener#onPutComplete}.
     *
     * @param w         {@link Consistency} level or count; 0 for the keyspace's default.
     * @param r         the R the caller reads with (only for the response's overlap flag); 0 for the default.
     * @return {@link QuorumStatus#OK} if the request started; else a refusal (and no callback).
     */
    public int put(
        final long nowNs, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer context, final int contextOffset, final int contextLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final int w, final int r)
    {
        return write(nowNs, correlationId, key, keyOffset, keyLength, context, contextOffset, contextLength,
            value, valueOffset, valueLength, (byte)0, w, r);
    }

    /** Deletes {@code key}: a tombstone with the causality of a write (what the context saw is superseded). */
    public int delete(
        final long nowNs, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer context, final int contextOffset, final int contextLength, final int w, final int r)
    {
        return write(nowNs, correlationId, key, keyOffset, keyLength, context, contextOffset, contextLength,
            empty.valueBuffer(), 0, 0, DvvSet.TOMBSTONE, w, r);
    }

    private int write(
        final long nowNs, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer context, final int contextOffset, final int contextLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final byte flags, final int w, final int r)
    {
        final int status = checkWrite(keyLength, valueLength, context, contextOffset, contextLength);
        if (status != QuorumStatus.OK)
        {
            return status;
        }
        final int wCount = Consistency.resolve(w == 0 ? config.w() : w, config.n());
        final int rCount = Consistency.resolve(r == 0 ? config.r() : r, config.n());
        if (wCount == 0 || rCount == 0)
        {
            return QuorumStatus.BAD_CONSISTENCY;
        }
        if (follower != null && !follower.usable())
        {
            return QuorumStatus.NO_RING;
        }
        final int count = placement.writeList(HashRing.hash(key, keyOffset, keyLength), preference);
        final int extra = placement.extra(); // new owners during a ring change: one more acknowledgement each
        final boolean local = Placement.contains(preference, count, memberId);
        final int slot = requests.allocate(local ? KIND_PUT : KIND_FORWARDING, correlationId, nowNs + config.requestTimeoutNs());
        if (slot < 0)
        {
            return QuorumStatus.BACK_PRESSURE;
        }
        sloppy[slot] = false;
        hinted[slot] = true;
        clientIds[slot] = startingFor;
        requests.overlaps[slot] = Consistency.overlaps(wCount, rCount, config.n());
        requests.replicas(slot, preference, count);
        if (local)
        {
            coordinatePut(slot, key, keyOffset, keyLength, value, valueOffset, valueLength, flags, wCount + extra);
        }
        else
        {
            forwardPut(slot, key, keyOffset, keyLength, context, contextOffset, contextLength, value, valueOffset, valueLength,
                flags, wCount, rCount);
        }
        return QuorumStatus.OK;
    }

    /** Validates a write and decodes its context into {@link #scratchContext}. */
    private int checkWrite(
        final int keyLength, final int valueLength, final DirectBuffer context, final int contextOffset, final int contextLength)
    {
        if (keyLength < 1 || valueLength < 0)
        {
            return QuorumStatus.BAD_REQUEST;
        }
        if (keyLength > config.keyLengthMax() || valueLength > config.valueLengthMax())
        {
            return QuorumStatus.TOO_LARGE;
        }
        final int status = scratchContext.decodeContext(keyspaceId, context, contextOffset, contextLength);
        if (status == QuorumStatus.WRONG_KEYSPACE)
        {
            wrongKeyspace++;
        }
        return status;
    }

    /**
     * Reads {@code key}: the siblings and context arrive at {@link QuorumListener#onGetComplete}.
     *
     * @param r {@link Consistency} level or count; 0 for the keyspace's default.
     * @param w the W the caller writes with (only for the overlap flag); 0 for the default.
     * @return {@link QuorumStatus#OK} if the request started; else a refusal (and no callback).
     */
    public int get(
        final long nowNs, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength, final int r,
        final int w)
    {
        if (keyLength < 1)
        {
            return QuorumStatus.BAD_REQUEST;
        }
        if (keyLength > config.keyLengthMax())
        {
            return QuorumStatus.TOO_LARGE;
        }
        final int rCount = Consistency.resolve(r == 0 ? config.r() : r, config.n());
        final int wCount = Consistency.resolve(w == 0 ? config.w() : w, config.n());
        if (wCount == 0 || rCount == 0)
        {
            return QuorumStatus.BAD_CONSISTENCY;
        }
        if (follower != null && !follower.usable())
        {
            return QuorumStatus.NO_RING;
        }
        final int slot = requests.allocate(KIND_GET, correlationId, nowNs + config.requestTimeoutNs());
        if (slot < 0)
        {
            return QuorumStatus.BACK_PRESSURE;
        }
        clientIds[slot] = startingFor;
        final int count = placement.readList(HashRing.hash(key, keyOffset, keyLength), preference);
        requests.replicas(slot, preference, count);
        requests.overlaps[slot] = Consistency.overlaps(wCount, rCount, config.n());
        requests.needed[slot] = rCount;
        keepKey(slot, key, keyOffset, keyLength);
        results[slot].reset();

        int length = QuorumCodec.encodeHeader(out, QuorumCodec.GET_REQUEST, 0, 0, keyspaceId, requests.requestIds[slot]);
        length = QuorumCodec.encodeKey(out, key, keyOffset, keyLength);
        for (int i = 0; i < count; i++)
        {
            if (preference[i] != memberId)
            {
                channel.sendToMember(preference[i], 0, out, 0, length);
            }
        }
        if (Placement.contains(preference, count, memberId))
        {
            replica.read(key, keyOffset, keyLength, scratchIn);
            onReadAnswer(slot, memberId, scratchIn);
        }
        return QuorumStatus.OK;
    }

    // ---- coordinator ----

    private void coordinatePut(
        final int slot, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final byte flags, final int wCount)
    {
        requests.needed[slot] = wCount;
        keepKey(slot, key, keyOffset, keyLength);
        hinted[slot] = !config.hintedHandoff();
        sloppy[slot] = false;
        hintAtNs[slot] = requests.deadlinesNs[slot] - config.requestTimeoutNs() + config.hintAfterNs();
        replica.read(key, keyOffset, keyLength, scratchLocal);
        // No entry of ours (never written here, or a collected tombstone): start above every counter we ever used.
        final long floor = scratchLocal.counter(memberId) == 0 ? Math.max(epoch << 32, counterHigh) + 1 : 0;
        if (!scratchMerge.update(scratchContext, scratchLocal, memberId, value, valueOffset, valueLength, flags, floor))
        {
            complete(slot, QuorumStatus.TOO_MANY_SIBLINGS);
            return;
        }
        counterHigh = Math.max(counterHigh, scratchMerge.counter(memberId));
        // The message carries the new set; the local replica stores the same bytes, durably, before counting itself.
        QuorumCodec.encodeHeader(out, QuorumCodec.PUT_REQUEST, 0, 0, keyspaceId, requests.requestIds[slot]);
        final int setOffset = QuorumCodec.encodeKey(out, key, keyOffset, keyLength);
        final int length = setOffset + scratchMerge.encode(out, setOffset);
        store.write(keyspaceId, key, keyOffset, keyLength, out, setOffset, length - setOffset);
        store.flush();
        replica.written(key, keyOffset, keyLength, scratchLocal, scratchMerge);
        for (int i = 0; i < requests.replicaCounts[slot]; i++)
        {
            final int replica = requests.replica(slot, i);
            if (replica != memberId)
            {
                channel.sendToMember(replica, 0, out, 0, length);
            }
        }
        requests.markReplied(slot, memberId);
        requests.acks[slot]++;
        if (requests.acks[slot] >= requests.needed[slot])
        {
            complete(slot, QuorumStatus.OK);
        }
    }

    private void forwardPut(
        final int slot, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer context, final int contextOffset, final int contextLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final byte flags, final int wCount, final int rCount)
    {
        final int length = QuorumCodec.encodeForwardPut(out, keyspaceId, requests.requestIds[slot], wCount, rCount, flags, key, keyOffset,
            keyLength, context, contextOffset, contextLength, value, valueOffset, valueLength);
        channel.sendToMember(requests.replica(slot, 0), 0, out, 0, length);
    }

    private void onReadAnswer(final int slot, final int from, final DvvSet answer)
    {
        final int index = requests.markReplied(slot, from);
        if (index < 0)
        {
            duplicateReplies++;
            return;
        }
        answered[slot * config.n() + index] = answer.summary();
        final DvvSet merged = scratchMerge;
        if (!merged.sync(results[slot], answer))
        {
            complete(slot, QuorumStatus.TOO_MANY_SIBLINGS);
            return;
        }
        scratchMerge = results[slot];
        results[slot] = merged;
        requests.acks[slot]++;
        if (requests.acks[slot] >= requests.needed[slot])
        {
            finishRead(slot);
        }
    }

    /** R answers merged: repair the stale ones among them (blocking), or answer now. */
    private void finishRead(final int slot)
    {
        final DvvSet merged = results[slot];
        if (!config.readRepair())
        {
            complete(slot, merged.liveValueCount() == 0 ? QuorumStatus.NOT_FOUND : QuorumStatus.OK);
            return;
        }
        final long summary = merged.summary();
        final long contacted = requests.replied[slot];
        int stale = 0;
        for (int i = 0; i < requests.replicaCounts[slot]; i++)
        {
            if ((contacted & (1L << i)) != 0 && answered[slot * config.n() + i] != summary)
            {
                stale++;
            }
        }
        if (stale == 0)
        {
            complete(slot, merged.liveValueCount() == 0 ? QuorumStatus.NOT_FOUND : QuorumStatus.OK);
            return;
        }
        readRepairs += stale;
        requests.nextPhase(slot, stale);
        final int keyLength = keyLengths[slot];
        final int keyOffset = slot * config.keyLengthMax();
        QuorumCodec.encodeHeader(out, QuorumCodec.PUT_REQUEST, 0, 0, keyspaceId, requests.requestIds[slot]);
        final int setOffset = QuorumCodec.encodeKey(out, keys, keyOffset, keyLength);
        final int length = setOffset + merged.encode(out, setOffset);
        boolean repairSelf = false;
        for (int i = 0; i < requests.replicaCounts[slot]; i++)
        {
            if ((contacted & (1L << i)) != 0 && answered[slot * config.n() + i] != summary)
            {
                final int replica = requests.replica(slot, i);
                if (replica == memberId)
                {
                    repairSelf = true;
                }
                else
                {
                    channel.sendToMember(replica, 0, out, 0, length);
                }
            }
        }
        if (repairSelf)
        {
            final int status = replica.merge(keys, keyOffset, keyLength, merged);
            onWriteAnswer(slot, memberId, status);
        }
    }

    private void onWriteAnswer(final int slot, final int from, final int status)
    {
        if (requests.markReplied(slot, from) < 0)
        {
            duplicateReplies++;
            return;
        }
        if (status == QuorumStatus.OK)
        {
            requests.acks[slot]++;
        }
        else
        {
            requests.fails[slot]++;
            requests.lastFailure[slot] = status;
        }
        final boolean repair = requests.kinds[slot] == KIND_GET;
        final int possible = (repair ? requests.needed[slot] : requests.replicaCounts[slot]) - requests.fails[slot];
        if (requests.acks[slot] >= requests.needed[slot])
        {
            complete(slot, repair && results[slot].liveValueCount() == 0 ? QuorumStatus.NOT_FOUND : QuorumStatus.OK);
        }
        else if (possible < requests.needed[slot])
        {
            complete(slot, requests.lastFailure[slot]);
        }
    }

    private void complete(final int slot, final int status)
    {
        final long correlationId = requests.correlationIds[slot];
        final boolean overlaps = requests.overlaps[slot];
        switch (requests.kinds[slot])
        {
            case KIND_PUT:
            case KIND_FORWARDING:
            {
                final boolean strict = !sloppy[slot];
                final long clientId = clientIds[slot];
                requests.free(slot);
                if (clientId != 0)
                {
                    clients.onPutComplete(clientId, correlationId, status, overlaps, strict);
                }
                else
                {
                    listener.onPutComplete(correlationId, status, overlaps, strict);
                }
                break;
            }
            case KIND_FORWARDED_PUT:
            {
                final int length = QuorumCodec.encodeReply(out, QuorumCodec.FORWARD_PUT_REPLY, keyspaceId, correlationId, status);
                out.putByte(QuorumCodec.FLAGS_OFFSET, (byte)(sloppy[slot] ? 1 : 0));
                channel.sendToMember(requests.origins[slot], 0, out, 0, length);
                requests.free(slot);
                break;
            }
            case KIND_GET:
            {
                final DvvSet result = results[slot];
                if (status != QuorumStatus.OK && status != QuorumStatus.NOT_FOUND)
                {
                    result.reset();
                }
                // The slot stays taken during the call: a request the listener starts cannot reuse its set.
                if (clientIds[slot] != 0)
                {
                    clients.replyGet(clientIds[slot], correlationId, status, result, overlaps);
                }
                else
                {
                    listener.onGetComplete(correlationId, status, result, overlaps);
                }
                requests.free(slot);
                break;
            }
            default:
                throw new IllegalStateException("slot " + slot + " of kind " + requests.kinds[slot]);
        }
    }

    /**
     * Expires requests past their deadline ({@link QuorumStatus#TIMEOUT}). A duty of the agent: call once per
     * duty cycle. At most {@code requestsMax} slots looked at.
     */
    @Override
    public int doWork(final long nowNs)
    {
        if (follower != null && follower.doWork(nowNs))
        {
            antiEntropy = replica.antiEntropyFor(placement.readRing(), channel); // a new ring version: its trees
        }
        int work = config.hintedHandoff() && placement.readRing() != null ? handoff.doWork(nowNs) : 0;
        work += config.antiEntropy() && antiEntropy != null ? antiEntropy.doWork(nowNs) : 0;
        work += config.tombstoneCollection() ? tombstones.doWork(nowNs) : 0;
        if (requests.active() == 0)
        {
            return work;
        }
        for (int slot = 0; slot < requests.requestsMax; slot++)
        {
            if (requests.requestIds[slot] == RequestTable.FREE)
            {
                continue;
            }
            if (nowNs - requests.deadlinesNs[slot] >= 0)
            {
                timeouts++;
                complete(slot, QuorumStatus.TIMEOUT);
                work++;
            }
            else if (!hinted[slot] && nowNs - hintAtNs[slot] >= 0 && requests.kinds[slot] != KIND_GET)
            {
                work += sendHints(slot);
            }
        }
        return work;
    }

    /** Sloppy quorum: the put's silent replicas get fallbacks to keep hints for them ({@link HintedHandoff#sendHints}). */
    private int sendHints(final int slot)
    {
        hinted[slot] = true;
        replica.read(keys, slot * config.keyLengthMax(), keyLengths[slot], scratchLocal);
        final int sent = handoff.sendHints(requests, slot, keys, slot * config.keyLengthMax(), keyLengths[slot], scratchLocal);
        hintsSent += sent;
        return sent;
    }

    // ---- replica ----

    @Override
    public void onMessage(
        final long nowNs, final int from, final long clientId, final int flags, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final int check = QuorumCodec.check(buffer, offset, length, config.keyLengthMax());
        if (check != QuorumCodec.OK)
        {
            dropped[check]++;
            return;
        }
        if (QuorumCodec.keyspaceId(buffer, offset) != keyspaceId)
        {
            wrongKeyspace++;
            return;
        }
        final int type = QuorumCodec.type(buffer, offset);
        if (from == 0 || type == ClientRequests.CLIENT_PUT || type == ClientRequests.CLIENT_GET)
        {
            if (from == 0 && (type == ClientRequests.CLIENT_PUT || type == ClientRequests.CLIENT_GET))
            {
                clients.onMessage(this, nowNs, clientId, buffer, offset, length);
            }
            else
            {
                clientMessages++; // a member's type from a client, or a client's type from a member: dropped
            }
            return;
        }
        final long requestId = QuorumCodec.requestId(buffer, offset);
        switch (QuorumCodec.type(buffer, offset))
        {
            case QuorumCodec.PUT_REQUEST:
                onPutRequest(from, requestId, buffer, offset, length);
                break;
            case QuorumCodec.GET_REQUEST:
                onGetRequest(from, requestId, buffer, offset, length);
                break;
            case QuorumCodec.FORWARD_PUT:
                onForwardPut(nowNs, from, requestId, buffer, offset, length);
                break;
            case QuorumCodec.PUT_REPLY:
            {
                final int slot = requests.lookup(requestId);
                if (slot < 0 || requests.kinds[slot] == KIND_FORWARDING ||
                    (requests.kinds[slot] == KIND_GET && requests.phases[slot] != PHASE_REPAIR))
                {
                    staleReplies++;
                    return;
                }
                onWriteAnswer(slot, from, QuorumCodec.status(buffer, offset));
                break;
            }
            case QuorumCodec.GET_REPLY:
            {
                final int slot = requests.lookup(requestId);
                if (slot < 0 || requests.kinds[slot] != KIND_GET || requests.phases[slot] != PHASE_READ)
                {
                    staleReplies++;
                    return;
                }
                if (!scratchIn.decode(buffer, offset + QuorumCodec.GET_REPLY_SET_OFFSET, length - QuorumCodec.GET_REPLY_SET_OFFSET))
                {
                    malformedSets++;
                    return;
                }
                onReadAnswer(slot, from, scratchIn);
                break;
            }
            case QuorumCodec.FORWARD_PUT_REPLY:
            {
                final int slot = requests.lookup(requestId);
                if (slot < 0 || requests.kinds[slot] != KIND_FORWARDING || requests.replica(slot, 0) != from)
                {
                    staleReplies++;
                    return;
                }
                sloppy[slot] = QuorumCodec.flags(buffer, offset) != 0;
                complete(slot, QuorumCodec.status(buffer, offset));
                break;
            }
            case QuorumCodec.HINT:
                malformedSets += handoff.onHintMessage(nowNs, from, requestId, buffer, offset, length) ? 0 : 1;
                break;
            case QuorumCodec.HINT_ACK:
            {
                final int slot = requests.lookup(requestId);
                if (slot < 0 || (requests.kinds[slot] != KIND_PUT && requests.kinds[slot] != KIND_FORWARDED_PUT))
                {
                    staleReplies++;
                    return;
                }
                final int owner = buffer.getInt(offset + QuorumCodec.HINT_ACK_OWNER_OFFSET);
                final int index = requests.indexOf(slot, owner);
                if (QuorumCodec.status(buffer, offset) == QuorumStatus.OK && index >= 0 && (requests.replied[slot] & (1L << index)) == 0)
                {
                    // The hint stands in for its owner (marked as answered: its own late answer will not count again).
                    sloppy[slot] = true;
                    onWriteAnswer(slot, owner, QuorumStatus.OK);
                }
                break;
            }
            case QuorumCodec.HANDOFF:
            {
                final int status = mergeMessage(buffer, offset, length);
                if (status >= 0)
                {
                    final int keyLength = QuorumCodec.keyLength(buffer, offset);
                    QuorumCodec.encodeReply(out, QuorumCodec.HANDOFF_ACK, keyspaceId, requestId, status);
                    out.putShort(QuorumCodec.HANDOFF_ACK_KEY_LENGTH_OFFSET, (short)keyLength);
                    out.putBytes(QuorumCodec.HANDOFF_ACK_KEY_OFFSET, buffer, offset + QuorumCodec.KEY_OFFSET, keyLength);
                    channel.sendToMember(from, 0, out, 0, QuorumCodec.HANDOFF_ACK_KEY_OFFSET + keyLength);
                }
                break;
            }
            case QuorumCodec.AE_BRANCHES:
                if (config.antiEntropy() && antiEntropy != null)
                {
                    antiEntropy.onBranches(from, buffer, offset, QuorumCodec.flags(buffer, offset));
                }
                break;
            case QuorumCodec.AE_PUSH:
                mergeMessage(buffer, offset, length);
                break;
            case QuorumCodec.TOMBSTONE_PROBE:
            case QuorumCodec.TOMBSTONE_ACK:
            case QuorumCodec.TOMBSTONE_COLLECT:
                tombstones.onMessage(nowNs, from, buffer, offset, length);
                break;
            case QuorumCodec.HANDOFF_ACK:
                handoff.onHandoffAck(from, requestId, QuorumCodec.status(buffer, offset), buffer,
                    offset + QuorumCodec.HANDOFF_ACK_KEY_OFFSET, length - QuorumCodec.HANDOFF_ACK_KEY_OFFSET);
                if (follower != null) // a streamed range's key, perhaps
                {
                    follower.onHandoffAck(from, requestId, QuorumCodec.status(buffer, offset), buffer, offset, length);
                }
                break;
            default:
                dropped[QuorumCodec.BAD_TYPE]++; // the atomic mode's types, sent to this keyspace's service
        }
    }

    /** {@link ClientRequests}: the requests started until the next call are a remote client's (0: local callers). */
    void startingFor(final long clientId)
    {
        startingFor = clientId;
    }

    private void onPutRequest(final int from, final long requestId, final DirectBuffer buffer, final int offset, final int length)
    {
        final int status = mergeMessage(buffer, offset, length);
        if (status >= 0)
        {
            channel.sendToMember(from, 0, out, 0, QuorumCodec.encodeReply(out, QuorumCodec.PUT_REPLY, keyspaceId, requestId, status));
        }
    }

    /**
     * Merges the set of a PUT_REQUEST, HANDOFF or AE_PUSH (key, then set) into the local record.
     *
     * @return the replica's answer, or -1 for a malformed set (dropped, counted, not answered).
     */
    private int mergeMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        final int keyLength = QuorumCodec.keyLength(buffer, offset);
        final int setOffset = offset + QuorumCodec.KEY_OFFSET + keyLength;
        if (!scratchIn.decode(buffer, setOffset, offset + length - setOffset))
        {
            malformedSets++;
            return -1;
        }
        return replica.merge(buffer, offset + QuorumCodec.KEY_OFFSET, keyLength, scratchIn);
    }

    private void onGetRequest(final int from, final long requestId, final DirectBuffer buffer, final int offset, final int length)
    {
        QuorumCodec.encodeHeader(out, QuorumCodec.GET_REPLY, 0, 0, keyspaceId, requestId);
        final int recordLength = store.read(keyspaceId, buffer, offset + QuorumCodec.KEY_OFFSET, length - QuorumCodec.KEY_OFFSET,
            out, QuorumCodec.GET_REPLY_SET_OFFSET);
        final int setLength;
        if (recordLength < 0)
        {
            out.putInt(QuorumCodec.STATUS_OFFSET, QuorumStatus.NOT_FOUND);
            setLength = empty.encode(out, QuorumCodec.GET_REPLY_SET_OFFSET);
        }
        else
        {
            out.putInt(QuorumCodec.STATUS_OFFSET, QuorumStatus.OK);
            setLength = recordLength;
        }
        channel.sendToMember(from, 0, out, 0, QuorumCodec.GET_REPLY_SET_OFFSET + setLength);
    }

    private void onForwardPut(
        final long nowNs, final int from, final long requestId, final DirectBuffer buffer, final int offset, final int length)
    {
        final long seen = ForwardedPuts.identity(from, requestId);
        if (forwarded.contains(seen))
        {
            duplicateForwards++; // a second delivery would make a second event: the same write as two siblings
            return;
        }
        final int keyLength = buffer.getShort(offset + QuorumCodec.FORWARD_KEY_LENGTH_OFFSET) & 0xFFFF;
        final int contextLength = buffer.getShort(offset + QuorumCodec.FORWARD_CONTEXT_LENGTH_OFFSET) & 0xFFFF;
        final int valueLength = buffer.getInt(offset + QuorumCodec.FORWARD_VALUE_LENGTH_OFFSET);
        final int keyOffset = offset + QuorumCodec.FORWARD_KEY_OFFSET;
        final int contextOffset = keyOffset + keyLength;
        final int valueOffset = contextOffset + contextLength;
        final int wCount = QuorumCodec.param(buffer, offset);
        int status = checkWrite(keyLength, valueLength, buffer, contextOffset, contextLength);
        if (status == QuorumStatus.OK && (wCount < 1 || wCount > config.n()))
        {
            status = QuorumStatus.BAD_CONSISTENCY;
        }
        if (status == QuorumStatus.OK && follower != null && !follower.usable())
        {
            status = QuorumStatus.NO_RING;
        }
        final int count = status == QuorumStatus.OK ? placement.writeList(HashRing.hash(buffer, keyOffset, keyLength), preference) : 0;
        final int extra = placement.extra();
        if (status == QuorumStatus.OK && !Placement.contains(preference, count, memberId))
        {
            status = QuorumStatus.BAD_REQUEST; // the rings disagree
        }
        final int slot = status == QuorumStatus.OK ? requests.allocate(KIND_FORWARDED_PUT, requestId, nowNs + config.requestTimeoutNs()) : -1;
        if (status == QuorumStatus.OK && slot < 0)
        {
            status = QuorumStatus.BACK_PRESSURE;
        }
        if (status != QuorumStatus.OK)
        {
            final int replyLength = QuorumCodec.encodeReply(out, QuorumCodec.FORWARD_PUT_REPLY, keyspaceId, requestId, status);
            channel.sendToMember(from, 0, out, 0, replyLength);
            return;
        }
        forwarded.remember(seen);
        clientIds[slot] = 0;
        requests.origins[slot] = from;
        requests.replicas(slot, preference, count);
        coordinatePut(slot, buffer, keyOffset, keyLength, buffer, valueOffset, valueLength, QuorumCodec.flags(buffer, offset),
            wCount + extra);
    }

    private void keepKey(final int slot, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        keys.putBytes(slot * config.keyLengthMax(), key, keyOffset, keyLength);
        keyLengths[slot] = keyLength;
    }

    // ---- observability ----

    /** @return messages dropped for {@code reason} ({@link QuorumCodec#check} codes). */
    public long dropped(final int reason)
    {
        return dropped[reason];
    }

    /** @return messages dropped for any reason, malformed sets, wrong keyspaces and client messages included. */
    public long droppedTotal()
    {
        long total = malformedSets + wrongKeyspace + clientMessages;
        for (final long count : dropped)
        {
            total += count;
        }
        return total;
    }

    public long malformedSets()
    {
        return malformedSets;
    }

    /** @return messages and contexts of another keyspace, refused. */
    public long wrongKeyspace()
    {
        return wrongKeyspace;
    }

    /** @return replies to requests no longer in flight (late, from an earlier epoch, or forged). */
    public long staleReplies()
    {
        return staleReplies;
    }

    /** @return second answers of one replica to one request, not counted. */
    public long duplicateReplies()
    {
        return duplicateReplies;
    }

    public long duplicateForwards()
    {
        return duplicateForwards;
    }

    public long timeouts()
    {
        return timeouts;
    }

    /** @return replicas written back to by blocking read repair. */
    public long readRepairs()
    {
        return readRepairs;
    }

    /** @return hints this coordinator asked fallbacks to keep. */
    public long hintsSent()
    {
        return hintsSent;
    }

    /** @return hints this member keeps or merged for others. */
    public long hintsStored()
    {
        return handoff.stored();
    }

    /** @return hints this member handed off and saw acknowledged. */
    public long hintsDelivered()
    {
        return handoff.delivered();
    }

    /** @return hints this member dropped undelivered after {@code hintTtlNs}. */
    public long hintsExpired()
    {
        return handoff.expired();
    }

    /** @return hints undelivered at the last delivery round. */
    public int hintsPending()
    {
        return handoff.pending();
    }

    /** @return anti-entropy exchanges this member started. */
    public long antiEntropyExchanges()
    {
        return antiEntropy == null ? 0 : antiEntropy.exchanges();
    }

    /** @return keys this member pushed to peers whose trees differed. */
    public long antiEntropyKeysPushed()
    {
        return antiEntropy == null ? 0 : antiEntropy.keysPushed();
    }

    /** @return tombstones this member removed from its store after their grace. */
    public long tombstonesCollected()
    {
        return replica.collected();
    }

    /** @return tombstones this member (as a key's first replica) is confirming or waiting out the grace of. */
    public int tombstonesPending()
    {
        return tombstones.pending();
    }

    /** @return the root of this member's Merkle tree with {@code peer} (anti-entropy on). */
    public long merkleRoot(final int peer)
    {
        return antiEntropy == null ? 0 : antiEntropy.root(peer);
    }

    /** @return requests in flight. */
    public int inFlight()
    {
        return requests.active();
    }

    /** @return this run's epoch (the high half of its request ids). */
    public long epoch()
    {
        return epoch;
    }

    public QuorumConfig config()
    {
        return config;
    }

    /** @return the service channel (its counters: sent, received, send failures). */
    public ServiceChannel channel()
    {
        return channel;
    }

    /** @return requests from remote clients received, and of those refused at once. */
    public long clientRequests()
    {
        return clients.requests();
    }
}
