package io.synod.bench.harness;

/**
 * A system under load: accepts requests by id and reports each one's completion to a {@link Completion}.
 * {@link #send} and {@link #poll} are called from the one load-generator thread.
 *
 * <p><b>Completions are reported from {@link #poll} only</b>, on the generator thread, which timestamps them
 * there: a completion is timed when the generator observes it, whatever thread produced it. The Aeron
 * clients (floor, Aeron Cluster) poll their reply subscriptions there; a system that completes on its own
 * threads (Synod's leader agent, Ratis' futures) queues the ids in a {@link CompletionQueue} there and
 * {@link #poll} drains it. The generator checks the thread and throws on any other.
 */
public interface LoadTarget extends AutoCloseable
{
    /** @return a short name for the table. */
    String name();

    /** Where completions go; set before load is offered. */
    void completion(Completion completion);

    /**
     * Sends request {@code id} asynchronously.
     *
     * @return false on back-pressure (the generator polls and retries).
     */
    boolean send(long id);

    /**
     * Does client-side work: polls replies or drains queued completions, reporting each to the
     * {@link Completion}. Generator thread only.
     *
     * @return the work count (completions reported, fragments read).
     */
    default int poll()
    {
        return 0;
    }

    @Override
    void close();
}
