/**
 * Transactions on many Raft groups (issue 16): a sharded key-value store and cross-shard two-phase commit
 * whose coordinator is itself a Raft group, so it never blocks while a majority of every group involved is
 * up.
 *
 * <h2>Layout (multi-raft)</h2>
 * Every process runs one {@link io.synod.raft.RaftAgent} hosting a replica of every group: the coordinator
 * group ({@link io.synod.txn.CoordinatorStateMachine}: the versioned {@link io.synod.txn.ShardMap} and a
 * record per transaction) and the shard groups ({@link io.synod.txn.ShardStateMachine}: the keys of their
 * hash slots in a kv-store, prepared intents and key locks). A {@link io.synod.txn.TxnDriver} runs as a
 * duty on each agent.
 *
 * <h2>Paths</h2>
 * <ul>
 *   <li><b>Single-shard</b> (fast path): a kv-store command in a {@link io.synod.txn.ShardCodec#KV} frame,
 *   proposed to the owning shard group: one Raft commit, no coordinator. A wrong shard answers
 *   {@link io.synod.txn.ShardCodec#WRONG_SHARD} naming the owner; a key locked by a prepared transaction
 *   answers {@link io.synod.txn.ShardCodec#LOCKED} (retry).</li>
 *   <li><b>Cross-shard</b>: the client reads what it needs (any replica: stale reads only cost an abort),
 *   then sends one BEGIN ({@link io.synod.txn.Transaction}) to the coordinator group carrying, per shard,
 *   the keys read with their versions and the writes. The coordinator's leader forwards PREPAREs, decides
 *   COMMIT once every participant's replica shows the transaction prepared (ABORT on a NO vote or past the
 *   deadline), forwards the outcome, and records FINISH once every participant applied it. The client
 *   learns COMMITTED or ABORTED (with the reason) from its replica of the coordinator group, or reports
 *   UNKNOWN when it stops waiting; its transaction id is the idempotency key, so retrying BEGIN never
 *   starts a transaction twice. {@link io.synod.txn.TxnClient} does the sending, resending and reporting.</li>
 * </ul>
 *
 * <h2>Recovery (the rules the simulator checks)</h2>
 * Everything the driver acts on is replicated state and everything it does is an idempotent command, so a
 * new coordinator leader simply continues: it re-drives every decided transaction not yet finished and
 * aborts every undecided one past its deadline. A shard leader whose replica holds a transaction prepared
 * past its deadline (plus a grace) asks the coordinator group: the decision its replica shows is forwarded
 * to the shard, or ABORT_IF_EXPIRED goes into the coordinator's log, where the first decision applied wins
 * (so it can never contradict a commit). An ABORT reaching a shard before its PREPARE records the abort,
 * making the late PREPARE vote NO: no lock is ever left behind by a delayed message.
 *
 * <h2>Isolation</h2>
 * Serializable: at PREPARE a shard checks that every key the transaction read there still has the version
 * read, and locks every key it reads or writes until the decision is applied; a commit applies the writes
 * under those locks. Read-only transactions take the same path, so a set of reads across shards commits
 * only as one consistent snapshot. Deadlocks are avoided by <i>abort on conflict</i>: a PREPARE that finds a
 * key locked by another transaction votes NO at once, nobody waits.
 *
 * <h2>Not yet here</h2>
 * Moving slots between shards (a new map is agreed, but shards keep their genesis map and no data moves);
 * pruning of finished records; the external-participant SPI; Sagas; parallel commits (a STAGING record
 * written beside the PREPAREs); the daemon, client and CLI integration; group placement that keeps every
 * process a member of every group through membership changes (the driver needs a local replica of each).
 */
package io.synod.txn;
