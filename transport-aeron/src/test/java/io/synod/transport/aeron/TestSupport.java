package io.synod.transport.aeron;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Helpers for real-UDP tests: free loopback ports and condition waits with a deadline.
 */
final class TestSupport
{
    private TestSupport()
    {
    }

    /** @return a UDP port on 127.0.0.1 that was free a moment ago. */
    static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return {@code "127.0.0.1:port"} for a free port. */
    static String freeEndpoint()
    {
        return "127.0.0.1:" + freeUdpPort();
    }

    /**
     * Runs {@code work} until {@code condition} holds, failing after {@code timeout}. The wait is
     * real time (real sockets), but the assertion is the condition, never a duration.
     */
    static void await(final Duration timeout, final Supplier<String> what, final Runnable work, final BooleanSupplier condition)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            work.run();
            Thread.yield();
        }
    }

    /** As {@link #await(Duration, Supplier, Runnable, BooleanSupplier)} with no work to drive. */
    static void await(final Duration timeout, final Supplier<String> what, final BooleanSupplier condition)
    {
        await(timeout, what, () -> { }, condition);
    }

    /** Files.createDirectories without the checked exception. */
    static Path createDirectories(final Path dir)
    {
        try
        {
            return Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
