package io.synod.examples.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quickstart works against the installed artifacts: it proposes, reads linearizably and takes fenced locks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedExampleTest
{
    @Test
    void shouldProposeReadLinearizablyAndTakeFencedLocks(@TempDir final Path dir) throws Exception
    {
        final EmbeddedExample.Result result = EmbeddedExample.run(dir);

        assertTrue(result.leaderId() >= 1 && result.leaderId() <= 3);
        assertEquals(5, result.committedValue());
        assertEquals(5, result.readOnFollower());
        assertTrue(result.fence() > 0);
        assertTrue(result.nextFence() > result.fence(), "fences increase per lock");
    }
}
