package io.synod.election;

/**
 * Who leads a named election: the candidate, its value and the fencing token of its win (the log
 * index of the grant: strictly increasing across successive leaders of one election).
 *
 * @param name      the election.
 * @param candidate the leader's candidate id.
 * @param fence     the fencing token; pass it to every resource the leader writes.
 * @param value     the leader's value (e.g. its address).
 */
public record Leadership(String name, long candidate, long fence, byte[] value)
{
}
