package io.synod.txn;

import java.util.List;
import java.util.Objects;

/**
 * A saga the host registers with its {@link SagaOrchestrator}: a name (what the saga log records) and the
 * steps, executed in order and compensated in reverse. Every member that may lead the coordinator group
 * must register the same definitions under the same names.
 *
 * @param name  at most {@link SagaCodec#NAME_MAX} bytes of UTF-8.
 * @param steps 1 to {@link SagaCodec#STEPS_MAX} steps.
 */
public record SagaDefinition(String name, List<SagaStep> steps)
{
    /** @throws IllegalArgumentException on an empty or long name, or a step count out of range. */
    public SagaDefinition
    {
        Objects.requireNonNull(name, "name");
        steps = List.copyOf(steps);
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > SagaCodec.NAME_MAX ||
            steps.isEmpty() || steps.size() > SagaCodec.STEPS_MAX)
        {
            throw new IllegalArgumentException("saga '" + name + "': name of 1 to " + SagaCodec.NAME_MAX + " bytes and 1 to " +
                SagaCodec.STEPS_MAX + " steps, not " + steps.size());
        }
    }

    /** A definition of the steps given, in order. */
    public static SagaDefinition of(final String name, final SagaStep... steps)
    {
        return new SagaDefinition(name, List.of(steps));
    }
}
