package io.synod.raft.testkit.linearizability;

import java.util.Objects;

/**
 * An operation on the reference key-value state machine, as {@link KvModel} understands it. Keys and values
 * need value {@code equals}/{@code hashCode}: wrap a {@code byte[]} (for example as a {@code String} in hex
 * or a {@code List<Byte>}) before recording it.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public sealed interface KvInput<K, V>
{
    /**
     * The key the operation reads or writes; the history is partitioned on it.
     *
     * @return the key, never {@code null}.
     */
    K key();

    /**
     * Writes {@code value}; answered by {@link KvOutput.Written} with the new version.
     *
     * @param key   the key.
     * @param value the new value, not {@code null}.
     * @param <K>   key type.
     * @param <V>   value type.
     */
    record Put<K, V>(K key, V value) implements KvInput<K, V>
    {
        /** Rejects nulls. */
        public Put
        {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Reads the key; answered by {@link KvOutput.Read}.
     *
     * @param key the key.
     * @param <K> key type.
     * @param <V> value type.
     */
    record Get<K, V>(K key) implements KvInput<K, V>
    {
        /** Rejects nulls. */
        public Get
        {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Removes the key and its version; answered by {@link KvOutput.Deleted}.
     *
     * @param key the key.
     * @param <K> key type.
     * @param <V> value type.
     */
    record Delete<K, V>(K key) implements KvInput<K, V>
    {
        /** Rejects nulls. */
        public Delete
        {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Writes {@code newValue} only if the key's current version is {@code expectedVersion} ({@code 0}: only
     * if the key is absent); answered by {@link KvOutput.CasResult}.
     *
     * @param key             the key.
     * @param expectedVersion the version the key must have, {@code >= 0}.
     * @param newValue        the value to write, not {@code null}.
     * @param <K>             key type.
     * @param <V>             value type.
     */
    record CasVersion<K, V>(K key, long expectedVersion, V newValue) implements KvInput<K, V>
    {
        /** Rejects nulls and negative versions. */
        public CasVersion
        {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(newValue, "newValue");
            if (expectedVersion < 0)
            {
                throw new IllegalArgumentException("expectedVersion < 0: " + expectedVersion);
            }
        }
    }

    /**
     * Writes {@code newValue} only if the key's current value equals {@code expectedValue} ({@code null}:
     * only if the key is absent); answered by {@link KvOutput.CasResult}.
     *
     * @param key           the key.
     * @param expectedValue the value the key must hold, or {@code null} for absent.
     * @param newValue      the value to write, not {@code null}.
     * @param <K>           key type.
     * @param <V>           value type.
     */
    record CasValue<K, V>(K key, V expectedValue, V newValue) implements KvInput<K, V>
    {
        /** Rejects nulls. */
        public CasValue
        {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(newValue, "newValue");
        }
    }

    /**
     * {@link Put}.
     *
     * @param key   the key.
     * @param value the value.
     * @param <K>   key type.
     * @param <V>   value type.
     * @return the input.
     */
    static <K, V> KvInput<K, V> put(final K key, final V value)
    {
        return new Put<>(key, value);
    }

    /**
     * {@link Get}.
     *
     * @param key the key.
     * @param <K> key type.
     * @param <V> value type.
     * @return the input.
     */
    static <K, V> KvInput<K, V> get(final K key)
    {
        return new Get<>(key);
    }

    /**
     * {@link Delete}.
     *
     * @param key the key.
     * @param <K> key type.
     * @param <V> value type.
     * @return the input.
     */
    static <K, V> KvInput<K, V> delete(final K key)
    {
        return new Delete<>(key);
    }

    /**
     * {@link CasVersion}.
     *
     * @param key             the key.
     * @param expectedVersion required current version, 0 for absent.
     * @param newValue        the value to write.
     * @param <K>             key type.
     * @param <V>             value type.
     * @return the input.
     */
    static <K, V> KvInput<K, V> casVersion(final K key, final long expectedVersion, final V newValue)
    {
        return new CasVersion<>(key, expectedVersion, newValue);
    }

    /**
     * {@link CasValue}.
     *
     * @param key           the key.
     * @param expectedValue required current value, {@code null} for absent.
     * @param newValue      the value to write.
     * @param <K>           key type.
     * @param <V>           value type.
     * @return the input.
     */
    static <K, V> KvInput<K, V> casValue(final K key, final V expectedValue, final V newValue)
    {
        return new CasValue<>(key, expectedValue, newValue);
    }
}
