package io.synod.coordinator.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded malformed requests for the JSON gateway: a valid request of a random endpoint, then one to three mutations
 * (truncation, random bytes, deep nesting, unknown / duplicate fields, wrong types, oversize keys, values, strings and
 * bodies, invalid UTF-8, unpaired surrogates, huge numbers, wrong methods, unknown paths). Everything comes from the one
 * {@link Random} made from the seed: the same seed gives the same cases.
 */
final class GatewayFuzzCases
{
    /** One request. */
    record Case(int number, String method, String path, byte[] body, String mutations)
    {
        @Override
        public String toString()
        {
            final String text = new String(body, 0, Math.min(body.length, 160), StandardCharsets.UTF_8);
            return "case " + number + " " + method + " " + path + " [" + mutations + "] body(" + body.length + " bytes): " + text +
                (body.length > 160 ? "..." : "");
        }
    }

    private static final List<String> PATHS = List.of("/v1/kv/get", "/v1/kv/put", "/v1/kv/cas", "/v1/kv/delete", "/v1/kv/list",
        "/v1/lock/acquire", "/v1/lock/renew", "/v1/lock/release", "/v1/election/observe");
    private static final String[] METHODS = {"GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    private static final String JSONISH = "{}[]\",:\\ 0123456789-+.eEtruefalsn";
    private static final String PATH_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789/._-";

    private final Random random;
    private int count;

    GatewayFuzzCases(final long seed)
    {
        this.random = new Random(seed);
    }

    /** @return the next case. */
    Case next()
    {
        final int number = count++;
        final int route = random.nextInt(PATHS.size());
        String path = PATHS.get(route);
        String method = "POST";
        byte[] body = template(route, number);
        final StringBuilder applied = new StringBuilder();
        final int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++)
        {
            final int kind = random.nextInt(16);
            applied.append(applied.length() == 0 ? "" : ",").append(kind);
            switch (kind)
            {
                case 0 -> body = Arrays.copyOf(body, random.nextInt(body.length + 1));
                case 1 -> body = insert(body, randomBytes(1 + random.nextInt(4)));
                case 2 ->
                {
                    final int from = random.nextInt(body.length + 1);
                    final int to = from + random.nextInt(body.length - from + 1);
                    body = concat(Arrays.copyOf(body, from), Arrays.copyOfRange(body, to, body.length));
                }
                case 3 ->
                {
                    if (body.length > 0)
                    {
                        body = body.clone();
                        body[random.nextInt(body.length)] = (byte)JSONISH.charAt(random.nextInt(JSONISH.length()));
                    }
                }
                case 4 -> body = nested(1 + random.nextInt(random.nextBoolean() ? 20 : 50_000));
                case 5 -> body = afterBrace(body, "\"" + word() + "\":" + scalar() + ",");
                case 6 -> body = replaceFirstValue(body, random.nextBoolean() ? scalar() : random.nextBoolean() ? "[1,2]" : "{\"a\":{}}");
                case 7 -> body = oversize();
                case 8 -> body = insertInString(body, new byte[]{(byte)0xC3, (byte)0x28});
                case 9 -> body = insertInString(body, "\\ud800".getBytes(StandardCharsets.US_ASCII));
                case 10 -> body = afterBrace(body, List.of("\"ttlMs\":1e999,", "\"limit\":99999999999999999999999,", "\"waitMs\":-1,",
                    "\"expectedVersion\":1.5,", "\"limit\":-0,", "\"key\":null,").get(random.nextInt(6)));
                case 11 -> body = afterBrace(body, "\"key\":\"dup\",\"key\":\"dup\",");
                case 12 -> body = List.of("", " ", "null", "[]", "\"text\"", "{}{}", "{", "}", "{\"key\":\"a\"} x", "1")
                    .get(random.nextInt(10)).getBytes(StandardCharsets.UTF_8);
                case 13 -> method = METHODS[random.nextInt(METHODS.length)];
                case 14 -> path = randomPath();
                default -> body = insertInString(body, new byte[]{(byte)random.nextInt(0x20)});
            }
        }
        return new Case(number, method, path, body, applied.toString());
    }

