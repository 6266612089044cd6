package io.synod.log.chronicle;

/**
 * State of the recovery scan of a {@link ChronicleRaftLog} being opened. Entries go straight into the index arrays; {@code base} plays the part of
 * {@code snapshotIndex} until {@link #finish()} reconciles it with {@code log.meta}. It writes the
 * log's index arrays and snapshot fields directly: it is the log's own start-up code, in a file of its own.
 */
final class RecoveryScan
{
    private final ChronicleRaftLog log;

    /** Whether {@code base} is known: set by the first entry or a RESET; cleared by a TRUNCATE below it. */
    boolean anchored;
    boolean anchoredByReset;
    long base;
    long baseTerm;
    int resetCycle;
    long badPosition = -1;
    long badHeaderOffset;
    int badCycle;
    long badExpectedIndex;
    String badReason;
    boolean metaNeedsUpdate;
    int firstCycleNeeded = Integer.MIN_VALUE;

    RecoveryScan(final ChronicleRaftLog log)
    {
        this.log = log;
    }

    long expectedIndex()
    {
        return anchored ? base + log.count + 1 : LogCorruptionException.UNKNOWN_INDEX;
    }

    void onRecord(final long position, final int cycle, final long headerOffset, final String failure)
    {
        if (-1 != badPosition)
        {
            if (null == failure &&
                LogRecord.TYPE_VOID == log.scratch.getInt(LogRecord.TYPE_OFFSET, LogRecord.ORDER) &&
                log.scratch.getLong(LogRecord.INDEX_OFFSET, LogRecord.ORDER) == badPosition)
            {
                badPosition = -1; // voided by an earlier recovery
                return;
            }
            throw log.corruption(badCycle, badExpectedIndex, "record fails verification: " + badReason);
        }
        if (null != failure)
        {
            badPosition = position;
            badHeaderOffset = headerOffset;
            badCycle = cycle;
            badExpectedIndex = expectedIndex();
            badReason = failure;
            return;
        }
        final long index = log.scratch.getLong(LogRecord.INDEX_OFFSET, LogRecord.ORDER);
        final long term = log.scratch.getLong(LogRecord.TERM_OFFSET, LogRecord.ORDER);
        final int type = log.scratch.getInt(LogRecord.TYPE_OFFSET, LogRecord.ORDER);
        switch (type)
        {
            case LogRecord.TYPE_TRUNCATE:
                if (anchored)
                {
                    if (index > base + log.count + 1)
                    {
                        throw log.corruption(cycle, index, "TRUNCATE beyond the last index " + (base + log.count));
                    }
                    if (anchoredByReset && index <= base)
                    {
                        throw log.corruption(cycle, index, "TRUNCATE at or below the RESET snapshot " + base);
                    }
                    if (!anchoredByReset && index <= base + 1)
                    {
                        anchored = false; // every entry seen so far is gone; the next entry anchors again
                        log.count = 0;
                    }
                    else
                    {
                        log.count = (int)(index - base - 1);
                    }
                }
                break;

            case LogRecord.TYPE_RESET:
                anchored = true;
                anchoredByReset = true;
                base = index;
                baseTerm = term;
                resetCycle = cycle;
                log.startSlot = 0;
                log.count = 0;
                break;

            case LogRecord.TYPE_VOID:
                break; // voids nothing that is still here (the voided record was compacted away)

            default:
                if (!anchored)
                {
                    anchored = true;
                    anchoredByReset = false;
                    base = index - 1;
                    baseTerm = -1;
                    log.startSlot = 0;
                    log.count = 0;
                }
                if (index != base + log.count + 1)
                {
                    throw log.corruption(cycle, index, "expected index " + (base + log.count + 1));
                }
                final long previousTerm = log.count > 0 ? log.terms[log.startSlot + log.count - 1] : baseTerm;
                if (term < previousTerm)
                {
                    throw log.corruption(cycle, index, "term " + term + " below previous term " + previousTerm);
                }
                log.ensureCapacity();
                log.positions[log.startSlot + log.count] = position;
                log.terms[log.startSlot + log.count] = term;
                log.count++;
                break;
        }
    }

    /** Reconciles the scanned entries with the snapshot recorded in {@code log.meta}. */
    void finish()
    {
        final long metaIndex = log.snapshotIndex;
        final long metaTerm = log.snapshotTerm;
        if (!anchored)
        {
            log.count = 0;
            log.startSlot = 0;
            return;
        }
        if (anchoredByReset && base > metaIndex)
        {
            // A reset whose log.meta update did not happen before the process stopped.
            log.snapshotIndex = base;
            log.snapshotTerm = baseTerm;
            metaNeedsUpdate = true;
            firstCycleNeeded = resetCycle;
            return;
        }
        if (base > metaIndex)
        {
            throw log.corruption(log.meta.firstCycle(), metaIndex + 1,
                "entries " + (metaIndex + 1) + " to " + base + " are missing (first entry found is " + (base + 1) + ")");
        }
        final long lastScanned = base + log.count;
        if (metaIndex >= lastScanned)
        {
            // Everything scanned is covered by the snapshot.
            log.startSlot = 0;
            log.count = 0;
            return;
        }
        if (metaIndex > base)
        {
            final int metaSlot = log.startSlot + (int)(metaIndex - base - 1);
            if (log.terms[metaSlot] != metaTerm)
            {
                throw log.corruption(ChronicleRaftLog.ROLL_CYCLE.toCycle(log.positions[metaSlot]), metaIndex,
                    "snapshot term " + metaTerm + " but the entry has term " + log.terms[metaSlot]);
            }
            log.startSlot = metaSlot + 1;
            log.count = (int)(lastScanned - metaIndex);
        }
        else if (anchoredByReset)
        {
            log.snapshotIndex = base;
            log.snapshotTerm = baseTerm;
        }
    }
}
