package io.synod.lock;

import io.synod.raft.EntryType;
import io.synod.raft.ProposalHandler;
import io.synod.raft.testkit.SimulationWorkload;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Lock-service clients for a simulated cluster: draws session OPEN, KEEPALIVE and CLOSE, and ACQUIRE and
 * RELEASE of three mutexes and a semaphore of {@value #SEMAPHORE_CAPACITY} permits (try-once, bounded and
 * unbounded waits, reentrant acquires, retried request ids) as session commands encoded with
 * {@link LockCommand}, as lock-service's clients send them; log time comes from the leader's TICKs. It
 * learns session ids from the responses to OPEN and forgets sessions the node refuses as expired, and
 * checks each committed grant's fence against the grant the replicas reported at that index.
 */
final class LockCommandWorkload implements SimulationWorkload
{
    static final int SEMAPHORE_CAPACITY = 3;
    private static final String[] LOCKS = {"m0", "m1", "m2", "sem"};
    private static final long MS = 1_000_000L;
    private static final int MAX_SESSIONS = 6;

    /** A session this client knows the id of. */
    private static final class ClientSession
    {
        final long id;
        long nextRequestId = 1;
        /** What each request id carried (a retry sends the same command again, as a client must). */
        final Map<Long, byte[]> commands = new HashMap<>();
        final Map<Long, Sent> requests = new HashMap<>();

        ClientSession(final long id)
        {
            this.id = id;
        }
    }

    /** A command sent and not answered yet: a lock command's type, or minus a session entry's type. */
    private record Sent(int type, long sessionId, String lock)
    {
    }

    private final LockHistory history;
    private final LockCommand command = new LockCommand();
    private final UnsafeBuffer[] names = new UnsafeBuffer[LOCKS.length];
    private final List<ClientSession> sessions = new ArrayList<>();
    private final Map<Long, Sent> sent = new HashMap<>();
    private long nextNonce = 1;
    private int entryType;
    private long sessionId;
    private long sessionArgument;
    long committed;
    long granted;
    long rejected;
    long unknown;
    long opened;

    LockCommandWorkload(final LockHistory history)
    {
        this.history = history;
        for (int i = 0; i < LOCKS.length; i++)
        {
            names[i] = new UnsafeBuffer(LOCKS[i].getBytes(StandardCharsets.US_ASCII));
        }
    }

    static boolean isMutex(final String lock)
    {
        return lock.startsWith("m");
    }

