package io.synod.blackbox;

import java.util.List;
import java.util.Map;

/**
 * What the clients of a black-box run do, and how their history is judged. A run ({@link BlackBoxRun}) starts the
 * workload against the live cluster, lets the {@link Nemesis} inject faults meanwhile, stops it, heals everything,
 * and then asks for the final reads and the checks.
 *
 * <p><b>Extension point.</b> {@link RegisterWorkload} (read/write/cas, linearizability per key) and {@link LockWorkload}
 * (acquire/release with fences, a {@link FencedResource}, {@link LockChecker}; a client process paused past its
 * session TTL by {@link PausedHolder}) implement it; {@link BlackBoxRun.Plan#workload} picks one. The bank (total
 * conserved) and set (every acknowledged add read back from every member) workloads join the same way once the
 * transactions and quorum-store issues have landed.
 */
interface Workload
{
    /**
     * One verdict of a workload's checks.
     *
     * @param name   what was checked, e.g. {@code linearizable (per key)}.
     * @param ok     whether it passed; an undecided check (the checker's UNKNOWN) is not ok.
     * @param detail the checker's explanation or what was found.
     */
    record Check(String name, boolean ok, String detail)
    {
    }

    /** @return the workload's name in reports. */
    String name();

    /** Starts the client threads; returns at once. */
    void start(RunContext context);

    /** Stops issuing operations and waits for every client to finish its last one (it may end in {@code :info}). */
    void stop() throws InterruptedException;

    /** After the heal, with a leader: reads the final state (recorded in the history as well). */
    void finalReads(RunContext context) throws InterruptedException;

    /** @return the checks over the whole history, final reads included. */
    List<Check> check();

    /** @return operations invoked (final reads included). */
    long operations();

    /** @return operations that ended with each of ok, fail and info, in that order. */
    long[] outcomes();

    /** @return independent histories the checks decided (one per key for the register workload). */
    int histories();

    /** @return faults the workload injected itself (e.g. pauses of its client processes), by kind; none by default. */
    default Map<String, Integer> faults()
    {
        return Map.of();
    }

    /** Closes the clients. */
    void close();
}
