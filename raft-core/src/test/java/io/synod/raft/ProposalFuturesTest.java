package io.synod.raft;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ProposalFutures} over a real agent and node on virtual time: a leader's proposal completes
 * with its commit index and the state machine's response; a follower's is rejected with NOT_LEADER.
 */
class ProposalFuturesTest
{
    private static final long STEP_NS = 50_000_000L;

    @Test
    void shouldCompleteProposalWithIndexAndResponseOnSingleNodeLeader()
    {
        final ProposalFutures futures = new ProposalFutures();
        final AgentHarness harness = new AgentHarness(1, new int[]{ 1 }, futures);
        runUntil(harness, () -> harness.node.role() == RaftRole.LEADER);
        runUntil(harness, () -> harness.node.lastApplied() == 1);
        assertEquals(1, harness.node.log().lastIndex(), "the leader's no-op");

        final CompletableFuture<ProposalFutures.Committed> first = futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[]{ 1, 2, 3 });
        final CompletableFuture<ProposalFutures.Committed> second = futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[0]);
        assertEquals(2, futures.pendingCount());
        assertFalse(first.isDone());

        harness.run(1, STEP_NS);

        assertTrue(first.isDone() && second.isDone());
        assertEquals(2, first.join().index());
        assertArrayEquals(new byte[]{ 3, 2, 1 }, first.join().response());
        assertEquals(3, second.join().index());
        assertArrayEquals(new byte[0], second.join().response());
        assertEquals(0, futures.pendingCount());
        assertEquals(3, harness.node.commitIndex());
        assertTrue(harness.sent.isEmpty(), "a single node sends nothing");
    }

    @Test
    void shouldRejectProposalToFollowerWithNotLeader()
    {
        final ProposalFutures futures = new ProposalFutures();
        final AgentHarness harness = new AgentHarness(1, new int[]{ 1, 2, 3 }, futures);
        harness.doWork();

        final CompletableFuture<ProposalFutures.Committed> future = futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[]{ 9 });
        harness.doWork();

        assertTrue(future.isCompletedExceptionally());
        final CompletionException e = assertThrows(CompletionException.class, future::join);
        final ProposalRejectedException rejected = assertInstanceOf(ProposalRejectedException.class, e.getCause());
        assertEquals(ProposalHandler.NOT_LEADER, rejected.reason());
        assertEquals(0, rejected.leaderHint(), "no leader was ever heard of");
        assertEquals(0, futures.pendingCount());
        assertEquals(0, harness.node.log().lastIndex());
    }

    @Test
    void shouldRejectCommandLargerThanMaxCommandBytes()
    {
        final ProposalFutures futures = new ProposalFutures();
        final AgentHarness harness = new AgentHarness(1, new int[]{ 1 }, futures);
        runUntil(harness, () -> harness.node.role() == RaftRole.LEADER);
        final int tooLarge = harness.node.config().maxCommandBytes() + 1;
        if (tooLarge > harness.agent.maxProposalLength())
        {
            assertThrows(IllegalArgumentException.class,
                () -> futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[tooLarge]));
            return;
        }
        final CompletableFuture<ProposalFutures.Committed> future = futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[tooLarge]);
        harness.run(1, STEP_NS);
        final CompletionException e = assertThrows(CompletionException.class, future::join);
        assertEquals(ProposalHandler.TOO_LARGE, ((ProposalRejectedException)e.getCause()).reason());
    }

    @Test
    void shouldRefuseProposalForUnknownGroup()
    {
        final ProposalFutures futures = new ProposalFutures();
        final AgentHarness harness = new AgentHarness(1, new int[]{ 1 }, futures);
        assertThrows(IllegalArgumentException.class, () -> futures.propose(harness.agent, AgentHarness.GROUP_ID + 1, new byte[1]));
    }

    @Test
    void shouldServeLinearizableReadAtReadPointOnAgentThread()
    {
        final ProposalFutures futures = new ProposalFutures();
        final AgentHarness harness = new AgentHarness(1, new int[]{ 1 }, futures);
        runUntil(harness, () -> harness.node.role() == RaftRole.LEADER);
        futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[]{ 1 });
        final Thread[] readerThread = new Thread[1];
        final CompletableFuture<Long> applied = futures.read(harness.agent, AgentHarness.GROUP_ID, ReadMode.LINEARIZABLE, () ->
        {
            readerThread[0] = Thread.currentThread();
            return harness.node.lastApplied();
        });
        final CompletableFuture<Long> readIndex = futures.read(harness.agent, AgentHarness.GROUP_ID, ReadMode.LINEARIZABLE);
        runUntil(harness, () -> applied.isDone() && readIndex.isDone());

        assertEquals(2L, applied.join(), "the read point is after the proposal that preceded it");
        assertEquals(2L, readIndex.join());
        assertEquals(Thread.currentThread(), readerThread[0], "run by the thread that drives the agent");
        assertEquals(0, futures.pendingCount());
    }

    @Test
    void shouldRejectReadOnFollowerWithoutLeaderAndReportFunctionFailure()
    {
        final ProposalFutures futures = new ProposalFutures();
        final AgentHarness leader = new AgentHarness(1, new int[]{ 1 }, futures);
        runUntil(leader, () -> leader.node.role() == RaftRole.LEADER);
        final CompletableFuture<Object> failing = futures.read(leader.agent, AgentHarness.GROUP_ID, ReadMode.STALE, () ->
        {
            throw new IllegalStateException("boom");
        });
        leader.doWork();
        final CompletionException e = assertThrows(CompletionException.class, failing::join);
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(leader.agent.group(AgentHarness.GROUP_ID) != null, "the agent goes on");
    }

    @Test
    void shouldPassCallbacksItDidNotIssueToTheDelegate()
    {
        final java.util.List<String> seen = new java.util.ArrayList<>();
        final ProposalHandler mine = new ProposalHandler()
        {
            public void onCommitted(final int g, final long c, final long i, final org.agrona.DirectBuffer b, final int o, final int l)
            {
                seen.add("committed " + c + "@" + i);
            }

            public void onRejected(final int g, final long c, final int r, final int h)
            {
                seen.add("rejected " + c);
            }

            public void onAppended(final int g, final long c, final long i, final long t)
            {
                seen.add("appended " + c + "@" + i);
            }

            public void onReadReady(final int g, final long c, final long i)
            {
                seen.add("read " + c);
            }
        };
        final ProposalFutures futures = new ProposalFutures(mine);
        final AgentHarness harness = new AgentHarness(1, new int[]{ 1 }, futures);
        runUntil(harness, () -> harness.node.role() == RaftRole.LEADER);

        final CompletableFuture<ProposalFutures.Committed> viaFuture = futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[]{ 5 });
        harness.agent.propose(AgentHarness.GROUP_ID, 42, new org.agrona.concurrent.UnsafeBuffer(new byte[]{ 6 }), 0, 1);
        harness.agent.read(AgentHarness.GROUP_ID, 43, ReadMode.STALE);
        runUntil(harness, () -> viaFuture.isDone() && seen.contains("committed 42@3"));

        assertEquals(2, viaFuture.join().index());
        assertEquals(java.util.List.of("appended 42@3", "read 43", "committed 42@3"), seen,
            "only the caller's own ids reach its handler, every kind of callback");
    }

    @Test
    void shouldRejectEveryHeldFutureWhenTheNodeStops()
    {
        final ProposalFutures futures = new ProposalFutures();
        final AgentHarness harness = new AgentHarness(1, new int[]{ 1, 2, 3 }, futures);
        final CompletableFuture<ProposalFutures.Committed> proposal = futures.propose(harness.agent, AgentHarness.GROUP_ID, new byte[]{ 1 });
        final CompletableFuture<Long> read = futures.read(harness.agent, AgentHarness.GROUP_ID, ReadMode.LINEARIZABLE);
        futures.rejectAll(ProposalHandler.CLOSED);
        assertEquals(ProposalHandler.CLOSED,
            ((ProposalRejectedException)assertThrows(CompletionException.class, proposal::join).getCause()).reason());
        assertEquals(ProposalHandler.CLOSED,
            ((ProposalRejectedException)assertThrows(CompletionException.class, read::join).getCause()).reason());
        assertEquals(0, futures.pendingCount());
    }

    private static void runUntil(final AgentHarness harness, final java.util.function.BooleanSupplier condition)
    {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++)
        {
            harness.run(1, STEP_NS);
        }
        assertTrue(condition.getAsBoolean(), "condition not reached in 10 s of virtual time: " + harness.node);
    }
}
