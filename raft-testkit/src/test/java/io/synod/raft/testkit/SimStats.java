package io.synod.raft.testkit;

class SimStats
{
    public static void main(final String[] args)
    {
        for (long seed = 0; seed < 10; seed++)
        {
            System.out.println(Simulation.run(seed, 2000));
        }
    }
}
