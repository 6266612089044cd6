package io.synod.transport.aeron;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An Aeron client and, optionally, the media driver it talks to: either an embedded
 * {@link MediaDriver} owned by this object, or an external driver found by its directory.
 *
 * <p>The embedded driver runs in {@link ThreadingMode#SHARED} (one thread for conductor, sender and
 * receiver) with a {@link YieldingIdleStrategy} by default: on a 2-core machine the yielding
 * strategy gave a 13 µs p50 UDP round trip against 140 µs with a parking backoff, while busy
 * spinning starved the other threads. Its directory is created under the given path (or a fresh
 * temporary directory), deleted on start if stale, and deleted on {@link #close()}.
 *
 * <p><b>Several nodes in one JVM.</b> By default every {@code AeronRaftNode} starts a driver of its own
 * (one thread each). Several nodes in one process (tests, an application hosting members of different
 * clusters) share one runtime instead: create it once, pass it to each builder with
 * {@code runtime(shared)} (the nodes leave it open), and close it after the last node. With one shared
 * runtime, members of the same cluster may also talk over IPC ({@code ipc(1, 2, 3)}) instead of UDP.
 * Several Raft groups of one member (an application's state machine beside the lock service) need no
 * second node at all: they run on one node's agent ({@code AeronRaftNode.Builder#group}).
 *
 * <p><b>Threading.</b> Create and close on one thread. The {@link #aeron()} client is thread-safe.
 * <p><b>Failure.</b> Construction throws if the driver cannot start or the client cannot connect.
 */
public final class AeronRuntime implements AutoCloseable
{
    /** Defaults for the embedded driver. */
    public static final class Configuration
    {
        /** Image liveness: how long a silent peer's image lingers before it is dropped. */
        public static final long IMAGE_LIVENESS_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(2);
        /** How long a publication stays "connected" without status messages from its peer. */
        public static final long PUBLICATION_CONNECTION_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(2);
        /** Term buffer of UDP and IPC publications: 4 MiB allows messages up to 512 KiB. */
        public static final int TERM_BUFFER_LENGTH_DEFAULT = 4 * 1024 * 1024;

        private Configuration()
        {
        }
    }

    private static final System.Logger LOGGER = System.getLogger("io.synod.transport.aeron");

    private final MediaDriver driver;
    private final Aeron aeron;
    private final File tempRoot;

    private AeronRuntime(final MediaDriver driver, final Aeron aeron, final File tempRoot)
    {
        this.driver = driver;
        this.aeron = aeron;
        this.tempRoot = tempRoot;
    }

    /**
     * Starts an embedded media driver in shared threading mode with a yielding idle strategy, in a
     * new temporary directory, and connects a client to it.
     *
     * @return the runtime; {@link #close()} stops the driver and deletes its directory.
     */
    public static AeronRuntime embedded()
    {
        return embedded(null, new YieldingIdleStrategy());
    }

    /**
     * A fresh idle strategy of the same kind as {@code agentIdle} (busy-spin, yielding, backoff with Agrona's
     * defaults, sleeping), for the driver a node starts for itself: a daemon configured to back off when idle
     * should not keep a yielding driver thread spinning. Yielding for null or a kind it does not know.
     */
    public static IdleStrategy sameKind(final IdleStrategy agentIdle)
    {
        if (agentIdle instanceof org.agrona.concurrent.BackoffIdleStrategy)
        {
            return new org.agrona.concurrent.BackoffIdleStrategy();
        }
        if (agentIdle instanceof org.agrona.concurrent.SleepingMillisIdleStrategy)
        {
            return new org.agrona.concurrent.SleepingMillisIdleStrategy();
        }
        if (agentIdle instanceof org.agrona.concurrent.BusySpinIdleStrategy)
        {
            return new org.agrona.concurrent.BusySpinIdleStrategy();
        }
        return new YieldingIdleStrategy();
    }

    /**
     * Starts an embedded media driver in shared threading mode and connects a client to it.
     *
     * @param parentDir  directory under which the driver directory is created, or null for a fresh
     *                   temporary directory.
     * @param idleStrategy idle strategy of the driver's single thread.
     * @return the runtime; {@link #close()} stops the driver and deletes its directory.
     */
    public static AeronRuntime embedded(final Path parentDir, final IdleStrategy idleStrategy)
    {
        AeronJvmFlags.check();
        final MediaDriver.Context context = new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idleStrategy)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .publicationTermBufferLength(Configuration.TERM_BUFFER_LENGTH_DEFAULT)
            .ipcTermBufferLength(Configuration.TERM_BUFFER_LENGTH_DEFAULT)
            .imageLivenessTimeoutNs(Configuration.IMAGE_LIVENESS_TIMEOUT_DEFAULT_NS)
            .publicationConnectionTimeoutNs(Configuration.PUBLICATION_CONNECTION_TIMEOUT_DEFAULT_NS)
            .warnIfDirectoryExists(false);
        return embedded(parentDir, context);
    }

    /**
     * Starts an embedded media driver with a caller-tuned context. The directory name is set here;
     * every other setting is the caller's.
     *
     * @param parentDir directory under which the driver directory is created, or null for a fresh
     *                  temporary directory.
     * @param context   the driver context; its directory name is overwritten.
     * @return the runtime; {@link #close()} stops the driver and deletes its directory.
     */
    public static AeronRuntime embedded(final Path parentDir, final MediaDriver.Context context)
    {
        AeronJvmFlags.check();
        final File tempRoot;
        final File root;
        try
        {
            if (parentDir == null)
            {
                tempRoot = java.nio.file.Files.createTempDirectory("synod-aeron-").toFile();
                root = tempRoot;
            }
            else
            {
                tempRoot = null;
                root = parentDir.toFile();
                IoUtil.ensureDirectoryExists(root, "aeron parent");
            }
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }

        final File dir = new File(root, "driver-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        context.aeronDirectoryName(dir.getAbsolutePath()).dirDeleteOnShutdown(true);

        MediaDriver driver = null;
        try
        {
            driver = MediaDriver.launch(context);
            final Aeron aeron = Aeron.connect(clientContext().aeronDirectoryName(driver.aeronDirectoryName()));
            return new AeronRuntime(driver, aeron, tempRoot);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            if (tempRoot != null)
            {
                IoUtil.delete(tempRoot, true);
            }
            throw ex;
        }
    }

    /**
     * Connects to an external media driver.
     *
     * @param aeronDirectoryName the driver's directory.
     * @return the runtime; {@link #close()} closes only the client.
     * @throws IllegalStateException if the JVM lacks the flags Agrona needs ({@link AeronJvmFlags}).
     */
    public static AeronRuntime external(final String aeronDirectoryName)
    {
        AeronJvmFlags.check();
        final Aeron aeron = Aeron.connect(clientContext().aeronDirectoryName(aeronDirectoryName));
        return new AeronRuntime(null, aeron, null);
    }

    /**
     * A client context whose error handler logs and never exits: Aeron's default handler ends the whole JVM
     * ({@code Runtime.exit}) when the driver times out, which a library embedded in a host application must not
     * do. The client closes itself after such an error; the nodes on it then stop with their failure reported.
     */
    private static Aeron.Context clientContext()
    {
        return new Aeron.Context().errorHandler(
            error -> LOGGER.log(System.Logger.Level.ERROR, "Aeron client error (the client closes on a driver timeout)", error));
    }

    /** @return the connected client. */
    public Aeron aeron()
    {
        return aeron;
    }

    /** @return the driver directory, for AeronStat: {@code -Daeron.dir=...}. */
    public String aeronDirectoryName()
    {
        return aeron.context().aeronDirectoryName();
    }

    /** @return true if this runtime owns an embedded driver. */
    public boolean isEmbedded()
    {
        return driver != null;
    }

    /**
     * Closes the client, then the embedded driver (deleting its directory). Idempotent.
     */
    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
        if (tempRoot != null)
        {
            IoUtil.delete(tempRoot, true);
        }
    }
}
