package io.synod.raft;

import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RaftConfig#conclude()} rejects each bad setting with an {@link IllegalArgumentException}
 * whose message names the setting.
 */
class RaftConfigTest
{
    private static RaftConfig valid()
    {
        return new RaftConfig().memberId(1).members(1, 2, 3).electionTimeoutNs(500).heartbeatIntervalNs(50);
    }

    @Test
    void shouldConcludeValidConfig()
    {
        final RaftConfig config = valid();
        assertFalse(config.isConcluded());
        assertTrue(config.conclude().isConcluded());
    }

    @Test
    void shouldAcceptElectionTimeoutOfExactlyTwiceHeartbeat()
    {
        assertTrue(valid().electionTimeoutNs(100).heartbeatIntervalNs(50).conclude().isConcluded());
    }

    @Test
    void shouldDefaultTheElectionTimeoutRangeToTwiceTheMinimumAndRefuseAnEmptyRange()
    {
        assertEquals(1000, valid().conclude().electionTimeoutMaxNs());
        assertEquals(600, valid().electionTimeoutMaxNs(600).conclude().electionTimeoutMaxNs());
        assertRejected(c -> c.electionTimeoutMaxNs(500), "electionTimeoutMaxNs");
        assertRejected(c -> c.electionTimeoutMaxNs(400), "electionTimeoutMaxNs");
    }

    @Test
    void shouldRejectNonPositiveMemberId()
    {
        assertRejected(c -> c.memberId(0).members(1, 2, 3), "memberId");
        assertRejected(c -> c.memberId(-1).members(1, 2, 3), "memberId");
    }

    @Test
    void shouldRejectMissingOrEmptyMembers()
    {
        assertRejected(c -> c.members(new int[0]), "members");
        assertRejected(c -> { }, "members", new RaftConfig().memberId(1));
    }

    @Test
    void shouldRejectNonPositiveMemberIds()
    {
        assertRejected(c -> c.members(1, 0, 3), "member ids");
        assertRejected(c -> c.members(1, -2, 3), "member ids");
    }

    @Test
    void shouldRejectDuplicateMemberIds()
    {
        assertRejected(c -> c.members(1, 2, 2), "duplicate member id");
    }

    @Test
    void shouldRejectMemberIdNotInMembers()
    {
        assertRejected(c -> c.memberId(4).members(1, 2, 3), "memberId");
        assertRejected(c -> c.memberId(4).members(1, 2, 3), "not in members");
    }

    @Test
    void shouldRejectElectionTimeoutBelowTwiceHeartbeat()
    {
        assertRejected(c -> c.electionTimeoutNs(99).heartbeatIntervalNs(50), "electionTimeoutNs");
        assertRejected(c -> c.electionTimeoutNs(99).heartbeatIntervalNs(50), "heartbeatIntervalNs");
    }

    @Test
    void shouldRejectNonPositiveHeartbeat()
    {
        assertRejected(c -> c.heartbeatIntervalNs(0), "heartbeatIntervalNs");
    }

    @Test
    void shouldRejectBoundsBelowTheirMinimum()
    {
        assertRejected(c -> c.inflightAppendsMax(0), "inflightAppendsMax");
        assertRejected(c -> c.appendEntriesMax(0), "appendEntriesMax");
        assertRejected(c -> c.appendBytesMax(1023), "appendBytesMax");
        assertRejected(c -> c.pendingProposalsMax(0), "pendingProposalsMax");
        assertRejected(c -> c.applyBatchMax(0), "applyBatchMax");
        assertRejected(c -> c.outboxBytes(4095), "outboxBytes");
        assertRejected(c -> c.observer(null), "observer");
    }

    @Test
    void shouldCopyMembersInAndOut()
    {
        final int[] members = { 1, 2, 3 };
        final RaftConfig config = valid().members(members);
        members[0] = 9;
        assertEquals(1, config.members()[0]);
        config.members()[1] = 9;
        assertEquals(2, config.members()[1]);
    }

    private static void assertRejected(final Consumer<RaftConfig> change, final String settingName)
    {
        assertRejected(change, settingName, valid());
    }

    private static void assertRejected(final Consumer<RaftConfig> change, final String settingName, final RaftConfig config)
    {
        change.accept(config);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, config::conclude);
        assertTrue(e.getMessage().contains(settingName), () -> "message should name " + settingName + ": " + e.getMessage());
        assertFalse(config.isConcluded());
    }
}
