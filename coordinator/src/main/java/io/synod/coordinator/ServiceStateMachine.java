package io.synod.coordinator;

import io.synod.raft.ClientSessions;
import io.synod.raft.SnapshotReader;
import io.synod.raft.SnapshotSource;
import io.synod.raft.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Several services' state machines in one Raft group, so that one client session (one TTL, one keep-alive, one
 * expiry; raft-core's session facility) covers all of them, like an etcd lease covers keys and locks.
 *
 * <p><b>Commands.</b> Every command starts with a service tag byte; the rest is the service's own command, handed to
 * that service unchanged, and its response is the service's response unchanged:
 * <pre>
 *   0  service tag (u8): {@link #KV} or {@link #LOCK}
 *   1  the service's command ({@code KvCommand}, {@code LockCommand})
 * </pre>
 * A command with no tag or an unknown tag changes nothing, is answered with an empty response and counted in
 * {@link #malformedCommands()} (the daemon checks tags before proposing, so only a bug or a foreign log gets here).
 *
 * <p><b>Sessions and log time.</b> Session opens, keep-alives, ends and log-time calls reach every service, in tag
 * order, so a session that expires releases its locks and elections at the same index on every replica.
 *
 * <p><b>Snapshots.</b> One stream holds every service's snapshot, in {@link ServiceSnapshot}'s versioned format;
 * a stream of another format version is refused with an error that names both versions.
 *
 * <p><b>Threading, determinism.</b> The node's thread only; the composition adds no state of its own besides the
 * malformed-command counter, so it is as deterministic as its services.
 * <p><b>Allocation.</b> None per command.
 */
final class ServiceStateMachine implements StateMachine
{
    /** The key-value store's tag. */
    static final int KV = 1;
    /** The lock service's tag (locks, semaphores, read-write locks, and named elections as locks {@code election/NAME}). */
    static final int LOCK = 2;

    /** Invariant: indexed by tag; null where no service has the tag. */
    private final StateMachine[] services;
    private final int[] tags;
    private final ServiceSnapshot.Source snapshotSource;
    private long malformedCommands;

    /**
     * @param kv    the key-value store ({@link #KV}).
     * @param locks the lock service ({@link #LOCK}).
     */
    ServiceStateMachine(final StateMachine kv, final StateMachine locks)
    {
        this.services = new StateMachine[LOCK + 1];
        this.services[KV] = kv;
        this.services[LOCK] = locks;
        this.tags = new int[] {KV, LOCK};
        this.snapshotSource = new ServiceSnapshot.Source(tags, services);
    }

    /** @return the service of {@code tag}, or null. */
    StateMachine service(final int tag)
    {
        return tag > 0 && tag < services.length ? services[tag] : null;
    }

    /** @return true if {@code tag} names a service here. */
    boolean hasService(final int tag)
    {
        return service(tag) != null;
    }

    /** @return commands with no tag or an unknown one, applied as no-ops. Node thread (approximate from others). */
    long malformedCommands()
    {
        return malformedCommands;
    }

    @Override
    public int apply(
        final long index, final long term, final DirectBuffer buffer, final int offset, final int length,
        final ExpandableArrayBuffer response)
    {
        final StateMachine service = route(buffer, offset, length);
        return service == null ? 0 : service.apply(index, term, buffer, offset + 1, length - 1, response);
    }

    @Override
    public int applyInSession(
        final long index, final long term, final long sessionId, final long sequence, final DirectBuffer buffer,
        final int offset, final int length, final ExpandableArrayBuffer response)
    {
        final StateMachine service = route(buffer, offset, length);
        return service == null ? 0 :
            service.applyInSession(index, term, sessionId, sequence, buffer, offset + 1, length - 1, response);
    }

    private StateMachine route(final DirectBuffer buffer, final int offset, final int length)
    {
        final StateMachine service = length < 1 ? null : service(buffer.getByte(offset) & 0xFF);
        if (service == null)
        {
            malformedCommands++;
        }
        return service;
    }

    @Override
    public void onSessionEnded(final long index, final long sessionId, final boolean expired)
    {
        for (final int tag : tags)
        {
            services[tag].onSessionEnded(index, sessionId, expired);
        }
    }

    @Override
    public void onSessionOpened(final long index, final long sessionId, final long nonce, final long ttlNs)
    {
        for (final int tag : tags)
        {
            services[tag].onSessionOpened(index, sessionId, nonce, ttlNs);
        }
    }

    @Override
    public void onKeepAlive(final long index, final long sessionId, final long token)
    {
        for (final int tag : tags)
        {
            services[tag].onKeepAlive(index, sessionId, token);
        }
    }

    @Override
    public void onLogTime(final long index, final long logTimeNs)
    {
        for (final int tag : tags)
        {
            services[tag].onLogTime(index, logTimeNs);
        }
    }

    @Override
    public void onSessions(final ClientSessions sessions)
    {
        for (final int tag : tags)
        {
            services[tag].onSessions(sessions);
        }
    }

    /** Every service's snapshot in one stream ({@link ServiceSnapshot}). */
    @Override
    public SnapshotSource snapshot()
    {
        return snapshotSource.reset();
    }

    /**
     * Restores every service from a stream written by {@link #snapshot()}.
     *
     * @throws IllegalStateException for another format version, a missing, repeated or unknown service, a service that
     *                               leaves bytes of its section unread, or a truncated stream.
     */
    @Override
    public void restore(final SnapshotReader reader)
    {
        ServiceSnapshot.restore(reader, tags, services);
    }
}
