package io.synod.kv;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Client-side encoding of {@link KvCommand}s and decoding of {@link KvResponse}s, as static methods.
 *
 * <p>The {@code encode*} methods and the response accessors write into or read from the caller's
 * buffers and allocate nothing. The methods returning {@code byte[]} ({@link #put(byte[], byte[])},
 * {@link #get(byte[])}, {@link #delete(byte[])}, {@link #compareAndSet(byte[], long, byte[])},
 * {@link #value}) allocate the array they return and exist for tests, demos and tools.
 *
 * <p>Encoding checks what the state machine would reject and throws
 * {@link IllegalArgumentException} for a key longer than {@link KvCommand#MAX_KEY_LENGTH}, a value
 * longer than {@link KvCommand#MAX_VALUE_LENGTH} or a negative expected version: a client learns of a
 * bad request before it is replicated. Encoding also needs room for
 * {@link KvCommand#HEADER_LENGTH} + key + value bytes in the destination (an expandable buffer grows).
 */
public final class KvClientCodec
{
    private KvClientCodec()
    {
    }

    /**
     * Encodes put(key, value).
     *
     * @return the command length.
     */
    public static int encodePut(
        final MutableDirectBuffer buffer,
        final int offset,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        return encode(buffer, offset, KvCommand.PUT, key, keyOffset, keyLength, value, valueOffset, valueLength, 0);
    }

    /**
     * Encodes get(key).
     *
     * @return the command length.
     */
    public static int encodeGet(
        final MutableDirectBuffer buffer, final int offset, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return encode(buffer, offset, KvCommand.GET, key, keyOffset, keyLength, key, keyOffset, 0, 0);
    }

    /**
     * Encodes delete(key).
     *
     * @return the command length.
     */
    public static int encodeDelete(
        final MutableDirectBuffer buffer, final int offset, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return encode(buffer, offset, KvCommand.DELETE, key, keyOffset, keyLength, key, keyOffset, 0, 0);
    }

    /**
     * Encodes compareAndSet(key, expectedVersion, value); expected version 0 means "the key must be absent".
     *
     * @return the command length.
     */
    public static int encodeCompareAndSet(
        final MutableDirectBuffer buffer,
        final int offset,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final long expectedVersion,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        if (expectedVersion < 0)
        {
            throw new IllegalArgumentException("expectedVersion must not be negative: " + expectedVersion);
        }
        return encode(
            buffer, offset, KvCommand.COMPARE_AND_SET, key, keyOffset, keyLength, value, valueOffset, valueLength,
            expectedVersion);
    }

    /**
     * Encodes put(key, value) from arrays. Allocation-free.
     *
     * @return the command length.
     */
    public static int encodePut(final MutableDirectBuffer buffer, final int offset, final byte[] key, final byte[] value)
    {
        checkLengths(key.length, value.length);
        final int length = header(buffer, offset, KvCommand.PUT, key.length, value.length, 0);
        buffer.putBytes(offset + KvCommand.HEADER_LENGTH, key);
        buffer.putBytes(offset + KvCommand.HEADER_LENGTH + key.length, value);
        return length;
    }

    /**
     * @return a new array holding put(key, value). Allocates.
     */
    public static byte[] put(final byte[] key, final byte[] value)
    {
        return command(KvCommand.PUT, key, value, 0);
    }

    /**
     * @return a new array holding get(key). Allocates.
     */
    public static byte[] get(final byte[] key)
    {
        return command(KvCommand.GET, key, new byte[0], 0);
    }

    /**
     * @return a new array holding delete(key). Allocates.
     */
    public static byte[] delete(final byte[] key)
    {
        return command(KvCommand.DELETE, key, new byte[0], 0);
    }

    /**
     * @return a new array holding compareAndSet(key, expectedVersion, value). Allocates.
     */
    public static byte[] compareAndSet(final byte[] key, final long expectedVersion, final byte[] value)
    {
        if (expectedVersion < 0)
        {
            throw new IllegalArgumentException("expectedVersion must not be negative: " + expectedVersion);
        }
        return command(KvCommand.COMPARE_AND_SET, key, value, expectedVersion);
    }

    /**
     * @return true if {@code length} bytes at {@code offset} are a well-formed response.
     */
    public static boolean isValidResponse(final DirectBuffer response, final int offset, final int length)
    {
        if (length < KvResponse.HEADER_LENGTH || offset < 0 || (long)offset + length > response.capacity())
        {
            return false;
        }
        final int status = status(response, offset);
        final int valueLength = valueLength(response, offset);
        return status <= KvResponse.BAD_REQUEST &&
            response.getByte(offset + KvResponse.STATUS_OFFSET + 1) == 0 &&
            response.getShort(offset + KvResponse.STATUS_OFFSET + 2, KvResponse.ORDER) == 0 &&
            valueLength >= 0 && valueLength <= KvCommand.MAX_VALUE_LENGTH &&
            KvResponse.HEADER_LENGTH + valueLength == length &&
            (status == KvResponse.OK || valueLength == 0);
    }

    /** @return the status code of the response at {@code offset}: {@link KvResponse#OK} etc. */
    public static int status(final DirectBuffer response, final int offset)
    {
        return response.getByte(offset + KvResponse.STATUS_OFFSET) & 0xFF;
    }

    /** @return the version of the response at {@code offset} (its meaning per op: see {@link KvResponse}). */
    public static long version(final DirectBuffer response, final int offset)
    {
        return response.getLong(offset + KvResponse.VERSION_OFFSET, KvResponse.ORDER);
    }

    /** @return the value length of the response at {@code offset}; 0 unless a get found its key. */
    public static int valueLength(final DirectBuffer response, final int offset)
    {
        return response.getInt(offset + KvResponse.VALUE_LENGTH_OFFSET, KvResponse.ORDER);
    }

    /** @return offset of the value bytes of the response at {@code offset}. */
    public static int valueOffset(final int offset)
    {
        return offset + KvResponse.HEADER_LENGTH;
    }

    /**
     * Copies the value of the response at {@code offset} into {@code destination}. Allocation-free.
     *
     * @return the value length.
     */
    public static int copyValue(
        final DirectBuffer response, final int offset, final MutableDirectBuffer destination, final int destinationOffset)
    {
        final int length = valueLength(response, offset);
        destination.putBytes(destinationOffset, response, valueOffset(offset), length);
        return length;
    }

    /**
     * @return a new array holding the value of an OK response, or null for any other status. Allocates.
     */
    public static byte[] value(final DirectBuffer response, final int offset)
    {
        if (status(response, offset) != KvResponse.OK)
        {
            return null;
        }
        final byte[] value = new byte[valueLength(response, offset)];
        response.getBytes(valueOffset(offset), value);
        return value;
    }

    private static byte[] command(final int opCode, final byte[] key, final byte[] value, final long expectedVersion)
    {
        checkLengths(key.length, value.length);
        final byte[] bytes = new byte[KvCommand.HEADER_LENGTH + key.length + value.length];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        header(buffer, 0, opCode, key.length, value.length, expectedVersion);
        buffer.putBytes(KvCommand.HEADER_LENGTH, key);
        buffer.putBytes(KvCommand.HEADER_LENGTH + key.length, value);
        return bytes;
    }

    private static int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int opCode,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long expectedVersion)
    {
        checkLengths(keyLength, valueLength);
        final int length = header(buffer, offset, opCode, keyLength, valueLength, expectedVersion);
        buffer.putBytes(offset + KvCommand.HEADER_LENGTH, key, keyOffset, keyLength);
        buffer.putBytes(offset + KvCommand.HEADER_LENGTH + keyLength, value, valueOffset, valueLength);
        return length;
    }

    private static int header(
        final MutableDirectBuffer buffer,
        final int offset,
        final int opCode,
        final int keyLength,
        final int valueLength,
        final long expectedVersion)
    {
        buffer.putByte(offset + KvCommand.OP_CODE_OFFSET, (byte)opCode);
        buffer.putByte(offset + KvCommand.RESERVED_OFFSET, (byte)0);
        buffer.putShort(offset + KvCommand.KEY_LENGTH_OFFSET, (short)keyLength, KvCommand.ORDER);
        buffer.putInt(offset + KvCommand.VALUE_LENGTH_OFFSET, valueLength, KvCommand.ORDER);
        buffer.putLong(offset + KvCommand.EXPECTED_VERSION_OFFSET, expectedVersion, KvCommand.ORDER);
        return KvCommand.HEADER_LENGTH + keyLength + valueLength;
    }

    private static void checkLengths(final int keyLength, final int valueLength)
    {
        if (keyLength < 0 || keyLength > KvCommand.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("key length must be 0.." + KvCommand.MAX_KEY_LENGTH + ": " + keyLength);
        }
        if (valueLength < 0 || valueLength > KvCommand.MAX_VALUE_LENGTH)
        {
            throw new IllegalArgumentException(
                "value length must be 0.." + KvCommand.MAX_VALUE_LENGTH + ": " + valueLength);
        }
    }
}
