package io.synod.log.chronicle;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of one record, the body of one Chronicle Queue document. Entries and control records share it.
 *
 * <pre>
 *  0  long  index    raft index (ENTRY, TRUNCATE: first removed index, RESET: snapshot index,
 *                    VOID: the Chronicle index of the document it voids)
 *  8  long  term     raft term (RESET: snapshot term; 0 for TRUNCATE and VOID)
 * 16  int   type     entry type (&gt;= 0) or a control type (&lt; 0) below
 * 20  int   length   payload length
 * 24  int   crc32c   of bytes [0, 24) and of the payload
 * 28  byte[length]   payload
 * </pre>
 * All little-endian. A document whose length is not {@code HEADER_LENGTH + length}, or whose checksum does
 * not match, is invalid.
 */
final class LogRecord
{
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static final int INDEX_OFFSET = 0;
    static final int TERM_OFFSET = 8;
    static final int TYPE_OFFSET = 16;
    static final int LENGTH_OFFSET = 20;
    static final int CRC_OFFSET = 24;
    static final int HEADER_LENGTH = 28;

    /** Removes the entries from {@code index} on (suffix truncation). */
    static final int TYPE_TRUNCATE = -1;
    /** Discards every earlier entry; the log restarts after snapshot {@code (index, term)}. */
    static final int TYPE_RESET = -2;
    /** Marks the document at Chronicle index {@code index} (a torn record found by recovery) as void. */
    static final int TYPE_VOID = -3;

    private LogRecord()
    {
    }

    /**
     * Writes the header for a record whose payload is already at {@code HEADER_LENGTH} in {@code buffer},
     * computing the checksum.
     *
     * @return the record length.
     */
    static int encodeHeader(
        final UnsafeBuffer buffer,
        final CRC32C crc,
        final long index,
        final long term,
        final int type,
        final int length)
    {
        buffer.putLong(INDEX_OFFSET, index, ORDER);
        buffer.putLong(TERM_OFFSET, term, ORDER);
        buffer.putInt(TYPE_OFFSET, type, ORDER);
        buffer.putInt(LENGTH_OFFSET, length, ORDER);
        buffer.putInt(CRC_OFFSET, checksum(buffer, crc, length), ORDER);
        return HEADER_LENGTH + length;
    }

    /** @return the CRC32C of a record's header fields and payload; {@code buffer} must wrap a byte array. */
    static int checksum(final UnsafeBuffer buffer, final CRC32C crc, final int length)
    {
        final byte[] array = buffer.byteArray();
        final int base = buffer.wrapAdjustment();
        crc.reset();
        crc.update(array, base, CRC_OFFSET);
        crc.update(array, base + HEADER_LENGTH, length);
        return (int)crc.getValue();
    }

    /**
     * @return {@code null} if the record of {@code documentLength} bytes in {@code buffer} is well formed and
     * its checksum matches, else why not. Allocates only in the failing case.
     */
    static String verify(final UnsafeBuffer buffer, final CRC32C crc, final int documentLength)
    {
        if (documentLength < HEADER_LENGTH)
        {
            return "record of " + documentLength + " bytes is shorter than its header";
        }
        final int length = buffer.getInt(LENGTH_OFFSET, ORDER);
        if (length < 0 || HEADER_LENGTH + length != documentLength)
        {
            return "record length " + length + " does not match document length " + documentLength;
        }
        final int stored = buffer.getInt(CRC_OFFSET, ORDER);
        final int computed = checksum(buffer, crc, length);
        if (stored != computed)
        {
            return "CRC32C mismatch: stored " + Integer.toHexString(stored) + " computed " + Integer.toHexString(computed);
        }
        final int type = buffer.getInt(TYPE_OFFSET, ORDER);
        if (type < TYPE_VOID)
        {
            return "unknown record type " + type;
        }
        return null;
    }
}
