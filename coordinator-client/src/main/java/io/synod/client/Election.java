package io.synod.client;

import io.synod.lock.LockStatus;
import io.synod.raft.ReadMode;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A named election among any number of candidates, on the cluster's lock service: the election {@code NAME} is the
 * mutex {@code election/NAME}; the holder leads, its waiters are the next candidates (FIFO), and the grant's fence is
 * the leadership's fencing token (strictly increasing across successive leaders). A leader whose session expires
 * loses leadership, as a lock holder loses its lock.
 *
 * <pre>{@code
 * Election election = client.election("scheduler");
 * ElectionLeader me = election.campaign(42, "host-a:8080").join();   // completes when elected
 * // ... lead, passing me.fence() to what it writes ...
 * election.resign(me).join();
 * Optional<ElectionLeader> now = election.leader(ReadMode.LINEARIZABLE).join();   // empty: no leader
 * }</pre>
 */
public final class Election
{
    /** The lock-name prefix of elections. */
    public static final String PREFIX = "election/";

    private final SynodClient client;
    private final String name;

    Election(final SynodClient client, final String name)
    {
        this.client = client;
        this.name = name;
    }

    /** @return the election's name. */
    public String name()
    {
        return name;
    }

    /**
     * Campaigns as {@code candidate} with {@code value} (e.g. its address); completes when elected, or with
     * {@link LockFailedException} when the session expires first.
     */
    public CompletableFuture<ElectionLeader> campaign(final long candidate, final String value)
    {
        return client.lockCommand(PREFIX + name, io.synod.lock.LockCommand.ACQUIRE, candidate, -1, value.getBytes(StandardCharsets.UTF_8))
            .thenApply((answer) ->
            {
                if (answer.status() != LockStatus.GRANTED)
                {
                    throw new LockFailedException(PREFIX + name, answer.status());
                }
                return new ElectionLeader(name, client.sessionId(), candidate, answer.fence(), value);
            });
    }

    /** Gives up leadership; completes when applied (with {@link LockFailedException} NOT_HELD if it was not held). */
    public CompletableFuture<Void> resign(final ElectionLeader leadership)
    {
        return client.lockCommand(PREFIX + name, io.synod.lock.LockCommand.RELEASE, leadership.candidate(), 0, new byte[0])
            .thenApply((answer) ->
            {
                if (answer.status() != LockStatus.RELEASED)
                {
                    throw new LockFailedException(PREFIX + name, answer.status());
                }
                return null;
            });
    }

    /** @return the leader now, or empty when the election has no leader. */
    public CompletableFuture<Optional<ElectionLeader>> leader(final ReadMode mode)
    {
        return client.locks(PREFIX + name, true, 1, mode).thenApply((page) ->
        {
            if (page.locks().isEmpty() || page.locks().get(0).holders().isEmpty())
            {
                return Optional.empty();
            }
            final LockInfo.Holder holder = page.locks().get(0).holders().get(0);
            return Optional.of(new ElectionLeader(name, holder.session(), holder.thread(), holder.fence(), holder.value()));
        });
    }
}
