package io.synod.blackbox;

import io.synod.raft.ReadMode;

import java.nio.file.Path;

/**
 * What a {@link Workload} needs from its run: where the members are, the shared client media driver, the history
 * to record into, the seed its randomness derives from and how it reads.
 *
 * @param clusterId     the members' cluster id.
 * @param members       {@code id@host:port,...} of every member.
 * @param aeronDir      the directory of the media driver the run's clients share.
 * @param history       where every operation is recorded.
 * @param seed          the run's seed (each worker derives its own generator from it).
 * @param readMode      how register reads are made (LINEARIZABLE by default; LEASE in the lease scenario).
 * @param concurrency   client threads (Jepsen processes 0 .. concurrency-1 at first).
 * @param dir           the run directory (a workload may write its own files there, e.g. a client process's log).
 */
record RunContext(int clusterId, String members, String aeronDir, History history, long seed, ReadMode readMode, int concurrency,
    Path dir)
{
}
