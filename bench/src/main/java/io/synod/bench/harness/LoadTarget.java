package io.synod.bench.harness;

/**
 * A system under load: accepts requests by id and reports each one's completion to a {@link Completion}.
 * {@link #send} and {@link #poll} are called from the one load-generator thread; completions may arrive on
 * any thread (Synod's leader agent, Ratis' futures) or from {@link #poll} (Aeron clients).
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

    /** Does client-side work (polling responses); returns the work count. */
    default int poll()
    {
        return 0;
    }

    @Override
    void close();
}
