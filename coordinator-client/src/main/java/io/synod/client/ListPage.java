package io.synod.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a {@link ClientProtocol#KV_LIST} answer, and its decoded form: up to the request's limit of
 * entries in unsigned byte order of their keys, and whether more may follow (continue with
 * {@link #continuationKey()} as the next request's {@code after}). Little-endian.
 *
 * <pre>
 *  +-------------------------------+---------------+---------------+
 *  |          count (i32)          |  more (u8)    | reserved (0)  | 0  (reserved: 3 bytes)
 *  +-------------------------------+---------------+---------------+
 *  | entries: key length (u16), reserved (u16), value length (i32),| 8
 *  |          version (i64), key bytes, value bytes; count times    |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * @param entries the entries, in key order.
 * @param more    true if the page stopped at its limit or at the message size: keys may follow.
 */
public record ListPage(List<KvEntry> entries, boolean more)
{
    /** Bytes before the entries. */
    public static final int HEADER_LENGTH = 8;
    /** Bytes of an entry before its key. */
    public static final int ENTRY_HEADER_LENGTH = 16;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** @return the key to pass as {@code after} for the next page, or null when the page is empty. */
    public byte[] continuationKey()
    {
        return entries.isEmpty() ? null : entries.get(entries.size() - 1).key();
    }

    /**
     * Appends one entry at {@code at} (the caller tracks the position and the room).
     *
     * @return the position after it.
     */
    public static int encodeEntry(
        final MutableDirectBuffer out, final int at, final byte[] key, final byte[] value, final int valueLength, final long version)
    {
        out.putShort(at, (short)key.length, ORDER);
        out.putShort(at + 2, (short)0, ORDER);
        out.putInt(at + 4, valueLength, ORDER);
        out.putLong(at + 8, version, ORDER);
        out.putBytes(at + ENTRY_HEADER_LENGTH, key);
        out.putBytes(at + ENTRY_HEADER_LENGTH + key.length, value, 0, valueLength);
        return at + ENTRY_HEADER_LENGTH + key.length + valueLength;
    }

    /** Writes the page header at {@code at}. */
    public static void encodeHeader(final MutableDirectBuffer out, final int at, final int count, final boolean more)
    {
        out.putInt(at, count, ORDER);
        out.putInt(at + 4, more ? 1 : 0, ORDER);
    }

    /**
     * Decodes a page of {@code length} bytes, checking every length against the frame.
     *
     * @return the page, or null if it is malformed.
     */
    public static ListPage decode(final DirectBuffer in, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return null;
        }
        final int count = in.getInt(offset, ORDER);
        final int flags = in.getInt(offset + 4, ORDER);
        if (count < 0 || count > ClientProtocol.LIST_LIMIT_MAX || (flags & ~1) != 0)
        {
            return null;
        }
        final List<KvEntry> entries = new ArrayList<>(count);
        int at = offset + HEADER_LENGTH;
        final int end = offset + length;
        for (int i = 0; i < count; i++)
        {
            if (end - at < ENTRY_HEADER_LENGTH)
            {
                return null;
            }
            final int keyLength = in.getShort(at, ORDER) & 0xFFFF;
            final int valueLength = in.getInt(at + 4, ORDER);
            final long version = in.getLong(at + 8, ORDER);
            if (keyLength > ClientRequest.MAX_KEY_LENGTH || valueLength < 0 || valueLength > io.synod.kv.KvCommand.MAX_VALUE_LENGTH ||
                in.getShort(at + 2, ORDER) != 0 || version < 1 ||
                (long)end - at - ENTRY_HEADER_LENGTH < (long)keyLength + valueLength)
            {
                return null;
            }
            final byte[] key = new byte[keyLength];
            final byte[] value = new byte[valueLength];
            in.getBytes(at + ENTRY_HEADER_LENGTH, key);
            in.getBytes(at + ENTRY_HEADER_LENGTH + keyLength, value);
            entries.add(new KvEntry(key, value, version));
            at += ENTRY_HEADER_LENGTH + keyLength + valueLength;
        }
        return at == end ? new ListPage(List.copyOf(entries), flags == 1) : null;
    }
}
