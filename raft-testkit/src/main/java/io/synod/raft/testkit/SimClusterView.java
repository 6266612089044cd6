package io.synod.raft.testkit;

import io.synod.raft.RaftNode;
import io.synod.raft.StateMachine;

/** The user's view of a running {@link Simulation}; see {@link SimulatedCluster}. */
final class SimClusterView implements SimulatedCluster
{
    private final Simulation simulation;
    private final SimMember[] members;

    SimClusterView(final Simulation simulation, final SimMember[] members)
    {
        this.simulation = simulation;
        this.members = members;
    }

    @Override
    public long seed()
    {
        return simulation.parameters().seed;
    }

    @Override
    public int size()
    {
        return members.length;
    }

    @Override
    public int groups()
    {
        return simulation.groups();
    }

    @Override
    public long nowNs()
    {
        return simulation.clock().nanoTime();
    }

    @Override
    public boolean isHealed()
    {
        return simulation.isHealed();
    }

    @Override
    public boolean isAlive(final int memberId)
    {
        return members[memberId - 1].alive;
    }

    @Override
    public long incarnation(final int memberId)
    {
        return members[memberId - 1].incarnation;
    }

    @Override
    public RaftNode node(final int memberId, final int groupId)
    {
        return members[memberId - 1].node(groupId);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <S extends StateMachine> S stateMachine(final int memberId, final int groupId)
    {
        return (S)members[memberId - 1].userStateMachine(groupId);
    }

    @Override
    public long appliedIndex(final int memberId, final int groupId)
    {
        final SimMember member = members[memberId - 1];
        return member.alive ? member.stateMachines[groupId].index : 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <P extends SimulatedProtocol> P protocol(final int memberId)
    {
        return (P)members[memberId - 1].protocol;
    }
}
