package io.synod.coordinator.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.synod.client.Election;
import io.synod.client.ElectionLeader;
import io.synod.client.SynodClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JSON gateway of three {@code synod server} processes from the built jar (one cluster for the class, backoff idle
 * strategy, 500 ms election timeout), driven with {@link HttpClient} against each member's HTTP port: KV round trips in
 * every read mode with a compare-and-set conflict, HTTP lock holders contending through different daemons (fences
 * increase; a waiting acquire is granted on release and on a lease that ran out), election observe, refused input,
 * 401 without the access token the members are started with, and a seeded fuzz of malformed requests after which
 * every member still serves.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayIT
{
    private static final int CLUSTER_ID = 23;
    /** The fuzz's seed: {@code -Dsynod.gateway.fuzz.seed=N} to replay a failure. */
    private static final long FUZZ_SEED = Long.getLong("synod.gateway.fuzz.seed", 20261205L);
    private static final int FUZZ_CASES = Integer.getInteger("synod.gateway.fuzz.cases", 600);
    private static final JsonFactory JSON = new JsonFactory();
    /** The members' access token: every request but /livez and /readyz carries it. */
    private static final String TOKEN = "gateway-it-token";
    private static final Pattern REJECTED = Pattern.compile("(?m)^synod_http_rejected_total\\{reason=\"[a-z_]+\"} ([0-9.E]+)$");

    private static Path root;
    private static LocalCluster cluster;
    private static SynodClient client;
    private static HttpClient http;

    @BeforeAll
    static void startCluster() throws Exception
    {
        root = Files.createTempDirectory("synod-gateway-it-");
        cluster = new LocalCluster(root, CLUSTER_ID, LocalCluster.freePorts(3),
            List.of("--election-timeout-ms", "500", "--election-timeout-max-ms", "1000", "--access-token", TOKEN),
            LocalCluster.jarLauncher(KvClusterIT.jar()));
        for (int m = 1; m <= 3; m++)
        {
            cluster.start(m);
        }
        client = SynodClient.connect(new SynodClient.Context().clusterId(CLUSTER_ID).members(cluster.endpoints())
            .requestTimeout(Duration.ofSeconds(20)));
        assertNotNull(cluster.awaitLeader(client, 120_000), "a leader within 120 s; logs in " + root);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stopCluster() throws Exception
    {
        if (client != null)
        {
            client.close();
        }
        if (cluster != null)
        {
            cluster.close();
            cluster.delete();
        }
    }

    /** A response: its status and its body, read as JSON. */
    private record Reply(int status, Map<String, Object> json, String text)
    {
        Object get(final String field)
        {
            return json.get(field);
        }

        long number(final String field)
        {
            final Object value = json.get(field);
            assertTrue(value instanceof Long, field + " is a number in " + text);
            return (Long)value;
        }

        @Override
        public String toString()
        {
            return status + " " + text;
        }
    }

    private static HttpRequest request(final int member, final String method, final String path, final byte[] body)
    {
        return request(member, method, path, body, "Bearer " + TOKEN);
    }

    private static HttpRequest request(final int member, final String method, final String path, final byte[] body, final String authorization)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + cluster.httpEndpoint(member) + path))
            .timeout(Duration.ofSeconds(90))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null)
        {
            builder.header("Authorization", authorization);
        }
        return builder.build();
    }

    private static Reply post(final int member, final String path, final String json) throws Exception
    {
        return reply(http.send(request(member, "POST", path, json.getBytes(StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.ofString()));
    }

    private static CompletableFuture<Reply> postAsync(final int member, final String path, final String json)
    {
        return http.sendAsync(request(member, "POST", path, json.getBytes(StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.ofString())
            .thenApply(GatewayIT::reply);
    }

    private static Reply reply(final HttpResponse<String> response)
    {
        return new Reply(response.statusCode(), parse(response.body()), response.body());
    }

    /** @return the body as a JSON object (nested objects as maps, arrays as lists), or null if it is not one. */
    private static Map<String, Object> parse(final String body)
    {
        try (JsonParser parser = JSON.createParser(body))
        {
            if (parser.nextToken() != JsonToken.START_OBJECT)
            {
                return null;
            }
            final Map<String, Object> object = readObject(parser);
            return parser.nextToken() == null ? object : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static Map<String, Object> readObject(final JsonParser parser) throws IOException
    {
        final Map<String, Object> object = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME)
        {
            final String name = parser.currentName();
            object.put(name, readValue(parser, parser.nextToken()));
        }
        return object;
    }

    private static Object readValue(final JsonParser parser, final JsonToken token) throws IOException
    {
        switch (token)
        {
            case START_OBJECT:
                return readObject(parser);
            case START_ARRAY:
                final List<Object> list = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY)
                {
                    list.add(readValue(parser, next));
                }
                return list;
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                return parser.getLongValue();
            case VALUE_TRUE:
            case VALUE_FALSE:
                return token == JsonToken.VALUE_TRUE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected " + token);
        }
    }

    private static void assertError(final Reply reply, final int status, final String code)
    {
        assertEquals(status, reply.status(), reply.toString());
        assertNotNull(reply.json(), "a JSON body: " + reply);
        assertEquals(code, reply.get("error"), reply.toString());
        assertTrue(reply.get("message") instanceof String, "a message: " + reply);
    }

    @Test
    @Order(1)
    void shouldPutGetCasDeleteAndListThroughAnyMember() throws Exception
    {
        final Reply put = post(1, "/v1/kv/put", "{\"key\":\"gw/a\",\"value\":\"one\"}");
        assertEquals(200, put.status(), put.toString());
        assertEquals(1, put.number("version"));
        for (final String mode : List.of("LINEARIZABLE", "LEASE", "STALE"))
        {
            for (int m = 1; m <= 3; m++)
            {
                Reply get = post(m, "/v1/kv/get", "{\"key\":\"gw/a\",\"mode\":\"" + mode + "\"}");
                // A STALE read may be served by a member that has not applied the put yet: retry it a little.
                for (int i = 0; "STALE".equals(mode) && !Boolean.TRUE.equals(get.get("found")) && i < 50; i++)
                {
                    Thread.sleep(20);
                    get = post(m, "/v1/kv/get", "{\"key\":\"gw/a\",\"mode\":\"" + mode + "\"}");
                }
                assertEquals(200, get.status(), mode + " via " + m + ": " + get);
                assertEquals(Boolean.TRUE, get.get("found"), mode + " via " + m + ": " + get);
                assertEquals("one", get.get("value"), get.toString());
                assertEquals(1, get.number("version"), get.toString());
            }
        }
        final Reply absent = post(2, "/v1/kv/get", "{\"key\":\"gw/absent\"}");
        assertEquals(200, absent.status(), absent.toString());
        assertEquals(Boolean.FALSE, absent.get("found"), absent.toString());
        assertFalse(absent.json().containsKey("value"), absent.toString());

        final Reply cas = post(2, "/v1/kv/cas", "{\"key\":\"gw/a\",\"expectedVersion\":1,\"value\":\"two\"}");
        assertEquals(200, cas.status(), cas.toString());
        assertEquals(2, cas.number("version"));
        final Reply conflict = post(3, "/v1/kv/cas", "{\"key\":\"gw/a\",\"expectedVersion\":1,\"value\":\"three\"}");
        assertError(conflict, 409, "version_mismatch");
        assertEquals(2, conflict.number("version"), "the key's current version: " + conflict);
        assertEquals("two", post(1, "/v1/kv/get", "{\"key\":\"gw/a\"}").get("value"), "the conflicting cas changed nothing");
        assertEquals(200, post(3, "/v1/kv/cas", "{\"key\":\"gw/new\",\"expectedVersion\":0,\"value\":\"fresh\"}").status());

        final Reply deleted = post(3, "/v1/kv/delete", "{\"key\":\"gw/a\"}");
        assertEquals(200, deleted.status(), deleted.toString());
        assertEquals(Boolean.TRUE, deleted.get("deleted"));
        assertEquals(2, deleted.number("version"), "the version it had");
        assertEquals(Boolean.FALSE, post(1, "/v1/kv/delete", "{\"key\":\"gw/a\"}").get("deleted"));
        assertEquals(Boolean.FALSE, post(1, "/v1/kv/get", "{\"key\":\"gw/a\"}").get("found"));

        for (int i = 0; i < 5; i++)
        {
            assertEquals(200, post(1 + i % 3, "/v1/kv/put", "{\"key\":\"gw/list/" + i + "\",\"value\":\"v" + i + "\"}").status());
        }
        final Reply first = post(2, "/v1/kv/list", "{\"prefix\":\"gw/list/\",\"limit\":3}");
        assertEquals(200, first.status(), first.toString());
        assertEquals(List.of("gw/list/0", "gw/list/1", "gw/list/2"), keys(first), first.toString());
        assertEquals(Boolean.TRUE, first.get("more"));
        assertEquals("gw/list/2", first.get("continuation"));
        final Reply rest = post(3, "/v1/kv/list", "{\"prefix\":\"gw/list/\",\"after\":\"gw/list/2\",\"limit\":3,\"mode\":\"lease\"}");
        assertEquals(List.of("gw/list/3", "gw/list/4"), keys(rest), rest.toString());
        assertEquals(Boolean.FALSE, rest.get("more"));
        assertFalse(rest.json().containsKey("continuation"), rest.toString());
    }

    @SuppressWarnings("unchecked")
    private static List<String> keys(final Reply reply)
    {
        final List<String> keys = new ArrayList<>();
        for (final Object entry : (List<Object>)reply.get("entries"))
        {
            keys.add((String)((Map<String, Object>)entry).get("key"));
        }
        return keys;
    }

    @Test
    @Order(2)
    void shouldGrantLocksToOneHolderAtATimeWithIncreasingFences() throws Exception
    {
        final Reply a = post(1, "/v1/lock/acquire", "{\"name\":\"gw/lock\",\"holder\":\"a\",\"ttlMs\":20000}");
        assertEquals(200, a.status(), a.toString());
        final long fenceA = a.number("fence");
        assertEquals(fenceA, post(1, "/v1/lock/acquire", "{\"name\":\"gw/lock\",\"holder\":\"a\"}").number("fence"),
            "acquiring again is idempotent: the same hold");

        assertError(post(2, "/v1/lock/acquire", "{\"name\":\"gw/lock\",\"holder\":\"b\"}"), 409, "not_acquired");
        final CompletableFuture<Reply> b = postAsync(2, "/v1/lock/acquire", "{\"name\":\"gw/lock\",\"holder\":\"b\",\"ttlMs\":1500,\"waitMs\":30000}");
        Thread.sleep(700);
        assertFalse(b.isDone(), "b waits while a holds the lock");

        final Reply renewed = post(1, "/v1/lock/renew", "{\"name\":\"gw/lock\",\"holder\":\"a\"}");
        assertEquals(200, renewed.status(), renewed.toString());
        assertEquals(fenceA, renewed.number("fence"));
        assertError(post(2, "/v1/lock/renew", "{\"name\":\"gw/lock\",\"holder\":\"a\"}"), 409, "not_held");

        final Reply released = post(1, "/v1/lock/release", "{\"name\":\"gw/lock\",\"holder\":\"a\"}");
        assertEquals(200, released.status(), released.toString());
        assertEquals(fenceA, released.number("fence"));
        assertError(post(1, "/v1/lock/release", "{\"name\":\"gw/lock\",\"holder\":\"a\"}"), 409, "not_held");

        final Reply granted = b.get(60, TimeUnit.SECONDS);
        assertEquals(200, granted.status(), granted.toString());
        final long fenceB = granted.number("fence");
        assertTrue(fenceB > fenceA, "fences increase: " + fenceA + " then " + fenceB);

        // b never renews: its 1.5 s lease runs out, the gateway releases it and c (waiting through member 3) gets the lock.
        final long waitStart = System.nanoTime();
        final Reply c = post(3, "/v1/lock/acquire", "{\"name\":\"gw/lock\",\"holder\":\"c\",\"waitMs\":30000}");
        assertEquals(200, c.status(), c.toString());
        final long fenceC = c.number("fence");
        assertTrue(fenceC > fenceB, "fences increase: " + fenceB + " then " + fenceC);
        assertTrue(System.nanoTime() - waitStart < TimeUnit.SECONDS.toNanos(25), "granted when b's lease ran out, not at c's wait timeout");
        assertError(post(2, "/v1/lock/renew", "{\"name\":\"gw/lock\",\"holder\":\"b\"}"), 409, "not_held");
        assertEquals(200, post(3, "/v1/lock/release", "{\"name\":\"gw/lock\",\"holder\":\"c\"}").status());
    }

    @Test
    @Order(3)
    void shouldObserveAnElectionsLeader() throws Exception
    {
        final Reply none = post(2, "/v1/election/observe", "{\"name\":\"gw/scheduler\"}");
        assertEquals(200, none.status(), none.toString());
        assertTrue(none.json().containsKey("leader") && none.get("leader") == null, "no leader: " + none);

        final Election election = client.election("gw/scheduler");
        final ElectionLeader me = election.campaign(7, "host-a:8080").get(30, TimeUnit.SECONDS);
        for (final String mode : List.of("LINEARIZABLE", "LEASE"))
        {
            final Reply observed = post(3, "/v1/election/observe", "{\"name\":\"gw/scheduler\",\"mode\":\"" + mode + "\"}");
            assertEquals(200, observed.status(), observed.toString());
            @SuppressWarnings("unchecked")
            final Map<String, Object> leader = (Map<String, Object>)observed.get("leader");
            assertNotNull(leader, observed.toString());
            assertEquals(7L, leader.get("candidate"));
            assertEquals("host-a:8080", leader.get("value"));
            assertEquals(me.fence(), leader.get("fence"));
            assertEquals(me.session(), leader.get("session"));
        }
        election.resign(me).get(30, TimeUnit.SECONDS);
        assertNull(post(1, "/v1/election/observe", "{\"name\":\"gw/scheduler\"}").get("leader"), "it resigned");
    }

    @Test
    @Order(4)
    void shouldRefuseBadInputWithAJsonError() throws Exception
    {
        assertError(post(1, "/v1/kv/get", "{\"key\":"), 400, "bad_json");
        assertError(post(1, "/v1/kv/get", ""), 400, "bad_json");
        assertError(post(1, "/v1/kv/get", "[1]"), 400, "bad_json");
        assertError(post(1, "/v1/kv/get", "{\"key\":\"a\",\"color\":\"red\"}"), 400, "unknown_field");
        assertError(post(1, "/v1/kv/get", "{\"key\":\"a\",\"key\":\"b\"}"), 400, "duplicate_field");
        assertError(post(1, "/v1/kv/put", "{\"key\":\"a\"}"), 400, "missing_field");
        assertError(post(1, "/v1/kv/put", "{\"key\":1,\"value\":\"v\"}"), 400, "bad_type");
        assertError(post(1, "/v1/kv/get", "{\"key\":{\"nested\":true}}"), 400, "bad_type");
        assertError(post(1, "/v1/kv/get", "{\"key\":\"a\",\"mode\":\"EVENTUAL\"}"), 400, "bad_value");
        assertError(post(1, "/v1/kv/list", "{\"limit\":1001}"), 400, "bad_value");
        assertError(post(1, "/v1/kv/put", "{\"key\":\"" + "k".repeat(1025) + "\",\"value\":\"v\"}"), 413, "key_too_large");
        assertError(post(1, "/v1/kv/put", "{\"key\":\"a\",\"value\":\"" + "v".repeat(65_537) + "\"}"), 413, "value_too_large");
        assertError(post(1, "/v1/kv/put", "{\"key\":\"a\",\"value\":\"" + "v".repeat(100_000) + "\"}"), 413, "too_large");
        assertError(post(1, "/v1/kv/put", "[".repeat(100_000)), 400, "bad_json");
        assertError(post(1, "/v1/kv/put", "{\"a\":".repeat(50) + "1" + "}".repeat(50)), 400, "unknown_field");
        assertError(post(1, "/v1/kv/put", "{\"key\":\"a\",\"value\":\"" + " ".repeat(600_000) + "\"}"), 413, "body_too_large");
        assertError(post(1, "/v1/lock/acquire", "{\"name\":\"x\",\"holder\":\"h\",\"waitMs\":60001}"), 400, "bad_value");
        assertError(post(1, "/v1/lock/acquire", "{\"name\":\"x\",\"holder\":\"h\",\"ttlMs\":99999999999999999999}"), 400, "bad_value");
        assertError(post(1, "/v1/nothing", "{}"), 404, "unknown_path");
        assertError(post(1, "/nothing", "{}"), 404, "unknown_path");
        assertError(reply(http.send(request(1, "GET", "/v1/kv/get", new byte[0]), HttpResponse.BodyHandlers.ofString())), 405,
            "method_not_allowed");
        assertError(reply(http.send(request(1, "DELETE", "/livez", new byte[0]), HttpResponse.BodyHandlers.ofString())), 405,
            "method_not_allowed");
    }

    @Test
    @Order(5)
    void shouldAnswer401WithoutTheAccessToken() throws Exception
    {
        final byte[] body = "{\"key\":\"gw/secret\",\"value\":\"v\"}".getBytes(StandardCharsets.UTF_8);
        for (final String authorization : java.util.Arrays.asList(null, "Bearer wrong-token", "Bearer " + TOKEN + "x", TOKEN, "Basic Zm9vOmJhcg=="))
        {
            final Reply put = reply(http.send(request(1, "POST", "/v1/kv/put", body, authorization), HttpResponse.BodyHandlers.ofString()));
            assertError(put, 401, "unauthorized");
            assertError(reply(http.send(request(2, "GET", "/metrics", new byte[0], authorization), HttpResponse.BodyHandlers.ofString())),
                401, "unauthorized");
            assertError(reply(http.send(request(3, "GET", "/health", new byte[0], authorization), HttpResponse.BodyHandlers.ofString())),
                401, "unauthorized");
        }
        assertEquals(Boolean.FALSE, post(1, "/v1/kv/get", "{\"key\":\"gw/secret\"}").get("found"), "no refused put was applied");
        for (final String probe : List.of("/livez", "/readyz"))
        {
            assertEquals(200, http.send(request(1, "GET", probe, new byte[0], null), HttpResponse.BodyHandlers.ofString()).statusCode(),
                probe + " stays open for orchestrators' probes");
        }
    }

    @Test
    @Order(6)
    void shouldAnswerEveryFuzzedRequestWith4xxOr2xxAndKeepServing() throws Exception
    {
        final int member = 1 + (int)Math.floorMod(FUZZ_SEED, 3L);
        final double rejectedBefore = rejectedTotal(member);
        final GatewayFuzzCases cases = new GatewayFuzzCases(FUZZ_SEED);
        int inputErrors = 0;
        int ok = 0;
        for (int i = 0; i < FUZZ_CASES; i++)
        {
            final GatewayFuzzCases.Case c = cases.next();
            final HttpResponse<String> response;
            try
            {
                response = http.send(request(member, c.method(), c.path(), c.body()), HttpResponse.BodyHandlers.ofString());
            }
            catch (final IOException ex)
            {
                throw new AssertionError("seed " + FUZZ_SEED + " (-Dsynod.gateway.fuzz.seed=" + FUZZ_SEED + "), " + c + ": " + ex, ex);
            }
            final int status = response.statusCode();
            final Map<String, Object> json = parse(response.body());
            final String where = "seed " + FUZZ_SEED + " (-Dsynod.gateway.fuzz.seed=" + FUZZ_SEED + "), " + c + " -> " + status + " " +
                response.body();
            if (status >= 200 && status < 300)
            {
                assertNotNull(json, "a 2xx answer is a JSON object: " + where);
                ok++;
                continue;
            }
            if (status < 400 || status >= 500)
            {
                fail("neither 2xx nor 4xx: " + where);
            }
            if (!"HEAD".equals(c.method()))
            {
                assertNotNull(json, "a JSON error body: " + where);
                assertTrue(json.get("error") instanceof String && json.get("message") instanceof String, "{error, message}: " + where);
            }
            inputErrors += status == 409 || status == 429 ? 0 : 1;
        }
        assertTrue(inputErrors > FUZZ_CASES / 2, "most fuzzed requests are refused (" + inputErrors + " of " + FUZZ_CASES + ", seed " +
            FUZZ_SEED + ")");
        assertEquals(rejectedBefore + inputErrors, rejectedTotal(member), 0.0,
            "synod_http_rejected_total counted every refused request (seed " + FUZZ_SEED + ", " + ok + " accepted)");

        for (int m = 1; m <= 3; m++)
        {
            assertEquals(200, http.send(request(m, "GET", "/readyz", new byte[0]), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, http.send(request(m, "GET", "/livez", new byte[0]), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertEquals(200, post(member, "/v1/kv/put", "{\"key\":\"gw/after-fuzz\",\"value\":\"still here\"}").status());
        assertEquals("still here", post(1 + member % 3, "/v1/kv/get", "{\"key\":\"gw/after-fuzz\"}").get("value"));
        assertNotNull(cluster.awaitLeader(client, 30_000), "the cluster still has a leader after the fuzz");
    }

    private static double rejectedTotal(final int member) throws Exception
    {
        final String metrics = http.send(request(member, "GET", "/metrics", new byte[0]), HttpResponse.BodyHandlers.ofString()).body();
        double total = 0;
        final Matcher m = REJECTED.matcher(metrics);
        while (m.find())
        {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }
}
