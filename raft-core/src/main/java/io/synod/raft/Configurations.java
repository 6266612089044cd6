package io.synod.raft;

import io.synod.raft.codec.AppendRequest;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cluster membership (Raft dissertation §4): the configurations in a member's log that may still
 * matter — the latest one at or below the applied index, and every later one (which a truncation may
 * still remove) — the one in force with its quorum size, and the rules for changing it.
 *
 * <p>A configuration takes effect as soon as its entry is in the log (§4.1), so the newest one here is
 * the one in force; truncating its entry falls back to the one before. {@link RaftNode} says when one is
 * added, truncated or pruned and rebuilds its peers from {@link #membership()}.
 *
 * <p>Changes are single-server, one at a time, rather than joint consensus: any two configurations that
 * differ by one voter have overlapping majorities, so no two leaders can be elected in one term, and each
 * change is one log entry that takes effect when appended. The known hole in that scheme (a change
 * decided by a leader of an old term overlapping a change of a newer leader) is closed by the
 * no-op-first rule: a leader accepts a change only after an entry of its own term has committed.
 */
final class Configurations
{
    private final List<Membership> memberships = new ArrayList<>();
    private final List<Long> indexes = new ArrayList<>();
    private final ExpandableArrayBuffer changeScratch = new ExpandableArrayBuffer(64);
    /** Invariant: the latest configuration once {@link #inForce} has been called for it. */
    private Membership membership = Membership.EMPTY;
    private int quorum;

    /** Makes {@code next} the configuration in force. */
    void inForce(final Membership next)
    {
        membership = next;
        quorum = next.quorum();
    }

    /** @return the configuration in force (the latest in the log, committed or not). */
    Membership membership()
    {
        return membership;
    }

    /** @return votes (or acknowledgements) that make a majority of the voters in force. */
    int quorum()
    {
        return quorum;
    }

    /**
     * Voters campaign. So does a member that an uncommitted configuration is removing: it may hold the
     * only up-to-date log, and, as a leader that does not count itself (§4.2.2), it commits its own
     * removal and steps down. Learners, joining and removed members never campaign.
     */
    boolean mayCampaign(final int memberId, final long commitIndex)
    {
        if (membership.isVoter(memberId))
        {
            return true;
        }
        final Membership previous = previous();
        return latestIndex() > commitIndex && previous != null && previous.isVoter(memberId);
    }

    /**
     * Why a single-server change cannot be proposed now, or 0 if it can. The caller has checked that it
     * leads, is not transferring leadership, and has committed an entry of its term (no-op-first rule).
     *
     * @param learnerMatchIndex for PROMOTE, the learner's match index (-1 if it has no peer here).
     * @param lastIndex         the leader's last log index.
     */
    int changeRejection(
        final int change, final int member, final long commitIndex, final boolean proposalsFull,
        final long learnerMatchIndex, final long lastIndex, final long promotionLagMax)
    {
        if (latestIndex() > commitIndex)
        {
            return ProposalHandler.CHANGE_IN_PROGRESS;
        }
        if (proposalsFull)
        {
            return ProposalHandler.BACK_PRESSURE;
        }
        switch (change)
        {
            case Membership.ADD_LEARNER:
                return member <= 0 ? ProposalHandler.UNKNOWN_MEMBER_ID :
                    membership.isMember(member) ? ProposalHandler.ALREADY_MEMBER : 0;
            case Membership.PROMOTE:
            {
                if (membership.isVoter(member))
                {
                    return ProposalHandler.ALREADY_MEMBER;
                }
                if (!membership.isLearner(member) || learnerMatchIndex < 0)
                {
                    return ProposalHandler.UNKNOWN_MEMBER_ID;
                }
                // Caught up, and it holds the configuration in force: a voter that does not know it is one
                // (it acknowledged nothing yet, in a short log) could stall elections until it learns it.
                return lastIndex - learnerMatchIndex > promotionLagMax || learnerMatchIndex < latestIndex() ?
                    ProposalHandler.LEARNER_BEHIND : 0;
            }
            case Membership.REMOVE:
                if (!membership.isMember(member))
                {
                    return ProposalHandler.UNKNOWN_MEMBER_ID;
                }
                return membership.isVoter(member) && membership.voterCount() == 1 ? ProposalHandler.LAST_VOTER : 0;
            default:
                throw new IllegalArgumentException("unknown membership change " + change);
        }
    }

    /** Adds the configuration entries in {@code log} after the latest one known here (start-up, restore). */
    void addFrom(final RaftLog log)
    {
        final long from = Math.max(log.firstIndex(), latestIndex() + 1);
        if (from <= log.lastIndex())
        {
            log.read(from, log.lastIndex(), (index, term, type, buffer, offset, length) ->
            {
                if (type == EntryType.CONFIGURATION)
                {
                    final Membership found = Membership.decode(buffer, offset, length);
                    if (found == null)
                    {
                        throw new IllegalStateException("unreadable configuration entry at index " + index);
                    }
                    add(index, found);
                }
                return true;
            });
        }
    }

    /** @return false if a configuration entry in the wrapped AppendEntries does not parse (checked before anything is appended). */
    static boolean entriesParse(final AppendRequest request)
    {
        int entryOffset = request.firstEntryOffset();
        for (int i = 0, count = request.entryCount(); i < count; i++)
        {
            if (request.entryType(entryOffset) == EntryType.CONFIGURATION && Membership.decode(
                request.buffer(), AppendRequest.entryPayloadOffset(entryOffset), request.entryLength(entryOffset)) == null)
            {
                return false;
            }
            entryOffset = request.nextEntryOffset(entryOffset);
        }
        return true;
    }

    /** Encodes the configuration in force with {@code change} of {@code member} applied. @return its length. */
    int encodeChange(final int change, final int member)
    {
        final Membership next = change == Membership.ADD_LEARNER ? membership.withLearner(member) :
            change == Membership.PROMOTE ? membership.withPromoted(member) : membership.without(member);
        return next.encode(changeScratch, 0);
    }

    /** @return the buffer {@link #encodeChange} wrote into. */
    DirectBuffer changeBuffer()
    {
        return changeScratch;
    }

    void reset(final long index, final Membership membership)
    {
        memberships.clear();
        indexes.clear();
        add(index, membership);
    }

    void add(final long index, final Membership membership)
    {
        if (!indexes.isEmpty() && !(index > latestIndex()))
        {
            throw new IllegalStateException("configuration at " + index + " not after " + latestIndex());
        }
        memberships.add(membership);
        indexes.add(index);
    }

    Membership latest()
    {
        return memberships.get(memberships.size() - 1);
    }

    /** @return the configuration before the latest one, or null if only one is known. */
    Membership previous()
    {
        return memberships.size() < 2 ? null : memberships.get(memberships.size() - 2);
    }

    long latestIndex()
    {
        return indexes.get(indexes.size() - 1);
    }

    /** Drops configurations whose entries were truncated away (index {@code >= fromIndex}). @return true if the latest changed. */
    boolean truncate(final long fromIndex)
    {
        boolean changed = false;
        while (indexes.size() > 1 && latestIndex() >= fromIndex)
        {
            memberships.remove(memberships.size() - 1);
            indexes.remove(indexes.size() - 1);
            changed = true;
        }
        if (latestIndex() >= fromIndex)
        {
            throw new IllegalStateException("truncating the base configuration at " + latestIndex());
        }
        return changed;
    }

    /** Forgets configurations superseded by one at or below {@code appliedIndex}. */
    void prune(final long appliedIndex)
    {
        while (indexes.size() > 1 && indexes.get(1) <= appliedIndex)
        {
            memberships.remove(0);
            indexes.remove(0);
        }
    }

    /** @return the configuration in force at {@code index}: the latest one at or below it. */
    Membership at(final long index)
    {
        for (int i = indexes.size() - 1; i >= 0; i--)
        {
            if (indexes.get(i) <= index)
            {
                return memberships.get(i);
            }
        }
        throw new IllegalStateException("no configuration known at " + index);
    }

    long indexAt(final long index)
    {
        for (int i = indexes.size() - 1; i >= 0; i--)
        {
            if (indexes.get(i) <= index)
            {
                return indexes.get(i);
            }
        }
        throw new IllegalStateException("no configuration known at " + index);
    }
}
