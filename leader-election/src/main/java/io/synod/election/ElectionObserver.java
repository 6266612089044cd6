package io.synod.election;

/**
 * Told of every change of a named election's leader, in log order, on the agent thread of the replica
 * it observes. {@code leader} is null when the election has no leader (resigned or expired with no
 * candidate waiting).
 */
@FunctionalInterface
public interface ElectionObserver
{
    void onLeaderChange(String name, Leadership leader);
}
