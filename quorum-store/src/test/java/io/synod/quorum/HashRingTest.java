package io.synod.quorum;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashRingTest
{
    @Test
    void shouldGiveEveryKeyNDistinctMembersTheSameOnEveryMember()
    {
        final HashRing ring = new HashRing(new int[]{5, 1, 3, 2, 4}, HashRing.VNODES_DEFAULT);
        final HashRing again = new HashRing(new int[]{1, 2, 3, 4, 5}, HashRing.VNODES_DEFAULT);
        final int[] list = new int[3];
        final int[] other = new int[3];
        final int[] primaries = new int[6];
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        for (int k = 0; k < 10_000; k++)
        {
            key.putLong(0, k);
            final long hash = HashRing.hash(key, 0, 8);
            assertEquals(3, ring.preferenceList(hash, 3, list));
            again.preferenceList(hash, 3, other);
            assertEquals(Set.of(list[0], list[1], list[2]).size(), 3);
            for (int i = 0; i < 3; i++)
            {
                assertEquals(list[i], other[i]);
            }
            primaries[list[0]]++;
        }
        for (int m = 1; m <= 5; m++)
        {
            assertTrue(primaries[m] > 1_200 && primaries[m] < 2_800, "member " + m + " is primary for " + primaries[m]);
        }
        assertEquals(2, new HashRing(new int[]{1, 2}, 4).preferenceList(7, 3, list), "n above the ring's size: all members");
    }

    @Test
    void shouldMoveOnlyTheRangesOfAMemberThatJoins()
    {
        final HashRing before = new HashRing(new int[]{1, 2, 3, 4}, HashRing.VNODES_DEFAULT);
        final HashRing after = new HashRing(new int[]{1, 2, 3, 4, 5}, HashRing.VNODES_DEFAULT);
        final int[] a = new int[1];
        final int[] b = new int[1];
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        int moved = 0;
        for (int k = 0; k < 10_000; k++)
        {
            key.putLong(0, k);
            final long hash = HashRing.hash(key, 0, 8);
            before.preferenceList(hash, 1, a);
            after.preferenceList(hash, 1, b);
            if (a[0] != b[0])
            {
                assertEquals(5, b[0], "a key moved, and not to the new member");
                moved++;
            }
        }
        assertTrue(moved > 1_000 && moved < 3_000, "moved " + moved);
    }

    @Test
    void shouldRefuseBadMembersAndResolveConsistencyLevels()
    {
        assertThrows(IllegalArgumentException.class, () -> new HashRing(new int[]{1, 1}, 4));
        assertThrows(IllegalArgumentException.class, () -> new HashRing(new int[]{0}, 4));
        assertThrows(IllegalArgumentException.class, () -> new HashRing(new int[0], 4));
        assertEquals(2, Consistency.resolve(Consistency.QUORUM, 3));
        assertEquals(3, Consistency.resolve(Consistency.ALL, 3));
        assertEquals(1, Consistency.resolve(Consistency.ONE, 3));
        assertEquals(0, Consistency.resolve(4, 3));
        assertEquals(0, Consistency.resolve(0, 3));
        assertEquals(0, Consistency.resolve(-9, 3));
        assertTrue(Consistency.overlaps(2, 2, 3));
        assertTrue(!Consistency.overlaps(1, 2, 3));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Consistency.require("w", 4, 3));
        assertTrue(ex.getMessage().contains("w = 4 is not valid for n = 3"), ex.getMessage());
        final Set<Long> tokens = new HashSet<>();
        for (int m = 1; m <= 64; m++)
        {
            for (int v = 0; v < 64; v++)
            {
                tokens.add(HashRing.token(m, v));
            }
        }
        assertEquals(64 * 64, tokens.size(), "tokens do not collide");
    }
}
