package io.synod.quorum;

import io.synod.raft.StateMachine;
import io.synod.raft.testkit.LoopbackCluster;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded API end to end on three members: concurrent blind writes come back as siblings, a resolver
 * merges them, a write with the context supersedes exactly them, a delete hides the key, and refusals arrive
 * as {@link QuorumException}s with their status.
 */
class QuorumStoreTest
{
    private final LoopbackCluster cluster;
    private final QuorumStore[] stores = new QuorumStore[4];

    QuorumStoreTest()
    {
        final StateMachine nothing = (index, term, command, offset, length, response) -> 0;
        cluster = new LoopbackCluster(3, 7, false, member -> nothing, config -> {});
        final HashRing ring = new HashRing(new int[]{1, 2, 3}, HashRing.VNODES_DEFAULT);
        for (int member = 1; member <= 3; member++)
        {
            stores[member] = QuorumStore.attach(new QuorumConfig().keyspaceId(4).n(3), cluster.agent(member), member, ring,
                new InMemoryReplicaStore());
        }
    }

    private <T> T await(final CompletableFuture<T> future)
    {
        for (int i = 0; i < 2_000 && !future.isDone(); i++)
        {
            cluster.tick();
        }
        return future.join();
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(final byte[] bytes)
    {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void shouldKeepConcurrentWritesAsSiblingsAndResolveThemWithTheContext()
    {
        final byte[] cart = bytes("cart:42");
        assertTrue(await(stores[1].put(cart, QuorumStore.Context.EMPTY, bytes("milk"), Consistency.QUORUM)).strict());
        await(stores[2].put(cart, QuorumStore.Context.EMPTY, bytes("eggs"), Consistency.QUORUM));

        final QuorumStore.Siblings read = await(stores[3].get(cart, Consistency.QUORUM));
        assertTrue(read.overlaps());
        final TreeSet<String> values = new TreeSet<>();
        read.values().forEach(value -> values.add(text(value)));
        assertEquals(new TreeSet<>(List.of("milk", "eggs")), values, "two blind writes are concurrent: both kept");
        final byte[] merged = read.resolve(siblings ->
        {
            final TreeSet<String> union = new TreeSet<>();
            siblings.forEach(value -> union.add(text(value)));
            return bytes(String.join(",", union));
        });

        await(stores[1].put(cart, read.context(), merged, Consistency.QUORUM));
        final QuorumStore.Siblings after = await(stores[2].get(cart, Consistency.ALL));
        assertEquals(1, after.values().size(), "the write with the context superseded both");
        assertEquals("eggs,milk", text(after.values().get(0)));

        await(stores[3].delete(cart, after.context(), Consistency.ALL));
        final QuorumStore.Siblings gone = await(stores[1].get(cart, Consistency.QUORUM));
        assertTrue(gone.values().isEmpty());
        assertNull(gone.resolve(siblings -> siblings.get(0)));
        assertArrayEquals(bytes("x"), new QuorumStore.Siblings(List.of(bytes("x")), QuorumStore.Context.EMPTY, true)
            .resolve(siblings -> null), "one value needs no resolver");
    }

    @Test
    void shouldFailRefusedRequestsWithTheirStatus()
    {
        final CompletionException tooMany = assertThrows(CompletionException.class,
            () -> await(stores[1].put(bytes("k"), QuorumStore.Context.EMPTY, bytes("v"), 4)));
        assertEquals(QuorumStatus.BAD_CONSISTENCY, ((QuorumException)tooMany.getCause()).status());
        final CompletionException foreign = assertThrows(CompletionException.class,
            () -> await(stores[1].put(bytes("k"), new QuorumStore.Context(new byte[]{9, 0, 0, 0, 0, 0, 0, 0}), bytes("v"), 0)));
        assertEquals(QuorumStatus.WRONG_KEYSPACE, ((QuorumException)foreign.getCause()).status());
        assertFalse(foreign.getCause().getMessage().isEmpty());
    }
}
