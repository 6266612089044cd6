package io.synod.client;

import java.nio.charset.StandardCharsets;

/**
 * The outcome of a KV operation that a member applied (a write) or served (a read): the store's status,
 * the key's version and, for a get that found the key, its value.
 *
 * <table>
 *   <caption>status and version per operation</caption>
 *   <tr><th>operation</th><th>status</th><th>version</th></tr>
 *   <tr><td>put</td><td>OK</td><td>the new version</td></tr>
 *   <tr><td>get</td><td>OK / NOT_FOUND</td><td>the current version / 0</td></tr>
 *   <tr><td>delete</td><td>OK / NOT_FOUND</td><td>the version the key had / 0</td></tr>
 *   <tr><td>compare-and-set</td><td>OK / VERSION_MISMATCH</td><td>the new version / the current one (0: absent)</td></tr>
 * </table>
 *
 * @param status  what the store answered.
 * @param version the version, as in the table.
 * @param value   the value of a get that found the key, else null.
 * @param index   the log index the write was applied at, or the read index the read was served at.
 */
public record KvResult(Status status, long version, byte[] value, long index)
{
    /** The store's answer. */
    public enum Status
    {
        /** Done (or found). */
        OK,
        /** The key is absent. */
        NOT_FOUND,
        /** A compare-and-set whose expected version was not the key's; nothing changed. */
        VERSION_MISMATCH,
        /** The store refused the command as malformed; nothing changed. */
        BAD_REQUEST
    }

    /** @return true for {@link Status#OK}. */
    public boolean ok()
    {
        return status == Status.OK;
    }

    /** @return the value as UTF-8 text, or null if there is none. */
    public String valueString()
    {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
