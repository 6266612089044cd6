package io.synod.raft.testkit.linearizability;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user-written model: one integer register, initially 0, with read and write. Shows the smallest
 * {@link Model} a user needs, and that the checker knows nothing about key-value stores.
 */
class RegisterModelTest
{
    record Register(int value)
    {
    }

    sealed interface RegisterOp permits Read, Write
    {
    }

    record Read() implements RegisterOp
    {
    }

    record Write(int value) implements RegisterOp
    {
    }

    /** Outputs: the value read for a read, 0 (an acknowledgement) for a write. */
    static final class RegisterModel implements Model<Register, RegisterOp, Integer>
    {
        @Override
        public Register init()
        {
            return new Register(0);
        }

        @Override
        public Register step(final Register state, final RegisterOp input, final Integer output)
        {
            if (input instanceof Write write)
            {
                return new Register(write.value());
            }
            return state.value() == output ? state : null;
        }

        @Override
        public Register stepUnknown(final Register state, final RegisterOp input)
        {
            return input instanceof Write write ? new Register(write.value()) : state;
        }

        @Override
        public String describeOperation(final RegisterOp input, final Integer output)
        {
            final String result = null == output ? "?" : String.valueOf(output);
            return input instanceof Write write ? "write(" + write.value() + ") -> " + result : "read() -> " + result;
        }
    }

    /** The same register without {@link Model#stepUnknown}. */
    static final class KnownOutcomesOnlyModel implements Model<Register, RegisterOp, Integer>
    {
        private final RegisterModel delegate = new RegisterModel();

        @Override
        public Register init()
        {
            return delegate.init();
        }

        @Override
        public Register step(final Register state, final RegisterOp input, final Integer output)
        {
            return delegate.step(state, input, output);
        }
    }

    private static final RegisterOp READ = new Read();

    @Test
    void shouldAcceptReadsThatSeeEitherSideOfConcurrentWrite()
    {
        final List<Operation<RegisterOp, Integer>> history = new HistoryBuilder<RegisterOp, Integer>()
            .op(1, 0, 100, new Write(1), 0)
            .op(2, 10, 20, READ, 0)
            .op(3, 30, 40, READ, 1)
            .op(2, 50, 60, READ, 1)
            .build();

        final CheckResult result = LinearizabilityChecker.check(new RegisterModel(), history);

        assertEquals(Verdict.OK, result.verdict(), result::explanation);
        assertEquals(1, result.partitions());
    }

    @Test
    void shouldRejectReadOfValueFromTheFuture()
    {
        final List<Operation<RegisterOp, Integer>> history = new HistoryBuilder<RegisterOp, Integer>()
            .op(2, 0, 10, READ, 1)
            .op(1, 20, 30, new Write(1), 0)
            .build();

        final CheckResult result = LinearizabilityChecker.check(new RegisterModel(), history);

        assertEquals(Verdict.ILLEGAL, result.verdict(), result::explanation);
        assertTrue(result.explanation().contains("#0 read() -> 1  <-- cannot be placed"), result::explanation);
        assertTrue(result.explanation().contains("State after that prefix: Register[value=0]"), result::explanation);
    }

    @Test
    void shouldRejectNonMonotonicReadsOfConcurrentWrite()
    {
        final List<Operation<RegisterOp, Integer>> history = new HistoryBuilder<RegisterOp, Integer>()
            .op(1, 0, 100, new Write(1), 0)
            .op(2, 10, 20, READ, 1)
            .op(3, 30, 40, READ, 0)
            .build();

        assertEquals(Verdict.ILLEGAL, LinearizabilityChecker.check(new RegisterModel(), history).verdict());
    }

    @Test
    void shouldAcceptUnknownWriteEitherWay()
    {
        final List<Operation<RegisterOp, Integer>> tookEffect = new HistoryBuilder<RegisterOp, Integer>()
            .unknown(1, 0, new Write(7))
            .op(2, 50, 60, READ, 7)
            .build();
        final List<Operation<RegisterOp, Integer>> neverDid = new HistoryBuilder<RegisterOp, Integer>()
            .unknown(1, 0, new Write(7))
            .op(2, 50, 60, READ, 0)
            .build();

        assertEquals(Verdict.OK, LinearizabilityChecker.check(new RegisterModel(), tookEffect).verdict());
        assertEquals(Verdict.OK, LinearizabilityChecker.check(new RegisterModel(), neverDid).verdict());
    }

    @Test
    void shouldRequireStepUnknownOnlyWhenHistoryHasUnknownOutcomes()
    {
        final List<Operation<RegisterOp, Integer>> known = new HistoryBuilder<RegisterOp, Integer>()
            .op(1, 0, 10, new Write(7), 0)
            .op(2, 20, 30, READ, 7)
            .build();
        final List<Operation<RegisterOp, Integer>> unknown = new HistoryBuilder<RegisterOp, Integer>()
            .unknown(1, 0, new Write(7))
            .op(2, 20, 30, READ, 7)
            .build();

        assertEquals(Verdict.OK, LinearizabilityChecker.check(new KnownOutcomesOnlyModel(), known).verdict());
        assertThrows(UnsupportedOperationException.class,
            () -> LinearizabilityChecker.check(new KnownOutcomesOnlyModel(), unknown));
    }
}
