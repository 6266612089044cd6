package io.synod.quorum;

import io.synod.raft.RaftAgent;
import io.synod.raft.ServiceChannel;
import io.synod.raft.ServiceHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One member's part of a keyspace in the atomic mode: a multi-writer ABD register per key (Attiya,
 * Bar-Noy, Dolev; Cachin, Guerraoui, Rodrigues, Alg. 4.10–4.11 "Read-Impose Write-Consult-Majority"):
 * reads and writes are linearizable with no leader, and survive the crash of a minority of a key's
 * {@code n} replicas.
 *
 * <ul>
 *   <li><b>Write</b>: query the key's replicas and wait for a majority of tags {@code (ts, writer)}; then
 *   send {@code (maxTs + 1, memberId, value)} to all and wait for a majority of acknowledgements.</li>
 *   <li><b>Read</b>: query, take the highest tag of a majority; then write it back to a majority before
 *   returning (the phase that makes quorum reads linearizable, and the one Cassandra's read repair lacks).
 *   The write-back is skipped only when every answer of the majority already carried that tag: it is then
 *   on a majority already.</li>
 *   <li><b>Tags</b> are {@code (ts, writer, nonce)}, ordered lexicographically. The textbook's {@code (ts, writer)}
 *   assumes one write at a time per writer; a node coordinates many at once, so two of its writes of one key
 *   could pick the same {@code ts} and share a tag with different values (found by the simulation: a read
 *   then took one for the other and skipped its write-back). The nonce, the writing request's id (unique
 *   across restarts by its epoch), makes every write's tag its own.</li>
 *   <li><b>Replica</b>: adopts an update iff its tag is higher,
 *   persists it, and always acknowledges — after the flush (crash-recovery needs the tag durable, as
 *   Raft needs its vote).</li>
 * </ul>
 * Atomic read/write only: no compare-and-set (that needs consensus; use the Raft KV).
 *
 * <p>Messages: {@link QuorumCodec} types 70–73 on the service id of its {@link QuorumConfig}, which must
 * differ from the id of a {@link QuorumNode} on the same agent. Record layout in the store: ts (i64),
 * writer (i32), nonce (i64), flags (u8), value length (i32), value.
 *
 * <p><b>Threading.</b> Agent thread only. <b>Allocation.</b> None per request or message.
 */
public final class AtomicNode implements ServiceHandler, RaftAgent.Duty
{
    static final int KIND_WRITE = 1;
    static final int KIND_READ = 2;
    static final int PHASE_QUERY = 0;
    static final int PHASE_UPDATE = 1;

    static final int RECORD_TS_OFFSET = 0;
    static final int RECORD_WRITER_OFFSET = 8;
    static final int RECORD_NONCE_OFFSET = 12;
    static final int RECORD_FLAGS_OFFSET = 20;
    static final int RECORD_VALUE_LENGTH_OFFSET = 21;
    static final int RECORD_VALUE_OFFSET = 25;

    private final QuorumConfig config;
    private final int memberId;
    private final int keyspaceId;
    private final HashRing ring;
    private final ReplicaStore store;
    private final AtomicListener listener;
    private final ServiceChannel channel;
    private final RequestTable requests;
    private final int majority;
    private final UnsafeBuffer out;
    private final UnsafeBuffer record;
    private final UnsafeBuffer keys;
    private final int[] keyLengths;
    /** Per slot: the value to write (a write's own, or the highest a read found), its flags and tag. */
    private final UnsafeBuffer values;
    private final int[] valueLengths;
    private final byte[] valueFlags;
    private final long[] tagTs;
    private final int[] tagWriters;
    private final long[] tagNonces;
    /** Per slot, query phase: answers that carried the highest tag seen so far. */
    private final int[] atHighest;
    private final int[] preference;
    /** Last-writer-wins instead of ABD (see {@link QuorumConfig#lastWriterWins}). */
    private final boolean lww;
    private final PhysicalClock clock;
    private final HybridLogicalClock hlc = new HybridLogicalClock();
    private final long maxClockOffsetMicros;
    /** LWW: writes are refused until the clock passes this (the offset slept out after a start). */
    private final long writesFromMicros;
    private long clockSkewRefusals;

