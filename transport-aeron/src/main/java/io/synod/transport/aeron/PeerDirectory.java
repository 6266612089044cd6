package io.synod.transport.aeron;

import io.synod.raft.Membership;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.function.Consumer;

/**
 * Keeps an {@link AeronTransport}'s peers in line with the node's configuration: the endpoint book of
 * {@link AeronRaftNode}. Hosts hand endpoints in from any thread ({@link #offer}); the agent thread applies
 * them and follows {@link io.synod.raft.RaftNode#membership()} once per duty cycle ({@link #doWork}).
 *
 * <p><b>Rules.</b> An endpoint handed in is connected at once, member or not yet: a host adds a new member's
 * endpoint on every member before proposing {@code ADD_LEARNER}, so the leader can replicate to it as soon as
 * the change is appended and the others can answer it should it lead. When the configuration changes, members
 * it dropped are forgotten (publication closed, frames from them dropped) and members it gained are connected
 * if their endpoint is known. The address itself stays in the book: a configuration reverted by log truncation
 * reconnects without the host's help. The first configuration seen forgets peers outside it, unless it is
 * empty (a joining member keeps the endpoints it was built with until the leader's configuration reaches it).
 *
 * <p><b>Handoff.</b> A {@link ManyToOneConcurrentArrayQueue}: lock-free and bounded ({@link #UPDATES_MAX}), many
 * host threads to the one agent thread, and an empty poll costs one volatile read and allocates nothing. The
 * {@code RaftAgent} ring would need a new message type in raft-core and carries only primitives; endpoint
 * changes are rare and may allocate one small object on the host thread.
 *
 * <p><b>Bounds.</b> At most {@link #ENDPOINTS_MAX} addresses; when full, addresses of members outside the
 * configuration in force are dropped first, and if that frees nothing the new endpoint is refused and counted
 * ({@link #endpointsRefused()}).
 */
final class PeerDirectory
{
    /** Endpoint changes queued between host threads and the agent; {@link #offer} returns false beyond it. */
    static final int UPDATES_MAX = 64;
    /** Addresses kept: a full configuration plus as many members on their way in or out. */
    static final int ENDPOINTS_MAX = 2 * Membership.MEMBERS_MAX;

    private static final class EndpointUpdate
    {
        final int memberId;
        final String hostAndPort;

        EndpointUpdate(final int memberId, final String hostAndPort)
        {
            this.memberId = memberId;
            this.hostAndPort = hostAndPort;
        }
    }

    private static final System.Logger LOGGER = System.getLogger("io.synod.transport.aeron");

    private final ManyToOneConcurrentArrayQueue<EndpointUpdate> updates = new ManyToOneConcurrentArrayQueue<>(UPDATES_MAX);
    /** Invariant: no entry for this member; at most {@link #ENDPOINTS_MAX} entries. Agent thread. */
    private final Int2ObjectHashMap<String> addresses = new Int2ObjectHashMap<>();
    private final AeronTransport transport;
    private final int selfId;
    private final Consumer<EndpointUpdate> onUpdate = this::onUpdate;
    /** The configuration last followed; null before the first duty cycle. */
    private Membership followed;
    private volatile long endpointsRefused;

    /**
     * @param transport whose peers this directory keeps.
     * @param initial   member id to address of the members the node was built with (this one included, ignored).
     */
    PeerDirectory(final AeronTransport transport, final Int2ObjectHashMap<String> initial)
    {
        this.transport = transport;
        this.selfId = transport.memberId();
        initial.forEach((memberId, hostAndPort) ->
        {
            if (memberId != selfId)
            {
                addresses.put(memberId, hostAndPort);
            }
        });
    }

    /**
     * Queues an endpoint for the agent thread. Any thread; lock-free; allocates one small object.
     *
     * @return false if {@link #UPDATES_MAX} changes are already queued (retry later).
     */
    boolean offer(final int memberId, final String hostAndPort)
    {
        return updates.offer(new EndpointUpdate(memberId, hostAndPort));
    }

    /**
     * Follows the configuration in force, then applies queued endpoints (so that an endpoint a host handed in
     * is never forgotten by the first configuration seen). Agent thread; allocates only when something changed.
     *
     * @return the amount of work done.
     */
    int doWork(final Membership membership)
    {
        int work = 0;
        if (membership != followed)
        {
            follow(followed, membership);
            followed = membership;
            work++;
        }
        return work + updates.drain(onUpdate, UPDATES_MAX);
    }

    /** @return endpoints refused because the book was full of members of the configuration. Any thread. */
    long endpointsRefused()
    {
        return endpointsRefused;
    }

    private void follow(final Membership previous, final Membership next)
    {
        if (null == previous)
        {
            if (next.voterCount() + next.learners().length == 0)
            {
                return; // joining: keep the endpoints we were built with until the leader's configuration arrives
            }
            for (final Int2ObjectHashMap<String>.KeyIterator it = addresses.keySet().iterator(); it.hasNext(); )
            {
                final int memberId = it.nextInt();
                if (!next.isMember(memberId))
                {
                    forget(memberId);
                }
            }
        }
        else
        {
            forgetDropped(previous.voters(), next);
            forgetDropped(previous.learners(), next);
        }
        connectGained(next.voters(), previous);
        connectGained(next.learners(), previous);
    }

    private void forgetDropped(final int[] members, final Membership next)
    {
        for (final int memberId : members)
        {
            if (memberId != selfId && !next.isMember(memberId))
            {
                forget(memberId);
            }
        }
    }

    private void forget(final int memberId)
    {
        if (transport.removePeer(memberId))
        {
            LOGGER.log(System.Logger.Level.INFO, "member {0}: forgot member {1} (not in the configuration)", selfId, memberId);
        }
    }

    private void connectGained(final int[] members, final Membership previous)
    {
        for (final int memberId : members)
        {
            final String hostAndPort = addresses.get(memberId);
            if (memberId != selfId && (null == previous || !previous.isMember(memberId)) && null != hostAndPort &&
                transport.addPeer(memberId, hostAndPort))
            {
                LOGGER.log(System.Logger.Level.INFO, "member {0}: connecting to member {1} at {2}", selfId, memberId, hostAndPort);
            }
        }
    }

    private void onUpdate(final EndpointUpdate update)
    {
        final int memberId = update.memberId;
        if (!addresses.containsKey(memberId) && addresses.size() >= ENDPOINTS_MAX)
        {
            for (final Int2ObjectHashMap<String>.KeyIterator it = addresses.keySet().iterator(); it.hasNext(); )
            {
                if (null == followed || !followed.isMember(it.nextInt()))
                {
                    it.remove();
                }
            }
            if (addresses.size() >= ENDPOINTS_MAX)
            {
                endpointsRefused++;
                LOGGER.log(System.Logger.Level.WARNING, "member {0}: endpoint book full, refused member {1}", selfId, memberId);
                return;
            }
        }
        addresses.put(memberId, update.hostAndPort);
        if (transport.addPeer(memberId, update.hostAndPort))
        {
            LOGGER.log(System.Logger.Level.INFO, "member {0}: connecting to member {1} at {2}", selfId, memberId,
                update.hostAndPort);
        }
    }
}
