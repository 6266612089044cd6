package io.synod.raft.testkit;

import java.util.Objects;

/**
 * The parts of a {@link Simulation} run, from {@link Simulation#builder(long)}: everything not set is the
 * default run's (one group, the simulator's digest state machine, random commands, the Raft invariants
 * and progress alone). Not thread-safe.
 */
public final class SimulationBuilder
{
    final long seed;
    long steps = 2_000;
    int groups = 1;
    SimulatedDisk.Factory disks = CrashableLog::new;
    StateMachineFactory stateMachines;
    SimulationWorkload workload;
    SimulationInvariant invariant;
    SimulationLiveness liveness;
    SimulatedProtocol.Factory protocol;
    Simulation.ReplayCommand replay = SimulationFailure::replayCommand;
    /** Null: the seed decides (on for three seeds in four). */
    Boolean snapshots;
    boolean coalesceFrames;

    SimulationBuilder(final long seed)
    {
        this.seed = seed;
    }

    /** Events in the safety phase (default 2,000). */
    public SimulationBuilder steps(final long steps)
    {
        if (steps < 0)
        {
            throw new IllegalArgumentException("steps must not be negative: " + steps);
        }
        this.steps = steps;
        return this;
    }

    /**
     * Raft groups per member, all on the member's one agent (default 1), with ids {@code 0..groups-1};
     * each has its own log, hard state, snapshot store and invariant checker on every member. 0 runs no
     * Raft at all, only the {@link #protocol}.
     */
    public SimulationBuilder groups(final int groups)
    {
        if (groups < 0 || groups > Simulation.GROUPS_MAX)
        {
            throw new IllegalArgumentException("groups must be in [0, " + Simulation.GROUPS_MAX + "]: " + groups);
        }
        this.groups = groups;
        return this;
    }

    /** Where members keep their logs (default {@link CrashableLog}); called once per member and group. */
    public SimulationBuilder disks(final SimulatedDisk.Factory disks)
    {
        this.disks = Objects.requireNonNull(disks, "disks");
        return this;
    }

    /** The user's state machines (default: the simulator's digest of the commands alone). */
    public SimulationBuilder stateMachines(final StateMachineFactory stateMachines)
    {
        this.stateMachines = Objects.requireNonNull(stateMachines, "stateMachines");
        return this;
    }

    /** The user's clients (default: random commands of 8 to 64 bytes to a random group). */
    public SimulationBuilder workload(final SimulationWorkload workload)
    {
        this.workload = Objects.requireNonNull(workload, "workload");
        return this;
    }

    /** The user's safety property, checked after every step. */
    public SimulationBuilder invariant(final SimulationInvariant invariant)
    {
        this.invariant = Objects.requireNonNull(invariant, "invariant");
        return this;
    }

    /** The user's progress condition after healing. */
    public SimulationBuilder liveness(final SimulationLiveness liveness)
    {
        this.liveness = Objects.requireNonNull(liveness, "liveness");
        return this;
    }

    /** A protocol node on every member, beside the Raft groups (or alone with {@code groups(0)}). */
    public SimulationBuilder protocol(final SimulatedProtocol.Factory protocol)
    {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        return this;
    }

    /**
     * Snapshots on or off for every seed, instead of the seed deciding (on for three seeds in four). The
     * seed still draws everything else, so a seed's cluster, faults and thresholds are the same either way.
     */
    public SimulationBuilder snapshots(final boolean on)
    {
        this.snapshots = on;
        return this;
    }

    /**
     * Every member's agent sends through a {@link io.synod.raft.FrameBatcher} (default off): the small frames of
     * a duty cycle to one member travel as one batch. The seed draws the same cluster and faults either way;
     * what differs is how many network frames carry the same Raft messages (and so which ones a fault hits).
     */
    public SimulationBuilder coalesceFrames(final boolean on)
    {
        this.coalesceFrames = on;
        return this;
    }

    /** The replay command a failure prints (default: {@code SimulationReplayTest}, which replays default runs). */
    public SimulationBuilder replay(final Simulation.ReplayCommand replay)
    {
        this.replay = Objects.requireNonNull(replay, "replay");
        return this;
    }

    /**
     * @throws IllegalArgumentException for a run with nothing to run, or with Raft parts and no groups.
     */
    public Simulation build()
    {
        if (groups == 0 && protocol == null)
        {
            throw new IllegalArgumentException("no groups and no protocol: nothing to simulate");
        }
        if (groups == 0 && (stateMachines != null || workload != null))
        {
            throw new IllegalArgumentException("state machines and workloads need at least one group");
        }
        return new Simulation(this);
    }

    /** Builds and runs; see {@link Simulation#run()}. */
    public Simulation.Result run()
    {
        return build().run();
    }
}
