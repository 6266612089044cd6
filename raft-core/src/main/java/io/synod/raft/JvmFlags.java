package io.synod.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fail-fast check of the {@code --add-exports} / {@code --add-opens} flags that Agrona and Chronicle Queue
 * need on Java 17+. Without them they fail deep inside their own start-up with errors that do not name
 * the fix ({@code IllegalAccessError: class org.agrona.UnsafeApi ... cannot access class
 * jdk.internal.misc.Unsafe}, Chronicle's {@code AssertionError ... FileChannelImpl.map0}); with this check
 * the builder throws one {@link IllegalStateException} that lists every missing flag and where to put it.
 *
 * <p>Each module checks what it needs when it starts: {@code AeronRaftNode} and {@code AeronRuntime}
 * (transport-aeron), {@code ChronicleRaftLog.open} (log-chronicle). {@code -Dsynod.jvmFlags.skip=true}
 * skips every check, for runtimes where the access is granted some other way.
 *
 * <p><b>Threading.</b> Stateless; any thread. Allocates only when it builds its message.
 */
public final class JvmFlags
{
    /** System property that skips the check when {@code true}. */
    public static final String SKIP_PROPERTY = "synod.jvmFlags.skip";

    /** What Agrona needs: its {@code UnsafeApi} uses {@code jdk.internal.misc.Unsafe}. */
    public static final String[] AGRONA = { "--add-exports=java.base/jdk.internal.misc" };

    /**
     * Every flag Synod's own builds pass (the root POM's {@code synod.jvm.flags}), for an embedder's launcher.
     * More than the strict minimum the checks enforce: Chronicle documents the rest for code paths Synod's
     * tests do not reach.
     */
    public static final String RECOMMENDED =
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED " +
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED " +
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED " +
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED " +
        "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED " +
        "--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED";

    private JvmFlags()
    {
    }

    /**
     * Throws if any of {@code flags} is not in effect for the module of {@code libraryClass}.
     *
     * @param library      names the library in the message, e.g. {@code "Agrona"}.
     * @param libraryClass a class of the library that needs the access (its module is the flag's target).
     * @param flags        {@code --add-exports=module/package} or {@code --add-opens=module/package}, no target.
     * @throws IllegalStateException listing every missing flag, unless {@link #SKIP_PROPERTY} is {@code true}.
     */
    public static void require(final String library, final Class<?> libraryClass, final String... flags)
    {
        if (Boolean.getBoolean(SKIP_PROPERTY))
        {
            return;
        }
        final List<String> missing = missing(libraryClass.getModule(), flags);
        if (!missing.isEmpty())
        {
            throw new IllegalStateException(message(library, missing));
        }
    }

    /**
     * @return the flags of {@code flags} not in effect for {@code target}, each written out with its target
     * ({@code =ALL-UNNAMED} on the class path, the module's name on the module path). A flag naming a module
     * that is not in the runtime image is not reported.
     */
    public static List<String> missing(final Module target, final String... flags)
    {
        final List<String> missing = new ArrayList<>();
        for (final String flag : flags)
        {
            final boolean opens = flag.startsWith("--add-opens=");
            if (!opens && !flag.startsWith("--add-exports="))
            {
                throw new IllegalArgumentException("not an --add-exports/--add-opens flag: " + flag);
            }
            final String spec = flag.substring(flag.indexOf('=') + 1);
            final int slash = spec.indexOf('/');
            final Optional<Module> module = ModuleLayer.boot().findModule(spec.substring(0, slash));
            if (module.isEmpty())
            {
                continue;
            }
            final String pkg = spec.substring(slash + 1);
            // isExported is also true for an opened package, so either flag satisfies an export.
            final boolean granted = opens ? module.get().isOpen(pkg, target) : module.get().isExported(pkg, target);
            if (!granted)
            {
                missing.add(flag + "=" + (target.isNamed() ? target.getName() : "ALL-UNNAMED"));
            }
        }
        return missing;
    }

    private static String message(final String library, final List<String> missing)
    {
        return library + " needs JVM flags that this JVM was started without:\n    " + String.join(" ", missing) + "\n" +
            "Add them to the java command line (before -jar or the main class), to JDK_JAVA_OPTIONS, to the " +
            "<argLine> of maven-surefire-plugin for tests, or to an executable jar's manifest (Add-Exports / Add-Opens). " +
            "Synod's full recommended list (README, \"JVM flags\"):\n    " + RECOMMENDED + " -Dchronicle.analytics.disable=true\n" +
            "-D" + SKIP_PROPERTY + "=true skips this check.";
    }
}
