package io.synod.transport.aeron;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameMacTest
{
    /** Key 00 01 .. 0f of the SipHash paper, little-endian. */
    private static final FrameMac PAPER_KEY = FrameMac.withRawKey(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    @Test
    void shouldMatchSipHashReferenceVectors()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        for (int i = 0; i < 64; i++)
        {
            buffer.putByte(i, (byte)i);
        }
        assertEquals(0x726fdb47dd0e0e31L, PAPER_KEY.tag(buffer, 0, 0));
        assertEquals(0x74f839c593dc67fdL, PAPER_KEY.tag(buffer, 0, 1));
        assertEquals(0xa129ca6149be45e5L, PAPER_KEY.tag(buffer, 0, 15));
        assertEquals(0x958a324ceb064572L, PAPER_KEY.tag(buffer, 0, 63));
    }

    @Test
    void shouldVerifyWhatItSignsAndRejectAnyFlippedBit()
    {
        final FrameMac mac = FrameMac.fromSecret("correct horse battery staple");
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 + FrameMac.TAG_LENGTH + 3]);
        for (int i = 0; i < 64; i++)
        {
            buffer.putByte(3 + i, (byte)(i * 31));
        }
        assertEquals(64 + FrameMac.TAG_LENGTH, mac.sign(buffer, 3, 64));
        assertTrue(mac.verify(buffer, 3, 64 + FrameMac.TAG_LENGTH));

        for (int bit = 0; bit < (64 + FrameMac.TAG_LENGTH) * 8; bit++)
        {
            final int index = 3 + bit / 8;
            final byte original = buffer.getByte(index);
            buffer.putByte(index, (byte)(original ^ (1 << (bit & 7))));
            assertFalse(mac.verify(buffer, 3, 64 + FrameMac.TAG_LENGTH), "bit " + bit);
            buffer.putByte(index, original);
        }
        assertFalse(mac.verify(buffer, 3, FrameMac.TAG_LENGTH - 1));
        assertFalse(FrameMac.fromSecret("another secret of enough length").verify(buffer, 3, 64 + FrameMac.TAG_LENGTH));
    }

    @Test
    void shouldRejectShortSecret()
    {
        assertThrows(IllegalArgumentException.class, () -> FrameMac.fromSecret("short"));
    }
}
