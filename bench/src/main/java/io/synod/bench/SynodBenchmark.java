package io.synod.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * Base of the Synod JMH benchmarks: holds the one fork configuration, inherited by every subclass (JMH
 * annotations are inherited). The JVM arguments mirror the root pom property {@code synod.jvm.flags}
 * (add-opens/add-exports for Chronicle and Agrona, Chronicle analytics off); keep the two in step.
 * {@link #JVM_FLAGS} is the same list for code that starts JVMs or prints the set-up.
 */
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED", "-Dchronicle.analytics.disable=true",
    "-Dchronicle.disk.monitor.disable=true" })
public abstract class SynodBenchmark
{
    /** The fork's JVM arguments, as a list. */
    public static final String[] JVM_FLAGS = SynodBenchmark.class.getAnnotation(Fork.class).jvmArgsAppend();
}