    private final long[] dropped = new long[QuorumCodec.REASON_COUNT];
    private long staleReplies;
    private long duplicateReplies;
    private long timeouts;
    private long writeBacks;
    private long writeBacksSkipped;
    private long wrongKeyspace;
    private long clientMessages;

    /**
     * Builds the node and registers its service on {@code agent} (add it as a duty too, or use {@link #attach}).
     *
     * @throws IllegalArgumentException for a bad configuration or ring.
     */
    public AtomicNode(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final HashRing ring, final ReplicaStore store,
        final AtomicListener listener)
    {
        this(config, agent, memberId, ring, store, listener, PhysicalClock.SYSTEM);
    }

    /**
     * As above, with the wall clock the last-writer-wins mode stamps writes from.
     */
    public AtomicNode(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final HashRing ring, final ReplicaStore store,
        final AtomicListener listener, final PhysicalClock clock)
    {
        this.config = config.conclude();
        this.lww = config.lastWriterWins();
        this.clock = clock;
        this.maxClockOffsetMicros = config.maxClockOffsetNs() / 1000;
        this.writesFromMicros = clock.epochMicros() + maxClockOffsetMicros;
        if (ring.size() < config.n() || !ring.contains(memberId))
        {
            throw new IllegalArgumentException("ring of " + ring.size() + " members for n = " + config.n() +
                (ring.contains(memberId) ? "" : ", without member " + memberId));
        }
        this.memberId = memberId;
        this.keyspaceId = config.keyspaceId();
        this.ring = ring;
        this.store = store;
        this.listener = listener;
        this.majority = config.n() / 2 + 1;
        this.requests = new RequestTable(config.requestsMax(), config.n(), store.startEpoch());
        final int messageLength = QuorumCodec.UPDATE_KEY_OFFSET + config.keyLengthMax() + config.valueLengthMax();
        this.out = new UnsafeBuffer(new byte[messageLength]);
        this.record = new UnsafeBuffer(new byte[RECORD_VALUE_OFFSET + config.valueLengthMax()]);
        this.keys = new UnsafeBuffer(new byte[config.requestsMax() * config.keyLengthMax()]);
        this.keyLengths = new int[config.requestsMax()];
        this.values = new UnsafeBuffer(new byte[Math.max(1, config.requestsMax() * config.valueLengthMax())]);
        this.valueLengths = new int[config.requestsMax()];
        this.valueFlags = new byte[config.requestsMax()];
        this.tagTs = new long[config.requestsMax()];
        this.tagWriters = new int[config.requestsMax()];
        this.tagNonces = new long[config.requestsMax()];
        this.atHighest = new int[config.requestsMax()];
        this.preference = new int[config.n()];
        this.channel = agent.registerService(config.serviceId(), this, messageLength);
    }

    /** Builds the node, registers its service and adds it as a duty of {@code agent}. */
    public static AtomicNode attach(
        final QuorumConfig config, final RaftAgent agent, final int memberId, final HashRing ring, final ReplicaStore store,
        final AtomicListener listener)
    {
        final AtomicNode node = new AtomicNode(config, agent, memberId, ring, store, listener);
        agent.addDuty(node);
        return node;
    }

    // ---- the caller's side ----

    /** Writes {@code value}: outcome at {@link AtomicListener#onWriteComplete}. @return OK if started, else a refusal. */
    public int write(
        final long nowNs, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        return start(nowNs, KIND_WRITE, correlationId, key, keyOffset, keyLength, value, valueOffset, valueLength, (byte)0);
    }

    /** Deletes the key (a write of a tombstone: later reads answer NOT_FOUND). */
    public int delete(final long nowNs, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return start(nowNs, KIND_WRITE, correlationId, key, keyOffset, keyLength, record, 0, 0, DvvSet.TOMBSTONE);
    }

    /** Reads the key: outcome at {@link AtomicListener#onReadComplete}. @return OK if started, else a refusal. */
    public int read(final long nowNs, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return start(nowNs, KIND_READ, correlationId, key, keyOffset, keyLength, record, 0, 0, (byte)0);
    }

