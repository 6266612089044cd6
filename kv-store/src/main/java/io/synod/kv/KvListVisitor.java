package io.synod.kv;

/**
 * Receives the entries of {@link KeyValueStateMachine#list}, in unsigned byte order of their keys.
 *
 * <p><b>Threading.</b> Called on the node's thread during {@code list}. The arrays are the store's own:
 * read them during the call, never keep or change them (only the first {@code valueLength} bytes of
 * {@code value} count).
 */
@FunctionalInterface
public interface KvListVisitor
{
    /**
     * One entry.
     *
     * @return true to go on, false to stop here (the caller's buffer is full, say); the entry is then
     * counted as not visited.
     */
    boolean onEntry(byte[] key, byte[] value, int valueLength, long version);
}
