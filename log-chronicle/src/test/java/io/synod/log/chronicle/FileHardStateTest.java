package io.synod.log.chronicle;

import io.synod.raft.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FileHardStateTest
{
    @TempDir
    Path dir;

    @Test
    void shouldStartAtTermZeroWithNoVoteAndKeepStoresAcrossReopen()
    {
        final Path file = dir.resolve("hard-state");
        try (FileHardState state = FileHardState.open(file, 7, 1))
        {
            assertEquals(0, state.term());
            assertEquals(HardState.NO_VOTE, state.votedFor());
            state.store(3, 2);
            state.store(4, 0);
            state.store(4, 3);
        }
        try (FileHardState state = FileHardState.open(file, 7, 1))
        {
            assertEquals(4, state.term());
            assertEquals(3, state.votedFor());
            assertThrows(IllegalStateException.class, () -> state.store(3, 1));
        }
    }

    @Test
    void shouldFallBackToThePreviousSlotWhenTheLastWriteIsTorn()
    {
        final Path file = dir.resolve("hard-state");
        try (FileHardState state = FileHardState.open(file, 7, 1))
        {
            state.store(5, 2); // generation 2, slot 0
            state.store(6, 3); // generation 3, slot 1
        }
        LogFiles.flipBit(file, DualSlotFile.SLOT_LENGTH + DualSlotFile.HEADER_LENGTH + 9, 0);
        try (FileHardState state = FileHardState.open(file, 7, 1))
        {
            assertEquals(5, state.term());
            assertEquals(2, state.votedFor());
        }
    }

    @Test
    void shouldRefuseAFileWithNoValidSlotOrOfAnotherMember()
    {
        final Path file = dir.resolve("hard-state");
        try (FileHardState state = FileHardState.open(file, 7, 1))
        {
            state.store(5, 2);
        }
        assertThrows(IllegalStateException.class, () -> FileHardState.open(file, 7, 2));
        assertThrows(IllegalStateException.class, () -> FileHardState.open(file, 8, 1));
        LogFiles.flipBit(file, 20, 1);
        LogFiles.flipBit(file, DualSlotFile.SLOT_LENGTH + 20, 1);
        final LogCorruptionException ex = assertThrows(LogCorruptionException.class, () -> FileHardState.open(file, 7, 1));
        assertEquals(file.toString(), ex.file());
    }
}
