package io.synod.log.chronicle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A small fixed-size record kept durably in a file of two slots, so that an update is atomic: each write goes
 * to the slot that does not hold the current value, with a higher generation and a CRC32C, and is forced
 * before {@link #write()} returns. A torn write damages only the slot being written; the other one still
 * holds the previous value.
 *
 * <pre>
 * slot (SLOT_LENGTH bytes, at 0 and at SLOT_LENGTH), little-endian:
 *   0  int   magic          identifies the kind of file
 *   4  int   payloadLength  must match what the reader expects
 *   8  long  generation     increases by one per write; the valid slot with the higher one wins
 *  16  byte[payloadLength]  payload
 *  16+payloadLength  int crc32c of bytes [0, 16 + payloadLength)
 * </pre>
 *
 * A new file is written to a temporary name, forced and renamed, and the directory forced, so it never
 * appears half-written.
 *
 * <p>Not thread-safe. {@link #write()} does not allocate.
 */
final class DualSlotFile implements AutoCloseable
{
    static final int SLOT_LENGTH = 256;
    static final int HEADER_LENGTH = 16;
    static final int MAX_PAYLOAD_LENGTH = SLOT_LENGTH - HEADER_LENGTH - 4;

    private final Path file;
    private final int magic;
    private final int payloadLength;
    private final FileChannel channel;
    private final ByteBuffer slot = ByteBuffer.allocateDirect(SLOT_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer payload;
    private final CRC32C crc = new CRC32C();
    private long generation;

    private DualSlotFile(final Path file, final int magic, final int payloadLength, final FileChannel channel)
    {
        this.file = file;
        this.magic = magic;
        this.payloadLength = payloadLength;
        this.channel = channel;
        this.payload = ByteBuffer.allocate(payloadLength).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Creates the file with {@code initialPayload} (its first {@code payloadLength} bytes from position 0) as
     * generation 1, durably, and opens it. Fails if the file exists.
     */
    static DualSlotFile create(final Path file, final int magic, final ByteBuffer initialPayload)
    {
        final int payloadLength = initialPayload.limit();
        checkPayloadLength(payloadLength);
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try
        {
            Files.deleteIfExists(tmp);
            try (FileChannel tmpChannel = FileChannel.open(
                tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
            {
                final ByteBuffer image = ByteBuffer.allocate(2 * SLOT_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
                encodeSlot(image, SLOT_LENGTH, magic, 1, initialPayload, new CRC32C());
                image.clear();
                while (image.hasRemaining())
                {
                    tmpChannel.write(image);
                }
                tmpChannel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(file.toAbsolutePath().getParent());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + file, ex);
        }
        final DualSlotFile slotFile = open(file, magic, payloadLength);
        if (1 != slotFile.generation)
        {
            throw new IllegalStateException("new file " + file + " reads back generation " + slotFile.generation);
        }
        return slotFile;
    }

    /**
     * Opens an existing file and loads the newest valid slot into {@link #payload()}.
     *
     * @throws LogCorruptionException if neither slot is valid.
     */
    static DualSlotFile open(final Path file, final int magic, final int payloadLength)
    {
        checkPayloadLength(payloadLength);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open " + file, ex);
        }
        final DualSlotFile slotFile = new DualSlotFile(file, magic, payloadLength, channel);
        try
        {
            slotFile.load();
        }
        catch (final RuntimeException ex)
        {
            slotFile.close();
            throw ex;
        }
        return slotFile;
    }

    /** @return the path of the file. */
    Path file()
    {
        return file;
    }

    /**
     * @return the payload of the newest slot, little-endian, to be read with absolute gets and changed with
     * absolute puts before {@link #write()}.
     */
    ByteBuffer payload()
    {
        return payload;
    }

    /** Writes {@link #payload()} as the next generation into the older slot and forces it to the device. */
    void write()
    {
        final long nextGeneration = generation + 1;
        slot.clear();
        encodeSlot(slot, 0, magic, nextGeneration, payload, crc);
        slot.clear();
        final long position = (nextGeneration & 1) * SLOT_LENGTH;
        try
        {
            int written = 0;
            while (slot.hasRemaining())
            {
                written += channel.write(slot, position + written);
            }
            channel.force(false);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file, ex);
        }
        generation = nextGeneration;
    }

    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot close " + file, ex);
        }
    }

    /** Forces a directory's entries (a created, renamed or deleted file) to the device. */
    static void forceDirectory(final Path directory)
    {
        try (FileChannel dirChannel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            dirChannel.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot force directory " + directory, ex);
        }
    }

    private void load()
    {
        final ByteBuffer image = ByteBuffer.allocate(2 * SLOT_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        try
        {
            while (image.hasRemaining())
            {
                if (channel.read(image, image.position()) < 0)
                {
                    break;
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
        final long generation0 = validGeneration(image, 0);
        final long generation1 = validGeneration(image, SLOT_LENGTH);
        if (generation0 < 0 && generation1 < 0)
        {
            throw new LogCorruptionException(
                file.toString(), LogCorruptionException.UNKNOWN_INDEX, "no valid slot (both fail their checksum)");
        }
        final int offset = generation0 > generation1 ? 0 : SLOT_LENGTH;
        generation = Math.max(generation0, generation1);
        for (int i = 0; i < payloadLength; i++)
        {
            payload.put(i, image.get(offset + HEADER_LENGTH + i));
        }
    }

    /** @return the slot's generation if it is valid, else -1. */
    private long validGeneration(final ByteBuffer image, final int offset)
    {
        if (image.getInt(offset) != magic || image.getInt(offset + 4) != payloadLength)
        {
            return -1;
        }
        crc.reset();
        final ByteBuffer covered = image.duplicate();
        covered.limit(offset + HEADER_LENGTH + payloadLength).position(offset);
        crc.update(covered);
        if ((int)crc.getValue() != image.getInt(offset + HEADER_LENGTH + payloadLength))
        {
            return -1;
        }
        final long slotGeneration = image.getLong(offset + 8);
        if (slotGeneration < 1 || (slotGeneration & 1) != (offset / SLOT_LENGTH))
        {
            return -1;
        }
        return slotGeneration;
    }

    private static void encodeSlot(
        final ByteBuffer target,
        final int offset,
        final int magic,
        final long generation,
        final ByteBuffer payload,
        final CRC32C crc)
    {
        final int payloadLength = payload.limit();
        target.putInt(offset, magic);
        target.putInt(offset + 4, payloadLength);
        target.putLong(offset + 8, generation);
        for (int i = 0; i < payloadLength; i++)
        {
            target.put(offset + HEADER_LENGTH + i, payload.get(i));
        }
        crc.reset();
        final int coveredLength = HEADER_LENGTH + payloadLength;
        for (int i = 0; i < coveredLength; i++)
        {
            crc.update(target.get(offset + i));
        }
        target.putInt(offset + coveredLength, (int)crc.getValue());
    }

    private static void checkPayloadLength(final int payloadLength)
    {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH)
        {
            throw new IllegalArgumentException("payloadLength=" + payloadLength + " max=" + MAX_PAYLOAD_LENGTH);
        }
    }
}
