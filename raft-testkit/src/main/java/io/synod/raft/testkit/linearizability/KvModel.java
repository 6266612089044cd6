package io.synod.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The sequential specification of the reference replicated key-value state machine: put, get, delete and
 * compare-and-set with per-key versions.
 *
 * <p>Versions (etcd's "version" semantics):
 * <ul>
 *     <li>a key that does not exist has version {@code 0};</li>
 *     <li>every successful write of a key (put, or a compare-and-set that succeeds) sets its version to the
 *     previous version plus one, so the first put of a key yields version {@code 1};</li>
 *     <li>a delete removes the key together with its version: the next put after a delete yields
 *     version {@code 1} again;</li>
 *     <li>a delete of an absent key, a failed compare-and-set and a get change nothing.</li>
 * </ul>
 * Operations:
 * <ul>
 *     <li>{@code put(k, v)} → {@link KvOutput.Written}(new version);</li>
 *     <li>{@code get(k)} → {@link KvOutput.Read}(value, version), or value {@code null} and version 0 if
 *     absent;</li>
 *     <li>{@code delete(k)} → {@link KvOutput.Deleted}(whether it existed);</li>
 *     <li>{@code casVersion(k, expected, v)} succeeds if the current version is {@code expected} (0: absent);
 *     {@code casValue(k, expected, v)} succeeds if the current value equals {@code expected} ({@code null}:
 *     absent); both → {@link KvOutput.CasResult}(success, new version on success or current version on
 *     failure).</li>
 * </ul>
 * A version recorded as {@link KvOutput#ANY_VERSION} matches any version.
 *
 * <p>Operations on different keys commute, so {@link #partition} splits the history per key and each key is
 * checked on its own: a history of thousands of operations over many keys stays cheap to check.
 *
 * <p>Stateless and thread-safe; allocates a new state per step.
 *
 * @param <K> key type, with value {@code equals}/{@code hashCode}.
 * @param <V> value type, with value {@code equals}/{@code hashCode}.
 */
public final class KvModel<K, V> implements Model<KvModel.State<K, V>, KvInput<K, V>, KvOutput<V>>
{
    /**
     * The value of a present key and its version.
     *
     * @param value   the value, not {@code null}.
     * @param version {@code >= 1}.
     * @param <V>     value type.
     */
    public record Versioned<V>(V value, long version)
    {
    }

    /**
     * The store: present keys only. Immutable.
     *
     * @param entries present keys with their values and versions; unmodifiable.
     * @param <K>     key type.
     * @param <V>     value type.
     */
    public record State<K, V>(Map<K, Versioned<V>> entries)
    {
        /** Copies {@code entries} into an unmodifiable map. */
        public State
        {
            entries = Map.copyOf(entries);
        }

        /**
         * The entry of a key.
         *
         * @param key the key.
         * @return its value and version, or {@code null} if absent.
         */
        public Versioned<V> entry(final K key)
        {
            return entries.get(key);
        }

        /**
         * The version of a key.
         *
         * @param key the key.
         * @return its version, 0 if absent.
         */
        public long version(final K key)
        {
            final Versioned<V> entry = entries.get(key);
            return null == entry ? 0 : entry.version();
        }

        State<K, V> with(final K key, final V value)
        {
            final HashMap<K, Versioned<V>> copy = new HashMap<>(entries);
            copy.put(key, new Versioned<>(value, version(key) + 1));
            return new State<>(copy);
        }

        State<K, V> without(final K key)
        {
            final HashMap<K, Versioned<V>> copy = new HashMap<>(entries);
            copy.remove(key);
            return new State<>(copy);
        }
    }

    /**
     * One sequential step: the state after an operation and the output it produces.
     *
     * @param state  the state after.
     * @param output what the store answers.
     * @param <K>    key type.
     * @param <V>    value type.
     */
    public record Transition<K, V>(State<K, V> state, KvOutput<V> output)
    {
    }

    private final State<K, V> empty = new State<>(Map.of());

    @Override
    public State<K, V> init()
    {
        return empty;
    }

    /**
     * Runs one operation on a state, as the reference state machine would: the specification itself, usable
     * as a test oracle.
     *
     * @param state the state before.
     * @param input the operation.
     * @return the state after and the output.
     */
    public Transition<K, V> execute(final State<K, V> state, final KvInput<K, V> input)
    {
        final K key = input.key();
        final Versioned<V> current = state.entry(key);
        if (input instanceof KvInput.Put<K, V> put)
        {
            final State<K, V> next = state.with(key, put.value());
            return new Transition<>(next, KvOutput.written(next.version(key)));
        }
        if (input instanceof KvInput.Get<K, V>)
        {
            return new Transition<>(state, null == current ? KvOutput.absent() :
                KvOutput.read(current.value(), current.version()));
        }
        if (input instanceof KvInput.Delete<K, V>)
        {
            return new Transition<>(null == current ? state : state.without(key), KvOutput.deleted(null != current));
        }
        final boolean matches;
        final V newValue;
        if (input instanceof KvInput.CasVersion<K, V> cas)
        {
            matches = cas.expectedVersion() == state.version(key);
            newValue = cas.newValue();
        }
        else
        {
            final KvInput.CasValue<K, V> cas = (KvInput.CasValue<K, V>)input;
            matches = Objects.equals(cas.expectedValue(), null == current ? null : current.value());
            newValue = cas.newValue();
        }
        if (!matches)
        {
            return new Transition<>(state, KvOutput.cas(false, state.version(key)));
        }
        final State<K, V> next = state.with(key, newValue);
        return new Transition<>(next, KvOutput.cas(true, next.version(key)));
    }

    @Override
    public State<K, V> step(final State<K, V> state, final KvInput<K, V> input, final KvOutput<V> output)
    {
        final Transition<K, V> transition = execute(state, input);
        return matches(transition.output(), output) ? transition.state() : null;
    }

    @Override
    public State<K, V> stepUnknown(final State<K, V> state, final KvInput<K, V> input)
    {
        return execute(state, input).state();
    }

    /**
     * Splits the history per key, keeping each key's operations in order.
     *
     * @param history every recorded operation.
     * @return one part per key.
     */
    @Override
    public List<List<Operation<KvInput<K, V>, KvOutput<V>>>> partition(
        final List<Operation<KvInput<K, V>, KvOutput<V>>> history)
    {
        final LinkedHashMap<K, List<Operation<KvInput<K, V>, KvOutput<V>>>> byKey = new LinkedHashMap<>();
        for (final Operation<KvInput<K, V>, KvOutput<V>> op : history)
        {
            byKey.computeIfAbsent(op.input().key(), k -> new ArrayList<>()).add(op);
        }
        return new ArrayList<>(byKey.values());
    }

    @Override
    public String describeOperation(final KvInput<K, V> input, final KvOutput<V> output)
    {
        final String call;
        if (input instanceof KvInput.Put<K, V> put)
        {
            call = "put(" + put.key() + ", " + put.value() + ")";
        }
        else if (input instanceof KvInput.Get<K, V> get)
        {
            call = "get(" + get.key() + ")";
        }
        else if (input instanceof KvInput.Delete<K, V> delete)
        {
            call = "delete(" + delete.key() + ")";
        }
        else if (input instanceof KvInput.CasVersion<K, V> cas)
        {
            call = "cas(" + cas.key() + ", if v" + cas.expectedVersion() + ", " + cas.newValue() + ")";
        }
        else
        {
            final KvInput.CasValue<K, V> cas = (KvInput.CasValue<K, V>)input;
            call = "cas(" + cas.key() + ", if " + (null == cas.expectedValue() ? "absent" : cas.expectedValue()) +
                ", " + cas.newValue() + ")";
        }
        return call + " -> " + describeOutput(output);
    }

    @Override
    public String describeState(final State<K, V> state)
    {
        if (state.entries().isEmpty())
        {
            return "{} (every key absent)";
        }
        final TreeMap<String, String> sorted = new TreeMap<>();
        state.entries().forEach((k, v) -> sorted.put(String.valueOf(k), v.value() + "@v" + v.version()));
        return sorted.toString();
    }

    private static <V> boolean matches(final KvOutput<V> expected, final KvOutput<V> actual)
    {
        if (expected instanceof KvOutput.Written<V> e && actual instanceof KvOutput.Written<V> a)
        {
            return sameVersion(e.version(), a.version());
        }
        if (expected instanceof KvOutput.Read<V> e && actual instanceof KvOutput.Read<V> a)
        {
            return Objects.equals(e.value(), a.value()) && sameVersion(e.version(), a.version());
        }
        if (expected instanceof KvOutput.Deleted<V> e && actual instanceof KvOutput.Deleted<V> a)
        {
            return e.existed() == a.existed();
        }
        if (expected instanceof KvOutput.CasResult<V> e && actual instanceof KvOutput.CasResult<V> a)
        {
            return e.success() == a.success() && sameVersion(e.version(), a.version());
        }
        return false;
    }

    private static boolean sameVersion(final long expected, final long actual)
    {
        return KvOutput.ANY_VERSION == actual || expected == actual;
    }

    private static <V> String describeOutput(final KvOutput<V> output)
    {
        if (null == output)
        {
            return "? (outcome unknown)";
        }
        if (output instanceof KvOutput.Written<V> written)
        {
            return "ok" + version(written.version());
        }
        if (output instanceof KvOutput.Read<V> read)
        {
            return read.present() ? read.value() + version(read.version()) : "absent";
        }
        if (output instanceof KvOutput.Deleted<V> deleted)
        {
            return deleted.existed() ? "existed" : "was absent";
        }
        final KvOutput.CasResult<V> cas = (KvOutput.CasResult<V>)output;
        return (cas.success() ? "ok" : "failed") + version(cas.version());
    }

    private static String version(final long version)
    {
        return KvOutput.ANY_VERSION == version ? "" : "@v" + version;
    }
}
