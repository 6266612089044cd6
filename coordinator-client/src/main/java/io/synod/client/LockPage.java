package io.synod.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ClientProtocol#LOCK_QUERY}: its request body ({@link #encodeQuery}) and its answer, decoded. Little-endian.
 *
 * <pre>
 *  request body:  exact (u8: 1 = the name only, 0 = every name with this prefix), name or prefix bytes
 *
 *  answer:
 *  +-------------------------------+-------------------------------+
 *  |          count (i32)          |        more (i32: 0 / 1)      | 0
 *  +-------------------------------+-------------------------------+
 *  | count resources: name length (i32), kind (i32), capacity (i32),| 8
 *  |   used (i32), waiters (i32), holder count (i32), name bytes,  |
 *  |   then holder count holders: session (i64), thread (i64),     |
 *  |   fence (i64), permits (i32), hold count (i32),               |
 *  |   value length (i32), value bytes                             |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * @param locks the resources, in creation order.
 * @param more  true if the answer stopped at its limit or at the message size.
 */
public record LockPage(List<LockInfo> locks, boolean more)
{
    /** Bytes before the resources. */
    public static final int HEADER_LENGTH = 8;
    /** Bytes of a resource before its name. */
    public static final int RESOURCE_HEADER_LENGTH = 24;
    /** Bytes of a holder before its value. */
    public static final int HOLDER_HEADER_LENGTH = 36;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** @return the request body of a query for {@code name} (exact) or every name starting with it. */
    public static byte[] encodeQuery(final String name, final boolean exact)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > io.synod.lock.LockCommand.MAX_NAME_LENGTH || (exact && bytes.length == 0))
        {
            throw new IllegalArgumentException("a lock name is 1.." + io.synod.lock.LockCommand.MAX_NAME_LENGTH + " bytes: '" + name + "'");
        }
        final byte[] body = new byte[1 + bytes.length];
        body[0] = (byte)(exact ? 1 : 0);
        System.arraycopy(bytes, 0, body, 1, bytes.length);
        return body;
    }

    /** Writes a resource's header and name at {@code at}. @return the position after them. */
    public static int encodeResource(
        final MutableDirectBuffer out, final int at, final DirectBuffer name, final int nameLength, final int kind, final int capacity,
        final int used, final int waiters, final int holders)
    {
        out.putInt(at, nameLength, ORDER);
        out.putInt(at + 4, kind, ORDER);
        out.putInt(at + 8, capacity, ORDER);
        out.putInt(at + 12, used, ORDER);
        out.putInt(at + 16, waiters, ORDER);
        out.putInt(at + 20, holders, ORDER);
        out.putBytes(at + RESOURCE_HEADER_LENGTH, name, 0, nameLength);
        return at + RESOURCE_HEADER_LENGTH + nameLength;
    }

    /** Writes one holder at {@code at}. @return the position after it. */
    public static int encodeHolder(
        final MutableDirectBuffer out, final int at, final long session, final long thread, final long fence, final int permits,
        final int holdCount, final DirectBuffer value, final int valueLength)
    {
        out.putLong(at, session, ORDER);
        out.putLong(at + 8, thread, ORDER);
        out.putLong(at + 16, fence, ORDER);
        out.putInt(at + 24, permits, ORDER);
        out.putInt(at + 28, holdCount, ORDER);
        out.putInt(at + 32, valueLength, ORDER);
        out.putBytes(at + HOLDER_HEADER_LENGTH, value, 0, valueLength);
        return at + HOLDER_HEADER_LENGTH + valueLength;
    }

    /** Writes the answer's header at {@code at}. */
    public static void encodeHeader(final MutableDirectBuffer out, final int at, final int count, final boolean more)
    {
        out.putInt(at, count, ORDER);
        out.putInt(at + 4, more ? 1 : 0, ORDER);
    }

    /**
     * Decodes an answer of {@code length} bytes, checking every length against the frame.
     *
     * @return the page, or null if it is malformed.
     */
    public static LockPage decode(final DirectBuffer in, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return null;
        }
        final int count = in.getInt(offset, ORDER);
        final int more = in.getInt(offset + 4, ORDER);
        if (count < 0 || count > ClientProtocol.LIST_LIMIT_MAX || (more & ~1) != 0)
        {
            return null;
        }
        final List<LockInfo> locks = new ArrayList<>(count);
        final int end = offset + length;
        int at = offset + HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            if (end - at < RESOURCE_HEADER_LENGTH)
            {
                return null;
            }
            final int nameLength = in.getInt(at, ORDER);
            final int holders = in.getInt(at + 20, ORDER);
            if (nameLength < 1 || nameLength > io.synod.lock.LockCommand.MAX_NAME_LENGTH || holders < 0 ||
                end - at - RESOURCE_HEADER_LENGTH < nameLength)
            {
                return null;
            }
            final String name = in.getStringWithoutLengthUtf8(at + RESOURCE_HEADER_LENGTH, nameLength);
            final int kind = in.getInt(at + 4, ORDER);
            final int capacity = in.getInt(at + 8, ORDER);
            final int used = in.getInt(at + 12, ORDER);
            final int waiters = in.getInt(at + 16, ORDER);
            at += RESOURCE_HEADER_LENGTH + nameLength;
            final List<LockInfo.Holder> list = new ArrayList<>(Math.min(holders, 64));
            for (int h = 0; h < holders; h++)
            {
                if (end - at < HOLDER_HEADER_LENGTH)
                {
                    return null;
                }
                final int valueLength = in.getInt(at + 32, ORDER);
                if (valueLength < 0 || valueLength > io.synod.lock.LockCommand.MAX_VALUE_LENGTH || end - at - HOLDER_HEADER_LENGTH < valueLength)
                {
                    return null;
                }
                list.add(new LockInfo.Holder(in.getLong(at, ORDER), in.getLong(at + 8, ORDER), in.getLong(at + 16, ORDER),
                    in.getInt(at + 24, ORDER), in.getInt(at + 28, ORDER),
                    in.getStringWithoutLengthUtf8(at + HOLDER_HEADER_LENGTH, valueLength)));
                at += HOLDER_HEADER_LENGTH + valueLength;
            }
            locks.add(new LockInfo(name, kind, capacity, used, waiters, List.copyOf(list)));
        }
        return at == end ? new LockPage(List.copyOf(locks), more == 1) : null;
    }
}
