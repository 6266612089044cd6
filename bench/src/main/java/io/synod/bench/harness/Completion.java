package io.synod.bench.harness;

/**
 * Told that request {@code id} is done. Called on the load generator's thread from {@link LoadTarget#poll}
 * (the generator timestamps it there), or, outside the harness, on whatever thread the caller drains on.
 */
@FunctionalInterface
public interface Completion
{
    void onComplete(long id);
}
