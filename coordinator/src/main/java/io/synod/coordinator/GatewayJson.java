package io.synod.coordinator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The JSON of the gateway ({@link JsonGateway}): a request body is one flat JSON object whose fields are read with
 * jackson-core's streaming parser against the endpoint's list of fields and types ({@link Field}); anything else is a
 * {@link BadRequest}. Answers are written with the streaming generator ({@link #write}).
 *
 * <p><b>Limits.</b> {@link StreamReadConstraints}: nesting depth {@value #DEPTH_MAX} (a request is flat, so a nested
 * value is refused at its first token anyway), document length {@link #BODY_MAX}, string length
 * {@link #STRING_MAX} characters, number length 20 digits, field names {@value #NAME_MAX} characters. A body is read
 * into memory only up to {@link #BODY_MAX} bytes; text must be valid UTF-8 (unpaired surrogates in escapes are
 * refused, so a key is never silently changed).
 * <p><b>Threading.</b> Stateless apart from the immutable factory: any thread.
 */
final class GatewayJson
{
    /** The largest request body, bytes: a 64 KiB value with every byte escaped (six characters each) fits. */
    static final int BODY_MAX = 512 * 1024;
    /** The longest JSON string, characters: a 64 KiB value of one-byte characters plus slack. */
    static final int STRING_MAX = 80 * 1024;
    static final int DEPTH_MAX = 8;
    static final int NAME_MAX = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(DEPTH_MAX)
            .maxDocumentLength(BODY_MAX)
            .maxStringLength(STRING_MAX)
            .maxNumberLength(20)
            .maxNameLength(NAME_MAX)
            .build())
        .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(DEPTH_MAX).build())
        .build();

    private GatewayJson()
    {
    }

    /** The type of a request field. */
    enum Type
    {
        /** A JSON string. */
        STRING,
        /** A JSON integer that fits a signed 64-bit long. */
        LONG,
        /** true or false. */
        BOOLEAN
    }

    /** A field an endpoint accepts. */
    record Field(String name, Type type, boolean required)
    {
    }

    /** A request refused for its input: answered with {@code status} and {@code {"error":code,"message":message}}. */
    static final class BadRequest extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        BadRequest(final int status, final String code, final String message)
        {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    /** The fields of one request, by name, as read. */
    static final class Fields
    {
        private final Map<String, Object> values = new HashMap<>();

        String string(final String name, final String defaultValue)
        {
            final Object value = values.get(name);
            return value == null ? defaultValue : (String)value;
        }

        long number(final String name, final long defaultValue)
        {
            final Object value = values.get(name);
            return value == null ? defaultValue : (Long)value;
        }

        boolean bool(final String name, final boolean defaultValue)
        {
            final Object value = values.get(name);
            return value == null ? defaultValue : (Boolean)value;
        }

        boolean has(final String name)
        {
            return values.containsKey(name);
        }
    }

    /**
     * Reads {@code body} as one JSON object of the {@code allowed} fields.
     *
     * @throws BadRequest 400 for anything but one flat object of those fields with the right types, every required one
     *                    present; 413 for a string, name, number or document over the limits.
     */
    static Fields parse(final byte[] body, final int length, final Field[] allowed)
    {
        if (length == 0)
        {
            throw new BadRequest(400, "bad_json", "the body is empty: send a JSON object");
        }
        final Fields fields = new Fields();
        try (JsonParser parser = FACTORY.createParser(body, 0, length))
        {
            if (parser.nextToken() != JsonToken.START_OBJECT)
            {
                throw new BadRequest(400, "bad_json", "the body must be one JSON object");
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME)
            {
                final String name = parser.currentName();
                final Field field = find(allowed, name);
                if (field == null)
                {
                    throw new BadRequest(400, "unknown_field", "unknown field '" + printable(name) + "'; this endpoint takes " + names(allowed));
                }
                if (fields.has(name))
                {
                    throw new BadRequest(400, "duplicate_field", "field '" + name + "' appears twice");
                }
                fields.values.put(name, value(parser, parser.nextToken(), field));
            }
            if (token != JsonToken.END_OBJECT)
            {
                throw new BadRequest(400, "bad_json", "the body must be one JSON object");
            }
            if (parser.nextToken() != null)
            {
                throw new BadRequest(400, "bad_json", "content after the JSON object");
            }
        }
        catch (final StreamConstraintsException ex)
        {
            throw new BadRequest(413, "too_large", "over a limit of the gateway: " + firstLine(ex.getOriginalMessage()));
        }
        catch (final JsonProcessingException ex)
        {
            throw new BadRequest(400, "bad_json", "malformed JSON: " + firstLine(ex.getOriginalMessage()));
        }
        catch (final IOException ex)
        {
            throw new BadRequest(400, "bad_json", "unreadable JSON: " + firstLine(ex.getMessage()));
        }
        for (final Field field : allowed)
        {
            if (field.required && !fields.has(field.name))
            {
                throw new BadRequest(400, "missing_field", "field '" + field.name + "' is required; this endpoint takes " + names(allowed));
            }
        }
        return fields;
    }

    private static Object value(final JsonParser parser, final JsonToken token, final Field field) throws IOException
    {
        switch (field.type)
        {
            case STRING:
                if (token == JsonToken.VALUE_STRING)
                {
                    final String text = parser.getText();
                    checkUtf16(text, field.name);
                    return text;
                }
                break;
            case LONG:
                if (token == JsonToken.VALUE_NUMBER_INT)
                {
                    if (parser.getNumberType() != JsonParser.NumberType.INT && parser.getNumberType() != JsonParser.NumberType.LONG)
                    {
                        throw new BadRequest(400, "bad_value", "field '" + field.name + "' does not fit a 64-bit integer");
                    }
                    return parser.getLongValue();
                }
                break;
            default:
                if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE)
                {
                    return token == JsonToken.VALUE_TRUE;
                }
                break;
        }
        throw new BadRequest(400, "bad_type", "field '" + field.name + "' must be " +
            (field.type == Type.STRING ? "a string" : field.type == Type.LONG ? "an integer" : "true or false"));
    }

    /** Refuses text with an unpaired surrogate, which has no UTF-8 form (it would become '?'). */
    private static void checkUtf16(final String text, final String field)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                throw new BadRequest(400, "bad_value", "field '" + field + "' holds an unpaired surrogate (\\u" +
                    Integer.toHexString(c) + "), which is not text");
            }
        }
    }

    private static Field find(final Field[] allowed, final String name)
    {
        for (final Field field : allowed)
        {
            if (field.name.equals(name))
            {
                return field;
            }
        }
        return null;
    }

    private static String names(final Field[] allowed)
    {
        final StringBuilder out = new StringBuilder();
        for (final Field field : allowed)
        {
            out.append(out.length() == 0 ? "" : ", ").append(field.name).append(field.required ? "" : "?");
        }
        return out.toString();
    }

    private static String printable(final String text)
    {
        final String cut = text.length() > NAME_MAX ? text.substring(0, NAME_MAX) + "..." : text;
        final StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach((c) -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }

    private static String firstLine(final String message)
    {
        if (message == null)
        {
            return "";
        }
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** Writes one answer. */
    @FunctionalInterface
    interface Body
    {
        void write(JsonGenerator out) throws IOException;
    }

    /** @return the UTF-8 bytes of the JSON {@code body} writes, and a newline. */
    static byte[] write(final Body body)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = FACTORY.createGenerator(out))
        {
            body.write(generator);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** @return {@code {"error":code,"message":message}}. */
    static byte[] error(final String code, final String message)
    {
        return write((out) ->
        {
            out.writeStartObject();
            out.writeStringField("error", code);
            out.writeStringField("message", message);
            out.writeEndObject();
        });
    }

    /**
     * Writes {@code bytes} as the field {@code name} when they are UTF-8 text, else as {@code nameBase64} (standard
     * Base64), so binary keys and values written by the Java client survive the trip.
     */
    static void writeBytes(final JsonGenerator out, final String name, final byte[] bytes) throws IOException
    {
        try
        {
            final CharBuffer text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
            out.writeStringField(name, text.toString());
        }
        catch (final CharacterCodingException ex)
        {
            out.writeStringField(name + "Base64", Base64.getEncoder().encodeToString(bytes));
        }
    }
}
