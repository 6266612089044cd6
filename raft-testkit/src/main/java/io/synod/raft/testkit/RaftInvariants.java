package io.synod.raft.testkit;

import io.synod.raft.RaftLog;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongArrayList;

/**
 * The safety properties of Raft (Figure 3 of the paper), checked incrementally so they can run after
 * every simulation step:
 * <ul>
 *   <li><b>Election Safety</b>: at most one leader per term (also: no member grants two votes in a term);</li>
 *   <li><b>Leader Append-Only</b>: a leader never overwrites or deletes entries of its own log;</li>
 *   <li><b>Log Matching</b>: an {@code (index, term)} pair names one entry, with one predecessor term —
 *   checked on every append, which by induction gives the whole property;</li>
 *   <li><b>Leader Completeness</b>: a new leader holds every entry known committed;</li>
 *   <li><b>State Machine Safety</b>: every member applies the same entry at each index;</li>
 *   <li>commit index never decreases within a member's lifetime, and
 *   {@code lastApplied <= commitIndex <= lastIndex}.</li>
 * </ul>
 * Not thread-safe; owned by one simulation.
 */
public final class RaftInvariants
{
    /** Per member: what was seen at the previous check. */
    private static final class Seen
    {
        long incarnation = -1;
        long commitIndex;
        long leaderTerm = -1;
        long leaderLastIndex;
        long leaderLastTerm;
    }

    private final Long2LongHashMap leaderByTerm = new Long2LongHashMap(-1);
    private final Long2LongHashMap voteByVoterTerm = new Long2LongHashMap(-1);
    /** (index) -> list of [term, prevTerm, hash] triples seen at that index. */
    private final Long2ObjectHashMap<LongArrayList> entriesByIndex = new Long2ObjectHashMap<>();
    /** Committed entries by index: term and content hash. */
    private final Long2LongHashMap committedTerms = new Long2LongHashMap(-1);
    private final Long2LongHashMap committedHashes = new Long2LongHashMap(0);
    private long maxCommittedIndex;
    private final Long2LongHashMap appliedHashes = new Long2LongHashMap(0);
    private final Long2LongHashMap digestByIndex = new Long2LongHashMap(0);
    private final Long2ObjectHashMap<Seen> seenByMember = new Long2ObjectHashMap<>();
    private long checks;

    private long readTerm;
    private long readHash;
    private final RaftLog.EntryReader hashReader = (index, term, type, buffer, offset, length) ->
    {
        readTerm = term;
        readHash = Hashing.hash(type, buffer, offset, length);
        return true;
    };

    /** Log Matching, checked on every append to any log. */
    public void onAppend(final int memberId, final long index, final long term, final long prevTerm, final long contentHash)
    {
        LongArrayList seen = entriesByIndex.get(index);
        if (seen == null)
        {
            seen = new LongArrayList(3, -1);
            entriesByIndex.put(index, seen);
        }
        for (int i = 0; i < seen.size(); i += 3)
        {
            if (seen.getLong(i) == term)
            {
                if (seen.getLong(i + 1) != prevTerm || seen.getLong(i + 2) != contentHash)
                {
                    throw new InvariantViolation("Log Matching: member " + memberId + " appended a different entry at (index=" +
                        index + ", term=" + term + "): prevTerm " + prevTerm + " vs " + seen.getLong(i + 1) +
                        ", hash " + contentHash + " vs " + seen.getLong(i + 2));
                }
                return;
            }
        }
        seen.addLong(term);
        seen.addLong(prevTerm);
        seen.addLong(contentHash);
    }

    /** A granted (real, not pre-) vote left {@code voterId} for {@code candidateId} in {@code term}. */
    public void onVoteGranted(final int voterId, final long term, final int candidateId)
    {
        final long key = term * 1024 + voterId;
        final long previous = voteByVoterTerm.get(key);
        if (previous == -1)
        {
            voteByVoterTerm.put(key, candidateId);
        }
        else if (previous != candidateId)
        {
            throw new InvariantViolation("Election Safety: member " + voterId + " granted votes to " + previous + " and " +
                candidateId + " in term " + term);
        }
    }

    /** State Machine Safety, checked as each entry is applied. */
    public void onApply(final int memberId, final long index, final long contentHash)
    {
        // Commands only: no-ops never reach the state machine, so applied indexes have gaps.
        final long expected = appliedHashes.get(index);
        if (expected == 0)
        {
            appliedHashes.put(index, contentHash == 0 ? 1 : contentHash);
        }
        else if (expected != (contentHash == 0 ? 1 : contentHash))
        {
            throw new InvariantViolation("State Machine Safety: member " + memberId + " applied hash " + contentHash +
                " at index " + index + " where another member applied " + expected);
        }
    }

