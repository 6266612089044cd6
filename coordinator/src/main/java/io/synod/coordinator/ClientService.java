package io.synod.coordinator;

import io.synod.client.ClientProtocol;
import io.synod.client.ClientRequest;
import io.synod.client.ClientResponse;
import io.synod.client.ListPage;
import io.synod.client.LockPage;
import io.synod.client.MemberStatus;
import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvCommand;
import io.synod.kv.KvListVisitor;
import io.synod.lock.LockCommand;
import io.synod.lock.LockStateMachine;
import io.synod.raft.EntryType;
import io.synod.raft.ProposalHandler;
import io.synod.raft.RaftNode;
import io.synod.raft.ReadMode;
import io.synod.raft.ServiceChannel;
import io.synod.raft.ServiceHandler;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;

/**
 * The daemon's side of the client protocol ({@link ClientProtocol}) on one member: requests arrive on the
 * application-message path, become session entries and reads on the member's Raft group, and their outcomes
 * go back to the client that asked, over the connection its hello opened.
 *
 * <ul>
 *   <li>OPEN / KEEP_ALIVE / CLOSE, KV writes and lock commands are proposed as raft-core session entries
 *   ({@link RaftNode#proposeSession}): exactly once per (session, sequence), a retry answered with the kept
 *   response. A member that does not lead answers NOT_LEADER with the leader it knows. A command goes into the log
 *   with its service's tag in front ({@link ServiceStateMachine}), so the KV wire protocol is unchanged.</li>
 *   <li>Lock decisions made after the command was answered (a queued acquire granted later, a hold lost) are pushed
 *   to the client by {@link LockPushes}; LOCK_QUERY reads the lock service's holders and waiters.</li>
 *   <li>Gets and lists are reads in the request's {@link ReadMode} ({@link RaftNode#read}), served in
 *   {@link #onReadReady} from the state machine: a list walks the store's ordered index for at most the
 *   request's limit, and stops early when the answer would outgrow {@link ClientProtocol#MAX_RESPONSE_LENGTH}.</li>
 *   <li>STATUS is answered at once from what this member knows.</li>
 * </ul>
 *
 * <p><b>Threading.</b> The member's agent thread only: {@link #onMessage} in the poll step and the
 * {@link ProposalHandler} callbacks, both there. {@link #bind} is the one call from another thread: until it, messages
 * are dropped (the client retries).
 * <p><b>Bounded.</b> At most {@link #PENDING_MAX} requests wait for an outcome; more are answered
 * BACK_PRESSURE. Every proposal and read gets exactly one callback from raft-core, so none waits forever.
 * <p><b>Bad input.</b> A frame that fails {@link ClientRequest#validate} is dropped and counted in
 * {@link #badFrames()}; a KV write whose command the store would refuse is answered BAD_REQUEST. Nothing a client
 * sends can throw on the agent thread.
 * <p><b>Allocation.</b> Requests and answers reuse pooled slots and one send buffer; a list allocates its probe keys
 * and iterator (a convenience path, bounded by its limit).
 */
final class ClientService implements ServiceHandler, ProposalHandler
{
    /** Requests waiting for a Raft outcome at most. */
    static final int PENDING_MAX = 4096;

    private static final ReadMode[] READ_MODES = ReadMode.values();
    private static final byte[] EMPTY = new byte[0];

    /** One request waiting for its outcome. */
    private static final class Pending
    {
        long correlationId;
        long clientId;
        long requestId;
        int op;
        int limit;
        final byte[] key = new byte[KvCommand.MAX_KEY_LENGTH];
        int keyLength;
        final byte[] after = new byte[KvCommand.MAX_KEY_LENGTH];
        int afterLength;
        boolean exact;
    }

