package io.synod.raft.testkit.linearizability;

/**
 * What a client of the reference key-value state machine was told, as {@link KvModel} understands it.
 * Where a client API does not report a version, record {@link #ANY_VERSION}: the model then checks
 * everything but the version.
 *
 * @param <V> value type.
 */
public sealed interface KvOutput<V>
{
    /** A version the client did not observe: matches any version. */
    long ANY_VERSION = -1;

    /**
     * Answer to {@link KvInput.Put}: the version the write created.
     *
     * @param version the new version ({@code >= 1}), or {@link #ANY_VERSION}.
     * @param <V>     value type.
     */
    record Written<V>(long version) implements KvOutput<V>
    {
    }

    /**
     * Answer to {@link KvInput.Get}.
     *
     * @param value   the value, or {@code null} if the key is absent.
     * @param version the value's version ({@code 0} when absent), or {@link #ANY_VERSION}.
     * @param <V>     value type.
     */
    record Read<V>(V value, long version) implements KvOutput<V>
    {
        /**
         * Whether the key was present.
         *
         * @return true if a value was read.
         */
        public boolean present()
        {
            return null != value;
        }
    }

    /**
     * Answer to {@link KvInput.Delete}.
     *
     * @param existed whether the key was present (and so removed).
     * @param <V>     value type.
     */
    record Deleted<V>(boolean existed) implements KvOutput<V>
    {
    }

    /**
     * Answer to {@link KvInput.CasVersion} and {@link KvInput.CasValue}.
     *
     * @param success whether the write happened.
     * @param version on success the new version; on failure the key's current version ({@code 0} when
     *                absent); or {@link #ANY_VERSION}.
     * @param <V>     value type.
     */
    record CasResult<V>(boolean success, long version) implements KvOutput<V>
    {
    }

    /**
     * {@link Written}.
     *
     * @param version the new version or {@link #ANY_VERSION}.
     * @param <V>     value type.
     * @return the output.
     */
    static <V> KvOutput<V> written(final long version)
    {
        return new Written<>(version);
    }

    /**
     * {@link Read} of a present key.
     *
     * @param value   the value read, not {@code null}.
     * @param version its version or {@link #ANY_VERSION}.
     * @param <V>     value type.
     * @return the output.
     */
    static <V> KvOutput<V> read(final V value, final long version)
    {
        if (null == value)
        {
            throw new IllegalArgumentException("a present value is not null; use absent()");
        }
        return new Read<>(value, version);
    }

    /**
     * {@link Read} of an absent key.
     *
     * @param <V> value type.
     * @return the output.
     */
    static <V> KvOutput<V> absent()
    {
        return new Read<>(null, 0);
    }

    /**
     * {@link Deleted}.
     *
     * @param existed whether the key was present.
     * @param <V>     value type.
     * @return the output.
     */
    static <V> KvOutput<V> deleted(final boolean existed)
    {
        return new Deleted<>(existed);
    }

    /**
     * {@link CasResult}.
     *
     * @param success whether the write happened.
     * @param version new version on success, current version on failure, or {@link #ANY_VERSION}.
     * @param <V>     value type.
     * @return the output.
     */
    static <V> KvOutput<V> cas(final boolean success, final long version)
    {
        return new CasResult<>(success, version);
    }
}
