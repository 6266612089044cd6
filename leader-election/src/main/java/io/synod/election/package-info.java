/**
 * Election recipes. {@link io.synod.election.LeadershipObserver} reports leadership of the Raft group itself (for
 * applications whose processes are the members); {@link io.synod.election.NamedElections} runs elections among any
 * number of client candidates.
 *
 * <p><b>Why this module depends on lock-service.</b> A named election is a fenced mutex: the holder leads, FIFO
 * waiters are the other candidates, the grant's fence is the leadership's fencing token, and a candidate whose
 * session expires loses leadership exactly when its lock would be lost. Building it on lock-service reuses the
 * sessions, TTLs, expiry by log time, fencing and snapshot reconciliation that locks already have and test under
 * faults, instead of a second replicated state machine with the same rules. The group-leadership observer needs
 * only raft-core; it could move out if an application wanted it without locks, at the cost of a module.
 */
package io.synod.election;