    @Override
    public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer buffer)
    {
        final int draw = random.nextInt(100);
        if (sessions.isEmpty() || draw < 8 && sessions.size() < MAX_SESSIONS)
        {
            sent.put(correlationId, new Sent(-EntryType.SESSION_OPEN, 0, null));
            return session(EntryType.SESSION_OPEN, nextNonce++, (100 + random.nextInt(300)) * MS);
        }
        final ClientSession session = sessions.get(random.nextInt(sessions.size()));
        if (draw < 30)
        {
            sent.put(correlationId, new Sent(-EntryType.SESSION_KEEPALIVE, session.id, null));
            return session(EntryType.SESSION_KEEPALIVE, session.id, correlationId);
        }
        if (draw < 33)
        {
            sessions.remove(session);
            sent.put(correlationId, new Sent(-EntryType.SESSION_CLOSE, session.id, null));
            return session(EntryType.SESSION_CLOSE, session.id, 0);
        }
        if (session.nextRequestId > 1 && random.nextInt(10) == 0)
        {
            final long requestId = session.nextRequestId - 1 - random.nextInt((int)Math.min(3, session.nextRequestId - 1));
            final byte[] again = session.commands.get(requestId);
            buffer.putBytes(0, again);
            sent.put(correlationId, session.requests.get(requestId));
            return session(EntryType.SESSION_COMMAND, session.id, requestId) + again.length;
        }
        final int lock = random.nextInt(LOCKS.length);
        final boolean semaphore = !isMutex(LOCKS[lock]);
        final long requestId = session.nextRequestId++;
        final int type = draw < 70 ? LockCommand.ACQUIRE : LockCommand.RELEASE;
        final long waitNs = switch (random.nextInt(4))
        {
            case 0 -> 0;
            case 1 -> -1;
            default -> (1 + random.nextInt(100)) * MS;
        };
        final int permits = semaphore ? 1 + random.nextInt(2) : 1;
        command.wrap(buffer, 0).type(type).thread(1 + random.nextInt(2))
            .waitTimeoutNs(type == LockCommand.ACQUIRE ? waitNs : 0)
            .kind(semaphore ? LockCommand.SEMAPHORE : LockCommand.MUTEX)
            .capacity(semaphore ? SEMAPHORE_CAPACITY : 1)
            .permits(permits);
        final Sent request = new Sent(type, session.id, LOCKS[lock]);
        sent.put(correlationId, request);
        session(EntryType.SESSION_COMMAND, session.id, requestId);
        final int length = command.nameAndValue(names[lock], 0, names[lock].capacity(), names[lock], 0, 0);
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        session.commands.put(requestId, bytes);
        session.requests.put(requestId, request);
        return length;
    }

    private int session(final int type, final long id, final long argument)
    {
        entryType = type;
        sessionId = id;
        sessionArgument = argument;
        return 0;
    }

    @Override
    public int entryType()
    {
        return entryType;
    }

    @Override
    public long sessionId()
    {
        return sessionId;
    }

    @Override
    public long sessionArgument()
    {
        return sessionArgument;
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        committed++;
        final Sent request = sent.remove(correlationId);
        if (request == null)
        {
            history.violate("response of " + length + " bytes at index " + index + " to a command never sent: " + correlationId);
            return;
        }
        if (request.type() == -EntryType.SESSION_OPEN)
        {
            if (length != 8)
            {
                history.violate("OPEN answered with " + length + " bytes at index " + index);
                return;
            }
            opened++;
            if (sessions.size() < MAX_SESSIONS)
            {
                sessions.add(new ClientSession(response.getLong(offset, ByteOrder.LITTLE_ENDIAN)));
            }
            return;
        }
        if (request.type() != LockCommand.ACQUIRE && request.type() != LockCommand.RELEASE)
        {
            return;
        }
        if (length != LockStateMachine.RESPONSE_LENGTH)
        {
            history.violate("lock command answered with " + length + " bytes at index " + index);
            return;
        }
        final int status = response.getInt(offset, ByteOrder.LITTLE_ENDIAN);
        final long fence = response.getLong(offset + 4, ByteOrder.LITTLE_ENDIAN);
        if (request.type() == LockCommand.ACQUIRE && status == LockStatus.GRANTED)
        {
            granted++;
            // A grant's fence is the index of the entry that granted the hold: this one, or an earlier
            // one for a reentrant mutex acquire (or a retry answered from the kept outcome), which must be
            // that lock's grant reported at the fence's index.
            if (fence <= 0 || fence > index || history.fenceGrantedAt(request.lock(), fence) != fence)
            {
                history.violate("client granted " + request.lock() + " at index " + index + " with fence " + fence +
                    " but the replicas reported fence " + history.fenceGrantedAt(request.lock(), fence) + " at index " + fence +
                    " (grants of the lock by index: " + history.fences(request.lock()) + ", request " + request + ")");
            }
        }
    }

    @Override
    public void onRejected(final int groupId, final long correlationId, final int reason)
    {
        rejected++;
        final Sent request = sent.remove(correlationId);
        if (request != null && reason == ProposalHandler.SESSION_EXPIRED)
        {
            sessions.removeIf(session -> session.id == request.sessionId());
        }
    }

    @Override
    public void onUnknown(final int groupId, final long correlationId)
    {
        unknown++;
        sent.remove(correlationId);
    }

    @Override
    public String toString()
    {
        return "committed=" + committed + " opened=" + opened + " granted=" + granted + " rejected=" + rejected +
            " unknown=" + unknown + " grantEvents=" + history.grantEvents + " statesChecked=" + history.statesChecked;
    }
}
