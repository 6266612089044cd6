package io.synod.buildcheck;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a published module owes its users (issue 19): a place in {@code synod-bom}, an
 * {@code Automatic-Module-Name} that is its root package, sources and javadoc jars; and the published jars
 * together must load on the module path (no split package, no missing or clashing name). A new reactor
 * module is published unless {@link BuildFiles#NOT_PUBLISHED} says why not, so adding one without a BOM
 * entry fails here.
 */
class PublishingTest
{
    private static final String VERSION_EXPRESSION = "${project.version}";

    @Test
    void shouldListEveryPublishedModuleInTheBomAtTheParentVersion()
    {
        final Path root = BuildFiles.root();
        final String bom = BuildFiles.read(root.resolve("synod-bom/pom.xml"));
        final String parent = BuildFiles.read(root.resolve("pom.xml"));
        assertEquals(BuildFiles.first(parent, "<artifactId>synod-parent</artifactId>\\s*<version>([^<]+)</version>"),
            BuildFiles.first(bom, "<artifactId>synod-bom</artifactId>\\s*<version>([^<]+)</version>"),
            "synod-bom has no parent, so its version is written out: keep it equal to synod-parent's");

        final List<String> managed = BuildFiles.all(bom, "<artifactId>([^<]+)</artifactId>\\s*<version>\\Q" + VERSION_EXPRESSION + "\\E</version>");
        final List<String> missing = new ArrayList<>();
        for (final String module : BuildFiles.publishedModules())
        {
            final String artifactId = artifactId(module);
            if (!managed.contains(artifactId))
            {
                missing.add(artifactId);
            }
        }
        assertTrue(missing.isEmpty(), "published modules missing from synod-bom/pom.xml (add them, or list the module in " +
            "BuildFiles.NOT_PUBLISHED with the reason): " + missing);
        for (final String artifactId : managed)
        {
            assertTrue(BuildFiles.publishedModules().stream().map(PublishingTest::artifactId).anyMatch(artifactId::equals),
                "synod-bom manages " + artifactId + ", which is not a published reactor module");
        }
    }

    @Test
    void shouldNameEveryPublishedModuleAndAttachSourcesAndJavadoc()
    {
        final List<String> problems = new ArrayList<>();
        for (final String module : BuildFiles.publishedModules())
        {
            final String pom = BuildFiles.read(BuildFiles.root().resolve(module).resolve("pom.xml"));
            final String expected = BuildFiles.rootPackage(module);
            final String declared = BuildFiles.first(pom, "<synod.automaticModuleName>([^<]+)</synod.automaticModuleName>");
            if (!expected.equals(declared))
            {
                problems.add(module + ": synod.automaticModuleName is " + declared + ", expected its root package " + expected);
            }
            if (!pom.contains("<Automatic-Module-Name>${synod.automaticModuleName}</Automatic-Module-Name>"))
            {
                problems.add(module + ": maven-jar-plugin does not write Automatic-Module-Name");
            }
            for (final String plugin : List.of("maven-source-plugin", "maven-javadoc-plugin"))
            {
                if (!pom.contains("<artifactId>" + plugin + "</artifactId>"))
                {
                    problems.add(module + ": no " + plugin + " (sources and javadoc jars are published)");
                }
            }
            final Path jar = jar(module);
            if (jar != null)
            {
                final String inJar = manifestName(jar);
                if (!expected.equals(inJar))
                {
                    problems.add(module + ": " + jar.getFileName() + " has Automatic-Module-Name " + inJar + ", expected " + expected);
                }
                for (final String classifier : List.of("sources", "javadoc"))
                {
                    final Path attached = jar.resolveSibling(jar.getFileName().toString().replace(".jar", "-" + classifier + ".jar"));
                    if (!Files.exists(attached))
                    {
                        problems.add(module + ": no " + attached.getFileName() + " next to " + jar.getFileName());
                    }
                }
            }
        }
        if (!problems.isEmpty())
        {
            fail("published modules:\n  " + String.join("\n  ", problems));
        }
    }

    /**
     * The module-path check: every published jar (when packaged; {@code mvn test} alone checks nothing here) is
     * an automatic module of the expected name, and no package is in two of them or in one of them and a
     * dependency (a split package stops a module-path application from starting).
     */
    @Test
    void shouldResolvePublishedJarsAsModulesWithoutSplitPackages() throws IOException
    {
        final Map<String, String> owner = new HashMap<>();
        final List<String> problems = new ArrayList<>();
        final List<Path> ours = new ArrayList<>();
        for (final String module : BuildFiles.publishedModules())
        {
            final Path jar = jar(module);
            if (jar != null)
            {
                ours.add(jar);
            }
        }
        for (final Path jar : ours)
        {
            final Set<ModuleReference> found = ModuleFinder.of(jar).findAll();
            assertEquals(1, found.size(), jar.toString());
            final ModuleDescriptor descriptor = found.iterator().next().descriptor();
            assertTrue(descriptor.isAutomatic(), jar + " is an automatic module");
            for (final String pkg : descriptor.packages())
            {
                final String previous = owner.put(pkg, descriptor.name());
                if (previous != null)
                {
                    problems.add("package " + pkg + " is in both " + previous + " and " + descriptor.name());
                }
            }
        }
        for (final String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        {
            final Path path = Path.of(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(path) || ours.stream().anyMatch((p) -> sameFile(p, path)) ||
                path.getFileName().toString().matches("(raft-core|raft-testkit|kv-store|log-chronicle|transport-aeron|coordinator-client|quorum-store|transactions|" +
                    "lock-service|leader-election)-.*"))
            {
                continue;
            }
            try (JarFile dependency = new JarFile(path.toFile()))
            {
                dependency.stream()
                    .filter((e) -> e.getName().endsWith(".class") && e.getName().indexOf('/') > 0 &&
                        !e.getName().startsWith("META-INF/"))
                    .map((e) -> e.getName().substring(0, e.getName().lastIndexOf('/')).replace('/', '.'))
                    .distinct()
                    .filter(owner::containsKey)
                    .forEach((pkg) -> problems.add("package " + pkg + " of " + owner.get(pkg) + " is also in " + path.getFileName()));
            }
        }
        if (!problems.isEmpty())
        {
            fail("split packages on the module path:\n  " + String.join("\n  ", problems));
        }
        if (!ours.isEmpty())
        {
            // Resolve the published modules together, as a module-path application would see them.
            final ModuleFinder finder = ModuleFinder.of(ours.toArray(new Path[0]));
            final List<String> names = finder.findAll().stream().map((r) -> r.descriptor().name()).toList();
            final java.lang.module.Configuration configuration =
                ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), names);
            ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
        }
    }

    private static boolean sameFile(final Path a, final Path b)
    {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    static String artifactId(final String module)
    {
        final String pom = BuildFiles.read(BuildFiles.root().resolve(module).resolve("pom.xml"));
        final String withoutParent = pom.replaceAll("(?s)<parent>.*?</parent>", "");
        return BuildFiles.first(withoutParent, "<artifactId>([^<]+)</artifactId>");
    }

    /** @return the module's packaged main jar, or null if it was not packaged in this build. */
    static Path jar(final String module)
    {
        final Path target = BuildFiles.root().resolve(module).resolve("target");
        final String version = BuildFiles.first(BuildFiles.read(BuildFiles.root().resolve("pom.xml")),
            "<artifactId>synod-parent</artifactId>\\s*<version>([^<]+)</version>");
        final Path jar = target.resolve(artifactId(module) + "-" + version + ".jar");
        return Files.exists(jar) ? jar : null;
    }

    private static String manifestName(final Path jar)
    {
        try (JarFile file = new JarFile(jar.toFile()))
        {
            return file.getManifest() == null ? null : file.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
