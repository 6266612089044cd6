package io.synod.blackbox;

import io.synod.client.FencedLock;
import io.synod.client.LockFailedException;
import io.synod.client.RequestRejectedException;
import io.synod.client.SynodClient;
import io.synod.lock.LockStatus;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * A lock client in its own JVM (and its own embedded media driver), so that the harness can SIGSTOP the whole client:
 * started by {@link PausedHolder} from the test classpath as {@code java ... LockClientProcess CLUSTER_ID MEMBERS TTL_MS}.
 * It reads commands on stdin and answers each with one line on stdout, all on its main thread (the lock's holder
 * thread):
 *
 * <pre>
 *   acquire NAME WAIT_MS  -&gt; acquired FENCE | failed STATUS | unknown MESSAGE
 *   write NAME VALUE      -&gt; attempt NAME FENCE VALUE KNEW_LOST   (the write it sends to the fenced resource)
 *   release NAME          -&gt; released | failed STATUS | unknown MESSAGE
 *   exit                  -&gt; (closes the client and exits)
 * </pre>
 *
 * plus {@code lost NAME FENCE} whenever its client learns a hold was lost. It is the naive holder of the classic
 * hazard: it remembers the fence it was granted and writes with it without asking whether it still holds the lock
 * (as code that checked, then stalled in a GC pause, would); {@code KNEW_LOST} says whether a loss had been reported
 * to it by then. The fenced resource, not this client, must refuse the stale write.
 */
public final class LockClientProcess
{
    private LockClientProcess()
    {
    }

    /**
     * Runs the command loop.
     *
     * @param args cluster id, members ({@code id@host:port,...}), session TTL in ms.
     */
    public static void main(final String[] args) throws Exception
    {
        final SynodClient client = SynodClient.connect(new SynodClient.Context().clusterId(Integer.parseInt(args[0])).members(args[1])
            .sessionTtl(Duration.ofMillis(Long.parseLong(args[2]))).requestTimeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofMillis(400)));
        final Map<String, Long> fences = new HashMap<>();
        final Set<String> lost = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Set<String> listening = new HashSet<>();
        System.out.println("ready");
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null)
        {
            final String[] words = line.trim().split(" ");
            final String name = words.length > 1 ? words[1] : "";
            final FencedLock lock = name.isEmpty() ? null : client.lock(name);
            if (lock != null && listening.add(name))
            {
                lock.onLost((lockName, fence, reason) ->
                {
                    lost.add(lockName);
                    System.out.println("lost " + lockName + " " + fence);
                });
            }
            switch (words[0])
            {
                case "acquire" -> System.out.println(acquire(lock, Long.parseLong(words[2]), fences, lost));
                case "write" -> System.out.println("attempt " + name + " " + fences.getOrDefault(name, 0L) + " " + words[2] + " " +
                    lost.contains(name));
                case "release" -> System.out.println(release(lock));
                case "exit" ->
                {
                    client.close();
                    System.exit(0);
                }
                default -> System.out.println("unknown command " + line);
            }
        }
        client.close();
    }

    private static String acquire(final FencedLock lock, final long waitMs, final Map<String, Long> fences, final Set<String> lost)
    {
        try
        {
            final long fence = lock.tryLockAndFence(Duration.ofMillis(waitMs));
            if (fence == FencedLock.INVALID_FENCE)
            {
                return "failed TIMED_OUT";
            }
            fences.put(lock.name(), fence);
            lost.remove(lock.name());
            return "acquired " + fence;
        }
        catch (final LockFailedException ex)
        {
            return "failed " + LockStatus.name(ex.status());
        }
        catch (final RequestRejectedException ex)
        {
            return "failed " + ex.reasonName();
        }
        catch (final RuntimeException ex)
        {
            return "unknown " + oneLine(ex);
        }
    }

    private static String release(final FencedLock lock)
    {
        try
        {
            lock.unlock();
            return "released";
        }
        catch (final LockFailedException ex)
        {
            return "failed " + LockStatus.name(ex.status());
        }
        catch (final CompletionException ex)
        {
            return ex.getCause() instanceof RequestRejectedException rejected ? "failed " + rejected.reasonName() : "unknown " + oneLine(ex.getCause());
        }
        catch (final RuntimeException ex)
        {
            return "unknown " + oneLine(ex);
        }
    }

    private static String oneLine(final Throwable ex)
    {
        return String.valueOf(ex).replace('\n', ' ');
    }
}
