package io.synod.client;

/**
 * Who leads a named election.
 *
 * @param name      the election.
 * @param session   the leader's client session.
 * @param candidate the leader's candidate id.
 * @param fence     the leadership's fencing token: pass it to every resource the leader writes.
 * @param value     the leader's value (e.g. its address).
 */
public record ElectionLeader(String name, long session, long candidate, long fence, String value)
{
}