    private byte[] template(final int route, final int number)
    {
        final String json = switch (route)
        {
            case 0 -> "{\"key\":\"fz/k" + random.nextInt(4) + "\",\"mode\":\"" + List.of("LINEARIZABLE", "lease", "Stale").get(random.nextInt(3)) + "\"}";
            case 1 -> "{\"key\":\"fz/k" + random.nextInt(4) + "\",\"value\":\"v" + number + "\"}";
            case 2 -> "{\"key\":\"fz/k" + random.nextInt(4) + "\",\"expectedVersion\":" + random.nextInt(3) + ",\"value\":\"c" + number + "\"}";
            case 3 -> "{\"key\":\"fz/k" + random.nextInt(4) + "\"}";
            case 4 -> "{\"prefix\":\"fz/\",\"after\":\"\",\"limit\":" + (1 + random.nextInt(10)) + ",\"mode\":\"LEASE\"}";
            // A lock name of its own per case, so that no fuzzed acquire waits for another's lease.
            case 5 -> "{\"name\":\"fz/l" + number + "\",\"holder\":\"h" + random.nextInt(3) + "\",\"ttlMs\":1000,\"waitMs\":0}";
            case 6, 7 -> "{\"name\":\"fz/l" + random.nextInt(Math.max(1, number)) + "\",\"holder\":\"h" + random.nextInt(3) + "\"}";
            default -> "{\"name\":\"fz" + random.nextInt(3) + "\",\"mode\":\"STALE\"}";
        };
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] oversize()
    {
        return switch (random.nextInt(4))
        {
            case 0 -> ("{\"key\":\"" + "k".repeat(1025 + random.nextInt(4000)) + "\",\"value\":\"v\"}").getBytes(StandardCharsets.UTF_8);
            case 1 -> ("{\"key\":\"big\",\"value\":\"" + "v".repeat(65_537 + random.nextInt(10_000)) + "\"}").getBytes(StandardCharsets.UTF_8);
            case 2 -> ("{\"key\":\"" + "s".repeat(90_000 + random.nextInt(10_000)) + "\"}").getBytes(StandardCharsets.UTF_8);
            default ->
            {
                final byte[] body = new byte[600_000 + random.nextInt(200_000)];
                Arrays.fill(body, (byte)' ');
                body[0] = '{';
                body[body.length - 1] = '}';
                yield body;
            }
        };
    }

    private byte[] nested(final int depth)
    {
        final boolean objects = random.nextBoolean();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++)
        {
            out.writeBytes((objects ? "{\"a\":" : "[").getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("1".getBytes(StandardCharsets.US_ASCII));
        if (random.nextBoolean())
        {
            for (int i = 0; i < depth; i++)
            {
                out.write(objects ? '}' : ']');
            }
        }
        return out.toByteArray();
    }

    private String scalar()
    {
        return List.of("1", "-7", "true", "null", "\"s\"", "0.5", "[]", "{}").get(random.nextInt(8));
    }

    private String word()
    {
        final StringBuilder out = new StringBuilder();
        final int length = random.nextInt(2) == 0 ? 1 + random.nextInt(8) : 60 + random.nextInt(100);
        for (int i = 0; i < length; i++)
        {
            out.append((char)('a' + random.nextInt(26)));
        }
        return out.toString();
    }

    private String randomPath()
    {
        if (random.nextBoolean())
        {
            return List.of("/", "/v1", "/v1/", "/v2/kv/get", "/v1/kv", "/v1/kv/get/extra", "/livez/x", "/V1/KV/GET", "/v1/lock")
                .get(random.nextInt(9));
        }
        final StringBuilder out = new StringBuilder("/v1/");
        final int length = random.nextInt(20);
        for (int i = 0; i < length; i++)
        {
            out.append(PATH_CHARS.charAt(random.nextInt(PATH_CHARS.length())));
        }
        return out.toString();
    }

    private byte[] randomBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private byte[] insert(final byte[] body, final byte[] bytes)
    {
        final int at = random.nextInt(body.length + 1);
        return concat(concat(Arrays.copyOf(body, at), bytes), Arrays.copyOfRange(body, at, body.length));
    }

    private byte[] insertInString(final byte[] body, final byte[] bytes)
    {
        for (int i = 0; i < body.length; i++)
        {
            if (body[i] == '"' && random.nextInt(3) == 0 && i + 1 < body.length)
            {
                return concat(concat(Arrays.copyOf(body, i + 1), bytes), Arrays.copyOfRange(body, i + 1, body.length));
            }
        }
        return insert(body, bytes);
    }

    private static byte[] afterBrace(final byte[] body, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (body.length == 0 || body[0] != '{')
        {
            return concat(("{" + text).getBytes(StandardCharsets.UTF_8), body);
        }
        return concat(concat(new byte[]{'{'}, bytes), Arrays.copyOfRange(body, 1, body.length));
    }

    private byte[] replaceFirstValue(final byte[] body, final String value)
    {
        final String text = new String(body, StandardCharsets.ISO_8859_1);
        final int colon = text.indexOf(':');
        if (colon < 0)
        {
            return body;
        }
        int end = colon + 1;
        if (end < text.length() && text.charAt(end) == '"')
        {
            end = text.indexOf('"', end + 1);
            end = end < 0 ? text.length() : end + 1;
        }
        else
        {
            while (end < text.length() && ",}".indexOf(text.charAt(end)) < 0)
            {
                end++;
            }
        }
        return (text.substring(0, colon + 1) + value + text.substring(end)).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
