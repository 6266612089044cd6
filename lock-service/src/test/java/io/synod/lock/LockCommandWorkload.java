package io.synod.lock;

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
 * Lock-service clients for a simulated cluster: draws OPEN, KEEPALIVE, CLOSE, ACQUIRE and RELEASE of three
 * mutexes and a semaphore of {@value #SEMAPHORE_CAPACITY} permits (try-once, bounded and unbounded waits,
 * reentrant acquires, retried request ids) and TICKs that move log time on by up to a session's TTL, all
 * encoded with {@link LockCommand} as lock-service's clients encode them. It learns session ids from the
 * responses to OPEN and forgets sessions answered {@link LockStatus#SESSION_EXPIRED}, and checks each
 * committed grant's fence against the grant the replicas reported at that index.
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

        ClientSession(final long id)
        {
            this.id = id;
        }
    }

    /** A command sent and not answered yet. */
    private record Sent(int type, long sessionId, String lock)
    {
    }

    private final LockHistory history;
    private final LockCommand command = new LockCommand();
    private final UnsafeBuffer[] names = new UnsafeBuffer[LOCKS.length];
    private final List<ClientSession> sessions = new ArrayList<>();
    private final Map<Long, Sent> sent = new HashMap<>();
    private long nextNonce = 1;
    private long clockNs = 1_000 * MS;
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
            final long nonce = nextNonce++;
            sent.put(correlationId, new Sent(LockCommand.OPEN, 0, null));
            return LockCommand.encodeShort(buffer, 0, LockCommand.OPEN, nonce, (100 + random.nextInt(300)) * MS);
        }
        if (draw < 25)
        {
            clockNs += (1 + random.nextInt(60)) * MS;
            sent.put(correlationId, new Sent(LockCommand.TICK, 0, null));
            return LockCommand.tick(buffer, 0, clockNs);
        }
        final ClientSession session = sessions.get(random.nextInt(sessions.size()));
        if (draw < 35)
        {
            sent.put(correlationId, new Sent(LockCommand.KEEPALIVE, session.id, null));
            return LockCommand.encodeShort(buffer, 0, LockCommand.KEEPALIVE, session.id, clockNs);
        }
        if (draw < 38)
        {
            sessions.remove(session);
            sent.put(correlationId, new Sent(LockCommand.CLOSE, session.id, null));
            return LockCommand.encodeShort(buffer, 0, LockCommand.CLOSE, session.id, 0);
        }
        final int lock = random.nextInt(LOCKS.length);
        final boolean semaphore = !isMutex(LOCKS[lock]);
        final boolean retry = session.nextRequestId > 1 && random.nextInt(10) == 0;
        final long requestId = retry ? session.nextRequestId - 1 - random.nextInt((int)Math.min(3, session.nextRequestId - 1)) :
            session.nextRequestId++;
        final int type = draw < 70 ? LockCommand.ACQUIRE : LockCommand.RELEASE;
        final long waitNs = switch (random.nextInt(4))
        {
            case 0 -> 0;
            case 1 -> -1;
            default -> (1 + random.nextInt(100)) * MS;
        };
        final int permits = semaphore ? 1 + random.nextInt(2) : 1;
        command.wrap(buffer, 0).type(type).sessionId(session.id).requestId(requestId).thread(1 + random.nextInt(2))
            .waitTimeoutNs(type == LockCommand.ACQUIRE ? waitNs : 0)
            .kind(semaphore ? LockCommand.SEMAPHORE : LockCommand.MUTEX)
            .capacity(semaphore ? SEMAPHORE_CAPACITY : 1)
            .permits(permits);
        sent.put(correlationId, new Sent(type, session.id, LOCKS[lock]));
        return command.nameAndValue(names[lock], 0, names[lock].capacity(), names[lock], 0, 0);
    }

    @Override
    public void onCommitted(
        final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
    {
        committed++;
        final Sent request = sent.remove(correlationId);
        if (request == null || length != LockStateMachine.RESPONSE_LENGTH)
        {
            history.violate("response of " + length + " bytes at index " + index + " to a command never sent: " + correlationId);
            return;
        }
        final int status = response.getInt(offset, ByteOrder.LITTLE_ENDIAN);
        final long fence = response.getLong(offset + 4, ByteOrder.LITTLE_ENDIAN);
        if (request.type() == LockCommand.OPEN && (status == LockStatus.GRANTED || status == LockStatus.DUPLICATE))
        {
            opened++;
            if (sessions.size() < MAX_SESSIONS)
            {
                sessions.add(new ClientSession(fence));
            }
        }
        else if (status == LockStatus.SESSION_EXPIRED)
        {
            sessions.removeIf(session -> session.id == request.sessionId());
        }
        else if (request.type() == LockCommand.ACQUIRE && status == LockStatus.GRANTED)
        {
            granted++;
            // A grant's fence is the index of the entry that granted the hold: this one, or an earlier
            // one for a reentrant mutex acquire, which must be that lock's latest grant up to here.
            if (fence <= 0 || fence > index || history.fenceGrantedAt(request.lock(), index) != fence)
            {
                history.violate("client granted " + request.lock() + " at index " + index + " with fence " + fence +
                    " but the replicas reported fence " + history.fenceGrantedAt(request.lock(), index));
            }
        }
    }

    @Override
    public void onRejected(final int groupId, final long correlationId, final int reason)
    {
        rejected++;
        sent.remove(correlationId);
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