    private int start(
        final long nowNs, final int kind, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final byte flags)
    {
        if (keyLength < 1 || valueLength < 0)
        {
            return QuorumStatus.BAD_REQUEST;
        }
        if (keyLength > config.keyLengthMax() || valueLength > config.valueLengthMax())
        {
            return QuorumStatus.TOO_LARGE;
        }
        final long ptMicros = lww ? clock.epochMicros() : 0;
        if (lww && kind == KIND_WRITE && ptMicros - writesFromMicros < 0)
        {
            clockSkewRefusals++;
            return QuorumStatus.CLOCK_SKEW; // sleeping out the clock offset after a start
        }
        final int slot = requests.allocate(kind, correlationId, nowNs + config.requestTimeoutNs());
        if (slot < 0)
        {
            return QuorumStatus.BACK_PRESSURE;
        }
        final int count = ring.preferenceList(HashRing.hash(key, keyOffset, keyLength), config.n(), preference);
        requests.replicas(slot, preference, count);
        requests.needed[slot] = lww ? Consistency.resolve(kind == KIND_WRITE ? config.w() : config.r(), config.n()) : majority;
        keys.putBytes(slot * config.keyLengthMax(), key, keyOffset, keyLength);
        keyLengths[slot] = keyLength;
        tagTs[slot] = 0;
        tagWriters[slot] = 0;
        tagNonces[slot] = 0;
        atHighest[slot] = 0;
        valueLengths[slot] = 0;
        valueFlags[slot] = 0;
        if (kind == KIND_WRITE)
        {
            values.putBytes(slot * config.valueLengthMax(), value, valueOffset, valueLength);
            valueLengths[slot] = valueLength;
            valueFlags[slot] = flags;
            if (lww)
            {
                // One round: the tag is the clock's, ties broken by writer id (never by value), then the nonce.
                tagTs[slot] = hlc.now(ptMicros);
                tagWriters[slot] = memberId;
                tagNonces[slot] = requests.requestIds[slot];
                update(slot);
                return QuorumStatus.OK;
            }
        }
        QuorumCodec.encodeHeader(out, QuorumCodec.QUERY, 0, 0, keyspaceId, requests.requestIds[slot]);
        final int length = QuorumCodec.encodeKey(out, key, keyOffset, keyLength);
        boolean self = false;
        for (int i = 0; i < count; i++)
        {
            if (preference[i] == memberId)
            {
                self = true;
            }
            else
            {
                channel.sendToMember(preference[i], 0, out, 0, length);
            }
        }
        if (self)
        {
            final int recordLength = store.read(keyspaceId, key, keyOffset, keyLength, record, 0);
            if (recordLength < 0)
            {
                onQueryAnswer(slot, memberId, 0, 0, 0, (byte)0, record, 0, 0);
            }
            else
            {
                onQueryAnswer(slot, memberId, record.getLong(RECORD_TS_OFFSET), record.getInt(RECORD_WRITER_OFFSET),
                    record.getLong(RECORD_NONCE_OFFSET), record.getByte(RECORD_FLAGS_OFFSET), record, RECORD_VALUE_OFFSET, record.getInt(RECORD_VALUE_LENGTH_OFFSET));
            }
        }
        return QuorumStatus.OK;
    }

    // ---- coordinator ----

    private void onQueryAnswer(
        final int slot, final int from, final long ts, final int writer, final long nonce, final byte flags, final DirectBuffer value,
        final int offset, final int length)
    {
        if (requests.markReplied(slot, from) < 0)
        {
            duplicateReplies++;
            return;
        }
        final int order = compare(ts, writer, nonce, tagTs[slot], tagWriters[slot], tagNonces[slot]);
        if (order > 0)
        {
            tagTs[slot] = ts;
            tagWriters[slot] = writer;
            tagNonces[slot] = nonce;
            atHighest[slot] = 1;
            if (requests.kinds[slot] == KIND_READ)
            {
                if (length > config.valueLengthMax())
                {
                    return; // checked by the codec against the limit below; a stored value is never longer
                }
                values.putBytes(slot * config.valueLengthMax(), value, offset, length);
                valueLengths[slot] = length;
                valueFlags[slot] = flags;
            }
        }
        else if (order == 0)
        {
            atHighest[slot]++;
        }
        requests.acks[slot]++;
        if (requests.acks[slot] < requests.needed[slot])
        {
            return;
        }
        if (lww)
        {
            finish(slot, QuorumStatus.OK); // last-writer-wins reads take the highest of r, no write-back
            return;
        }
        if (requests.kinds[slot] == KIND_WRITE)
        {
            // Alg. 4.11: the new tag is above every tag of a majority, so above every completed write's.
            tagTs[slot]++;
            tagWriters[slot] = memberId;
            tagNonces[slot] = requests.requestIds[slot];
        }
        else if (atHighest[slot] >= majority)
        {
            writeBacksSkipped++; // the highest tag is on a majority already: nothing to impose
            finish(slot, QuorumStatus.OK);
            return;
        }
        else
        {
            writeBacks++;
        }
        update(slot);
    }

