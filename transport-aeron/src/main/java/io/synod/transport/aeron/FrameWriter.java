package io.synod.transport.aeron;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Writes one frame to an Aeron publication, signed when a {@link FrameMac} is configured: a frame that
 * fits one Aeron fragment is claimed, copied once into the term buffer, signed there and committed; a
 * larger one is offered (Aeron fragments it) with its tag as a second part. A back-pressured write is
 * retried up to {@code sendRetriesMax} times. Shared by the member and client sides of the transport.
 *
 * <p>One thread; no allocation.
 */
final class FrameWriter
{
    /** {@link #write} result: the frame is longer than the publication's maximum message. */
    static final long TOO_LONG = -100;

    private final FrameMac mac;
    private final int macLength;
    private final int sendRetriesMax;
    private final BufferClaim bufferClaim = new BufferClaim();
    private final UnsafeBuffer tagBuffer = new UnsafeBuffer(new byte[FrameMac.TAG_LENGTH]);

    FrameWriter(final FrameMac mac, final int sendRetriesMax)
    {
        this.mac = mac;
        this.macLength = mac == null ? 0 : FrameMac.TAG_LENGTH;
        this.sendRetriesMax = sendRetriesMax;
    }

    /** @return the bytes a frame of {@code length} takes on the wire (its MAC included). */
    int frameLength(final int length)
    {
        return length + macLength;
    }

    /**
     * @return a positive position once the frame is written; else Aeron's last result (back-pressure after
     * the retries, {@link Publication#NOT_CONNECTED}, {@link Publication#CLOSED},
     * {@link Publication#MAX_POSITION_EXCEEDED}) or {@link #TOO_LONG}.
     */
    long write(final ExclusivePublication publication, final DirectBuffer buffer, final int offset, final int length)
    {
        final int frameLength = length + macLength;
        if (frameLength <= publication.maxPayloadLength())
        {
            return claim(publication, buffer, offset, length, frameLength);
        }
        if (frameLength <= publication.maxMessageLength())
        {
            return offer(publication, buffer, offset, length);
        }
        return TOO_LONG;
    }

    private long claim(
        final ExclusivePublication publication, final DirectBuffer buffer, final int offset, final int length, final int frameLength)
    {
        long result = Publication.BACK_PRESSURED;
        for (int attempt = 0; attempt <= sendRetriesMax; attempt++)
        {
            result = publication.tryClaim(frameLength, bufferClaim);
            if (result > 0)
            {
                final MutableDirectBuffer claimBuffer = bufferClaim.buffer();
                final int claimOffset = bufferClaim.offset();
                claimBuffer.putBytes(claimOffset, buffer, offset, length);
                if (null != mac)
                {
                    mac.sign(claimBuffer, claimOffset, length);
                }
                bufferClaim.commit();
                return result;
            }
            if (!isRetryable(result))
            {
                return result;
            }
        }
        return result;
    }

    private long offer(final ExclusivePublication publication, final DirectBuffer buffer, final int offset, final int length)
    {
        if (null != mac)
        {
            tagBuffer.putLong(0, mac.tag(buffer, offset, length), ByteOrder.LITTLE_ENDIAN);
        }
        long result = Publication.BACK_PRESSURED;
        for (int attempt = 0; attempt <= sendRetriesMax; attempt++)
        {
            result = null == mac ?
                publication.offer(buffer, offset, length) :
                publication.offer(buffer, offset, length, tagBuffer, 0, FrameMac.TAG_LENGTH, null);
            if (result > 0 || !isRetryable(result))
            {
                return result;
            }
        }
        return result;
    }

    private static boolean isRetryable(final long result)
    {
        return result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION;
    }
}
