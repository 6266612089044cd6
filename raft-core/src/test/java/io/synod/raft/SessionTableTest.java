package io.synod.raft;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session table's own rules and its snapshot form: windows and kept outcomes survive an encode and
 * decode exactly (a restored replica answers retries as the others do), and a table of another format —
 * a snapshot written before the shared session facility — is refused with an error that says so.
 */
class SessionTableTest
{
    private static final long MS = 1_000_000L;

    @Test
    void shouldRoundTripWindowsOutcomesNoncesAndLogTime()
    {
        final SessionTable table = new SessionTable(100 * MS);
        table.onEntry(1, 5 * MS);
        assertEquals(10, table.open(10, 60_000 * MS, 77, 4));
        assertEquals(11, table.open(11, 30_000 * MS, 0, 256));
        final UnsafeBuffer response = new UnsafeBuffer(new byte[8]);
        for (long sequence = 1; sequence <= 6; sequence++)
        {
            assertEquals(SessionTable.APPLY, table.check(10, sequence));
            response.putLong(0, sequence * 100, ByteOrder.LITTLE_ENDIAN);
            table.recordResponse(10, sequence, response, 0, 8);
        }
        assertTrue(table.updateResponse(10, 5, new UnsafeBuffer(new byte[]{'G'}), 0, 1));
        assertFalse(table.updateResponse(10, 1, response, 0, 8), "sequence 1 left the window of 4");

        final ExpandableArrayBuffer encoded = new ExpandableArrayBuffer();
        final int length = table.encode(encoded, 3);
        final SessionTable restored = new SessionTable(100 * MS);
        restored.decode(encoded, 3, length);

        assertEquals(2, restored.size());
        assertEquals(5 * MS, restored.logTimeNs());
        assertEquals(SessionTable.STALE, restored.check(10, 2), "outside the window of 4 (3..6)");
        assertEquals(SessionTable.DUPLICATE, restored.check(10, 6));
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer();
        assertEquals(8, restored.cachedResponse(10, 6, out));
        assertEquals(600, out.getLong(0, ByteOrder.LITTLE_ENDIAN));
        assertEquals(SessionTable.DUPLICATE, restored.check(10, 5));
        assertEquals(1, restored.cachedResponse(10, 5, out));
        assertEquals('G', out.getByte(0), "the updated outcome");
        assertEquals(SessionTable.APPLY, restored.check(10, 7));
        assertEquals(10, restored.open(99, 60_000 * MS, 77, 4), "the nonce still finds its session");

        final ExpandableArrayBuffer again = new ExpandableArrayBuffer();
        assertEquals(length, restored.encode(again, 0), "same content, same bytes");
    }

    @Test
    void shouldRefuseATableOfAnotherFormatWithAClearError()
    {
        // What Synod wrote before the shared facility: log time first, no version.
        final UnsafeBuffer old = new UnsafeBuffer(new byte[20]);
        old.putLong(0, 123_456_789_000L, ByteOrder.LITTLE_ENDIAN);
        final IllegalStateException refused =
            assertThrows(IllegalStateException.class, () -> new SessionTable(MS).decode(old, 0, 20));
        assertTrue(refused.getMessage().contains("this build reads format " + SessionTable.FORMAT_VERSION), refused.getMessage());
        assertTrue(refused.getMessage().contains("older build"), refused.getMessage());
    }

    @Test
    void shouldExpireIdleSessionsInAscendingIdOrderAndRenewThemInANewTerm()
    {
        final SessionTable table = new SessionTable(MS);
        table.onEntry(1, 0);
        table.open(30, 100 * MS, 0, 8);
        table.open(20, 100 * MS, 0, 8);
        table.onEntry(2, 150 * MS);
        assertEquals(0, table.ended().size(), "a new term renews both to 150 ms first");
        table.onEntry(2, 251 * MS);
        assertEquals(2, table.ended().size());
        assertEquals(20, table.ended().getLong(0));
        assertEquals(30, table.ended().getLong(1));
        assertEquals(0, table.size());
    }
}