    /** Second phase: impose the slot's tag and value on a majority. */
    private void update(final int slot)
    {
        requests.nextPhase(slot, requests.needed[slot]);
        final int keyOffset = slot * config.keyLengthMax();
        final int keyLength = keyLengths[slot];
        final int valueOffset = slot * config.valueLengthMax();
        QuorumCodec.encodeHeader(out, QuorumCodec.UPDATE, 0, valueFlags[slot], keyspaceId, requests.requestIds[slot]);
        out.putLong(QuorumCodec.TS_OFFSET, tagTs[slot]);
        out.putInt(QuorumCodec.WRITER_OFFSET, tagWriters[slot]);
        out.putLong(QuorumCodec.NONCE_OFFSET, tagNonces[slot]);
        out.putShort(QuorumCodec.UPDATE_KEY_LENGTH_OFFSET, (short)keyLength);
        out.putShort(QuorumCodec.UPDATE_KEY_LENGTH_OFFSET + 2, (short)0);
        out.putInt(QuorumCodec.UPDATE_VALUE_LENGTH_OFFSET, valueLengths[slot]);
        out.putBytes(QuorumCodec.UPDATE_KEY_OFFSET, keys, keyOffset, keyLength);
        out.putBytes(QuorumCodec.UPDATE_KEY_OFFSET + keyLength, values, valueOffset, valueLengths[slot]);
        final int length = QuorumCodec.UPDATE_KEY_OFFSET + keyLength + valueLengths[slot];
        boolean self = false;
        for (int i = 0; i < requests.replicaCounts[slot]; i++)
        {
            final int replica = requests.replica(slot, i);
            if (replica == memberId)
            {
                self = true;
            }
            else
            {
                channel.sendToMember(replica, 0, out, 0, length);
            }
        }
        if (self)
        {
            adopt(keys, keyOffset, keyLength, tagTs[slot], tagWriters[slot], tagNonces[slot], valueFlags[slot], values, valueOffset, valueLengths[slot]);
            onUpdateAck(slot, memberId, QuorumStatus.OK);
        }
    }

    private void onUpdateAck(final int slot, final int from, final int status)
    {
        if (requests.markReplied(slot, from) < 0)
        {
            duplicateReplies++;
            return;
        }
        if (status != QuorumStatus.OK)
        {
            requests.fails[slot]++;
            if (requests.replicaCounts[slot] - requests.fails[slot] < requests.needed[slot])
            {
                finish(slot, status);
            }
            return;
        }
        requests.acks[slot]++;
        if (requests.acks[slot] >= requests.needed[slot])
        {
            finish(slot, QuorumStatus.OK);
        }
    }

    private void finish(final int slot, final int status)
    {
        final long correlationId = requests.correlationIds[slot];
        if (requests.kinds[slot] == KIND_WRITE)
        {
            requests.free(slot);
            listener.onWriteComplete(correlationId, status);
            return;
        }
        final boolean absent = tagTs[slot] == 0 || (valueFlags[slot] & DvvSet.TOMBSTONE) != 0;
        final int readStatus = status == QuorumStatus.OK && absent ? QuorumStatus.NOT_FOUND : status;
        final boolean ok = readStatus == QuorumStatus.OK;
        // The slot stays taken during the call, so a request the listener starts cannot overwrite the value.
        listener.onReadComplete(correlationId, readStatus, values, slot * config.valueLengthMax(), ok ? valueLengths[slot] : 0);
        requests.free(slot);
    }

    @Override
    public int doWork(final long nowNs)
    {
        if (requests.active() == 0)
        {
            return 0;
        }
        int work = 0;
        for (int slot = 0; slot < requests.requestsMax; slot++)
        {
            if (requests.requestIds[slot] != RequestTable.FREE && nowNs - requests.deadlinesNs[slot] >= 0)
            {
                timeouts++;
                finish(slot, QuorumStatus.TIMEOUT);
                work++;
            }
        }
        return work;
    }