    private final KeyValueStateMachine stateMachine;
    private final LockStateMachine locks;
    private final LockPushes pushes;
    private final LockCommand lockCommand = new LockCommand();
    /** A command as it goes into the log: its service's tag, then the client's command. */
    private final UnsafeBuffer proposal = new UnsafeBuffer(new byte[1 + Math.max(KvCommand.MAX_LENGTH, LockCommand.MAX_LENGTH)]);
    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    private final ArrayDeque<Pending> free = new ArrayDeque<>(PENDING_MAX);
    private final ClientRequest request = new ClientRequest();
    private final ClientResponse response = new ClientResponse();
    private final KvCommand command = new KvCommand();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[ClientProtocol.MAX_RESPONSE_LENGTH]);
    private final UnsafeBuffer keyView = new UnsafeBuffer(EMPTY);
    private final ListWriter listWriter = new ListWriter();
    private final LockQuery lockQuery = new LockQuery();
    private volatile RaftNode node;
    private volatile ServiceChannel channel;
    private long nextCorrelationId = 1;
    private long badFrames;
    private long backPressured;

    ClientService(final KeyValueStateMachine stateMachine, final LockStateMachine locks, final LockPushes pushes)
    {
        this.stateMachine = stateMachine;
        this.locks = locks;
        this.pushes = pushes;
        for (int i = 0; i < PENDING_MAX; i++)
        {
            free.add(new Pending());
        }
    }

    /** Starts serving: the member's group and the service's channel. Any thread, once. */
    void bind(final RaftNode node, final ServiceChannel channel)
    {
        this.channel = channel;
        this.node = node;
    }

    /** @return client frames dropped as malformed. Agent thread (approximate from others). */
    long badFrames()
    {
        return badFrames;
    }

    /** @return requests answered BACK_PRESSURE because {@link #PENDING_MAX} were waiting. */
    long backPressured()
    {
        return backPressured;
    }

    @Override
    public void onMessage(
        final long nowNs, final int from, final long clientId, final int flags, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final RaftNode node = this.node;
        if (node == null || from != 0 || !request.wrap(buffer, offset).validate(length, READ_MODES.length))
        {
            badFrames += node == null ? 0 : 1;
            return;
        }
        final int op = request.op();
        final long requestId = request.requestId();
        if (op == ClientProtocol.KEEP_ALIVE || op == ClientProtocol.CLOSE_SESSION || op == ClientProtocol.KV_WRITE ||
            op == ClientProtocol.LOCK || op == ClientProtocol.EVENT_ACK)
        {
            pushes.onClientRequest(nowNs, request.session(), clientId);
        }
        if (op == ClientProtocol.EVENT_ACK)
        {
            pushes.onAck(request.session(), request.argument());
            return;
        }
        if (op == ClientProtocol.STATUS)
        {
            final int bodyOffset = response.wrap(out, 0).encodeHeader(op, ClientProtocol.OK, 0, requestId, node.commitIndex(), node.leaderId());
            final int bodyLength = MemberStatus.encode(out, bodyOffset, node.memberId(), node.role().ordinal(), node.term(),
                node.leaderId(), node.sessionCount(), node.commitIndex(), node.lastApplied(), stateMachine.size(),
                stateMachine.digest(), badFrames);
            channel.sendToClient(clientId, 0, out, 0, bodyOffset + bodyLength);
            return;
        }
        final int bodyLength = length - ClientRequest.HEADER_LENGTH;
        if ((op == ClientProtocol.KV_WRITE && !isWrite(buffer, request.bodyOffset(), bodyLength)) ||
            (op == ClientProtocol.LOCK && !lockCommand.wrap(buffer, request.bodyOffset()).validate(bodyLength)))
        {
            reply(clientId, op, ClientProtocol.BAD_REQUEST, 0, requestId, 0);
            return;
        }
        final Pending p = free.poll();
        if (p == null)
        {
            backPressured++;
            reply(clientId, op, ClientProtocol.REJECTED, ProposalHandler.BACK_PRESSURE, requestId, 0);
            return;
        }
        p.correlationId = nextCorrelationId++;
        p.clientId = clientId;
        p.requestId = requestId;
        p.op = op;
        pending.put(p.correlationId, p);
        final long session = request.session();
        // Each call below answers through this handler exactly once, possibly before it returns (a follower's
        // NOT_LEADER): the request is registered first.
        switch (op)
        {
            case ClientProtocol.OPEN_SESSION:
                node.proposeSession(EntryType.SESSION_OPEN, p.correlationId, session, request.argument(), buffer, 0, 0);
                break;
            case ClientProtocol.KEEP_ALIVE:
                node.proposeSession(EntryType.SESSION_KEEPALIVE, p.correlationId, session, 0, buffer, 0, 0);
                break;
            case ClientProtocol.CLOSE_SESSION:
                node.proposeSession(EntryType.SESSION_CLOSE, p.correlationId, session, 0, buffer, 0, 0);
                break;
            case ClientProtocol.KV_WRITE:
            case ClientProtocol.LOCK:
                proposal.putByte(0, (byte)(op == ClientProtocol.LOCK ? ServiceStateMachine.LOCK : ServiceStateMachine.KV));
                proposal.putBytes(1, buffer, request.bodyOffset(), bodyLength);
                node.proposeSession(EntryType.SESSION_COMMAND, p.correlationId, session, request.argument(), proposal, 0, 1 + bodyLength);
                break;
            case ClientProtocol.LOCK_QUERY:
                p.limit = (int)request.argument();
                p.exact = buffer.getByte(request.bodyOffset()) == 1;
                p.keyLength = bodyLength - 1;
                buffer.getBytes(request.bodyOffset() + 1, p.key, 0, p.keyLength);
                node.read(p.correlationId, READ_MODES[request.readMode()]);
                break;
            case ClientProtocol.KV_GET:
                p.keyLength = length - ClientRequest.HEADER_LENGTH;
                buffer.getBytes(request.bodyOffset(), p.key, 0, p.keyLength);
                node.read(p.correlationId, READ_MODES[request.readMode()]);
                break;
            default:
                p.limit = (int)request.argument();
                p.keyLength = request.listPrefixLength();
                p.afterLength = request.listAfterLength();
                buffer.getBytes(request.listPrefixOffset(), p.key, 0, p.keyLength);
                buffer.getBytes(request.listPrefixOffset() + p.keyLength, p.after, 0, p.afterLength);
                node.read(p.correlationId, READ_MODES[request.readMode()]);
                break;
        }
    }

    private boolean isWrite(final DirectBuffer buffer, final int offset, final int length)
    {
        final KvCommand command = this.command.wrap(buffer, offset);
        return command.validate(length) && command.opCode() != KvCommand.GET;
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer buffer, final int offset, final int length)
    {
        final Pending p = pending.remove(correlationId);
        if (p == null)
        {
            return;
        }
        final int bodyOffset = response.wrap(out, 0).encodeHeader(p.op, ClientProtocol.OK, 0, p.requestId, index, node.leaderId());
        final int bodyLength = Math.min(length, out.capacity() - bodyOffset);
        out.putBytes(bodyOffset, buffer, offset, bodyLength);
        send(p, bodyOffset + bodyLength);
    }

    @Override
    public void onRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
    {
        final Pending p = pending.remove(correlationId);
        if (p != null)
        {
            reply(p.clientId, p.op, ClientProtocol.REJECTED, reason, p.requestId, leaderHint);
            free.add(p);
        }
    }

    @Override
    public void onReadReady(final int groupId, final long correlationId, final long readIndex)
    {
        final Pending p = pending.remove(correlationId);
        if (p == null)
        {
            return;
        }
        final int bodyOffset = response.wrap(out, 0).encodeHeader(p.op, ClientProtocol.OK, 0, p.requestId, readIndex, node.leaderId());
        if (p.op == ClientProtocol.KV_GET)
        {
            keyView.wrap(p.key, 0, Math.max(1, p.keyLength));
            final int bodyLength = stateMachine.read(keyView, 0, p.keyLength, out, bodyOffset);
            send(p, bodyOffset + bodyLength);
            return;
        }
        if (p.op == ClientProtocol.LOCK_QUERY)
        {
            send(p, lockQuery.answer(p, bodyOffset));
            return;
        }
        final byte[] prefix = java.util.Arrays.copyOf(p.key, p.keyLength);
        final byte[] after = java.util.Arrays.copyOf(p.after, p.afterLength);
        listWriter.reset(bodyOffset + ListPage.HEADER_LENGTH);
        final int count = stateMachine.list(prefix, after, p.limit, listWriter);
        ListPage.encodeHeader(out, bodyOffset, count, listWriter.full || count == p.limit);
        send(p, listWriter.position);
    }

    @Override
    public void onReadRejected(final int groupId, final long correlationId, final int reason, final int leaderHint)
    {
        onRejected(groupId, correlationId, reason, leaderHint);
    }

    private void send(final Pending p, final int length)
    {
        channel.sendToClient(p.clientId, 0, out, 0, length);
        free.add(p);
    }

    private void reply(final long clientId, final int op, final int outcome, final int reason, final long requestId, final int leaderHint)
    {
        final int length = response.wrap(out, 0).encodeHeader(op, outcome, reason, requestId, 0, leaderHint);
        channel.sendToClient(clientId, 0, out, 0, length);
    }

    /**
     * Answers a LOCK_QUERY from the lock service's replica: every resource whose name equals (exact) or starts with
     * the request's name, in creation order, at most the request's limit, stopping before a resource that would not
     * fit the message. Walks the resources (at most the lock service's {@code maxResources}); allocates its lambdas.
     */
    private final class LockQuery
    {
        private Pending query;
        private int position;
        private int count;
        private boolean more;

        int answer(final Pending p, final int bodyOffset)
        {
            query = p;
            position = bodyOffset + LockPage.HEADER_LENGTH;
            count = 0;
            more = false;
            locks.forEachResource(this::onResource);
            LockPage.encodeHeader(out, bodyOffset, count, more);
            return position;
        }

        private void onResource(
            final DirectBuffer name, final int nameLength, final int kind, final int capacity, final int used, final int holders,
            final int waiters)
        {
            if (more || !matches(name, nameLength))
            {
                return;
            }
            if (count == query.limit)
            {
                more = true;
                return;
            }
            final int[] size = {LockPage.RESOURCE_HEADER_LENGTH + nameLength};
            locks.forEachHolder(name, 0, nameLength,
                (session, thread, fence, permits, holdCount, value, valueLength) -> size[0] += LockPage.HOLDER_HEADER_LENGTH + valueLength);
            if (size[0] > out.capacity() - position)
            {
                more = true;
                return;
            }
            position = LockPage.encodeResource(out, position, name, nameLength, kind, capacity, used, waiters, holders);
            locks.forEachHolder(name, 0, nameLength, (session, thread, fence, permits, holdCount, value, valueLength) ->
                position = LockPage.encodeHolder(out, position, session, thread, fence, permits, holdCount, value, valueLength));
            count++;
        }

        private boolean matches(final DirectBuffer name, final int nameLength)
        {
            if (query.exact ? nameLength != query.keyLength : nameLength < query.keyLength)
            {
                return false;
            }
            for (int i = 0; i < query.keyLength; i++)
            {
                if (name.getByte(i) != query.key[i])
                {
                    return false;
                }
            }
            return true;
        }
    }

    /** Writes list entries into the answer until it would outgrow the buffer. */
    private final class ListWriter implements KvListVisitor
    {
        int position;
        boolean full;

        void reset(final int position)
        {
            this.position = position;
            this.full = false;
        }

        @Override
        public boolean onEntry(final byte[] key, final byte[] value, final int valueLength, final long version)
        {
            if (ListPage.ENTRY_HEADER_LENGTH + key.length + valueLength > out.capacity() - position)
            {
                full = true;
                return false;
            }
            position = ListPage.encodeEntry(out, position, key, value, valueLength, version);
            return true;
        }
    }
}
