/**
 * A leaderless replicated key-value store (W + R &gt; N) on raft-core's agent and application-message path:
 * {@link io.synod.quorum.QuorumNode} (dotted version vector sets, read repair, hinted handoff, anti-entropy,
 * tombstone collection), {@link io.synod.quorum.AtomicNode} (linearizable ABD, or opt-in last-writer-wins),
 * durable replicas ({@link io.synod.quorum.ChronicleReplicaStore}) and {@link io.synod.quorum.QuorumStore} for host
 * threads. No leader sits on the data path; any member coordinates any request.
 *
 * <h2>The ring</h2>
 *
 * <p>Keys are placed on a consistent-hash ring ({@link io.synod.quorum.HashRing}): a key's preference list is the
 * first {@code n} distinct members clockwise from its hash. A node is built either on a fixed ring (every member
 * is given the same member list) or on a ring that changes at run time, agreed by Raft: ring membership (who is in
 * the store, which tokens each owns) is the state of a {@link io.synod.quorum.RingStateMachine} run as a Raft group
 * on every member's {@code RaftAgent}, so every member holds the same ring at the same applied index. The Raft
 * group decides only the ring; reads and writes never go through it.
 *
 * <p><b>A ring change</b> (ADD or REMOVE of one member, one change at a time) goes through three phases, each a
 * new ring version ({@link io.synod.quorum.RingState}):
 * <ol>
 *   <li>WRITE_BOTH: writes go to the old preference list <em>and</em> the members the new list adds, and wait for
 *   one acknowledgement more per added member (so an acknowledged write holds {@code w} replicas of both lists);
 *   reads still use the old list;</li>
 *   <li>STREAMING: as before, and every old replica streams the keys whose list gains a member to that member
 *   (HANDOFF messages, resent until acknowledged; the new owner merges them durably like any write);</li>
 *   <li>READ_NEW: reads use the new list; writes still go to both;</li>
 * </ol>
 * then the new ring is in force (STABLE). Each member's node proposes ACK for a phase once it has finished it —
 * WRITE_BOTH when every request it began under the older version is over, STREAMING when its moved keys are
 * acknowledged, READ_NEW at once — and the state machine takes the next step when every participant (every member
 * of the old or the new ring) has acknowledged. So members' versions differ by one step (two right after a change
 * begins), and any two neighbouring phases keep every read quorum overlapping every write quorum: a read with
 * W + R &gt; N sees every write acknowledged before it, during and after the change. Writes made before the change are
 * on the new owners by the end of STREAMING; writes made during it went there directly.
 *
 * <p><b>Versions are not carried on the wire</b>: the rule above makes them unnecessary for the quorum overlap, and
 * each member records the ring version it uses in its own store before using it, so that after a restart it
 * coordinates nothing ({@link io.synod.quorum.QuorumStatus#NO_RING}) until its state machine has applied that
 * version again. A member on neither the old nor the new ring refuses to coordinate ({@code NO_RING}) and still
 * answers as a replica; a forwarded put that reaches a member outside the key's write set is refused
 * ({@link io.synod.quorum.QuorumStatus#BAD_REQUEST}): their rings disagree.
 *
 * <p><b>Limits.</b> A change waits for every participant: with one of them down it stays in its phase (requests go
 * on, writes to the larger set); there is no forced removal of a member that never returns, and no abort. A
 * departed member keeps its data on disk. Tombstone collection pauses during a change; anti-entropy trees are
 * rebuilt for each new read ring. Hinted handoff's fallbacks follow the read ring.
 */
package io.synod.quorum;
