package io.synod.raft.testkit;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Everything a {@link Simulation} run does, derived from its seed: the cluster size, the network's
 * faults, the workload's pace, the Raft configuration. Immutable.
 */
public final class SimulationParameters
{
    /** The seed everything derives from. */
    public final long seed;
    /** Voters in the bootstrap configuration: 3, 5 or 7. */
    public final int clusterSize;
    /** Chance that a frame is lost, until the network's mood changes. */
    public final double dropRate;
    /** Chance that a frame is delivered twice, until the network's mood changes. */
    public final double duplicateRate;
    /** Shortest time a frame spends on the wire. */
    public final long minDelayNs;
    /** Longest time a frame spends on the wire; frames reorder within the spread. */
    public final long maxDelayNs;
    /** Mean time between fault events. */
    public final long faultIntervalNs;
    /** Mean time between client events. */
    public final long proposalIntervalNs;
    /** The Raft election timeout. */
    public final long electionTimeoutNs;
    /** The Raft heartbeat interval. */
    public final long heartbeatIntervalNs;
    /** Mean time between a member's periodic duty cycles. */
    public final long tickIntervalNs;
    /** AppendEntries in flight per follower. */
    public final int inflightAppendsMax;
    /** Entries per AppendEntries. */
    public final int appendEntriesMax;
    /** Whether PreVote is on. */
    public final boolean preVote;
    /** Whether CheckQuorum is on. */
    public final boolean checkQuorum;
    /** Whether members take snapshots (and send them to followers behind the compacted prefix). */
    public final boolean snapshots;
    /** Entries applied between snapshots. */
    public final long snapshotEntriesThreshold;
    /** Bytes per snapshot chunk. */
    public final int snapshotChunkBytes;
    /** Entries kept in the log behind a snapshot. */
    public final long snapshotTrailingEntries;
    /** Bytes the default state machine's snapshot carries beyond its header, so snapshots span chunks. */
    public final int snapshotPaddingBytes;
    /** Whether faults include membership changes and leadership transfers. */
    public final boolean membershipChanges;
    /** Members outside the bootstrap configuration that membership changes can add. */
    public final int spares;

    /** @param raft whether the run has Raft groups (without them, no membership changes and no spares). */
    SimulationParameters(final long seed, final boolean raft)
    {
        this(seed, raft, null);
    }

    /** @param snapshotsOverride null: the seed decides; else snapshots on or off (every other draw stays the seed's). */
    SimulationParameters(final long seed, final boolean raft, final Boolean snapshotsOverride)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        this.seed = seed;
        this.clusterSize = new int[]{3, 5, 7}[random.nextInt(3)];
        this.dropRate = random.nextDouble() * 0.2;
        this.duplicateRate = random.nextDouble() * 0.05;
        this.minDelayNs = TimeUnit.MICROSECONDS.toNanos(50 + random.nextInt(450));
        this.maxDelayNs = minDelayNs + TimeUnit.MICROSECONDS.toNanos(500 + random.nextInt(8000));
        this.faultIntervalNs = TimeUnit.MILLISECONDS.toNanos(20 + random.nextInt(100));
        this.proposalIntervalNs = TimeUnit.MICROSECONDS.toNanos(500 + random.nextInt(9500));
        this.electionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(50);
        this.heartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(10);
        this.tickIntervalNs = TimeUnit.MILLISECONDS.toNanos(10);
        this.inflightAppendsMax = 1 + random.nextInt(8);
        this.appendEntriesMax = 1 + random.nextInt(64);
        this.preVote = random.nextInt(4) != 0;
        this.checkQuorum = random.nextInt(4) != 0;
        final boolean drawnSnapshots = random.nextInt(4) != 0;
        this.snapshots = snapshotsOverride == null ? drawnSnapshots : snapshotsOverride;
        this.snapshotEntriesThreshold = 5 + random.nextInt(60);
        this.snapshotChunkBytes = 64 + random.nextInt(512);
        this.snapshotTrailingEntries = random.nextInt(3) == 0 ? 0 : random.nextInt(20);
        this.snapshotPaddingBytes = random.nextInt(3000);
        this.membershipChanges = random.nextInt(3) == 0 && raft;
        this.spares = membershipChanges ? 2 : 0;
    }

    @Override
    public String toString()
    {
        return "seed=" + seed + " nodes=" + clusterSize + String.format(" drop=%.3f dup=%.3f", dropRate, duplicateRate) +
            " delay=" + minDelayNs / 1000 + ".." + maxDelayNs / 1000 + " faultEvery=" + faultIntervalNs / 1_000_000 +
            "ms proposeEvery=" + proposalIntervalNs / 1000 + "us inflight=" + inflightAppendsMax +
            " batch=" + appendEntriesMax + " preVote=" + preVote + " checkQuorum=" + checkQuorum +
            (snapshots ? " snapshotEvery=" + snapshotEntriesThreshold + " chunk=" + snapshotChunkBytes +
            " trailing=" + snapshotTrailingEntries + " snapshotBytes=" + (20 + snapshotPaddingBytes) : " snapshots=off") +
            (membershipChanges ? " membershipChanges spares=" + spares : "");
    }
}
