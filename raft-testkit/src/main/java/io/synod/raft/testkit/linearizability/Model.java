package io.synod.raft.testkit.linearizability;

import java.util.List;

/**
 * A sequential specification that {@link LinearizabilityChecker} checks a recorded history against: the
 * object as it would behave if every operation took effect atomically, one at a time.
 *
 * <p>Contract, which the search relies on:
 * <ul>
 *     <li><b>Deterministic and pure.</b> {@link #step} and {@link #stepUnknown} return the same answer for
 *     the same arguments and never change their arguments. The search calls them many times, in any
 *     order, for the same operation.</li>
 *     <li><b>Immutable states with value equality.</b> The search memoizes (set of linearized operations,
 *     state) pairs, so {@code S} must implement {@code equals} and {@code hashCode} by value. Records of
 *     immutable components are the recommended form.</li>
 *     <li><b>Illegal is {@code null}.</b> {@link #step} returns {@code null} when the operation could not
 *     have produced {@code output} in {@code state}.</li>
 * </ul>
 *
 * <p>Example, a single register:
 * <pre>{@code
 * record Register(int value) {}
 * sealed interface Op permits Read, Write {}
 * record Read() implements Op {}
 * record Write(int value) implements Op {}
 *
 * final class RegisterModel implements Model<Register, Op, Integer>
 * {
 *     public Register init() { return new Register(0); }
 *     public Register step(Register s, Op in, Integer out)
 *     {
 *         if (in instanceof Write w) { return new Register(w.value()); }
 *         return s.value() == out ? s : null;
 *     }
 *     public Register stepUnknown(Register s, Op in)
 *     {
 *         return in instanceof Write w ? new Register(w.value()) : s;
 *     }
 * }
 * }</pre>
 *
 * @param <S> the state: immutable, with value {@code equals}/{@code hashCode}.
 * @param <I> the input of an operation (what the client asked for).
 * @param <O> the output of an operation (what the client was told).
 */
public interface Model<S, I, O>
{
    /**
     * The state before any operation.
     *
     * @return the initial state, never {@code null}.
     */
    S init();

    /**
     * Applies one operation whose output is known.
     *
     * @param state  the state before the operation.
     * @param input  what the client asked for.
     * @param output what the client was told; never {@code null}.
     * @return the state after the operation, or {@code null} if the operation cannot have returned
     * {@code output} in {@code state} (illegal here).
     */
    S step(S state, I input, O output);

    /**
     * Applies one operation whose outcome is unknown (a timeout, a lost reply): it took effect with
     * whatever output the object would have produced in {@code state}. The checker may also decide that
     * such an operation never took effect, so this method only needs to describe the case where it did.
     *
     * <p>The default throws: a model whose histories contain unknown outcomes must implement it. For a
     * deterministic object it is {@link #step} with the output check left out.
     *
     * @param state the state before the operation.
     * @param input what the client asked for.
     * @return the state after the operation; {@code null} only if the input can never take effect in
     * {@code state}.
     */
    default S stepUnknown(final S state, final I input)
    {
        throw new UnsupportedOperationException(
            getClass().getName() + " does not implement stepUnknown, but the history has an operation with an " +
            "unknown outcome: " + input);
    }

    /**
     * Splits a history into independent sub-histories that are checked one by one (P-compositionality):
     * a history is linearizable if and only if every part is, when operations in different parts commute
     * and share no state. Splitting a key-value history per key turns one exponential search into many
     * small ones.
     *
     * <p>The default keeps the history whole. Each part must keep the operations' order and must not
     * drop or duplicate an operation.
     *
     * @param history every recorded operation.
     * @return the parts; each is checked from {@link #init()}.
     */
    default List<List<Operation<I, O>>> partition(final List<Operation<I, O>> history)
    {
        return List.of(history);
    }

    /**
     * Describes one operation for a failure report.
     *
     * @param input  what the client asked for.
     * @param output what the client was told, or {@code null} if the outcome is unknown.
     * @return one line, for example {@code put(k1, "a") -> v3}.
     */
    default String describeOperation(final I input, final O output)
    {
        return input + " -> " + (null == output ? "?" : String.valueOf(output));
    }

    /**
     * Describes a state for a failure report.
     *
     * @param state a state returned by {@link #init()}, {@link #step} or {@link #stepUnknown}.
     * @return one line.
     */
    default String describeState(final S state)
    {
        return String.valueOf(state);
    }
}
