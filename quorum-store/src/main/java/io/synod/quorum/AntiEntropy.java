package io.synod.quorum;

import io.synod.raft.ServiceChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * Active anti-entropy with incremental Merkle trees of the tic-tac kind (Riak 3 / leveled
 * {@code kv_index_tictactree}): replicas that missed writes (a partition, a dropped message, an expired hint)
 * converge without any read touching the key.
 *
 * <p>For every other member {@code p} this member keeps one tree over the keys that both of them replicate
 * (both are in the key's preference list), so the two sides of a pair cover exactly the same keys. A tree is
 * {@link #SEGMENTS} leaves; a key's leaf is picked by the top bits of its hash, and holds the XOR of
 * {@code h(key, set)} over its keys — so a write updates it in place ({@code leaf ^= h(key, old) ^ h(key, new)},
 * no allocation, any order), and equal data gives equal trees. {@link #BRANCHES} branches each XOR
 * {@link #SEGMENTS}/{@link #BRANCHES} leaves; the root is the XOR of all.
 *
 * <p>Exchange, every {@code antiEntropyIntervalNs}, with the next peer in turn: AE_BRANCHES carries this
 * side's branch hashes for the pair; the peer answers with its own and pushes (AE_PUSH, merged like a
 * replica write) its sets of the keys in the branches that differ; the first side does the same on the
 * answer. Only differing branches are descended into, and at most {@code antiEntropyPushMax} keys are sent
 * per exchange (bandwidth bounded per cycle); what is left differs at the next exchange.
 *
 * <p>The trees are rebuilt from the store at start (it is the store that is durable, not the trees).
 * <p><b>Threading.</b> The node's agent thread. <b>Allocation.</b> {@link #onWrite} none; an exchange's
 * scan of the store may allocate (background work, not the request path).
 */
final class AntiEntropy
{
    static final int SEGMENTS = 1024;
    static final int BRANCHES = 32;
    static final int LEAVES_PER_BRANCH = SEGMENTS / BRANCHES;
    static final int BRANCHES_LENGTH = QuorumCodec.HEADER_LENGTH + BRANCHES * 8;

    private final QuorumConfig config;
    private final int memberId;
    private final HashRing ring;
    private final ReplicaStore store;
    private final ServiceChannel channel;
    /** Every ring member but this one, ascending. */
    private final int[] peers;
    /** Invariant: leaves[peer index * SEGMENTS + segment] = XOR of h(key, set) over the pair's keys in the segment. */
    private final long[] leaves;
    private final int[] preference;
    private final long[] branches = new long[BRANCHES];
    private final UnsafeBuffer out;
    private final DvvSet scratch;
    private final ReplicaStore.RecordVisitor rebuilder = this::onRebuildRecord;
    private final ReplicaStore.RecordVisitor pusher = this::onPushRecord;
    private int nextPeer;
    private long nextExchangeNs;
    private int pushTo;
    private int pushMask;
    private int pushed;
    private long exchanges;
    private long keysPushed;
    private long branchesDiffering;

    AntiEntropy(final QuorumConfig config, final int memberId, final HashRing ring, final ReplicaStore store, final ServiceChannel channel)
    {
        this.config = config;
        this.memberId = memberId;
        this.ring = ring;
        this.store = store;
        this.channel = channel;
        final int[] members = ring.members();
        this.peers = new int[members.length - (ring.contains(memberId) ? 1 : 0)];
        int i = 0;
        for (final int member : members)
        {
            if (member != memberId)
            {
                peers[i++] = member;
            }
        }
        this.leaves = new long[peers.length * SEGMENTS];
        this.preference = new int[config.n()];
        this.out = new UnsafeBuffer(new byte[config.messageLengthMax()]);
        this.scratch = new DvvSet(config.entriesMax(), config.siblingsMax(), config.valueLengthMax());
    }

    /** Builds the trees from what the store holds (at start). */
    void rebuild()
    {
        Arrays.fill(leaves, 0);
        store.forEach(rebuilder);
    }

    private void onRebuildRecord(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer record,
        final int recordOffset, final int recordLength)
    {
        if (keyspaceId == config.keyspaceId() && scratch.decode(record, recordOffset, recordLength))
        {
            onWrite(key, keyOffset, keyLength, false, 0, true, scratch.summary());
        }
    }

    /**
     * The key's record changed from one set to another (either may be absent): update the leaf of the key in
     * the tree of every other replica of the key.
     */
    void onWrite(
        final DirectBuffer key, final int keyOffset, final int keyLength, final boolean hadOld, final long oldSummary,
        final boolean hasNew, final long newSummary)
    {
        final long keyHash = HashRing.hash(key, keyOffset, keyLength);
        final int count = ring.preferenceList(keyHash, config.n(), preference);
        boolean replica = false;
        for (int i = 0; i < count; i++)
        {
            replica |= preference[i] == memberId;
        }
        if (!replica)
        {
            return;
        }
        final long delta = (hadOld ? leaf(keyHash, oldSummary) : 0) ^ (hasNew ? leaf(keyHash, newSummary) : 0);
        final int segment = segment(keyHash);
        for (int i = 0; i < count; i++)
        {
            if (preference[i] != memberId)
            {
                leaves[peerIndex(preference[i]) * SEGMENTS + segment] ^= delta;
            }
        }
    }

    static int segment(final long keyHash)
    {
        return (int)(keyHash >>> 54); // the top 10 bits: 1024 segments
    }

    private static long leaf(final long keyHash, final long summary)
    {
        return HashRing.mix(keyHash * 0x9E3779B97F4A7C15L ^ summary);
    }

    private int peerIndex(final int member)
    {
        final int i = Arrays.binarySearch(peers, member);
        if (i < 0)
        {
            throw new IllegalStateException("member " + member + " is not on the ring");
        }
        return i;
    }

    /** Starts an exchange with the next peer when one is due. @return messages sent. */
    int doWork(final long nowNs)
    {
        if (nowNs - nextExchangeNs < 0 || peers.length == 0)
        {
            return 0;
        }
        nextExchangeNs = nowNs + config.antiEntropyIntervalNs();
        final int peer = peers[nextPeer];
        nextPeer = (nextPeer + 1) % peers.length;
        exchanges++;
        sendBranches(peer, 0);
        return 1;
    }

    private void sendBranches(final int peer, final int flags)
    {
        computeBranches(peerIndex(peer));
        QuorumCodec.encodeHeader(out, QuorumCodec.AE_BRANCHES, 0, flags, config.keyspaceId(), 0);
        for (int b = 0; b < BRANCHES; b++)
        {
            out.putLong(QuorumCodec.HEADER_LENGTH + b * 8, branches[b]);
        }
        channel.sendToMember(peer, 0, out, 0, BRANCHES_LENGTH);
    }

    private void computeBranches(final int peerIndex)
    {
        final int base = peerIndex * SEGMENTS;
        for (int b = 0; b < BRANCHES; b++)
        {
            long hash = 0;
            for (int l = 0; l < LEAVES_PER_BRANCH; l++)
            {
                hash ^= leaves[base + b * LEAVES_PER_BRANCH + l];
            }
            branches[b] = hash;
        }
    }

    /** A peer's branches: answer with ours if it asked, and push our keys of the branches that differ. */
    void onBranches(final int from, final DirectBuffer buffer, final int offset, final byte flags)
    {
        if (Arrays.binarySearch(peers, from) < 0)
        {
            return;
        }
        computeBranches(peerIndex(from));
        int mask = 0;
        for (int b = 0; b < BRANCHES; b++)
        {
            if (buffer.getLong(offset + QuorumCodec.HEADER_LENGTH + b * 8) != branches[b])
            {
                mask |= 1 << b;
            }
        }
        if (flags == 0)
        {
            sendBranches(from, 1);
        }
        if (mask != 0)
        {
            branchesDiffering += Integer.bitCount(mask);
            push(from, mask);
        }
    }

    private void push(final int peer, final int mask)
    {
        pushTo = peer;
        pushMask = mask;
        pushed = 0;
        store.forEach(pusher);
    }

    private void onPushRecord(
        final int keyspaceId, final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer record,
        final int recordOffset, final int recordLength)
    {
        if (keyspaceId != config.keyspaceId() || pushed == config.antiEntropyPushMax())
        {
            return;
        }
        final long keyHash = HashRing.hash(key, keyOffset, keyLength);
        if ((pushMask & (1 << (segment(keyHash) / LEAVES_PER_BRANCH))) == 0)
        {
            return;
        }
        final int count = ring.preferenceList(keyHash, config.n(), preference);
        boolean self = false;
        boolean peer = false;
        for (int i = 0; i < count; i++)
        {
            self |= preference[i] == memberId;
            peer |= preference[i] == pushTo;
        }
        if (!self || !peer)
        {
            return;
        }
        QuorumCodec.encodeHeader(out, QuorumCodec.AE_PUSH, 0, 0, config.keyspaceId(), 0);
        final int setOffset = QuorumCodec.encodeKey(out, key, keyOffset, keyLength);
        out.putBytes(setOffset, record, recordOffset, recordLength);
        channel.sendToMember(pushTo, 0, out, 0, setOffset + recordLength);
        pushed++;
        keysPushed++;
    }

    /** @return the ring the trees are kept for (a ring change makes the node build new trees). */
    HashRing ring()
    {
        return ring;
    }

    /** @return the root of the tree this member keeps with {@code peer} (equal on both sides when their shared keys agree). */
    long root(final int peer)
    {
        if (Arrays.binarySearch(peers, peer) < 0)
        {
            return 0; // not a peer on this member's ring
        }
        final int base = peerIndex(peer) * SEGMENTS;
        long root = 0;
        for (int s = 0; s < SEGMENTS; s++)
        {
            root ^= leaves[base + s];
        }
        return root;
    }

    long exchanges()
    {
        return exchanges;
    }

    long keysPushed()
    {
        return keysPushed;
    }

    long branchesDiffering()
    {
        return branchesDiffering;
    }
}