    /**
     * The state machine's digest after applying (or restoring a snapshot up to) {@code index} must be the
     * same on every member: a member restored from a snapshot plus a log tail equals one that replayed
     * everything.
     */
    public void onStateDigest(final int memberId, final long index, final long digest)
    {
        final long value = digest == 0 ? 1 : digest;
        final long expected = digestByIndex.get(index);
        if (expected == 0)
        {
            digestByIndex.put(index, value);
        }
        else if (expected != value)
        {
            throw new InvariantViolation("State Machine Safety: member " + memberId + " has state digest " + value +
                " after index " + index + " where another member had " + expected);
        }
    }

    /** An acknowledged proposal must be the committed entry at its index. */
    public void onAcknowledged(final long index, final long contentHash)
    {
        final long committed = committedHashes.get(index);
        if (committedTerms.get(index) != -1 && committed != contentHash)
        {
            throw new InvariantViolation("acknowledged proposal at index " + index + " is not the committed entry there");
        }
    }

    /** @return the number of entries known committed. */
    public long committedCount()
    {
        return maxCommittedIndex;
    }

    /** @return committed entry hash at {@code index}. */
    public long committedHash(final long index)
    {
        return committedHashes.get(index);
    }

    public long checks()
    {
        return checks;
    }

    /**
     * Checks one live member after a step.
     *
     * @param incarnation changes each time the member restarts (volatile state starts over).
     */
    public void check(final RaftNode node, final long incarnation)
    {
        checks++;
        final int memberId = node.memberId();
        Seen seen = seenByMember.get(memberId);
        if (seen == null)
        {
            seen = new Seen();
            seenByMember.put(memberId, seen);
        }
        if (seen.incarnation != incarnation)
        {
            seen.incarnation = incarnation;
            seen.commitIndex = node.log().snapshotIndex();
            seen.leaderTerm = -1;
        }
        final RaftLog log = node.log();
        final long commitIndex = node.commitIndex();
        final long lastApplied = node.lastApplied();
        if (!(lastApplied <= commitIndex && commitIndex <= log.lastIndex()))
        {
            throw new InvariantViolation("member " + memberId + ": lastApplied=" + lastApplied + " commitIndex=" + commitIndex +
                " lastIndex=" + log.lastIndex());
        }
        if (commitIndex < seen.commitIndex)
        {
            throw new InvariantViolation("member " + memberId + ": commitIndex went back from " + seen.commitIndex + " to " + commitIndex);
        }
        for (long index = Math.max(seen.commitIndex, log.snapshotIndex()) + 1; index <= commitIndex; index++)
        {
            log.read(index, index, hashReader);
            final long term = committedTerms.get(index);
            if (term != -1)
            {
                final long hash = committedHashes.get(index);
                if (term != readTerm || hash != readHash)
                {
                    throw new InvariantViolation("member " + memberId + " committed (index=" + index + ", term=" + readTerm +
                        ") but (term=" + term + ") was committed there before");
                }
            }
            else
            {
                committedTerms.put(index, readTerm);
                committedHashes.put(index, readHash);
                maxCommittedIndex = Math.max(maxCommittedIndex, index);
            }
        }
        seen.commitIndex = commitIndex;

        if (node.role() == RaftRole.LEADER)
        {
            final long term = node.term();
            final long previousLeader = leaderByTerm.get(term);
            if (previousLeader == -1)
            {
                leaderByTerm.put(term, memberId);
            }
            else if (previousLeader != memberId)
            {
                throw new InvariantViolation("Election Safety: members " + previousLeader + " and " + memberId + " both lead term " + term);
            }
            if (seen.leaderTerm == term)
            {
                if (log.lastIndex() < seen.leaderLastIndex || log.termAt(seen.leaderLastIndex) != seen.leaderLastTerm)
                {
                    throw new InvariantViolation("Leader Append-Only: leader " + memberId + " of term " + term + " lost entry " +
                        seen.leaderLastIndex + " (lastIndex now " + log.lastIndex() + ")");
                }
            }
            else
            {
                checkLeaderCompleteness(node, term);
            }
            seen.leaderTerm = term;
            seen.leaderLastIndex = log.lastIndex();
            seen.leaderLastTerm = log.lastTerm();
        }
        else
        {
            seen.leaderTerm = -1;
        }
    }

    private void checkLeaderCompleteness(final RaftNode node, final long term)
    {
        final RaftLog log = node.log();
        for (long i = log.snapshotIndex() + 1; i <= maxCommittedIndex; i++)
        {
            final long committedTerm = committedTerms.get(i);
            if (committedTerm != -1 && log.termAt(i) != committedTerm)
            {
                throw new InvariantViolation("Leader Completeness: leader " + node.memberId() + " of term " + term +
                    " has term " + log.termAt(i) + " at committed index " + i + " (committed term " + committedTerm + ")");
            }
        }
    }
}
