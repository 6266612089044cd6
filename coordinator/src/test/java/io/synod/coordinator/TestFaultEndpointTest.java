package io.synod.coordinator;

import com.sun.net.httpserver.HttpServer;
import io.synod.raft.Transport;
import io.synod.transport.aeron.PartitionFilter;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestFaultEndpointTest
{
    private static final Transport NOWHERE = new Transport()
    {
        @Override
        public boolean send(final int memberId, final DirectBuffer buffer, final int offset, final int length)
        {
            return true;
        }

        @Override
        public int poll(final FrameHandler handler, final int fragmentLimit)
        {
            return 0;
        }
    };

    @Test
    void shouldBeOffUnlessTheOperatorAsks()
    {
        assertEquals("false", ServerConfig.Key.TEST_FAULTS.defaultValue());
        assertEquals("--test-faults", ServerConfig.Key.TEST_FAULTS.flag());
    }

    @Test
    void shouldCutHealAndRefuseUnknownMembers() throws Exception
    {
        final PartitionFilter filter = new PartitionFilter(NOWHERE);
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext(TestFaultEndpoint.PATH, new TestFaultEndpoint(filter, Set.of(1, 2, 3)));
        server.start();
        try
        {
            final String base = "http://127.0.0.1:" + server.getAddress().getPort() + TestFaultEndpoint.PATH;
            final HttpClient http = HttpClient.newHttpClient();
            final HttpResponse<String> cut = post(http, base + "?cut=2,3");
            assertEquals(200, cut.statusCode(), cut.body());
            assertTrue(cut.body().contains("\"cut\":[2,3]"), cut.body());
            assertArrayEquals(new int[] {2, 3}, filter.cutMembers());

            assertEquals(400, post(http, base + "?cut=4").statusCode(), "not a member");
            assertEquals(400, post(http, base + "?cut=x").statusCode());
            assertEquals(400, post(http, base).statusCode());
            assertArrayEquals(new int[] {2, 3}, filter.cutMembers(), "a refused request changes nothing");

            final HttpResponse<String> state = http.send(HttpRequest.newBuilder(URI.create(base)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, state.statusCode());
            assertTrue(state.body().contains("\"droppedFrames\":0"), state.body());

            assertEquals(200, post(http, base + "?cut=").statusCode());
            assertEquals(0, filter.cutMembers().length, "healed");
        }
        finally
        {
            server.stop(0);
        }
    }

    private static HttpResponse<String> post(final HttpClient http, final String uri) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    }
}