    // ---- replica ----

    @Override
    public void onMessage(
        final long nowNs, final int from, final long clientId, final int flags, final DirectBuffer buffer, final int offset,
        final int length)
    {
        if (from == 0)
        {
            clientMessages++;
            return;
        }
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
        final long requestId = QuorumCodec.requestId(buffer, offset);
        switch (QuorumCodec.type(buffer, offset))
        {
            case QuorumCodec.QUERY:
                onQuery(from, requestId, buffer, offset, length);
                break;
            case QuorumCodec.UPDATE:
                onUpdate(from, requestId, buffer, offset);
                break;
            case QuorumCodec.QUERY_REPLY:
            {
                final int slot = requests.lookup(requestId);
                if (slot < 0 || requests.phases[slot] != PHASE_QUERY)
                {
                    staleReplies++;
                    return;
                }
                final int valueLength = buffer.getInt(offset + QuorumCodec.QUERY_REPLY_VALUE_LENGTH_OFFSET);
                if (valueLength > config.valueLengthMax())
                {
                    dropped[QuorumCodec.BAD_FIELD]++;
                    return;
                }
                if (lww)
                {
                    hlc.observe(clock.epochMicros(), buffer.getLong(offset + QuorumCodec.TS_OFFSET));
                }
                onQueryAnswer(slot, from, buffer.getLong(offset + QuorumCodec.TS_OFFSET), buffer.getInt(offset + QuorumCodec.WRITER_OFFSET),
                    buffer.getLong(offset + QuorumCodec.NONCE_OFFSET), QuorumCodec.flags(buffer, offset), buffer, offset + QuorumCodec.QUERY_REPLY_VALUE_OFFSET, valueLength);
                break;
            }
            case QuorumCodec.UPDATE_ACK:
            {
                final int slot = requests.lookup(requestId);
                if (slot < 0 || requests.phases[slot] != PHASE_UPDATE)
                {
                    staleReplies++;
                    return;
                }
                onUpdateAck(slot, from, QuorumCodec.status(buffer, offset));
                break;
            }
            default:
                dropped[QuorumCodec.BAD_TYPE]++;
        }
    }

    private void onQuery(final int from, final long requestId, final DirectBuffer buffer, final int offset, final int length)
    {
        final int recordLength = store.read(keyspaceId, buffer, offset + QuorumCodec.KEY_OFFSET, length - QuorumCodec.KEY_OFFSET, record, 0);
        final long ts = recordLength < 0 ? 0 : record.getLong(RECORD_TS_OFFSET);
        final int writer = recordLength < 0 ? 0 : record.getInt(RECORD_WRITER_OFFSET);
        final long nonce = recordLength < 0 ? 0 : record.getLong(RECORD_NONCE_OFFSET);
        final byte flags = recordLength < 0 ? 0 : record.getByte(RECORD_FLAGS_OFFSET);
        final int valueLength = recordLength < 0 ? 0 : record.getInt(RECORD_VALUE_LENGTH_OFFSET);
        QuorumCodec.encodeHeader(out, QuorumCodec.QUERY_REPLY, 0, flags, keyspaceId, requestId);
        out.putLong(QuorumCodec.TS_OFFSET, ts);
        out.putInt(QuorumCodec.WRITER_OFFSET, writer);
        out.putLong(QuorumCodec.NONCE_OFFSET, nonce);
        out.putInt(QuorumCodec.QUERY_REPLY_VALUE_LENGTH_OFFSET, valueLength);
        out.putBytes(QuorumCodec.QUERY_REPLY_VALUE_OFFSET, record, RECORD_VALUE_OFFSET, valueLength);
        channel.sendToMember(from, 0, out, 0, QuorumCodec.QUERY_REPLY_VALUE_OFFSET + valueLength);
    }

