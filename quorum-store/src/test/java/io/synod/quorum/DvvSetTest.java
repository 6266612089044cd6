package io.synod.quorum;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dotted version vector set against the cases of Riak's {@code dvvset.erl} tests and its laws: a write
 * with a stale context adds exactly one sibling and supersedes what the context saw; sync is commutative,
 * associative and idempotent; the codec round-trips and refuses bad bytes.
 */
class DvvSetTest
{
    private static final int KEYSPACE = 9;

    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 * 1024]);

    static DvvSet set()
    {
        return new DvvSet(8, 8, 64);
    }

    /** dvvset {@code update/3} then what a client read would show as values. */
    private DvvSet put(final DvvSet context, final DvvSet local, final int replica, final String value)
    {
        final DvvSet out = set();
        final byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        assertTrue(out.update(context, local, replica, new UnsafeBuffer(bytes), 0, bytes.length, (byte)0));
        return out;
    }

    private DvvSet contextOf(final DvvSet set)
    {
        final int length = set.encodeContext(KEYSPACE, scratch, 0);
        final DvvSet context = set();
        assertEquals(QuorumStatus.OK, context.decodeContext(KEYSPACE, scratch, 0, length));
        return context;
    }

    static List<String> values(final DvvSet set)
    {
        final List<String> values = new ArrayList<>();
        for (int i = 0; i < set.valueCount(); i++)
        {
            final byte[] bytes = new byte[set.valueLength(i)];
            set.valueBuffer().getBytes(set.valueOffset(i), bytes);
            values.add(new String(bytes, StandardCharsets.US_ASCII));
        }
        return values;
    }

    @Test
    void shouldSupersedeExactlyWhatTheContextSawAndKeepTheRestAsSiblings()
    {
        // dvvset sync_update_test: Mary writes v1, then v2 without a context; Peter writes v3 with v1's context.
        final DvvSet empty = set();
        final DvvSet a1 = put(empty, empty, 1, "v1");
        final DvvSet a2 = put(empty, a1, 1, "v2");
        assertEquals(List.of("v2", "v1"), values(a2), "a blind write keeps v1 as a sibling");
        final DvvSet a3 = put(contextOf(a1), a2, 1, "v3");
        assertEquals(List.of("v3", "v2"), values(a3), "v1 superseded, v2 kept");
        assertEquals(3, a3.counter(1));
        assertEquals("{1:3[2B,2B]}", a3.toString());
    }

    @Test
    void shouldCollapseSiblingsWhenAWriteCarriesTheirContext()
    {
        final DvvSet empty = set();
        final DvvSet a = put(empty, empty, 1, "a");
        final DvvSet b = put(empty, empty, 2, "b");
        final DvvSet both = set();
        assertTrue(both.sync(a, b));
        assertEquals(List.of("a", "b"), values(both), "concurrent writes on two replicas are siblings");
        final DvvSet resolved = put(contextOf(both), both, 2, "ab");
        assertEquals(List.of("ab"), values(resolved));
        assertTrue(resolved.descends(both) && !both.descends(resolved));
    }

    @Test
    void shouldDropOnSyncWhatTheOtherSideKnowsToBeObsolete()
    {
        final DvvSet empty = set();
        final DvvSet v1 = put(empty, empty, 1, "v1");
        final DvvSet v2 = put(contextOf(v1), v1, 1, "v2");
        final DvvSet merged = set();
        assertTrue(merged.sync(v1, v2));
        assertEquals(List.of("v2"), values(merged));
        assertTrue(merged.sync(v2, v1));
        assertEquals(List.of("v2"), values(merged));
    }

    @Test
    void shouldObeyTheLawsOfSyncOnRandomHistories()
    {
        final SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 2_000; round++)
        {
            final DvvSet[] replicas = {set(), set(), set()};
            for (int op = 0; op < 6; op++)
            {
                final int r = random.nextInt(3);
                final DvvSet context = random.nextBoolean() ? set() : contextOf(replicas[random.nextInt(3)]);
                final DvvSet next = set();
                if (next.update(context, replicas[r], r + 1, new UnsafeBuffer(new byte[]{(byte)op}), 0, 1, (byte)0))
                {
                    replicas[r] = next;
                }
                final int from = random.nextInt(3);
                final int to = random.nextInt(3);
                final DvvSet merged = set();
                if (from != to && merged.sync(replicas[to], replicas[from]))
                {
                    replicas[to] = merged;
                }
            }
            final DvvSet ab = set();
            final DvvSet ba = set();
            assertEquals(ab.sync(replicas[0], replicas[1]), ba.sync(replicas[1], replicas[0]));
            assertTrue(ab.sameAs(ba), () -> ab + " vs " + ba);
            final DvvSet abc = set();
            final DvvSet bc = set();
            final DvvSet aBc = set();
            if (abc.sync(ab, replicas[2]) && bc.sync(replicas[1], replicas[2]) && aBc.sync(replicas[0], bc))
            {
                assertTrue(abc.sameAs(aBc), "associative");
            }
            final DvvSet aa = set();
            assertTrue(aa.sync(replicas[0], replicas[0]));
            assertTrue(aa.sameAs(replicas[0]), "idempotent");
            assertTrue(ab.descends(replicas[0]) && ab.descends(replicas[1]));

            final int length = abc.encode(scratch, 3);
            assertEquals(abc.encodedLength(), length);
            final DvvSet decoded = set();
            assertTrue(decoded.decode(scratch, 3, length));
            assertTrue(decoded.sameAs(abc));
            assertEquals(values(abc), values(decoded));
        }
    }

    @Test
    void shouldRefuseMalformedBytesWithoutThrowing()
    {
        final DvvSet empty = set();
        final DvvSet v = put(empty, put(empty, empty, 2, "x"), 5, "hello");
        final int length = v.encode(scratch, 0);
        final DvvSet decoded = set();
        for (int cut = 0; cut < length; cut++)
        {
            assertFalse(decoded.decode(scratch, 0, cut), "truncated at " + cut);
        }
        final SplittableRandom random = new SplittableRandom(7);
        final UnsafeBuffer garbage = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < 20_000; i++)
        {
            garbage.putBytes(0, scratch, 0, length);
            garbage.putByte(random.nextInt(length), (byte)random.nextInt(256));
            if (decoded.decode(garbage, 0, length))
            {
                assertEquals(length, decoded.encodedLength(), "a flipped byte decoded into a set of another size");
            }
        }
        assertFalse(decoded.decode(scratch, 0, length + 1));
        assertFalse(decoded.decode(scratch, -1, length));
        assertTrue(decoded.decode(scratch, 0, length));
    }

    @Test
    void shouldRefuseAContextFromAnotherKeyspaceAndKeepTheSiblingLimit()
    {
        final DvvSet empty = set();
        final DvvSet v = put(empty, empty, 1, "v");
        final int length = v.encodeContext(KEYSPACE + 1, scratch, 0);
        assertEquals(QuorumStatus.WRONG_KEYSPACE, set().decodeContext(KEYSPACE, scratch, 0, length));
        assertEquals(QuorumStatus.BAD_REQUEST, set().decodeContext(KEYSPACE, scratch, 0, length - 1));

        DvvSet many = set();
        for (int i = 0; i < 8; i++)
        {
            many = put(empty, many, 1 + i % 3, "s" + i);
        }
        assertEquals(8, many.valueCount());
        final DvvSet over = set();
        assertFalse(over.update(empty, many, 1, new UnsafeBuffer(new byte[1]), 0, 1, (byte)0), "siblingsMax refuses a ninth");
    }
}
