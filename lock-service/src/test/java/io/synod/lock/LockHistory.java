package io.synod.lock;

import org.agrona.ExpandableArrayBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * What every replica of a simulated lock service applied, merged over the whole run (every member and
 * every incarnation of it): the state each index led to, as a hash of {@link LockStateMachine#encodeSnapshot}
 * bytes, the grants each index reported, and per lock the fences granted in log order. The first replica
 * to reach an index defines it; every other replica reaching that index, at any time, must agree.
 *
 * <p>Recording happens inside {@code apply}, where a state machine must not throw, so a disagreement is
 * kept as the run's first violation and thrown by the invariant after the step ({@link #assertNoViolation}).
 */
final class LockHistory
{
    private final Map<Long, Long> stateHashByIndex = new HashMap<>();
    private final Map<Long, List<String>> grantsByIndex = new HashMap<>();
    /** Per lock name: index of a grant event to the fence it reported, in log order. */
    private final Map<String, TreeMap<Long, Long>> fencesByLock = new HashMap<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(1024);
    private final CRC32 crc = new CRC32();
    private String violation;
    long statesChecked;
    long grantEvents;

    /** A replica's state machine reflects every command up to {@code index}; it must match every other replica's at that index. */
    void onState(final int memberId, final long index, final LockStateMachine machine, final String how)
    {
        final long hash = stateHash(machine);
        statesChecked++;
        final Long first = stateHashByIndex.putIfAbsent(index, hash);
        if (first != null && first != hash)
        {
            violate("member " + memberId + " " + how + " index " + index + " into a state (hash " + Long.toHexString(hash) +
                ") unlike the one another replica held at that index (hash " + Long.toHexString(first) + ")");
        }
    }

    /** The grants a replica reported while applying {@code index}; every replica applying it must report the same. */
    void onGrants(final int memberId, final long index, final List<String> grants)
    {
        final List<String> first = grantsByIndex.putIfAbsent(index, new ArrayList<>(grants));
        if (first != null && !first.equals(grants))
        {
            violate("member " + memberId + " granted " + grants + " at index " + index + ", another replica " + first);
        }
    }

    /**
     * A grant of {@code lock} reported at {@code index} with {@code fence}. Fences are log indexes: never
     * above the index that granted; per lock they never go back in log order, and a mutex's new hold (first
     * count) is fenced strictly above every earlier grant.
     */
    void onGrant(final int memberId, final String lock, final long index, final long fence, final boolean newMutexHold)
    {
        grantEvents++;
        if (fence > index || fence <= 0)
        {
            violate("member " + memberId + " granted " + lock + " at index " + index + " with fence " + fence);
            return;
        }
        final TreeMap<Long, Long> fences = fencesByLock.computeIfAbsent(lock, name -> new TreeMap<>());
        final Map.Entry<Long, Long> before = fences.lowerEntry(index);
        final Map.Entry<Long, Long> after = fences.higherEntry(index);
        if (before != null && (newMutexHold ? fence <= before.getValue() : fence < before.getValue()))
        {
            violate("fence of " + lock + " went back: " + fence + " granted at index " + index + " (member " + memberId +
                ") after " + before.getValue() + " at index " + before.getKey());
        }
        if (after != null && fence > after.getValue())
        {
            violate("fence of " + lock + " went back: " + after.getValue() + " granted at index " + after.getKey() +
                " after " + fence + " at index " + index + " (member " + memberId + ")");
        }
        fences.merge(index, fence, Math::max);
    }

    /** @return the largest fence of a grant of {@code lock} reported at {@code index}, or 0. */
    String fences(final String lock)
    {
        return String.valueOf(fencesByLock.get(lock));
    }

    long fenceGrantedAt(final String lock, final long index)
    {
        final TreeMap<Long, Long> fences = fencesByLock.get(lock);
        final Long fence = fences == null ? null : fences.get(index);
        return fence == null ? 0 : fence;
    }

    void violate(final String message)
    {
        if (violation == null)
        {
            violation = message;
        }
    }

    void assertNoViolation()
    {
        if (violation != null)
        {
            throw new AssertionError(violation);
        }
    }

    private long stateHash(final LockStateMachine machine)
    {
        final int length = machine.encodeSnapshot(scratch);
        crc.reset();
        crc.update(scratch.byteArray(), 0, length);
        long hash = length;
        for (int i = 0; i < length; i++)
        {
            hash = hash * 0x100000001B3L ^ scratch.getByte(i);
        }
        return hash ^ crc.getValue() << 32;
    }
}
