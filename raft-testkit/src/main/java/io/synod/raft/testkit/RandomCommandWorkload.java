package io.synod.raft.testkit;

import org.agrona.MutableDirectBuffer;

import java.util.random.RandomGenerator;

/**
 * The default run's clients: commands of 8 to 64 bytes, the correlation id and then random bytes, to a
 * random group. Outcomes are checked by the simulator itself (each acknowledged command is the committed
 * entry at its index), so this workload ignores them.
 */
final class RandomCommandWorkload implements SimulationWorkload
{
    @Override
    public int command(final int groupId, final long correlationId, final RandomGenerator random, final MutableDirectBuffer command)
    {
        final int length = 8 + random.nextInt(57);
        command.putLong(0, correlationId);
        for (int i = 8; i < length; i++)
        {
            command.putByte(i, (byte)random.nextInt(256));
        }
        return length;
    }
}
