package io.synod.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The configurations in a member's log that may still matter: the latest one at or below the applied
 * index, and every later one (which a truncation may still remove). A configuration takes effect as
 * soon as its entry is in the log (Raft dissertation §4.1), so the newest one here is the one in force;
 * truncating its entry falls back to the one before.
 */
final class ConfigurationHistory
{
    private final List<Membership> memberships = new ArrayList<>();
    private final List<Long> indexes = new ArrayList<>();

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
