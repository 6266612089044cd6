package io.synod.client;

import java.nio.charset.StandardCharsets;

/**
 * One key with its value and version, as a list returns it. The arrays are the caller's (not copied again).
 *
 * @param key     the key's bytes.
 * @param value   the value's bytes.
 * @param version the key's version (at least 1).
 */
public record KvEntry(byte[] key, byte[] value, long version)
{
    /** @return the key as UTF-8 text. */
    public String keyString()
    {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** @return the value as UTF-8 text. */
    public String valueString()
    {
        return new String(value, StandardCharsets.UTF_8);
    }
}
