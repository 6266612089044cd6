package io.synod.kv;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link KeyValueStateMachine#list}: keys in unsigned byte order from the ordered index, by prefix, limit and
 * continuation; deletes leave the index; a restore rebuilds it.
 */
class KvListTest
{
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer();
    private long index;

    private void put(final KeyValueStateMachine sm, final String key, final String value)
    {
        final byte[] command = KvClientCodec.put(bytes(key), bytes(value));
        sm.apply(++index, 1, new UnsafeBuffer(command), 0, command.length, response);
    }

    private void delete(final KeyValueStateMachine sm, final String key)
    {
        final byte[] command = KvClientCodec.delete(bytes(key));
        sm.apply(++index, 1, new UnsafeBuffer(command), 0, command.length, response);
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> list(final KeyValueStateMachine sm, final String prefix, final String after, final int limit)
    {
        final List<String> keys = new ArrayList<>();
        sm.list(bytes(prefix), bytes(after), limit, (key, value, valueLength, version) ->
        {
            keys.add(new String(key, StandardCharsets.UTF_8) + "=" + new String(value, 0, valueLength, StandardCharsets.UTF_8) + "@" + version);
            return true;
        });
        return keys;
    }

    @Test
    void shouldListByPrefixInByteOrderWithLimitAndContinuation()
    {
        final KeyValueStateMachine sm = new KeyValueStateMachine(16, true);
        for (final String key : new String[] {"b/2", "a/1", "b/1", "b/10", "c", "b/3", "b"})
        {
            put(sm, key, "v" + key);
        }
        put(sm, "b/1", "again");
        assertEquals(List.of("b=vb@1", "b/1=again@2", "b/10=vb/10@1", "b/2=vb/2@1", "b/3=vb/3@1"), list(sm, "b", "", 100));
        assertEquals(List.of("b/1=again@2", "b/10=vb/10@1"), list(sm, "b/", "", 2));
        assertEquals(List.of("b/2=vb/2@1", "b/3=vb/3@1"), list(sm, "b/", "b/10", 2));
        assertEquals(List.of("c=vc@1"), list(sm, "", "b/3", 10));
        assertEquals(List.of(), list(sm, "z", "", 10));
        delete(sm, "b/10");
        assertEquals(List.of("b/1=again@2", "b/2=vb/2@1", "b/3=vb/3@1"), list(sm, "b/", "", 10));
    }

    @Test
    void shouldOrderBytesUnsigned()
    {
        final KeyValueStateMachine sm = new KeyValueStateMachine(16, true);
        final byte[] high = {(byte)0xC3, (byte)0xA9};
        final byte[] command = KvClientCodec.put(high, bytes("x"));
        sm.apply(++index, 1, new UnsafeBuffer(command), 0, command.length, response);
        put(sm, "z", "y");
        final List<Integer> firstBytes = new ArrayList<>();
        sm.list(new byte[0], new byte[0], 10, (key, value, valueLength, version) -> firstBytes.add(key[0] & 0xFF));
        assertEquals(List.of((int)'z', 0xC3), firstBytes);
    }

    @Test
    void shouldRebuildTheIndexOnRestore()
    {
        final KeyValueStateMachine source = new KeyValueStateMachine(16, true);
        for (int i = 0; i < 50; i++)
        {
            put(source, String.format("k%03d", i), "v" + i);
        }
        final KeyValueStateMachine restored = new KeyValueStateMachine(16, true);
        restored.restore(new Kv.BytesReader(Kv.snapshot(source, 4096), 4096));
        assertEquals(list(source, "k0", "", 1000), list(restored, "k0", "", 1000));
        assertEquals(10, list(restored, "k01", "", 1000).size());
    }

    @Test
    void shouldRefuseListWithoutTheIndex()
    {
        assertThrows(IllegalStateException.class, () -> new KeyValueStateMachine().list(new byte[0], new byte[0], 1, (k, v, l, ver) -> true));
    }
}
