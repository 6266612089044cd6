package io.synod.coordinator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.synod.transport.aeron.PartitionFilter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * The test-only partition control of a member started with {@code --test-faults true} (never otherwise: without the
 * flag the path does not exist and answers 404). The black-box harness uses it where the machine cannot filter
 * packets for real.
 *
 * <ul>
 *   <li>{@code POST /test/partition?cut=2,3}: this member drops every frame to and from members 2 and 3 (replacing
 *   the previous set); {@code cut=} (empty) heals. 200 with the state as JSON; 400 naming a bad id.</li>
 *   <li>{@code GET /test/partition}: the peers cut off now and the frames dropped so far.</li>
 * </ul>
 * A cut does not survive a restart: a restarted member starts with every link up.
 */
final class TestFaultEndpoint implements HttpHandler
{
    /** The path served. */
    static final String PATH = "/test/partition";

    private final PartitionFilter filter;
    private final Set<Integer> members;

    TestFaultEndpoint(final PartitionFilter filter, final Set<Integer> members)
    {
        this.filter = filter;
        this.members = Set.copyOf(members);
    }

    @Override
    public void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String method = exchange.getRequestMethod();
            if ("POST".equals(method))
            {
                final String problem = cut(exchange.getRequestURI().getRawQuery());
                if (problem != null)
                {
                    respond(exchange, 400, "{\"error\":\"" + problem + "\"}");
                    return;
                }
            }
            else if (!"GET".equals(method))
            {
                respond(exchange, 405, "{\"error\":\"GET or POST\"}");
                return;
            }
            respond(exchange, 200, "{\"cut\":" + Arrays.toString(filter.cutMembers()).replace(" ", "") +
                ",\"droppedFrames\":" + filter.droppedFrames() + "}");
        }
    }

    /** @return null when applied, else what is wrong. */
    private String cut(final String query)
    {
        if (query == null || !query.startsWith("cut="))
        {
            return "expected ?cut=<member ids, comma-separated; empty heals>";
        }
        final String list = query.substring("cut=".length()).replace("%2C", ",").replace("%2c", ",");
        final String[] parts = list.isEmpty() ? new String[0] : list.split(",");
        final int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            try
            {
                ids[i] = Integer.parseInt(parts[i].trim());
            }
            catch (final NumberFormatException ex)
            {
                return "not a member id: " + parts[i].replaceAll("[^0-9A-Za-z_-]", "?");
            }
            if (!members.contains(ids[i]))
            {
                return "not a member: " + ids[i];
            }
        }
        filter.cut(ids);
        return null;
    }

    private static void respond(final HttpExchange exchange, final int status, final String json) throws IOException
    {
        final byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }
}
