package io.synod.raft.testkit.linearizability;

import io.synod.raft.ReplaySeed;
import io.synod.raft.Seeds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests over one seed each: histories generated from a sequential run are linearizable; one impossible
 * output makes them illegal; and on small histories the search agrees with a brute-force oracle that tries
 * every order.
 *
 * <p>Every case draws everything from {@code new SplittableRandom(seed)}; the seeds are drawn from a fixed
 * seed of seeds, so every build checks the same histories ({@code -Dsynod.lin.seedOfSeeds=S} checks others).
 * A failure names the seed and the command that replays it.
 */
class LinearizabilityProperties
{
    private static final long SEED_OF_SEEDS = Long.getLong("synod.lin.seedOfSeeds", 0x5EED_11E4L);
    private static final int SEQUENTIAL_CASES = 300;
    private static final AtomicInteger SEQUENTIAL_PASSED = new AtomicInteger();
    private static final AtomicInteger SEQUENTIAL_OK = new AtomicInteger();

    private final KvModel<String, String> model = new KvModel<>();

    static LongStream seeds300()
    {
        return Seeds.drawn(SEED_OF_SEEDS, SEQUENTIAL_CASES);
    }

    static LongStream seeds1000()
    {
        return Seeds.drawn(SEED_OF_SEEDS, 1000);
    }

