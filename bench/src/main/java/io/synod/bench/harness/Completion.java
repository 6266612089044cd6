package io.synod.bench.harness;

/** Told, on whatever thread the system under test completes on, that request {@code id} is done. */
@FunctionalInterface
public interface Completion
{
    void onComplete(long id);
}
