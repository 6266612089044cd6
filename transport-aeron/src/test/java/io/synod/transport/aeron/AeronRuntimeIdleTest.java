package io.synod.transport.aeron;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/** The driver a node starts for itself idles like the node's agent (a backing-off daemon gets a backing-off driver). */
class AeronRuntimeIdleTest
{
    @Test
    void shouldGiveTheDriverAFreshStrategyOfTheAgentsKind()
    {
        final BackoffIdleStrategy backoff = new BackoffIdleStrategy();
        assertEquals(BackoffIdleStrategy.class, AeronRuntime.sameKind(backoff).getClass());
        assertNotSame(backoff, AeronRuntime.sameKind(backoff), "idle strategies keep state: never shared between threads");
        assertEquals(SleepingMillisIdleStrategy.class, AeronRuntime.sameKind(new SleepingMillisIdleStrategy()).getClass());
        assertEquals(BusySpinIdleStrategy.class, AeronRuntime.sameKind(new BusySpinIdleStrategy()).getClass());
        assertEquals(YieldingIdleStrategy.class, AeronRuntime.sameKind(new YieldingIdleStrategy()).getClass());
        assertEquals(YieldingIdleStrategy.class, AeronRuntime.sameKind(null).getClass());
        assertEquals(YieldingIdleStrategy.class, AeronRuntime.sameKind(NoOpIdleStrategy.INSTANCE).getClass());
    }
}
