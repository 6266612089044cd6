package io.synod.quorum;

import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * Placement: a consistent-hash ring with virtual nodes (Dynamo §4.2). Each member owns {@code vnodes}
 * tokens on a 64-bit ring; a key's preference list is the first {@code n} <em>distinct</em> members met
 * walking clockwise from the key's hash. Adding or removing one member moves only the ranges next to
 * its own tokens.
 *
 * <p>The ring is immutable; a ring change builds a new one. By default members' tokens are a pure function
 * of the member id and the vnode number, so every member that knows the same member set computes the same
 * ring without talking; a ring whose membership changes at run time is agreed through a Raft group instead
 * ({@link RingStateMachine}), with the tokens carried in its commands.
 *
 * <p><b>Threading.</b> Immutable after construction: any thread. <b>Allocation.</b> The constructor
 * allocates; {@link #hash} and {@link #preferenceList} do not.
 */
public final class HashRing
{
    /** Tokens per member unless said otherwise: enough for an even spread over a few dozen members. */
    public static final int VNODES_DEFAULT = 64;
    /** The most members one ring holds (preference lists are tracked in 64-bit masks). */
    public static final int MEMBERS_MAX = 64;

    /** Invariant: sorted ascending (signed order), parallel to {@link #owners}. */
    private final long[] tokens;
    private final int[] owners;
    private final int[] members;
    private final int vnodes;

    /**
     * A ring whose tokens derive from the member ids ({@link #token}): every member that knows the member set
     * computes the same ring.
     *
     * @param members distinct positive member ids, at most {@link #MEMBERS_MAX}.
     * @param vnodes  tokens per member, at least 1.
     */
    public HashRing(final int[] members, final int vnodes)
    {
        this(members, derivedTokens(members, vnodes));
    }

    /**
     * A ring with explicit tokens (as the {@link RingStateMachine} holds them): member {@code members[i]} owns
     * {@code tokens[i]}.
     *
     * @throws IllegalArgumentException for no or too many members, a non-positive or repeated id, a member
     *                                  without tokens, or a token owned twice.
     */
    public HashRing(final int[] members, final long[][] memberTokens)
    {
        if (members.length == 0 || members.length > MEMBERS_MAX || memberTokens.length != members.length)
        {
            throw new IllegalArgumentException("a ring needs 1.." + MEMBERS_MAX + " members, each with its tokens: " +
                members.length + " members, " + memberTokens.length + " token lists");
        }
        final int[] sorted = members.clone();
        Arrays.sort(sorted);
        int count = 0;
        int most = 0;
        for (int i = 0; i < sorted.length; i++)
        {
            if (sorted[i] <= 0 || (i > 0 && sorted[i] == sorted[i - 1]))
            {
                throw new IllegalArgumentException("member ids must be positive and distinct: " + Arrays.toString(members));
            }
            if (memberTokens[i].length == 0)
            {
                throw new IllegalArgumentException("member " + members[i] + " has no tokens");
            }
            count += memberTokens[i].length;
            most = Math.max(most, memberTokens[i].length);
        }
        this.members = sorted;
        this.vnodes = most;
        final long[][] pairs = new long[count][];
        int at = 0;
        for (int m = 0; m < members.length; m++)
        {
            for (final long token : memberTokens[m])
            {
                pairs[at++] = new long[]{token, members[m]};
            }
        }
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        this.tokens = new long[count];
        this.owners = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (i > 0 && pairs[i][0] == pairs[i - 1][0])
            {
                throw new IllegalArgumentException("token " + pairs[i][0] + " is owned twice (members " + pairs[i - 1][1] +
                    " and " + pairs[i][1] + ")");
            }
            tokens[i] = pairs[i][0];
            owners[i] = (int)pairs[i][1];
        }
    }

    private static long[][] derivedTokens(final int[] members, final int vnodes)
    {
        if (vnodes < 1)
        {
            throw new IllegalArgumentException("vnodes must be at least 1: " + vnodes);
        }
        final long[][] tokens = new long[members.length][];
        for (int m = 0; m < members.length; m++)
        {
            tokens[m] = tokens(members[m], vnodes);
        }
        return tokens;
    }

    /** @return {@code vnodes} tokens of {@code member}: {@link #token}{@code (member, 0..vnodes-1)}. */
    public static long[] tokens(final int member, final int vnodes)
    {
        final long[] tokens = new long[vnodes];
        for (int v = 0; v < vnodes; v++)
        {
            tokens[v] = token(member, v);
        }
        return tokens;
    }

    /** @return the token of {@code member}'s virtual node {@code vnode}. */
    public static long token(final int member, final int vnode)
    {
        return mix(((long)member << 32) ^ (vnode * 0x9E3779B97F4A7C15L) ^ 0x5851F42D4C957F2DL);
    }

    /**
     * The key's position on the ring: FNV-1a over the bytes, finished with a 64-bit mixer so that keys
     * that differ in one byte land far apart. Allocation-free.
     */
    public static long hash(final DirectBuffer key, final int offset, final int length)
    {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < length; i++)
        {
            h ^= key.getByte(offset + i) & 0xFF;
            h *= 0x100000001B3L;
        }
        return mix(h ^ length);
    }

    /** Stafford's variant 13 of MurmurHash3's finaliser. */
    static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Writes the key's preference list into {@code out}: the first {@code n} distinct members clockwise
     * from {@code keyHash}, in walking order (the first is the key's primary). Allocation-free; at most
     * one walk round the ring.
     *
     * @return the members written: {@code min(n, size())}.
     */
    public int preferenceList(final long keyHash, final int n, final int[] out)
    {
        final int want = Math.min(n, members.length);
        if (out.length < want)
        {
            throw new IllegalArgumentException("out holds " + out.length + " of " + want);
        }
        int start = Arrays.binarySearch(tokens, keyHash);
        if (start < 0)
        {
            start = -start - 1;
        }
        int count = 0;
        for (int step = 0; step < tokens.length && count < want; step++)
        {
            final int owner = owners[(start + step) % tokens.length];
            boolean seen = false;
            for (int i = 0; i < count; i++)
            {
                seen |= out[i] == owner;
            }
            if (!seen)
            {
                out[count++] = owner;
            }
        }
        if (count != want)
        {
            throw new IllegalStateException("walked the ring and found " + count + " of " + want + " members");
        }
        return count;
    }

    /** @return whether {@code member} is on the ring. */
    public boolean contains(final int member)
    {
        return Arrays.binarySearch(members, member) >= 0;
    }

    /** @return members on the ring. */
    public int size()
    {
        return members.length;
    }

    /** @return the members, ascending (a copy). */
    public int[] members()
    {
        return members.clone();
    }

    /** @return tokens per member. */
    public int vnodes()
    {
        return vnodes;
    }
}
