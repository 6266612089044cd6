package io.synod.transport.aeron;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Peer authentication: a keyed MAC over each frame, appended as an 8-byte trailer.
 *
 * <p><b>Algorithm.</b> SipHash-2-4 (Aumasson and Bernstein, 2012) with a 128-bit key and a 64-bit
 * tag. SipHash is a pseudo-random function designed as a MAC for short inputs; it reads the frame
 * eight bytes at a time straight from the {@link DirectBuffer}, so signing and verifying allocate
 * nothing and copy nothing. HMAC-SHA256 through {@code javax.crypto.Mac} was rejected for the hot
 * path: the JDK's {@code HmacCore.engineDoFinal} allocates a digest array on every call, and a
 * direct buffer would also need a copy into a heap array first.
 *
 * <p><b>Key.</b> The key is derived once, at construction, as the first 16 bytes of SHA-256 over the
 * shared secret, so any secret length works and two members with the same secret agree.
 *
 * <p><b>Scope.</b> The tag authenticates the frame's origin and integrity (a forgery succeeds with
 * probability 2<sup>-64</sup> per attempt). It does not encrypt and does not prevent replay: Raft
 * already tolerates duplicated and delayed frames.
 *
 * <p><b>Threading.</b> Stateless after construction; safe to share between threads.
 */
public final class FrameMac
{
    /** Bytes the tag adds to every frame. */
    public static final int TAG_LENGTH = 8;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final long k0;
    private final long k1;

    /**
     * Creates a MAC from a shared secret.
     *
     * @param secret the secret shared by all members; at least 16 bytes.
     * @throws IllegalArgumentException if the secret is shorter than 16 bytes.
     */
    public FrameMac(final byte[] secret)
    {
        if (secret == null || secret.length < 16)
        {
            throw new IllegalArgumentException("secret must be at least 16 bytes");
        }
        final byte[] digest = sha256(secret);
        long a = 0;
        long b = 0;
        for (int i = 7; i >= 0; i--)
        {
            a = (a << 8) | (digest[i] & 0xFFL);
            b = (b << 8) | (digest[8 + i] & 0xFFL);
        }
        k0 = a;
        k1 = b;
    }

    private FrameMac(final long k0, final long k1)
    {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * Creates a MAC from a secret string (UTF-8 bytes; at least 16 of them).
     *
     * @param secret the shared secret.
     * @return the MAC.
     */
    public static FrameMac fromSecret(final String secret)
    {
        return new FrameMac(secret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Creates a MAC with a raw SipHash key, for test vectors.
     *
     * @param k0 first 8 key bytes, little-endian.
     * @param k1 last 8 key bytes, little-endian.
     * @return the MAC.
     */
    static FrameMac withRawKey(final long k0, final long k1)
    {
        return new FrameMac(k0, k1);
    }

    /**
     * Writes the tag of {@code buffer[offset, offset + length)} at {@code offset + length}.
     *
     * @return the length of the signed frame, {@code length + TAG_LENGTH}.
     */
    public int sign(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.putLong(offset + length, tag(buffer, offset, length), ORDER);
        return length + TAG_LENGTH;
    }

    /**
     * Checks a signed frame of {@code signedLength} bytes (tag included).
     *
     * @return true if the trailer matches the frame; false for a short or forged frame.
     */
    public boolean verify(final DirectBuffer buffer, final int offset, final int signedLength)
    {
        if (signedLength < TAG_LENGTH)
        {
            return false;
        }
        final int length = signedLength - TAG_LENGTH;
        return tag(buffer, offset, length) == buffer.getLong(offset + length, ORDER);
    }

    /**
     * SipHash-2-4 of {@code buffer[offset, offset + length)}.
     *
     * @return the 64-bit tag.
     */
    public long tag(final DirectBuffer buffer, final int offset, final int length)
    {
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;

        final int end = offset + (length & ~7);
        for (int i = offset; i < end; i += 8)
        {
            final long m = buffer.getLong(i, ORDER);
            v3 ^= m;
            for (int r = 0; r < 2; r++)
            {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }

        long last = ((long)length & 0xFF) << 56;
        final int remaining = length & 7;
        for (int i = 0; i < remaining; i++)
        {
            last |= (buffer.getByte(end + i) & 0xFFL) << (8 * i);
        }

        v3 ^= last;
        for (int r = 0; r < 2; r++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= last;

        v2 ^= 0xFF;
        for (int r = 0; r < 4; r++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static byte[] sha256(final byte[] secret)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(secret);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
        }
    }
}
