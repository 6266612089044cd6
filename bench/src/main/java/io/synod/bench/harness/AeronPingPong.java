package io.synod.bench.harness;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.synod.transport.aeron.AeronRuntime;
import org.agrona.IoUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The floor: a raw Aeron UDP round trip on loopback between two endpoints in this JVM, set up like Synod's
 * members ({@link HarnessSetup}): one embedded media driver ({@code ThreadingMode.SHARED}) shared by both
 * endpoints, or one per endpoint; the echo side on an {@link AgentRunner} with the set-up's idle strategy.
 * The pinging side is the load generator's thread, which polls the pong subscription (and idles between polls
 * with the same strategy). Messages are {@code messageBytes} long. Threads: driver(s), echo, generator.
 */
public final class AeronPingPong implements LoadTarget
{
    private static final int PING_STREAM = 1001;
    private static final int PONG_STREAM = 1002;

    private final Path root;
    private final AeronRuntime pingRuntime;
    private final AeronRuntime pongRuntime;
    private final Publication ping;
    private final Subscription pongs;
    private final AgentRunner echoRunner;
    private final UnsafeBuffer message;
    private final FragmentHandler onPong;
    private volatile Completion completion = id -> {};

    public AeronPingPong(final int messageBytes, final HarnessSetup setup, final Path parent)
    {
        final Supplier<IdleStrategy> idleStrategy = setup.idleStrategy();
        try
        {
            Files.createDirectories(parent);
            root = Files.createTempDirectory(parent, "pingpong-");
            pingRuntime = AeronRuntime.embedded(Files.createDirectories(root.resolve("ping")), idleStrategy.get());
            pongRuntime = setup.sharedDriver() ?
                null : AeronRuntime.embedded(Files.createDirectories(root.resolve("pong")), idleStrategy.get());
            final String pingChannel = "aeron:udp?endpoint=127.0.0.1:" + SynodCluster.freeUdpPort();
            final String pongChannel = "aeron:udp?endpoint=127.0.0.1:" + SynodCluster.freeUdpPort();
            final Aeron a = pingRuntime.aeron();
            final Aeron b = pongRuntime != null ? pongRuntime.aeron() : a;
            ping = a.addPublication(pingChannel, PING_STREAM);
            pongs = a.addSubscription(pongChannel, PONG_STREAM);
            final Subscription pings = b.addSubscription(pingChannel, PING_STREAM);
            final Publication pong = b.addPublication(pongChannel, PONG_STREAM);
            final FragmentHandler echo = (buffer, offset, length, header) ->
            {
                while (pong.offer(buffer, offset, length) < 0)
                {
                    Thread.onSpinWait();
                }
            };
            echoRunner = new AgentRunner(idleStrategy.get(), Throwable::printStackTrace, null, new Agent()
            {
                @Override
                public int doWork()
                {
                    return pings.poll(echo, 64);
                }

                @Override
                public String roleName()
                {
                    return "pong";
                }
            });
            AgentRunner.startOnThread(echoRunner);
            final long deadlineNs = System.nanoTime() + 10_000_000_000L;
            while (!ping.isConnected() || !pong.isConnected())
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw new IllegalStateException("ping-pong did not connect");
                }
                Thread.yield();
            }
            message = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(8, messageBytes)));
            onPong = (buffer, offset, length, header) -> completion.onComplete(buffer.getLong(offset));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public String name()
    {
        return "aeron udp ping-pong";
    }

    @Override
    public void completion(final Completion completion)
    {
        this.completion = completion;
    }

    @Override
    public boolean send(final long id)
    {
        message.putLong(0, id);
        return ping.offer(message, 0, message.capacity()) > 0;
    }

    @Override
    public int poll()
    {
        return pongs.poll(onPong, 64);
    }

    @Override
    public void close()
    {
        echoRunner.close();
        if (pongRuntime != null)
        {
            pongRuntime.close();
        }
        pingRuntime.close();
        IoUtil.delete(root.toFile(), true);
    }
}