    private static String replay(final String method, final long seed)
    {
        return "seed " + seed + " (replay: " + ReplaySeed.command("LinearizabilityProperties#" + method, seed) + ")";
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds300")
    void shouldAcceptEveryHistoryGeneratedFromASequentialRun(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = RandomKvHistory.generate(
            random, 1 + random.nextInt(150), 1 + random.nextInt(4), 1 + random.nextInt(6), 0.2 * random.nextDouble());

        // A state budget, not a clock: the verdict depends on the seed alone, never on the machine's load. A few
        // histories (one key, many concurrent unknown outcomes) need more than any budget (seed -1867184560:
        // undecided after 1.1 million states); UNKNOWN is not a rejection, and shouldHaveDecidedAlmostEveryHistory
        // requires it to be rare (under 5% of the cases). ILLEGAL is never allowed.
        final CheckResult result = LinearizabilityChecker.check(model, history, new CheckBudget(100_000));

        assertNotEquals(Verdict.ILLEGAL, result.verdict(),
            () -> replay("shouldAcceptEveryHistoryGeneratedFromASequentialRun", seed) + System.lineSeparator() + result.explanation());
        if (Verdict.OK == result.verdict())
        {
            SEQUENTIAL_OK.incrementAndGet();
        }
        SEQUENTIAL_PASSED.incrementAndGet();
    }

    /**
     * At least 95% of the histories of {@link #shouldAcceptEveryHistoryGeneratedFromASequentialRun} are proved
     * linearizable (OK), the rest at worst undecided (UNKNOWN). Checked once every case has run and passed
     * (not when one seed is replayed).
     */
    @AfterAll
    static void shouldHaveDecidedAlmostEveryHistory()
    {
        if (SEQUENTIAL_PASSED.get() < SEQUENTIAL_CASES)
        {
            return;
        }
        System.out.println("linearizability: " + SEQUENTIAL_OK.get() + " of " + SEQUENTIAL_PASSED.get() +
            " histories from sequential runs OK, " +
            (SEQUENTIAL_PASSED.get() - SEQUENTIAL_OK.get()) + " UNKNOWN (seed of seeds " + SEED_OF_SEEDS + ")");
        assertTrue(SEQUENTIAL_OK.get() * 100.0 / SEQUENTIAL_PASSED.get() >= 95.0,
            () -> "only " + SEQUENTIAL_OK.get() + " of " + SEQUENTIAL_PASSED.get() +
                " histories generated from a sequential run were proved linearizable within the budget; the rest were UNKNOWN");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds300")
    void shouldRejectHistoryWithOneImpossibleOutput(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        // Fewer timeouts than above: proving a history illegal is exhaustive, and exponential in the number of
        // unknown outcomes concurrent on one key (past about 20 on one key it may need more than the budget).
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history = RandomKvHistory.generate(
            random, 1 + random.nextInt(150), 1 + random.nextInt(4), 1 + random.nextInt(6), 0.08 * random.nextDouble());
        final List<Operation<KvInput<String, String>, KvOutput<String>>> mutated =
            RandomKvHistory.mutateOne(random, history);
        if (null == mutated)
        {
            return;
        }

        final CheckResult result = LinearizabilityChecker.check(model, mutated);

        assertEquals(Verdict.ILLEGAL, result.verdict(),
            () -> replay("shouldRejectHistoryWithOneImpossibleOutput", seed) + System.lineSeparator() + result.explanation());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds1000")
    void shouldAgreeWithBruteForceOnSmallHistories(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<Operation<KvInput<String, String>, KvOutput<String>>> generated = RandomKvHistory.generate(
            random, 1 + random.nextInt(7), 1 + random.nextInt(2), 1 + random.nextInt(3), 0.3 * random.nextDouble());
        final ArrayList<Operation<KvInput<String, String>, KvOutput<String>>> history = new ArrayList<>(generated);
        final int mutations = random.nextInt(3);
        for (int m = 0; m < mutations; m++)
        {
            final int index = random.nextInt(history.size());
            final Operation<KvInput<String, String>, KvOutput<String>> op = history.get(index);
            if (!op.unknown())
            {
                history.set(index, Operation.completed(op.id(), op.clientId(), op.input(), op.invokeNs(),
                    plausibleOutput(random, op.input(), history.size()), op.completeNs()));
            }
        }

        final boolean expected = bruteForce(model.init(), history, (1 << history.size()) - 1);
        final CheckResult result = LinearizabilityChecker.check(model, history);

        assertEquals(expected ? Verdict.OK : Verdict.ILLEGAL, result.verdict(),
            () -> replay("shouldAgreeWithBruteForceOnSmallHistories", seed) + " " + history + System.lineSeparator() +
                result.explanation());
    }

    /**
     * Tries every order: an operation may go next if no other remaining operation completed before it was
     * invoked; unknown outcomes never complete and may be left out.
     */
    private boolean bruteForce(
        final KvModel.State<String, String> state,
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history,
        final int remaining)
    {
        boolean knownLeft = false;
        for (int i = 0; i < history.size(); i++)
        {
            knownLeft |= (remaining & (1 << i)) != 0 && !history.get(i).unknown();
        }
        if (!knownLeft)
        {
            return true;
        }
        for (int i = 0; i < history.size(); i++)
        {
            if ((remaining & (1 << i)) == 0 || !minimal(history, remaining, i))
            {
                continue;
            }
            final Operation<KvInput<String, String>, KvOutput<String>> op = history.get(i);
            final KvModel.State<String, String> next = op.unknown() ?
                model.stepUnknown(state, op.input()) : model.step(state, op.input(), op.output());
            if (null != next && bruteForce(next, history, remaining & ~(1 << i)))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean minimal(
        final List<Operation<KvInput<String, String>, KvOutput<String>>> history, final int remaining, final int i)
    {
        for (int j = 0; j < history.size(); j++)
        {
            if (j != i && (remaining & (1 << j)) != 0 && history.get(j).completeNs() < history.get(i).invokeNs())
            {
                return false;
            }
        }
        return true;
    }

    private static KvOutput<String> plausibleOutput(
        final SplittableRandom random, final KvInput<String, String> input, final int operations)
    {
        final long version = random.nextInt(4) - 1;
        if (input instanceof KvInput.Put)
        {
            return KvOutput.written(version);
        }
        if (input instanceof KvInput.Get)
        {
            return random.nextInt(3) == 0 ? KvOutput.absent() : KvOutput.read("v" + random.nextInt(operations), version);
        }
        if (input instanceof KvInput.Delete)
        {
            return KvOutput.deleted(random.nextBoolean());
        }
        return KvOutput.cas(random.nextBoolean(), version);
    }
}
