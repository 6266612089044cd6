package io.synod.raft;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.opentest4j.TestAbortedException;

import java.lang.reflect.Method;

/**
 * For a seed-driven {@code @ParameterizedTest} whose first argument is the seed: a failing case fails with
 * a message that starts with the seed and the command that replays only that seed ({@link Seeds}), with the
 * original failure as its cause.
 */
public final class ReplaySeed implements InvocationInterceptor
{
    @Override
    public void interceptTestTemplateMethod(
        final Invocation<Void> invocation, final ReflectiveInvocationContext<Method> invocationContext,
        final ExtensionContext extensionContext) throws Throwable
    {
        try
        {
            invocation.proceed();
        }
        catch (final TestAbortedException | VirtualMachineError ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            if (invocationContext.getArguments().isEmpty() || !(invocationContext.getArguments().get(0) instanceof Long seed))
            {
                throw ex;
            }
            final String test = invocationContext.getTargetClass().getSimpleName() + "#" + invocationContext.getExecutable().getName();
            throw new AssertionError("seed " + seed + " of " + test + " failed: " + ex +
                "\n  replay: " + command(test, seed), ex);
        }
    }

    /** @return the command line that runs only {@code seed} of {@code test} ({@code Class#method}). */
    public static String command(final String test, final long seed)
    {
        // Surefire runs a module's tests in the module's directory (raft-core, or kv-store through raft-core's test jar).
        final java.nio.file.Path module = java.nio.file.Path.of("").toAbsolutePath().getFileName();
        return "mvn -q -pl " + (module == null ? "raft-core" : module) + " -am test -Dtest='" + test +
            "' -Dsurefire.failIfNoSpecifiedTests=false -D" + Seeds.SEED_PROPERTY + "=" + seed;
    }
}