    private void onUpdate(final int from, final long requestId, final DirectBuffer buffer, final int offset)
    {
        final int keyLength = buffer.getShort(offset + QuorumCodec.UPDATE_KEY_LENGTH_OFFSET) & 0xFFFF;
        final int valueLength = buffer.getInt(offset + QuorumCodec.UPDATE_VALUE_LENGTH_OFFSET);
        final byte flags = QuorumCodec.flags(buffer, offset);
        if (valueLength > config.valueLengthMax() || (flags & ~DvvSet.TOMBSTONE) != 0)
        {
            dropped[QuorumCodec.BAD_FIELD]++;
            return;
        }
        final int keyOffset = offset + QuorumCodec.UPDATE_KEY_OFFSET;
        final long ts = buffer.getLong(offset + QuorumCodec.TS_OFFSET);
        if (lww)
        {
            final long ptMicros = clock.epochMicros();
            if (HybridLogicalClock.physical(ts) - ptMicros > maxClockOffsetMicros)
            {
                // The writer's clock is too far ahead: adopting would let its writes win for that long.
                clockSkewRefusals++;
                final int replyLength = QuorumCodec.encodeReply(out, QuorumCodec.UPDATE_ACK, keyspaceId, requestId, QuorumStatus.CLOCK_SKEW);
                channel.sendToMember(from, 0, out, 0, replyLength);
                return;
            }
            hlc.observe(ptMicros, ts);
        }
        adopt(buffer, keyOffset, keyLength, buffer.getLong(offset + QuorumCodec.TS_OFFSET), buffer.getInt(offset + QuorumCodec.WRITER_OFFSET),
            buffer.getLong(offset + QuorumCodec.NONCE_OFFSET), flags, buffer, keyOffset + keyLength, valueLength);
        final int replyLength = QuorumCodec.encodeReply(out, QuorumCodec.UPDATE_ACK, keyspaceId, requestId, QuorumStatus.OK);
        channel.sendToMember(from, 0, out, 0, replyLength);
    }

    /** Adopts {@code (ts, writer, value)} iff its tag is higher than the stored one; durable on return. */
    private void adopt(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long ts, final int writer, final long nonce,
        final byte flags, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int recordLength = store.read(keyspaceId, key, keyOffset, keyLength, record, 0);
        if (recordLength >= 0 && compare(ts, writer, nonce, record.getLong(RECORD_TS_OFFSET), record.getInt(RECORD_WRITER_OFFSET),
            record.getLong(RECORD_NONCE_OFFSET)) <= 0)
        {
            return;
        }
        record.putLong(RECORD_TS_OFFSET, ts);
        record.putInt(RECORD_WRITER_OFFSET, writer);
        record.putLong(RECORD_NONCE_OFFSET, nonce);
        record.putByte(RECORD_FLAGS_OFFSET, flags);
        record.putInt(RECORD_VALUE_LENGTH_OFFSET, valueLength);
        record.putBytes(RECORD_VALUE_OFFSET, value, valueOffset, valueLength);
        store.write(keyspaceId, key, keyOffset, keyLength, record, 0, RECORD_VALUE_OFFSET + valueLength);
        store.flush();
    }

    /** Tags order lexicographically on (ts, writer, nonce). */
    static int compare(final long ts1, final int writer1, final long nonce1, final long ts2, final int writer2, final long nonce2)
    {
        if (ts1 != ts2)
        {
            return Long.compare(ts1, ts2);
        }
        return writer1 != writer2 ? Integer.compare(writer1, writer2) : Long.compare(nonce1, nonce2);
    }

    // ---- observability ----

    public long dropped(final int reason)
    {
        return dropped[reason];
    }

    public long droppedTotal()
    {
        long total = wrongKeyspace + clientMessages;
        for (final long count : dropped)
        {
            total += count;
        }
        return total;
    }

    public long staleReplies()
    {
        return staleReplies;
    }

    public long duplicateReplies()
    {
        return duplicateReplies;
    }

    public long timeouts()
    {
        return timeouts;
    }

    /** @return reads that imposed their value on a majority before returning. */
    public long writeBacks()
    {
        return writeBacks;
    }

    /** @return reads whose majority already agreed on the highest tag. */
    public long writeBacksSkipped()
    {
        return writeBacksSkipped;
    }

    public int inFlight()
    {
        return requests.active();
    }

    /** @return last-writer-wins writes refused for clock skew (as replica, or while sleeping out the offset). */
    public long clockSkewRefusals()
    {
        return clockSkewRefusals;
    }

    public ServiceChannel channel()
    {
        return channel;
    }
}
