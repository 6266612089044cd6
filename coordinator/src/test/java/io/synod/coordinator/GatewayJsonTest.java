package io.synod.coordinator;

import io.synod.coordinator.GatewayJson.BadRequest;
import io.synod.coordinator.GatewayJson.Field;
import io.synod.coordinator.GatewayJson.Fields;
import io.synod.coordinator.GatewayJson.Type;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayJsonTest
{
    private static final Field[] FIELDS = {
        new Field("key", Type.STRING, true), new Field("limit", Type.LONG, false), new Field("exact", Type.BOOLEAN, false)};

    private static Fields parse(final String json)
    {
        final byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return GatewayJson.parse(body, body.length, FIELDS);
    }

    private static void assertRefused(final String json, final int status, final String code)
    {
        final BadRequest refused = assertThrows(BadRequest.class, () -> parse(json), json);
        assertEquals(status, refused.status, json + ": " + refused.getMessage());
        assertEquals(code, refused.code, json + ": " + refused.getMessage());
    }

    @Test
    void shouldReadTheFieldsOfOneFlatObject()
    {
        final Fields fields = parse(" {\"key\":\"caf\\u00e9\",\"limit\":-7,\"exact\":true}\n");
        assertEquals("café", fields.string("key", null));
        assertEquals(-7, fields.number("limit", 0));
        assertTrue(fields.bool("exact", false));
        final Fields defaults = parse("{\"key\":\"\"}");
        assertEquals("", defaults.string("key", null));
        assertEquals(100, defaults.number("limit", 100));
        assertFalse(defaults.has("exact"));
    }

    @Test
    void shouldRefuseAnythingElse()
    {
        assertRefused("", 400, "bad_json");
        assertRefused("{", 400, "bad_json");
        assertRefused("[]", 400, "bad_json");
        assertRefused("null", 400, "bad_json");
        assertRefused("{\"key\":\"a\"}{}", 400, "bad_json");
        assertRefused("{\"key\":\"a\",}", 400, "bad_json");
        assertRefused("{'key':'a'}", 400, "bad_json");
        assertRefused("{}", 400, "missing_field");
        assertRefused("{\"key\":\"a\",\"other\":1}", 400, "unknown_field");
        assertRefused("{\"key\":\"a\",\"key\":\"b\"}", 400, "duplicate_field");
        assertRefused("{\"key\":7}", 400, "bad_type");
        assertRefused("{\"key\":null}", 400, "bad_type");
        assertRefused("{\"key\":[\"a\"]}", 400, "bad_type");
        assertRefused("{\"key\":\"a\",\"limit\":1.0}", 400, "bad_type");
        assertRefused("{\"key\":\"a\",\"limit\":\"1\"}", 400, "bad_type");
        assertRefused("{\"key\":\"a\",\"limit\":9223372036854775808}", 400, "bad_value");
        assertRefused("{\"key\":\"a\",\"limit\":123456789012345678901234}", 413, "too_large");
        assertRefused("{\"key\":\"\\ud800\"}", 400, "bad_value");
        assertRefused("{\"key\":\"a\u0001\"}", 400, "bad_json");
        assertRefused("{\"key\":\"" + "x".repeat(GatewayJson.STRING_MAX + 20_000) + "\"}", 413, "too_large");
        assertRefused("{\"" + "n".repeat(GatewayJson.NAME_MAX + 100) + "\":1}", 413, "too_large");
    }

    @Test
    void shouldRefuseInvalidUtf8()
    {
        final byte[] body = {'{', '"', 'k', 'e', 'y', '"', ':', '"', (byte)0xC3, (byte)0x28, '"', '}'};
        final BadRequest refused = assertThrows(BadRequest.class, () -> GatewayJson.parse(body, body.length, FIELDS));
        assertEquals(400, refused.status);
    }

    @Test
    void shouldWriteTextOrBase64()
    {
        assertArrayEquals("{\"v\":\"héllo\"}\n".getBytes(StandardCharsets.UTF_8), GatewayJson.write((out) ->
        {
            out.writeStartObject();
            GatewayJson.writeBytes(out, "v", "héllo".getBytes(StandardCharsets.UTF_8));
            out.writeEndObject();
        }));
        assertEquals("{\"vBase64\":\"/wA=\"}\n", new String(GatewayJson.write((out) ->
        {
            out.writeStartObject();
            GatewayJson.writeBytes(out, "v", new byte[]{(byte)0xFF, 0});
            out.writeEndObject();
        }), StandardCharsets.UTF_8));
        assertEquals("{\"error\":\"bad_json\",\"message\":\"a \\\"quote\\\"\"}\n",
            new String(GatewayJson.error("bad_json", "a \"quote\""), StandardCharsets.UTF_8));
    }
}
