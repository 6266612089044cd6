package io.synod.coordinator.cli;

import io.synod.client.MemberStatus;
import io.synod.client.SynodClient;
import io.synod.coordinator.SynodExit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code synod local}: the demo's three {@code synod server} processes, kept running on fixed loopback ports (the
 * CLI's default endpoints) with data in a temporary directory; prints the endpoints and CLI lines to try, and stops
 * everything cleanly on Ctrl-C.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Starts a 3-member cluster on loopback and keeps it running until Ctrl-C.")
public final class LocalCommand implements Callable<Integer>
{
    @Option(names = "--base-port", defaultValue = "20001", description = "member m listens on base-port + m - 1; default ${DEFAULT-VALUE}")
    int basePort;

    @Option(names = "--cluster-id", defaultValue = "1", description = "the cluster's id; default ${DEFAULT-VALUE}")
    int clusterId;

    @Option(names = "--keep", description = "keep the data directory on exit")
    boolean keep;

    @Override
    public Integer call() throws Exception
    {
        final Path root = Files.createTempDirectory("synod-local-");
        final LocalCluster cluster = new LocalCluster(root, clusterId, new int[] {basePort, basePort + 1, basePort + 2}, List.of())
            .httpPorts(basePort + 100, basePort + 101, basePort + 102);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            System.out.println("\nsynod local: stopping the 3 members ...");
            try
            {
                cluster.close();
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
            if (!keep)
            {
                cluster.delete();
            }
            System.out.println("synod local: stopped" + (keep ? "; data kept in " + root : ""));
            System.out.flush();
            stopped.countDown();
        }, "synod-local-stop"));
        for (int m = 1; m <= 3; m++)
        {
            cluster.start(m);
        }
        try (SynodClient client = SynodClient.connect(new SynodClient.Context().clusterId(clusterId).members(cluster.endpoints()).openSession(false)))
        {
            final MemberStatus leader = cluster.awaitLeader(client, 60_000);
            if (leader == null)
            {
                System.err.println("synod local: no leader within 60 s; member logs are in " + root);
                return SynodExit.FAILED;
            }
            final String endpointFlag = clusterId == 1 && basePort == 20001 ? "" : " --cluster-id " + clusterId + " --endpoints " + cluster.endpoints();
            System.out.printf(Locale.ROOT, "synod local: 3 members running, member %d leads term %d%n", leader.memberId(), leader.term());
            System.out.printf(Locale.ROOT, "  endpoints: %s (cluster id %d)%n  data and member logs: %s%n", cluster.endpoints(), clusterId, root);
            System.out.println("try:");
            System.out.println("  ./synod status" + endpointFlag);
            System.out.println("  ./synod kv put greeting hello" + endpointFlag);
            System.out.println("  ./synod kv get greeting --read LINEARIZABLE" + endpointFlag);
            System.out.println("  ./synod kv cas greeting 1 bonjour" + endpointFlag);
            System.out.println("  ./synod kv list gr --limit 10" + endpointFlag);
            System.out.println("  curl -s http://" + cluster.httpEndpoint(1) + "/health    # also /livez, /readyz");
            System.out.println("  curl -s -XPOST http://" + cluster.httpEndpoint(2) + "/v1/kv/get -d '{\"key\":\"greeting\"}'    # the JSON gateway");
            System.out.println("Ctrl-C stops the cluster.");
            System.out.flush();
        }
        stopped.await();
        return SynodExit.OK;
    }
}
