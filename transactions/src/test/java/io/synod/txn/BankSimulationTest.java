package io.synod.txn;

import io.synod.kv.KvClientCodec;
import io.synod.kv.KvResponse;
import io.synod.raft.testkit.Simulation;
import io.synod.raft.testkit.SimulatedCluster;
import io.synod.raft.testkit.SimulatedCrash;
import io.synod.raft.testkit.SimulatedProtocol;
import io.synod.raft.testkit.SimulationInvariant;
import io.synod.raft.testkit.SimulationLiveness;
import io.synod.raft.testkit.SimulationWorkload;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Jepsen bank workload on cross-shard two-phase commit, under the simulator's seeded faults (drops,
 * duplicates, delays, partitions, crashes losing unflushed writes) with several Raft groups per member:
 * the coordinator group and {@value #SHARDS} shard groups on one agent per member. Eight accounts, each on
 * a shard of its own (every transfer is a two-shard transaction), hold 100 in all. Each member's client, on the simulator's client events, reads the
 * accounts from its own replicas and sends either a transfer of 1 to 5 between two accounts (reads of both
 * at the versions seen, writes of both) or a read-only transaction over all eight, through the coordinator
 * group; it learns the outcome from its replica of the coordinator group (COMMITTED, ABORTED, or UNKNOWN
 * when it gives up waiting) and retries a lost BEGIN with the same transaction id.
 *
 * <p>The processes crash on purpose at every step of the protocol, besides the simulator's own crashes:
 * each driver, right after it forwards a PREPARE, a DECIDE, a COMMIT/ABORT, a FINISH or an in-doubt query,
 * kills its member one time in {@value #CRASH_ONE_IN} (one in a fifth of that after the rarer DECIDE, FINISH and
 * in-doubt query; so coordinator leaders die between PREPARE and
 * DECIDE, between DECIDE and the first COMMIT, before FINISH; participant leaders die in doubt).
 *
 * <p>Checked after every step and event: a committed read-only transaction sums to 100 with no negative
 * balance (the serializable snapshot); decisions never change and every participant follows the
 * coordinator's ({@link TxnCluster}). After healing (liveness): no transaction in doubt anywhere, no key
 * locked, every member's accounts sum to 100, and commits were seen.
 */
class BankSimulationTest
{
    private static final String TEST = "BankSimulationTest";
    static final int SHARDS = 8;
    private static final int ACCOUNTS = 8;
    private static final long TOTAL = 100;
    private static final int CRASH_ONE_IN = 100;
    private static final int PARTICIPANT_LEADER_CRASHES_MAX = 6;
    /** Five groups make about five times the events per virtual second; three times that again gives the clients time. */
    private static final long STEPS = 3 * (SHARDS + 1) * TxnSeeds.STEPS;
    private static final long MS = 1_000_000L;
    private static final long TXN_TIMEOUT_NS = 400 * MS;
    private static final long CLIENT_PATIENCE_NS = 600 * MS;
    private static final long BEGIN_RESEND_NS = 100 * MS;

    private static long committedReadsInAllSeeds;
    private static long committedTransfersInAllSeeds;
    private static long participantLeaderCrashesInAllSeeds;
    private static final long[] crashesAtInAllSeeds = new long[7];

    static LongStream seeds()
    {
        return TxnSeeds.seeds(8);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldKeepTheBankTotalAndLeaveNoTransactionInDoubt(final long seed)
    {
        final Bank bank = new Bank();
        final Simulation.Result result = Simulation.builder(seed)
            .steps(STEPS)
            .groups(SHARDS + 1)
            .stateMachines(bank.cluster::create)
            .protocol(bank::node)
            .workload(new FastPathReads(bank))
            .invariant(bank)
            .liveness(bank)
            .replay(TxnSeeds.replay(TEST, 3 * (SHARDS + 1)))
            .run();
        System.out.println("bank seed " + seed + ": " + bank + ", " + result.crashes() + " crashes, " + result.partitions() +
            " partitions, " + result.snapshotsInstalled() + " snapshots installed, " + result.steps() + " steps, " + result.committed() + " entries committed; " +
            Simulation.builder(seed).groups(1).build().parameters());
        // Progress per seed: something was decided (a harsh seed may see no commit reach its client in time).
        assertTrue(bank.cluster.decisions.size() > 0, () -> "no transaction decided: " + bank);
        committedReadsInAllSeeds += bank.committedReads;
        committedTransfersInAllSeeds += bank.committedTransfers;
        participantLeaderCrashesInAllSeeds += bank.participantLeaderCrashes;
        for (int action = 0; action < bank.crashesAt.length; action++)
        {
            crashesAtInAllSeeds[action] += bank.crashesAt[action];
        }
    }

    @AfterAll
    static void shouldHaveCommittedReadOnlyTransactions()
    {
        assertTrue(committedTransfersInAllSeeds > 0, "no transfer committed in any seed");
        assertTrue(committedReadsInAllSeeds > 0, "no read-only transaction committed in any seed");
        assertTrue(participantLeaderCrashesInAllSeeds > 0, "no participant leader crashed holding a prepared transaction");
        System.out.println("bank: crashes injected per driver action " + java.util.Arrays.toString(crashesAtInAllSeeds));
        for (final int action : new int[]{TxnDriver.Observer.PREPARE, TxnDriver.Observer.DECIDE_COMMIT, TxnDriver.Observer.DECIDE_ABORT,
            TxnDriver.Observer.OUTCOME, TxnDriver.Observer.FINISH})
        {
            assertTrue(crashesAtInAllSeeds[action] > 0, "no crash right after driver action " + action);
        }
    }

    static long opening(final int account)
    {
        return account == 0 ? TOTAL - (ACCOUNTS - 1) * 12 : 12;
    }

    /** Account {@code i}'s key: the first name "account-i-n" whose slot the map gives shard group i % SHARDS + 1. */
    static byte[] account(final int i)
    {
        return ACCOUNT_KEYS[i];
    }

    private static final byte[][] ACCOUNT_KEYS = new byte[ACCOUNTS][];

    static
    {
        final ShardMap map = new TxnCluster(SHARDS, shard -> { }).map;
        for (int i = 0; i < ACCOUNTS; i++)
        {
            for (int n = 0; ACCOUNT_KEYS[i] == null; n++)
            {
                final byte[] key = ("account-" + i + "-" + n).getBytes(StandardCharsets.US_ASCII);
                if (map.ownerOf(key) == i % SHARDS + 1)
                {
                    ACCOUNT_KEYS[i] = key;
                }
            }
        }
    }

    static byte[] amount(final long value)
    {
        final byte[] bytes = new byte[8];
        new UnsafeBuffer(bytes).putLong(0, value, LITTLE_ENDIAN);
        return bytes;
    }

    /** One run's shared state: the cluster parts, the counters, the checks. */
    static final class Bank implements SimulationInvariant, SimulationLiveness
    {
        final TxnCluster cluster = new TxnCluster(SHARDS, shard ->
        {
            for (int i = 0; i < ACCOUNTS; i++)
            {
                if (shard.map().ownerOf(account(i)) == shard.groupId())
                {
                    shard.preload(account(i), amount(opening(i)));
                }
            }
        });
        boolean healed;
        long started;
        long committedTransfers;
        long committedReads;
        long aborted;
        /** Transfers begun: txn id to {from, to, amount}. */
        final org.agrona.collections.Long2ObjectHashMap<long[]> transfers = new org.agrona.collections.Long2ObjectHashMap<>();
        /** Crashes injected per driver action (TxnDriver.Observer constants). */
        final long[] crashesAt = new long[7];
        long beginRetries;
        long participantLeaderCrashes;
        final long[] abortReasons = new long[4];
        long unknown;
        long crashesInjected;
        long fastReads;
        long redirects;
        long locked;

        SimulatedProtocol node(final SimulatedProtocol.Context context)
        {
            return new BankNode(this, context);
        }

        @Override
        public void check(final SimulatedCluster view)
        {
            healed = view.isHealed();
        }

        @Override
        public boolean isSatisfied(final SimulatedCluster view)
        {
            checkDecisionsEverywhere(view);
            if (cluster.inDoubt(view) != null)
            {
                return false;
            }
            for (int memberId = 1; memberId <= view.size(); memberId++)
            {
                if (view.isAlive(memberId) && balances(memberId) != null)
                {
                    return false;
                }
            }
            return true;
        }

        /**
         * Every live replica of the coordinator group, however it got its state (applied, or installed from a
         * snapshot), holds the decision first applied anywhere; no live shard replica committed a transaction
         * decided ABORT.
         */
        void checkDecisionsEverywhere(final SimulatedCluster view)
        {
            final org.agrona.collections.Long2LongHashMap.KeyIterator txns = cluster.decisions.keySet().iterator();
            while (txns.hasNext())
            {
                final long txnId = txns.nextValue();
                final boolean committed = cluster.decisions.get(txnId) == 1;
                for (int memberId = 1; memberId <= view.size(); memberId++)
                {
                    if (!view.isAlive(memberId))
                    {
                        continue;
                    }
                    final int state = cluster.coordinators[memberId].state(txnId);
                    if (state != CoordinatorStateMachine.NONE && state != CoordinatorStateMachine.PENDING &&
                        (state == CoordinatorStateMachine.COMMITTED) != committed)
                    {
                        throw new AssertionError("member " + memberId + " holds the other decision for " + Long.toHexString(txnId));
                    }
                    for (int group = 1; group <= SHARDS; group++)
                    {
                        if (cluster.shardMachines[memberId][group].txnState(txnId) == ShardStateMachine.TXN_COMMITTED && !committed)
                        {
                            throw new AssertionError("member " + memberId + " group " + group + " committed aborted txn " +
                                Long.toHexString(txnId));
                        }
                    }
                }
            }
        }

        /**
         * @return what is wrong with a member's balances once everything is applied, or null: they must sum to
         * the total, none negative, and each must be its opening balance moved by exactly the transfers decided
         * COMMIT (whatever their clients heard: UNKNOWN ones included), so the committed transactions account
         * for every change and none was applied twice.
         */
        String balances(final int memberId)
        {
            final long[] expected = new long[ACCOUNTS];
            for (int i = 0; i < ACCOUNTS; i++)
            {
                expected[i] = opening(i);
            }
            transfers.forEach((txnId, transfer) ->
            {
                if (cluster.decisions.get(txnId.longValue()) == 1)
                {
                    expected[(int)transfer[0]] -= transfer[2];
                    expected[(int)transfer[1]] += transfer[2];
                }
            });
            final String lostUpdate = lostUpdate();
            if (lostUpdate != null)
            {
                return lostUpdate;
            }
            long sum = 0;
            for (int i = 0; i < ACCOUNTS; i++)
            {
                final long balance = balance(cluster.shardMachines[memberId][cluster.map.ownerOf(account(i))], i);
                if (balance < 0)
                {
                    return "member " + memberId + " account " + i + " negative: " + balance;
                }
                if (balance != expected[i])
                {
                    return "member " + memberId + " account " + i + " holds " + balance + ", committed transfers make it " + expected[i];
                }
                sum += balance;
            }
            return sum == TOTAL ? null : "member " + memberId + " sums to " + sum;
        }

        /**
         * Serializability of the transfers, by versions: a committed transfer read each account at some
         * version and (the key being locked from PREPARE to COMMIT) wrote the next one, so the committed
         * transfers touching an account must have read pairwise different versions of it; two that read the
         * same version would be a lost update, which no serial order explains. With the read-only checks
         * (each committed snapshot sums to the total) and the accounting of every balance, this is the
         * bank's serializability check (a full search over orders is not needed for it).
         *
         * @return the first lost update found, or null.
         */
        String lostUpdate()
        {
            final java.util.HashMap<Long, Long> readers = new java.util.HashMap<>();
            final String[] found = {null};
            transfers.forEach((txnId, transfer) ->
            {
                if (found[0] == null && cluster.decisions.get(txnId.longValue()) == 1)
                {
                    for (int side = 0; side < 2; side++)
                    {
                        final long versionRead = transfer[side] * 1_000_000_007L + transfer[3 + side]; // (account, version)
                        final Long other = readers.put(versionRead, txnId);
                        if (other != null)
                        {
                            found[0] = "lost update: txns " + Long.toHexString(other) + " and " + Long.toHexString(txnId) +
                                " both committed over version " + transfer[3 + side] + " of account " + transfer[side];
                        }
                    }
                }
            });
            return found[0];
        }

        @Override
        public String describe(final SimulatedCluster view)
        {
            final String doubt = cluster.inDoubt(view);
            if (doubt != null)
            {
                return doubt;
            }
            for (int memberId = 1; memberId <= view.size(); memberId++)
            {
                if (view.isAlive(memberId) && balances(memberId) != null)
                {
                    return balances(memberId);
                }
            }
            return "satisfied";
        }

        @Override
        public String toString()
        {
            return started + " transactions: " + committedTransfers + " transfers and " + committedReads + " reads committed, " +
                aborted + " aborted " + java.util.Arrays.toString(abortReasons) + ", " + unknown + " unknown; " + cluster.decisions.size() + " decided, " + cluster.commitsApplied +
                " participant commits, " + cluster.abortsApplied + " aborts; " + crashesInjected + " crashes injected " + java.util.Arrays.toString(crashesAt) + ", " + beginRetries +
                " BEGIN retries, " + participantLeaderCrashes +
                " participant leaders crashed in doubt; fast path: " +
                fastReads + " reads, " + redirects + " redirects, " + locked + " locked";
        }
    }

    static long balance(final ShardStateMachine shard, final int account)
    {
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(64);
        final int length = shard.read(account(account), out);
        if (KvClientCodec.status(out, 0) != KvResponse.OK || KvClientCodec.valueLength(out, 0) != 8)
        {
            throw new AssertionError("account " + account + " unreadable: " + length);
        }
        return out.getLong(KvClientCodec.valueOffset(0), LITTLE_ENDIAN);
    }

    /** A member's process: its transaction driver and its bank client. */
    private static final class BankNode implements SimulatedProtocol
    {
        private final Bank bank;
        private final SimulatedProtocol.Context context;
        private final TxnDriver driver;
        private final CoordinatorStateMachine coordinator;
        private final ShardStateMachine[] shards;
        private final RandomGenerator random;
        private final TxnClient client;
        private long resendsCounted;
        private final ExpandableArrayBuffer begin = new ExpandableArrayBuffer(1024);
        private long txnCounter;
        private long txnId;
        private int beginLength;
        private boolean readOnly;
        private final long[] seen = new long[ACCOUNTS];

        BankNode(final Bank bank, final SimulatedProtocol.Context context)
        {
            this.bank = bank;
            this.context = context;
            this.random = context.random();
            final int memberId = context.memberId();
            this.coordinator = bank.cluster.coordinators[memberId];
            this.shards = bank.cluster.shardMachines[memberId].clone();
            this.driver = new TxnDriver(context.agent(), TxnCluster.COORDINATOR, coordinator, shards, 10 * MS, 50 * MS, 200 * MS)
                .observer(this::maybeCrash);
            this.client = new TxnClient(context.agent(), TxnCluster.COORDINATOR, coordinator, 1, BEGIN_RESEND_NS, CLIENT_PATIENCE_NS,
                this::onOutcome);
        }

        private void maybeCrash(final int action, final long txn, final int group)
        {
            final boolean frequent = action == TxnDriver.Observer.PREPARE || action == TxnDriver.Observer.OUTCOME;
            if (!bank.healed && random.nextInt(frequent ? CRASH_ONE_IN : CRASH_ONE_IN / 5) == 0)
            {
                bank.crashesInjected++;
                bank.crashesAt[action]++;
                throw new SimulatedCrash("txn driver after action " + action + " for txn " + Long.toHexString(txn));
            }
        }

        @Override
        public void onClientRequest(final RandomGenerator runRandom)
        {
            if (txnId != 0)
            {
                return;
            }
            final long nowNs = context.clock().nanoTime();
            txnId = (long)context.memberId() << 56 | (context.incarnation() & 0xFFFFFF) << 32 | ++txnCounter;
            final long deadlineNs = nowNs + TXN_TIMEOUT_NS;
            final Transaction txn = new Transaction(coordinator.shardMap(), txnId, deadlineNs);
            readOnly = runRandom.nextInt(3) == 0;
            for (int i = 0; i < ACCOUNTS; i++)
            {
                if (shard(i).lockOf(account(i)) != 0)
                {
                    txnId = 0; // a transfer is in doubt here: reading around it would only abort
                    return;
                }
                seen[i] = balance(shard(i), i);
            }
            if (readOnly)
            {
                for (int i = 0; i < ACCOUNTS; i++)
                {
                    txn.read(account(i), shard(i).version(account(i)));
                }
            }
            else
            {
                final int from = runRandom.nextInt(ACCOUNTS);
                final int to = (from + 1 + runRandom.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                final long amount = 1 + runRandom.nextInt(5);
                if (seen[from] < amount)
                {
                    txnId = 0;
                    return;
                }
                final long fromVersion = shard(from).version(account(from));
                final long toVersion = shard(to).version(account(to));
                bank.transfers.put(txnId, new long[]{from, to, amount, fromVersion, toVersion});
                txn.read(account(from), fromVersion);
                txn.read(account(to), toVersion);
                txn.write(account(from), amount(seen[from] - amount));
                txn.write(account(to), amount(seen[to] + amount));
            }
            beginLength = txn.encodeBegin(begin, 0);
            bank.started++;
            if (!client.submit(txn, deadlineNs, nowNs))
            {
                throw new AssertionError("one transaction at a time, yet the client refused one");
            }
        }

        private ShardStateMachine shard(final int account)
        {
            return shards[coordinator.shardMap().ownerOf(account(account))];
        }

        @Override
        public int doWork(final long nowNs)
        {
            maybeCrashParticipantLeader();
            final int work = driver.doWork(nowNs) + client.doWork(nowNs);
            bank.beginRetries += client.resends() - resendsCounted;
            resendsCounted = client.resends();
            return work;
        }

        /**
         * A participant leader dies in doubt: while this member leads a shard group whose replica holds a
         * prepared transaction (it voted YES, nobody here has applied the outcome), it crashes one cycle in
         * five times {@value #CRASH_ONE_IN}, at most {@value #PARTICIPANT_LEADER_CRASHES_MAX} times a run (more
         * starves the run of commits without testing anything new).
         */
        private void maybeCrashParticipantLeader()
        {
            if (bank.healed || bank.participantLeaderCrashes >= PARTICIPANT_LEADER_CRASHES_MAX)
            {
                return;
            }
            for (int group = 1; group < shards.length; group++)
            {
                final io.synod.raft.RaftNode node = context.agent().group(group);
                if (shards[group].preparedCount() > 0 && node.role() == io.synod.raft.RaftRole.LEADER &&
                    random.nextInt(5 * CRASH_ONE_IN) == 0)
                {
                    bank.crashesInjected++;
                    bank.participantLeaderCrashes++;
                    throw new SimulatedCrash("participant leader of group " + group + " holding a prepared transaction");
                }
            }
        }

        private void onOutcome(final long txn, final int outcome, final int reason)
        {
            if (txn != txnId)
            {
                throw new AssertionError("outcome of " + Long.toHexString(txn) + " while waiting for " + Long.toHexString(txnId));
            }
            txnId = 0;
            if (outcome == TxnClient.COMMITTED)
            {
                if (readOnly)
                {
                    long sum = 0;
                    for (int i = 0; i < ACCOUNTS; i++)
                    {
                        if (seen[i] < 0)
                        {
                            throw new AssertionError("committed read saw account " + i + " negative: " + seen[i]);
                        }
                        sum += seen[i];
                    }
                    if (sum != TOTAL)
                    {
                        throw new AssertionError("committed read of txn " + Long.toHexString(txn) + " sums to " + sum);
                    }
                    bank.committedReads++;
                }
                else
                {
                    bank.committedTransfers++;
                }
            }
            else if (outcome == TxnClient.ABORTED)
            {
                bank.aborted++;
                bank.abortReasons[reason]++;
            }
            else
            {
                bank.unknown++;
                // A client that timed out retries once more with the same idempotency key, however late:
                // the coordinator answers the existing record, never a second transaction (the accounting
                // of every balance in the liveness check would see a second commit).
                context.agent().forward(TxnCluster.COORDINATOR, begin, 0, beginLength);
            }
        }
    }

    /**
     * The simulator's own commands: single-shard reads through the log (the fast path) of a random account
     * sent to a random shard, so that most reach a shard that does not own the key (a typed redirect naming
     * the owner) or find the key locked by a prepared transfer; and one in ten is garbage (bad input, typed
     * BAD_REQUEST), to a shard or to the coordinator group.
     */
    private static final class FastPathReads implements SimulationWorkload
    {
        private final Bank bank;
        private final ExpandableArrayBuffer kv = new ExpandableArrayBuffer(64);
        private final Long2IntMap expectedOwner = new Long2IntMap();

        FastPathReads(final Bank bank)
        {
            this.bank = bank;
        }

        @Override
        public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
        {
            if (groupId == TxnCluster.COORDINATOR || random.nextInt(10) == 0)
            {
                final int length = 1 + random.nextInt(40);
                for (int i = 0; i < length; i++)
                {
                    command.putByte(i, (byte)random.nextInt(256));
                }
                command.putByte(0, (byte)(groupId == TxnCluster.COORDINATOR ? 0x7F : 0x7E)); // no valid op
                return length;
            }
            final int account = random.nextInt(ACCOUNTS);
            final byte[] key = account(account);
            kv.putBytes(0, key);
            final int kvLength = KvClientCodec.encodeGet(kv, 16, kv, 0, key.length);
            expectedOwner.put(correlationId, bank.cluster.map.ownerOf(key), groupId, account);
            return ShardCodec.encodeKv(command, 0, bank.cluster.map.version(), kv, 16, kvLength);
        }

        @Override
        public void onCommitted(
            final int groupId, final long correlationId, final long index, final DirectBuffer response, final int offset, final int length)
        {
            final int status = groupId == TxnCluster.COORDINATOR ? CoordinatorCodec.status(response, offset, length) :
                ShardCodec.status(response, offset, length);
            final int owner = expectedOwner.owner(correlationId);
            expectedOwner.remove(correlationId);
            if (owner == 0)
            {
                final int bad = groupId == TxnCluster.COORDINATOR ? CoordinatorCodec.BAD_REQUEST : ShardCodec.BAD_REQUEST;
                if (status != bad)
                {
                    throw new AssertionError("garbage to group " + groupId + " answered " + status);
                }
                return;
            }
            if (owner != groupId)
            {
                if (status != ShardCodec.WRONG_SHARD || ShardCodec.detail(response, offset) != owner)
                {
                    throw new AssertionError("read sent to group " + groupId + " owned by " + owner + " answered " +
                        ShardCodec.statusName(status) + " " + ShardCodec.detail(response, offset));
                }
                bank.redirects++;
            }
            else if (status == ShardCodec.LOCKED)
            {
                bank.locked++;
            }
            else if (status == ShardCodec.OK)
            {
                final int kv = offset + ShardCodec.RESPONSE_HEADER_LENGTH;
                if (KvClientCodec.status(response, kv) != KvResponse.OK || response.getLong(KvClientCodec.valueOffset(kv), LITTLE_ENDIAN) < 0)
                {
                    throw new AssertionError("fast-path read of a present account failed or was negative");
                }
                bank.fastReads++;
            }
            else
            {
                throw new AssertionError("read answered " + ShardCodec.statusName(status));
            }
        }

        @Override
        public void onRejected(final int groupId, final long correlationId, final int reason)
        {
            expectedOwner.remove(correlationId);
        }

        @Override
        public void onUnknown(final int groupId, final long correlationId)
        {
            expectedOwner.remove(correlationId);
        }
    }

    /** Correlation id to the expected owner of the key read (0: garbage). */
    private static final class Long2IntMap
    {
        private final org.agrona.collections.Long2LongHashMap map = new org.agrona.collections.Long2LongHashMap(0);

        void put(final long correlationId, final int owner, final int group, final int account)
        {
            map.put(correlationId, owner);
        }

        int owner(final long correlationId)
        {
            return (int)map.get(correlationId);
        }

        void remove(final long correlationId)
        {
            map.remove(correlationId);
        }
    }
}
